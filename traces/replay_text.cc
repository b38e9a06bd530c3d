// Replay of recorded steps through the model (see replay.h for the algorithm).
//
// Every recorded step is "run the model until its next statement boundary": either resume code
// that is paused in the top activation (the rest of a `return`, of a call site after the callee
// returned, of an if/while/for step), or compile the step's own statement into the slot of the
// current call depth and run it. The boundary the model reaches must be the recorded one.
#include "traces/replay.h"

#include "model/program_text.h"
#include "traces/defects.h"

#include <algorithm>
#include <deque>
#include <set>
#include <sstream>
#include <unordered_map>

namespace lungfish::traces {

namespace {

std::string marker_of(const std::string &message) {
  std::string_view msg = message;
  if (msg.empty() || msg.back() != ')') return ""; // the common case: no marker
  for (std::string_view m : {"(True)", "(False)", "(Next)", "(Break)", "(Enter)", "(Exit)"}) {
    if (msg.size() > m.size() && msg.substr(msg.size() - m.size()) == m &&
        msg[msg.size() - m.size() - 1] == ' ')
      return std::string(m);
  }
  return "";
}

std::optional<Stmt> parse_recorded_uncached(const std::string &text, uint32_t line);

/// Parses one recorded statement; compound headers get a placeholder body. Recorded programs
/// repeat their statements (loops, calls, repeated blocks), so parses are memoised by text (the
/// line is set afterwards); the memo is dropped when it grows past a bound, keeping memory flat.
std::optional<Stmt> parse_recorded(const std::string &text, uint32_t line) {
  thread_local std::unordered_map<std::string, std::optional<Stmt>> memo;
  auto it = memo.find(text);
  if (it == memo.end()) {
    if (memo.size() > 4096) memo.clear();
    it = memo.emplace(text, parse_recorded_uncached(text, 0)).first;
  }
  std::optional<Stmt> parsed = it->second;
  if (parsed) parsed->loc.line = line;
  return parsed;
}

std::optional<Stmt> parse_recorded_uncached(const std::string &text, uint32_t line) {
  std::string src = text;
  bool header = !src.empty() && src.back() == ':';
  bool is_return = src == "return" || src.rfind("return ", 0) == 0;
  if (header) src += "\n    pass()";
  if (is_return) src = "def _replay_():\n    " + src;
  // FrankenScript drops a statement's final `]` when it prints it (`c = a["f"`).
  long open = std::count(src.begin(), src.end(), '[') - std::count(src.begin(), src.end(), ']');
  if (!header && !is_return && open > 0)
    src += std::string(static_cast<size_t>(open), ']');
  else if (is_return && open > 0)
    src += std::string(static_cast<size_t>(open), ']');
  try {
    Program p = parse_program(src, "<recorded>");
    if (p.body.empty()) return std::nullopt;
    Stmt s = is_return ? p.body[0].body.at(0) : p.body[0];
    if (header) {
      s.body.clear();
      s.orelse.clear();
    }
    s.text = text;
    s.loc.line = line;
    return s;
  } catch (const std::exception &) {
    return std::nullopt;
  }
}

class Driver {
public:
  Driver(StepSource &source, const ReplayOptions &o, ReplayReport &report)
      : source_(source), options_(o), report_(report) {
    prog_.statements.push_back({});
    prog_.functions.push_back(Function{"<main>", {}, {Instr{Op::Halt, 0, 0, 0, 0}}, 0, false});
    // The machine reads the same program the driver compiles into: each recorded statement is
    // compiled between two pauses, never while the machine runs, so sharing is safe and a step
    // costs its own statement, not a copy of everything compiled so far.
    MachineOptions mo;
    mo.profile = o.profile;
    mo.max_steps = o.max_steps;
    mo.timeout_seconds = o.timeout_seconds;
    mo.record_history = true;
    machine_ = std::make_unique<Machine>(shared_, mo);
  }

  void run() {
    for (size_t i = 0; !stop_ && at(i); ++i) {
      forget_before(i); // memory follows the look-ahead window, not the trace
      const RecordedStep &s = *at(i);
      report_.events = static_cast<uint32_t>(i + 1);
      if (s.kind == "Line" && !s.stmt.empty()) {
        recent_.push_back(s.stmt);
        if (recent_.size() > 256) recent_.pop_front();
      }
      if (s.kind == "Error" || (s.kind == "Line" && s.outcome != "ok")) {
        runtime_error(i);
        continue;
      }
      if (s.kind == "Leak") report_.runtime_outcome = "leak";
      if (s.kind != "Line") continue;
      step(i);
    }
    if (!machine_->error() && !stop_)
      machine_->finish_run({}); // final collection of the model (the runtime's is its own)
  }

private:
  StepSource &source_;
  std::deque<RecordedStep> window_; // steps base_ .. base_ + size - 1
  size_t base_ = 0;
  bool eof_ = false;
  std::deque<std::string> recent_; // the latest statements, for classifying findings
  ReplayOptions options_;
  ReplayReport &report_;
  std::shared_ptr<CompiledProgram> shared_ = std::make_shared<CompiledProgram>();
  CompiledProgram &prog_ = *shared_;
  std::unique_ptr<Machine> machine_;
  std::vector<uint32_t> slots_; // code slot per call depth
  struct Saved {
    uint64_t frame_serial; // the activation the code was redirected in
    std::pair<uint32_t, uint32_t> position;
  };
  std::vector<std::vector<Saved>> saved_;            // per depth: redirected code
  std::vector<std::pair<uint32_t, uint32_t>> iters_; // (for line, iterator number)
  bool findings_ = false;
  bool hiding_ = false;            // the program hid objects from the runtime's diagrams
  bool stop_ = false;              // a limit was reached
  std::set<std::string> previous_; // violations at the previous step (reported once)
  std::optional<std::string> last_defect_;

  /// Step i (0-based), reading ahead as needed; nullptr past the end.
  const RecordedStep *at(size_t i) {
    while (!eof_ && base_ + window_.size() <= i) {
      RecordedStep s;
      if (!source_.next(s))
        eof_ = true;
      else
        window_.push_back(std::move(s));
    }
    return i >= base_ && i < base_ + window_.size() ? &window_[i - base_] : nullptr;
  }
  void forget_before(size_t i) {
    while (base_ < i && !window_.empty()) {
      window_.pop_front();
      ++base_;
    }
  }

  uint32_t depth() const {
    return static_cast<uint32_t>(machine_->world().threads[0].calls.size());
  }
  uint32_t slot(uint32_t d) {
    while (slots_.size() <= d) {
      prog_.functions.push_back(Function{"<recorded>", {}, {}, 0, false});
      slots_.push_back(static_cast<uint32_t>(prog_.functions.size() - 1));
    }
    return slots_[d];
  }

  /// True if the top activation's code is paused somewhere other than its resting place.
  uint64_t top_serial() const {
    const World &w = machine_->world();
    return w.heap.obj(w.threads[0].calls.back().frame).serial;
  }

  bool paused_code() {
    uint32_t d = depth();
    if (d == 0 || d > saved_.size()) return false;
    auto &v = saved_[d - 1];
    // A call may return and another start within one statement: entries of the popped
    // activation are stale.
    while (!v.empty() && v.back().frame_serial != top_serial())
      v.pop_back();
    return !v.empty();
  }

  bool nothing_saved() const {
    for (const auto &v : saved_)
      if (!v.empty()) return false;
    return true;
  }

  void trim_saved() {
    if (saved_.size() > depth()) saved_.resize(depth());
  }

  void note(const std::string &text) { report_.notes.push_back(text); }

  void divergence(size_t i, std::string kind, std::string detail,
                  std::optional<std::string> defect = std::nullopt) {
    if (!findings_) report_.matched_prefix = static_cast<uint32_t>(i);
    findings_ = true;
    if (defect) last_defect_ = defect;
    report_.divergences.push_back(Divergence{static_cast<uint32_t>(i + 1), at(i)->line,
                                             std::move(kind), std::move(detail),
                                             std::move(defect)});
  }

  // Runs the model until its next statement boundary, resuming paused code first.
  Machine::Pause advance(Event &event, const std::function<bool()> &start_own_code) {
    for (;;) {
      trim_saved();
      if (paused_code()) {
        Machine::Pause p = machine_->run_until_pause(0, event);
        trim_saved();
        if (p != Machine::Pause::Yielded) return p;
        finish_code();
        continue;
      }
      if (!start_own_code()) return Machine::Pause::Yielded;
      Machine::Pause p = machine_->run_until_pause(0, event);
      trim_saved();
      if (p != Machine::Pause::Yielded) return p;
      finish_code();
      return p;
    }
  }

  void finish_code() {
    uint32_t d = depth();
    if (d == 0 || saved_.size() < d || saved_[d - 1].empty()) return;
    machine_->restore(0, saved_[d - 1].back().position);
    saved_[d - 1].pop_back();
  }

  void redirect_to(uint32_t function) {
    uint32_t d = depth();
    if (saved_.size() < d) saved_.resize(d);
    uint64_t serial = top_serial();
    saved_[d - 1].push_back(Saved{serial, machine_->redirect(0, function)});
  }

  // The statement a call entered at step i belongs to: the first step after the callee's
  // return at the same depth that is not the entry of another call in the same statement.
  std::optional<size_t> call_site(size_t i) {
    int d = 0;
    for (size_t j = i + 1; at(j); ++j) {
      const RecordedStep &s = *at(j);
      if (s.kind != "Line") continue;
      std::string m = marker_of(s.message);
      bool ret = m == "(Exit)" || s.stmt == "return" || s.stmt.rfind("return ", 0) == 0;
      if (m == "(Enter)") {
        ++d;
      } else if (ret) {
        if (d == 0) {
          // our callee returns; the next depth-0 step that is not another entry is the site
          for (size_t k = j + 1; at(k); ++k) {
            const RecordedStep &t = *at(k);
            if (t.kind != "Line") continue;
            if (marker_of(t.message) == "(Enter)") return call_site(k);
            return k;
          }
          return std::nullopt;
        }
        --d;
      }
    }
    return std::nullopt;
  }

  /// `x` or `x.f`: a path from the current frame to what the iterator `name` of step s's
  /// snapshot iterates (its `source`); nullopt if the snapshot does not show one.
  static std::optional<std::string> iterated_path(const RecordedStep &s, const std::string &name) {
    if (!s.snapshot || s.snapshot->roots.empty()) return std::nullopt;
    const Snapshot &snap = *s.snapshot;
    const SnapObject *frame = snap.find(snap.roots.front());
    if (!frame) return std::nullopt;
    auto edge = [&](const SnapObject *o, const std::string &f) -> const SnapObject * {
      for (const SnapField &x : o->fields)
        if (x.name == f && x.target) return snap.find(*x.target);
      return nullptr;
    };
    const SnapObject *iter = edge(frame, name);
    const SnapObject *source = iter ? edge(iter, "source") : nullptr;
    if (!source) return std::nullopt;
    for (const SnapField &v : frame->fields)
      if (v.target && *v.target == source->key && v.name != name) return v.name;
    for (const SnapField &v : frame->fields) {
      const SnapObject *o = v.target && v.name != name ? snap.find(*v.target) : nullptr;
      if (!o || o == source) continue;
      for (const SnapField &f : o->fields)
        if (f.target && *f.target == source->key && f.name != "__proto__")
          return v.name + "." + f.name;
    }
    return std::nullopt;
  }

  bool compile_own(size_t i, bool &unsupported) {
    const RecordedStep &s = *at(i);
    std::string marker = marker_of(s.message);
    std::string text = s.stmt;
    if (!marker.empty() && text.size() > marker.size() &&
        text.compare(text.size() - marker.size(), marker.size(), marker) == 0)
      text = text.substr(0, text.size() - marker.size() - 1);
    while (!text.empty() && text.back() == ' ')
      text.pop_back();
    uint32_t fn = slot(depth());
    if (prog_.statements.size() > 4096 && depth() == 1 && nothing_saved())
      prog_.statements.resize(1); // nothing refers to old boundaries any more
    if (marker == "(Enter)") {
      auto site = call_site(i);
      if (!site) {
        // The call site is not recorded (the run failed inside it): take the call's frame and
        // bindings from the snapshot.
        note("event " + std::to_string(i + 1) +
             ": the call site is not recorded; the callee's frame is taken from the snapshot");
        adopt(i);
        return false;
      }
      auto stmt = parse_recorded(at(*site)->stmt, at(*site)->line);
      if (!stmt) {
        unsupported = true;
        return false;
      }
      note("event " + std::to_string(i + 1) + ": the call's arguments come from the call site `" +
           at(*site)->stmt + "` (event " + std::to_string(*site + 1) + ")");
      compile_statement(*stmt, prog_, fn);
    } else if (marker == "(Exit)") {
      Stmt r;
      r.kind = StmtKind::Return;
      r.loc.line = s.line;
      r.text = text + " (Exit)";
      compile_statement(r, prog_, fn);
      // compile_statement prints `Line N: <text>`: the marker is part of the text here
    } else if (text.rfind("create _iter_", 0) == 0) {
      size_t next = i + 1;
      while (at(next) && at(next)->kind != "Line")
        ++next;
      // The loop's header is recorded by its first turn; when that turn failed (iterating a
      // Released cown) there is none, and the iterated value is read from the snapshot.
      std::string header;
      if (at(next) && at(next)->line == s.line &&
          (marker_of(at(next)->message) == "(Next)" || marker_of(at(next)->message) == "(Break)"))
        header = at(next)->stmt;
      else if (auto path = iterated_path(s, text.substr(7)))
        header = "for _k, _v in " + *path + ":";
      while (!header.empty() && header.back() == ' ')
        header.pop_back();
      auto stmt = parse_recorded(header, s.line);
      if (!stmt || stmt->kind != StmtKind::For) {
        unsupported = true;
        return false;
      }
      uint32_t number = static_cast<uint32_t>(std::stoul(text.substr(13)));
      iters_.emplace_back(s.line, number);
      compile_for_step(*stmt, ForStep::Create, number, prog_, fn);
    } else {
      auto stmt = parse_recorded(text, s.line);
      if (!stmt) {
        unsupported = true;
        return false;
      }
      if (stmt->kind == StmtKind::For) {
        uint32_t number = 0;
        for (auto it = iters_.rbegin(); it != iters_.rend(); ++it)
          if (it->first == s.line) {
            number = it->second;
            break;
          }
        compile_for_step(*stmt, ForStep::Next, number, prog_, fn);
      } else {
        compile_statement(*stmt, prog_, fn);
        if (stmt->kind == StmtKind::While) {
          // The recorded loop's body comes as later steps: the step ends after its marker.
          for (Instr &in : prog_.functions[fn].code)
            if (in.op == Op::Jump && in.a == 0) in.op = Op::Yield;
        }
      }
    }
    redirect_to(fn);
    return true;
  }

  void step(size_t i) {
    const RecordedStep &s = *at(i);
    Event event;
    bool unsupported = false;
    Machine::Pause p = advance(event, [&] { return compile_own(i, unsupported); });
    if (unsupported) {
      divergence(i, "unsupported", "the model cannot interpret `" + s.stmt + "`; resynchronised");
      adopt(i);
      return;
    }
    std::string marker = marker_of(s.message);
    if (p == Machine::Pause::Stopped && !machine_->error() && !machine_->dangling()) {
      report_.limited = true; // --max-steps / --timeout: outcome limit
      stop_ = true;
      return;
    }
    if (p == Machine::Pause::Stopped) {
      std::string what = machine_->error()
                             ? std::string(error_code_name(machine_->error()->code)) + " (" +
                                   std::string(rule_info(machine_->error()->rule).name) +
                                   "): " + machine_->error()->message
                             : machine_->dangling().value_or("a limit was reached");
      divergence(i, "outcome",
                 "the runtime accepted `" + s.stmt + "` but the model rejects it: " + what,
                 classify_rejection(machine_->error(), s));
      abandon_code();
      adopt(i);
      return;
    }
    if (p == Machine::Pause::Entered && marker != "(Enter)") {
      divergence(i, "statement",
                 "the model entered a function where the runtime shows `" + s.message + "`");
      adopt(i);
      return;
    }
    if (p == Machine::Pause::Statement && event.message != s.message) {
      divergence(i, "statement",
                 "the model reached `" + event.message + "` where the runtime shows `" + s.message +
                     "`");
    }
    compare(i);
  }

  void abandon_code() {
    uint32_t d = depth();
    if (d && saved_.size() >= d && !saved_[d - 1].empty()) {
      machine_->restore(0, saved_[d - 1].front().position);
      saved_[d - 1].clear();
    }
  }

  void runtime_error(size_t i) {
    const RecordedStep &s = *at(i);
    report_.runtime_outcome = s.outcome;
    if (s.outcome == "abort" || s.outcome == "crash") {
      divergence(i, "outcome", "the runtime aborted: " + s.message, classify_abort(s.message));
      return;
    }
    // FrankenScript does not record the statement that failed, so only its code is known; a
    // native trace carries the statement and the model runs it.
    if (s.kind == "Line" && !s.stmt.empty()) {
      Event event;
      bool unsupported = false;
      Machine::Pause p = advance(event, [&] { return compile_own(i, unsupported); });
      std::string model = p == Machine::Pause::Stopped && machine_->error()
                              ? std::string(error_code_name(machine_->error()->code))
                              : "ok";
      if (model != s.outcome)
        divergence(i, "outcome",
                   "the runtime's outcome is " + s.outcome + ", the model's " + model);
      if (s.snapshot) {
        // The runtime went on after the error (CPython catches exceptions per step): abandon the
        // rest of the model's failed statement and continue from the runtime's state.
        if (paused_code()) finish_code();
        adopt(i);
      }
      return;
    }
    note("event " + std::to_string(i + 1) + ": the runtime stopped with " + s.outcome +
         " in a statement it does not record; only the code is known");
  }

  void compare(size_t i) {
    const RecordedStep &s = *at(i);
    if (!s.snapshot) return;
    CompareOptions co;
    // A dirty LRC is only an upper bound, in the runtime and in the model alike.
    co.dirty_lrc_upper_bound = options_.profile == Profile::Frankenscript;
    if (s.stmt.find("mermaid_hide") != std::string::npos) hiding_ = true;
    if (s.stmt.find("mermaid_show_all") != std::string::npos) hiding_ = false;
    Snapshot mine = snapshot_of(machine_->world(), 0);
    auto diffs = compare_snapshots(*s.snapshot, mine, co);
    std::erase_if(diffs, [](const Difference &d) {
      return d.kind == DiffKind::Field && d.path.ends_with(".__proto__") && d.expected.empty() &&
             d.actual.rfind("@", 0) == 0;
    });
    // The CPython recorders draw only what the roots reach: an unreachable object of the model
    // (a cycle reference counting keeps until the cycle collector runs) has nothing to match.
    if (options_.profile == Profile::Cpython || options_.profile == Profile::Pep795)
      std::erase_if(diffs, [](const Difference &d) { return d.path == "<unreachable>"; });
    if (hiding_) // after mermaid_hide(x) the runtime does not draw x: absence is not a difference
      std::erase_if(diffs, [](const Difference &d) {
        return (d.kind == DiffKind::Field && d.expected.empty()) || d.kind == DiffKind::ExtraObject;
      });
    World runtime = world_from_snapshot(*s.snapshot);
    std::vector<Violation> violations;
    if (options_.check_invariants)
      violations = check_state(runtime, CheckContext{options_.profile}, /*first_only=*/false);
    // A finding that persists is reported where it first shows, not at every later step.
    std::set<std::string> now;
    std::optional<std::string> step_defect;
    std::vector<ReplayViolation> fresh;
    for (const Violation &v : violations) {
      std::string rendered = format_violation(runtime, v);
      now.insert(std::string(invariant_name(v.invariant)) + v.message);
      if (previous_.count(std::string(invariant_name(v.invariant)) + v.message)) continue;
      auto defect = classify_violation(v, s, recent_);
      if (defect && !step_defect) step_defect = defect;
      fresh.push_back(ReplayViolation{static_cast<uint32_t>(i + 1), s.line, v, rendered, defect});
    }
    previous_ = std::move(now);
    if (step_defect) last_defect_ = step_defect;
    for (ReplayViolation &v : fresh) {
      // Findings of one step that the classified one explains are its consequences.
      if (!v.defect) v.defect = step_defect;
      if (!findings_) report_.matched_prefix = static_cast<uint32_t>(i);
      findings_ = true;
      report_.violations.push_back(std::move(v));
    }
    if (!diffs.empty()) {
      std::ostringstream detail;
      size_t shown = 0;
      for (const Difference &d : diffs) {
        if (shown++ == 8) {
          detail << "; and " << diffs.size() - 8 << " more";
          break;
        }
        detail << (shown > 1 ? "; " : "") << diff_kind_name(d.kind) << " at " << d.path
               << ": runtime " << (d.expected.empty() ? "-" : d.expected) << ", model "
               << (d.actual.empty() ? "-" : d.actual);
      }
      auto defect = classify_difference(diffs, s, violations);
      if (!defect) defect = step_defect;
      if (!defect) defect = last_defect_; // the runtime's earlier defect still shows
      divergence(i, "snapshot", detail.str(), defect);
      adopt(i);
    }
  }

  void adopt(size_t i) {
    const RecordedStep &s = *at(i);
    if (!s.snapshot) return;
    // Keep what the runtime hides: function objects bound in frames.
    World old = machine_->world();
    World w = world_from_snapshot(*s.snapshot);
    State &h = w.heap;
    const auto &old_calls = old.threads[0].calls;
    auto &new_calls = w.threads[0].calls;
    for (size_t d = 0; d < old_calls.size() && d < new_calls.size(); ++d) {
      const Object &of = old.heap.obj(old_calls[d].frame);
      for (const Field &f : of.fields) {
        if (f.value == kNone || !old.heap.is_live(f.value)) continue;
        if (old.heap.obj(f.value).kind != ObjectKind::Function) continue;
        if (h.find_field(new_calls[d].frame, f.name)) continue;
        ObjectId fn = h.new_object(ObjectKind::Function, Location::local(0), 0);
        h.obj(fn).payload = old.heap.obj(f.value).payload;
        h.obj(fn).proto = h.builtin_proto(BuiltinProto::Function);
        h.obj(h.obj(fn).proto).rc++;
        h.obj(h.obj(fn).proto).local_rc++;
        h.obj(fn).rc = 1;
        h.obj(fn).local_rc = 1;
        h.set_field_raw(new_calls[d].frame, f.name, fn);
      }
    }
    machine_->adopt(std::move(w));
    trim_saved();
  }
};

} // namespace

std::vector<std::string> ReplayReport::defects() const {
  std::vector<std::string> out;
  auto add = [&](const std::optional<std::string> &d) {
    if (d && std::find(out.begin(), out.end(), *d) == out.end()) out.push_back(*d);
  };
  for (const auto &d : divergences)
    add(d.defect);
  for (const auto &v : violations)
    add(v.defect);
  return out;
}

namespace {
struct VectorSource : StepSource {
  const std::vector<RecordedStep> &steps;
  size_t next_index = 0;
  explicit VectorSource(const std::vector<RecordedStep> &s) : steps(s) {}
  bool next(RecordedStep &out) override {
    if (next_index >= steps.size()) return false;
    out = steps[next_index++];
    return true;
  }
};
} // namespace

ReplayReport replay_steps(const std::vector<RecordedStep> &steps, const ReplayOptions &options,
                          const std::string &trace_name) {
  VectorSource source(steps);
  return replay_stream(source, options, trace_name);
}

ReplayReport replay_stream(StepSource &source, const ReplayOptions &options,
                           const std::string &trace_name) {
  ReplayReport report;
  report.trace = trace_name;
  report.profile = std::string(profile_name(options.profile));
  Driver d(source, options, report);
  d.run();
  if (report.clean()) report.matched_prefix = report.events;
  if (report.runtime_outcome == "leak" &&
      std::none_of(
          report.violations.begin(), report.violations.end(),
          [](const ReplayViolation &v) { return v.violation.invariant == Invariant::I20; })) {
    ReplayViolation v;
    v.event = report.events;
    v.violation.invariant = Invariant::I20;
    v.violation.message = "the runtime reported a memory leak at exit";
    v.rendered = "I20 (no leak) broken: the runtime reported a memory leak at exit";
    v.defect = "leak at exit (I20)";
    report.violations.push_back(v);
  }
  return report;
}

} // namespace lungfish::traces
