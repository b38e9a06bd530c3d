// Replay alongside the program (replay.h): the model runs the program the runtime ran, and every
// recorded boundary must be the model's next one.
//
//   for each recorded event:
//     statement of thread k: start behaviour k if it waits; run k to its next boundary;
//       the model's statement must be the recorded one (`Line N: text`, same marker);
//       compare the snapshots; check the invariants; on a difference adopt the runtime's state
//     the runtime failed (an `Error:` without a diagram of its statement, or a rejected event):
//       run the model's next statement; the model must reject it with the same code
//     spawn / acquire / release of behaviour k: the model must agree (acquire starts k)
//   at the end of the recording, what the log says of the run's end is judged the same way:
//     an abort or a crash in the model's next statement is a finding; a normal end must leave
//     the model's program finished too
//
// When the recording stops lining up with the program (another statement than the model's next,
// a difference inside a behaviour, a rejection the model cannot step over), the rest of the
// recording is not judged against the model; its snapshots are still checked.
#include "traces/replay/judge.h"

#include <algorithm>
#include <set>

namespace lungfish::traces::detail {

namespace {

class Follower : Judge {
public:
  Follower(StepSource &source, const ReplayOptions &o, ReplayReport &report)
      : Judge(source, o, report) {
    MachineOptions mo;
    mo.profile = o.profile;
    mo.max_steps = o.max_steps;
    mo.timeout_seconds = o.timeout_seconds;
    mo.record_history = true;
    machine_ = std::make_unique<Machine>(o.program, mo);
  }

  void run() {
    size_t i = 0;
    for (; !stop_ && at(i); ++i) {
      const RecordedStep &s = enter(i);
      if (lost_) {
        after_lost(i);
        continue;
      }
      switch (s.kind) {
        case RecordedKind::Statement:
          if (!s.opaque.empty())
            opaque_step(i);
          else if (s.outcome != "ok")
            failed(i, s.outcome, s.detail);
          else
            statement(i);
          break;
        case RecordedKind::Error:
          failed(i, s.outcome, s.message.substr(s.message.rfind("Error: ", 0) == 0 ? 7 : 0));
          break;
        case RecordedKind::Leak:
          report_.runtime_outcome = "leak";
          ++report_.other;
          break;
        case RecordedKind::Note:
          ++report_.other;
          break;
        case RecordedKind::Spawn:
        case RecordedKind::Acquire:
        case RecordedKind::Release:
          behaviour_event(i);
          break;
        case RecordedKind::End:
          ++report_.other;
          end_event(s);
          break;
      }
    }
    if (!stop_ && !lost_) end_of_recording(i);
    if (lost_since_)
      report_.unjudged_reasons.push_back(
          std::to_string(report_.unjudged) + " events from event " + std::to_string(lost_since_) +
          " on: the recording no longer follows the program, so they were not run by the model "
          "(their snapshots were checked)");
    for (const std::string &r : reasons_)
      report_.unjudged_reasons.push_back(r);
    finish_report();
  }

private:
  std::unique_ptr<Machine> machine_;
  bool stop_ = false;                // a limit was reached
  bool lost_ = false;                // the recording no longer lines up with the program
  std::set<uint32_t> offered_early_; // behaviours whose offer as ready was judged
  uint32_t lost_since_ = 0;          // the first event not judged after that
  bool ended_ = false;               // the runtime's run ended in a failure judged here
  bool end_stopped_ = false; // the runtime says it stopped on purpose (a limit, its own checker)
  bool main_done_ = false;   // the model's main program ran to its end
  std::optional<RecordedStep> end_violation_; // an `end` event saying "violation"
  std::vector<std::string> reasons_;

  const World &world() const { return machine_->world(); }
  bool single_thread() const { return world().threads.size() == 1; }

  void lose(size_t i) {
    lost_ = true;
    (void)i;
  }

  void after_lost(size_t i) {
    const RecordedStep &s = *at(i);
    if (s.kind == RecordedKind::Note || s.kind == RecordedKind::End) {
      ++report_.other;
      return;
    }
    if (s.kind == RecordedKind::Leak) {
      report_.runtime_outcome = "leak";
      ++report_.other;
      return;
    }
    if (!lost_since_) lost_since_ = static_cast<uint32_t>(i + 1);
    ++report_.unjudged;
    if (s.kind == RecordedKind::Error || s.outcome != "ok") report_.runtime_outcome = s.outcome;
    check_snapshot(i);
  }

  std::string next_statement(uint32_t t) const { return machine_->current_statement(t); }

  /// After the model rejected what the runtime accepted: moves thread t past the rest of the
  /// rejected statement when its code up to the boundary is straight-line and the boundary's
  /// message is `message`. False if it is not.
  bool skip_statement(uint32_t t, const std::string &message) {
    const Activation &a = world().threads[t].calls.back();
    const Function &f = machine_->program().functions[a.function];
    for (uint32_t pc = a.pc; pc < f.code.size(); ++pc) {
      Op op = f.code[pc].op;
      if (op == Op::Statement) {
        if (machine_->program().statements[f.code[pc].a].message != message) return false;
        machine_->restore(t, {a.function, pc + 1});
        return true;
      }
      if (op == Op::Jump || op == Op::JumpIfFalse || op == Op::Call || op == Op::CallMethod ||
          op == Op::Return || op == Op::Halt || op == Op::Spawn)
        return false;
    }
    return false;
  }

  /// Starts behaviour k if it waits; false (and a divergence) if it may not start now.
  bool ensure_started(size_t i, uint32_t k) {
    if (k >= world().threads.size()) {
      divergence(i, "schedule",
                 "the runtime runs behaviour " + std::to_string(k) +
                     ", which the model has not spawned (it spawned " +
                     std::to_string(world().threads.size() - 1) + ")");
      return false;
    }
    const Thread &t = world().threads[k];
    if (t.status == ThreadStatus::Done || (k == 0 && main_done_)) {
      divergence(i, "schedule",
                 k == 0 ? "the runtime runs the main program after the model's ended"
                        : "the runtime runs behaviour " + std::to_string(k) +
                              " after the model's ended");
      return false;
    }
    if (t.status == ThreadStatus::Running) return true;
    if (k > 0 && !main_done_ && !finish_main(i, k)) return false;
    if (!machine_->start_behaviour(k)) {
      std::string why;
      std::optional<std::string> defect;
      for (uint32_t j = 1; j < k && why.empty(); ++j) {
        const Thread &e = world().threads[j];
        if (e.status == ThreadStatus::Done) continue;
        for (ObjectId c : t.cowns)
          if (std::find(e.cowns.begin(), e.cowns.end(), c) != e.cowns.end()) {
            why = "behaviour " + std::to_string(j) + " (spawned at line " +
                  std::to_string(e.spawn_line) + ") shares " + machine_->describe(c) +
                  " with it, was spawned before it and has not finished";
            defect = std::string(pldi27::kOvertake);
            break;
          }
      }
      for (ObjectId c : t.cowns)
        if (why.empty() && world().heap.is_live(c) &&
            world().heap.obj(c).status != CownStatus::Released) {
          why = machine_->describe(c) + " is " +
                std::string(cown_status_name(world().heap.obj(c).status));
          if (world().heap.obj(c).status == CownStatus::Pending)
            // The runtime drops the main program's frame when it ends: what only main's
            // variables kept open is closed then, and the cown Released (decision 31). Else
            // the runtime acquired a cown whose region is open.
            defect = std::string(main_keeps_open(c) ? pldi27::kMainKept : pldi27::kAcquirePending);
        }
      divergence(i, "schedule",
                 "the runtime starts behaviour " + std::to_string(k) + " (spawned at line " +
                     std::to_string(t.spawn_line) + ") while the model says it may not start: " +
                     (why.empty() ? "one of its cowns is not Released" : why),
                 defect);
      return false;
    }
    return true;
  }

  /// The runtime offered the behaviours of step i's `ready` list (its log's prompt) when k was
  /// chosen: each must be one the semantics lets start next, that is no behaviour spawned
  /// before it and not finished shares a cown with it (spawn order per cown). A behaviour
  /// offered too early is a finding whichever the user chose: the runtime would run it if asked.
  /// (Whether its cowns are Released is not judged here: the model keeps main's frame, decision
  /// 31, and the chosen behaviour's start judges that.)
  void offered_ready(size_t i, uint32_t k) {
    const RecordedStep &s = *at(i);
    for (uint32_t b : s.ready) {
      if (b == k || b == 0 || b >= world().threads.size() || !offered_early_.insert(b).second)
        continue;
      const Thread &t = world().threads[b];
      if (t.status != ThreadStatus::Waiting) continue;
      for (uint32_t j = 1; j < b; ++j) {
        const Thread &e = world().threads[j];
        if (e.status == ThreadStatus::Done) continue;
        auto c = std::find_first_of(t.cowns.begin(), t.cowns.end(), e.cowns.begin(), e.cowns.end());
        if (c == t.cowns.end()) continue;
        divergence(i, "schedule",
                   "the runtime offers behaviour " + std::to_string(b) + " (spawned at line " +
                       std::to_string(t.spawn_line) + ") as ready while behaviour " +
                       std::to_string(j) + " (spawned at line " + std::to_string(e.spawn_line) +
                       "), spawned before it, shares " + machine_->describe(*c) +
                       " with it and has not finished",
                   std::string(pldi27::kOvertake));
        break;
      }
    }
  }

  /// A behaviour that has not started and acquires one cown twice (through two names of it), if
  /// the runtime's run ended with it waiting; 0 if none.
  uint32_t self_waiting() const {
    for (uint32_t k = 1; k < world().threads.size(); ++k) {
      const Thread &t = world().threads[k];
      if (t.status != ThreadStatus::Waiting) continue;
      for (size_t a = 0; a < t.cowns.size(); ++a)
        for (size_t b = 0; b < a; ++b)
          if (t.cowns[a] == t.cowns[b]) return k;
    }
    return 0;
  }

  /// Runs the main program to its end before behaviour k starts (a runtime that starts
  /// behaviours only after main, as FrankenScript does, records main's last statement before);
  /// false (and a divergence) if main has statements left.
  bool finish_main(size_t i, uint32_t k) {
    Event event;
    Machine::Pause p = machine_->run_until_pause(0, event);
    if (p == Machine::Pause::Yielded) {
      main_done_ = true;
      return true;
    }
    if (p == Machine::Pause::Stopped && machine_->error()) {
      model_rejects(i, 0);
      return false;
    }
    divergence(i, "schedule",
               "the runtime starts behaviour " + std::to_string(k) +
                   " while the model's main program goes on" +
                   (p == Machine::Pause::Statement ? " with `" + event.message + "`" : ""));
    return false;
  }

  /// True if cown c is Pending only because the main program's frame, which has ended, holds a
  /// reference into its region.
  bool main_keeps_open(ObjectId c) const {
    const State &h = world().heap;
    const Field *v = h.find_field(c, intern("value"));
    if (!v || v->value == kNone || !h.is_live(v->value)) return false;
    const Location &loc = h.obj(v->value).loc;
    if (loc.kind != LocationKind::Region) return false;
    const Thread &main = world().threads[0];
    if (main.calls.empty()) return false;
    for (const Field &f : h.obj(main.calls.front().frame).fields)
      if (f.value != kNone && h.is_live(f.value) && h.obj(f.value).loc == loc) return true;
    return false;
  }

  void opaque_step(size_t i) {
    const RecordedStep &s = *at(i);
    // Following a program, the model ran this statement too; what it cannot interpret is a
    // statement outside its language, so the program could not have been compiled: only
    // recordings without a program have opaque steps. Stay honest if one comes anyway.
    ++report_.opaque;
    note("event " + std::to_string(i + 1) + " is opaque to the model (" + s.opaque +
         "): its snapshot was checked");
    check_snapshot(i);
    lose(i);
  }

  void statement(size_t i) {
    const RecordedStep &s = *at(i);
    uint32_t k = s.thread;
    if (!ensure_started(i, k)) {
      ++report_.modelled;
      lose(i);
      return;
    }
    Event event;
    Machine::Pause p = machine_->run_until_pause(k, event);
    if (p == Machine::Pause::Stopped && !machine_->error() && !machine_->dangling()) {
      report_.limited = true; // --max-steps / --timeout: outcome limit
      ++report_.unjudged;
      stop_ = true;
      return;
    }
    ++report_.modelled;
    if (p == Machine::Pause::Yielded && k == 0) main_done_ = true;
    if (p == Machine::Pause::Yielded || p == Machine::Pause::Entered) {
      divergence(i, "statement",
                 "the runtime shows `" + s.message + "` where the model's " +
                     (k == 0 ? std::string("program") : "behaviour " + std::to_string(k)) +
                     " has ended");
      lose(i);
      return;
    }
    if (p == Machine::Pause::Stopped) {
      model_rejects(i, k);
      return;
    }
    if (event.message != s.message) {
      divergence(i, "statement",
                 "the model's next statement is `" + event.message + "`, the runtime shows `" +
                     s.message + "`");
      lose(i);
      return;
    }
    if (compare(i, world(), k)) {
      if (!single_thread()) {
        lose(i); // a behaviour's state cannot be rebuilt from one snapshot
        return;
      }
      adopt(i, *machine_);
    }
  }

  /// The model rejected (or found a dangling reference in) the statement the runtime accepted.
  void model_rejects(size_t i, uint32_t k) {
    const RecordedStep &s = *at(i);
    if (!machine_->error()) {
      divergence(
          i, "outcome",
          "the runtime accepted `" + s.stmt +
              "`, but in the model it uses a freed object: " + machine_->dangling().value_or(""));
      lose(i);
      return;
    }
    const RuleError &e = *machine_->error();
    divergence(i, "outcome",
               "the runtime accepted `" + s.stmt +
                   "` but the model rejects it: " + std::string(error_code_name(e.code)) + " (" +
                   std::string(rule_info(e.rule).name) + "): " + e.message,
               classify_rejection(machine_->error(), s, world()));
    if (single_thread() && skip_statement(k, s.message)) {
      adopt(i, *machine_); // continue from the runtime's state after the statement
      return;
    }
    lose(i);
  }

  /// True if `text` says a name is undefined ("The name x is undefined in the current frame")
  /// that behaviour k's bottom frame holds: a variable its `when` captured.
  static bool captured_name(const std::string &text, const World &w, uint32_t k) {
    constexpr std::string_view kName = "The name ";
    auto p = text.find(kName);
    if (p == std::string::npos || k >= w.threads.size() || w.threads[k].calls.empty()) return false;
    auto end = text.find(' ', p + kName.size());
    if (end == std::string::npos) return false;
    std::string name = text.substr(p + kName.size(), end - p - kName.size());
    const Thread &t = w.threads[k];
    const Field *f = w.heap.find_field(t.calls.front().frame, intern(name));
    if (!f) return false;
    // A cown variable of the `when` is bound by the runtime too; only a capture is missing.
    return std::find(t.cowns.begin(), t.cowns.end(), f->value) == t.cowns.end() ||
           f->value == kNone;
  }

  /// True if FrankenScript's error `text`, which it prints for two codes, means the code of the
  /// model's rejection `e`: "Cannot reference an object from another region" is E_HAS_PARENT for
  /// a direct write and E_OTHER_REGION inside a pull (docs/semantics.md 6).
  static bool means(const std::string &text, const RuleError &e) {
    if (text.find("Cannot reference an object from another region") == std::string::npos)
      return false;
    bool pull = rule_info(e.rule).name.starts_with("pull.");
    return pull ? e.code == ErrorCode::E_OTHER_REGION : e.code == ErrorCode::E_HAS_PARENT;
  }

  /// The runtime failed with `code` (its `text`) in the model's next statement.
  void failed(size_t i, std::string code, const std::string &text) {
    const RecordedStep &s = *at(i);
    report_.runtime_outcome = code;
    ended_ = true;
    uint32_t k = s.thread;
    if (code == "abort" || code == "crash") {
      ++report_.modelled;
      died(i, code == "abort" ? "aborted" : "crashed", text, k);
      return;
    }
    if (!ensure_started(i, k)) {
      ++report_.modelled;
      lose(i);
      return;
    }
    std::string stmt = next_statement(k);
    World before = world(); // for naming a spurious rejection's defect
    Event event;
    Machine::Pause p = machine_->run_until_pause(k, event);
    if (p == Machine::Pause::Stopped && !machine_->error() && !machine_->dangling()) {
      report_.limited = true;
      ++report_.unjudged;
      stop_ = true;
      return;
    }
    ++report_.modelled;
    std::string shown = stmt.empty() ? "its next statement" : "`" + stmt + "`";
    std::string runtime =
        (code.empty() || code == "crash" ? "an error the model has no code for" : code) +
        (text.empty() ? "" : " (\"" + text + "\")");
    if (p == Machine::Pause::Stopped && machine_->error()) {
      const RuleError &e = *machine_->error();
      std::string model = std::string(error_code_name(e.code));
      if (model != code && means(text, e)) {
        note("event " + std::to_string(i + 1) + ": FrankenScript's text \"" + text + "\" means " +
             model + " in " + shown + " (" + std::string(rule_info(e.rule).name) + ")");
        report_.runtime_outcome = code = model;
      }
      if (model == code) {
        note("event " + std::to_string(i + 1) + ": the runtime rejected " + shown + " with " +
             code + ", as the model does (" + std::string(rule_info(e.rule).name) + ")");
        return;
      }
      divergence(i, "outcome",
                 "the runtime rejected " + shown + " with " + runtime + ", the model with " +
                     model + " (" + std::string(rule_info(e.rule).name) + "): " + e.message,
                 std::nullopt, line_of(stmt));
      lose(i);
      return;
    }
    if (p == Machine::Pause::Stopped) {
      divergence(i, "outcome",
                 "the runtime rejected " + shown + " with " + runtime +
                     "; in the model it uses a freed object: " + machine_->dangling().value_or(""),
                 std::nullopt, line_of(stmt));
      lose(i);
      return;
    }
    if (p == Machine::Pause::Statement) {
      auto defect = classify_spurious(text, before, world());
      if (!defect && k > 0 && captured_name(text, before, k))
        defect = std::string(pldi27::kNoCaptures);
      divergence(i, "outcome",
                 "spurious rejection: the runtime rejected `" +
                     (stmt.empty() ? event.message : stmt) + "` with " + runtime +
                     "; the model accepts it",
                 defect, line_of(stmt.empty() ? event.message : stmt));
      lose(i);
      return;
    }
    divergence(i, "outcome",
               "the runtime reported " + runtime + " after the model's program ended");
    lose(i);
  }

  /// The runtime died (aborted, crashed) in the model's next statement on thread k: a finding,
  /// with what the model says of that statement.
  void died(size_t i, const std::string &how, const std::string &text, uint32_t k) {
    std::string stmt = next_statement(k);
    std::string model;
    std::optional<RuleError> rejection;
    World before = world(); // for naming the defect
    if (k < world().threads.size() && world().threads[k].status != ThreadStatus::Done &&
        !(k == 0 && main_done_) && (k == 0 || world().threads[k].status == ThreadStatus::Running)) {
      Event event;
      Machine::Pause p = machine_->run_until_pause(k, event);
      if (p == Machine::Pause::Stopped && machine_->error()) {
        rejection = machine_->error();
        model = "; the model rejects it with " + std::string(error_code_name(rejection->code)) +
                " (" + std::string(rule_info(rejection->rule).name) + ")";
      } else if (p == Machine::Pause::Statement) {
        model = "; the model accepts it";
      } else if (p == Machine::Pause::Yielded) {
        model = "; the model's program had ended";
      }
    }
    auto defect = classify_death(text, stmt, rejection, before, k);
    if (uint32_t w = self_waiting(); w && text.find("still has references") != std::string::npos) {
      // The exit check finds what the scheduler still holds for a behaviour that never ran.
      defect = std::string(pldi27::kSelfWait);
      model += "; behaviour " + std::to_string(w) + " (spawned at line " +
               std::to_string(world().threads[w].spawn_line) +
               ") never ran: it names one cown twice and waits on itself";
    }
    runtime_died(i, how, stmt, text, defect);
    if (!model.empty()) report_.divergences.back().detail += model;
    lose(i);
  }

  void behaviour_event(size_t i) {
    const RecordedStep &s = *at(i);
    ++report_.modelled;
    uint32_t k = s.behaviour;
    switch (s.kind) {
      case RecordedKind::Spawn:
        // The spawn happens in the `when` statement, recorded right after this event.
        break;
      case RecordedKind::Acquire:
        if (!ensure_started(i, k)) {
          lose(i);
          break;
        }
        offered_ready(i, k);
        // FrankenScript draws the behaviour's fresh frame: its cowns bound, nothing captured.
        if (s.snapshot && compare(i, world(), k)) lose(i);
        break;
      case RecordedKind::Release: {
        if (k >= world().threads.size()) {
          divergence(i, "schedule",
                     "the runtime ends behaviour " + std::to_string(k) +
                         ", which the model has not spawned");
          lose(i);
          break;
        }
        // FrankenScript draws the behaviour's frame as its body left it.
        if (s.snapshot && world().threads[k].status == ThreadStatus::Running &&
            compare(i, world(), k)) {
          lose(i);
          break;
        }
        // The behaviour's code after its last statement (its return) runs now.
        Event event;
        while (world().threads[k].status == ThreadStatus::Running) {
          Machine::Pause p = machine_->run_until_pause(k, event);
          if (p == Machine::Pause::Statement) {
            divergence(i, "statement",
                       "the runtime ends behaviour " + std::to_string(k) +
                           " where the model goes on with `" + event.message + "`");
            lose(i);
            return;
          }
          if (p == Machine::Pause::Stopped) {
            model_rejects(i, k);
            return;
          }
        }
        if (world().threads[k].status != ThreadStatus::Done) {
          divergence(i, "schedule",
                     "the runtime ends behaviour " + std::to_string(k) +
                         ", which has not started in the model");
          lose(i);
        }
        break;
      }
      default:
        break;
    }
  }

  void end_event(const RecordedStep &s) {
    if (s.outcome == "limit") end_stopped_ = true;
    if (s.outcome == "violation") end_violation_ = s;
    if (s.outcome == "leak") report_.runtime_outcome = "leak";
  }

  /// The runtime says its own checker stopped it ("Ik: message"): a finding, with what the model
  /// says of the statement the runtime was in.
  void runtime_checker_stopped(size_t i) {
    const RecordedStep &s = *end_violation_;
    report_.runtime_outcome = "violation";
    uint32_t k = s.thread;
    std::string stmt = next_statement(k);
    std::string model;
    if (k < world().threads.size() && world().threads[k].status == ThreadStatus::Running &&
        !(k == 0 && main_done_) && !stmt.empty()) {
      Event event;
      Machine::Pause p = machine_->run_until_pause(k, event);
      if (p == Machine::Pause::Stopped && machine_->error())
        model = "; in `" + stmt + "` the model rejects it with " +
                std::string(error_code_name(machine_->error()->code)) + " (" +
                std::string(rule_info(machine_->error()->rule).name) + ")";
      else if (p == Machine::Pause::Stopped && machine_->dangling())
        model = "; in `" + stmt + "` the model uses a freed object too";
    }
    ReplayViolation v;
    v.event = static_cast<uint32_t>(i + 1);
    v.line = line_of(stmt);
    std::string detail = s.detail;
    auto colon = detail.find(": ");
    auto inv = parse_invariant(detail.substr(0, colon));
    v.violation.invariant = inv.value_or(Invariant::I16);
    v.violation.message = "the runtime's own checker stopped the run: " + detail + model;
    v.rendered = std::string(invariant_name(v.violation.invariant)) + " broken (" +
                 v.violation.message + ")";
    if (report_.clean()) report_.matched_prefix = static_cast<uint32_t>(i);
    report_.violations.push_back(std::move(v));
  }

  /// The recording ended: judge what the log says of the run's end.
  void end_of_recording(size_t events) {
    size_t i = events ? events - 1 : 0;
    if (end_violation_ && !ended_) {
      runtime_checker_stopped(i);
      return;
    }
    if (ended_ || end_stopped_) return;
    const RuntimeEnd &end = options_.end;
    if (uint32_t k = self_waiting()) {
      // pldi27 links a behaviour to the last one waiting on each of its cowns: on a cown it
      // names twice, to itself. It never runs; the scheduler's references to it stay, which
      // the exit check then reports ("still has references").
      const Thread &t = world().threads[k];
      divergence(i, "schedule",
                 "behaviour " + std::to_string(k) + " (spawned at line " +
                     std::to_string(t.spawn_line) +
                     ") never ran in the runtime: it names one cown twice and waits on itself" +
                     (end.text.empty() ? std::string() : "; the run then ended: " + end.text),
                 std::string(pldi27::kSelfWait), t.spawn_line);
      return;
    }
    switch (end.kind) {
      case RuntimeEnd::Kind::Abort:
        report_.runtime_outcome = "abort";
        died(i, "aborted", end.text, 0);
        return;
      case RuntimeEnd::Kind::Crash:
        report_.runtime_outcome = "crash";
        died(i, "died before its end-of-run check (killed by a signal?)", end.text, 0);
        return;
      case RuntimeEnd::Kind::Error:
        // The log names an error the recording has no step for (a cut recording).
        failed(i, end.code, end.text);
        return;
      case RuntimeEnd::Kind::Stopped:
        return;
      case RuntimeEnd::Kind::Finished:
      case RuntimeEnd::Kind::Unknown:
        break;
    }
    // The runtime's run went to its end: so must the model's.
    for (uint32_t k = 0; k < world().threads.size(); ++k) {
      if (world().threads[k].status != ThreadStatus::Running) continue;
      if (k == 0 && main_done_) continue;
      Event event;
      Machine::Pause p = machine_->run_until_pause(k, event);
      if (p == Machine::Pause::Yielded) { // the thread's code ended
        if (k == 0) main_done_ = true;
        continue;
      }
      if (p == Machine::Pause::Stopped && !machine_->error() && !machine_->dangling()) {
        report_.limited = true;
        return;
      }
      if (end.kind == RuntimeEnd::Kind::Unknown) {
        reasons_.push_back(
            "the recording ends before the program does (the model's next statement is `" +
            (p == Machine::Pause::Statement ? event.message : next_statement(k)) +
            "`); without the runtime's log, how its run ended is not known (give it with --log)");
        return;
      }
      divergence(i, "outcome",
                 "the runtime's run ended normally after event " + std::to_string(events) +
                     ", but the model's program goes on" +
                     (p == Machine::Pause::Statement ? " with `" + event.message + "`"
                      : p == Machine::Pause::Stopped && machine_->error()
                          ? " and rejects its next statement with " +
                                std::string(error_code_name(machine_->error()->code))
                          : std::string()));
      return;
    }
    for (uint32_t k = 1; k < world().threads.size(); ++k)
      if (world().threads[k].status == ThreadStatus::Waiting &&
          end.kind == RuntimeEnd::Kind::Finished) {
        divergence(i, "schedule",
                   "behaviour " + std::to_string(k) + " (spawned at line " +
                       std::to_string(world().threads[k].spawn_line) +
                       ") never ran in the runtime, whose run ended normally");
        return;
      }
    machine_->finish_run({}); // the model's final collection
  }
};

} // namespace

void replay_following(StepSource &source, const ReplayOptions &options, ReplayReport &report) {
  Follower f(source, options, report);
  f.run();
}

} // namespace lungfish::traces::detail
