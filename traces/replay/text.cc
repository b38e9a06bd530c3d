// Replay without the program: each recorded statement is compiled on its own (replay.h).
//
// Every recorded step is "run the model until its next statement boundary": either resume code
// that is paused in the top activation (the rest of a `return`, of a call site after the callee
// returned, of an if/while/for step), or compile the step's own statement into the slot of the
// current call depth and run it. The boundary the model reaches must be the recorded one.
//
// What the recording does not show cannot be judged here: the statement a FrankenScript run
// failed on (it draws no diagram for it) and the statements of behaviours (their bodies and
// captures are in the program only). Those events are counted as not judged, with the reason;
// but a behaviour that fails on a variable of the frame that spawned it is a finding the
// runtime's own text names (it captured nothing).
#include "traces/replay/defects.h"
#include "traces/replay/judge.h"

#include "model/text/program_text.h"

#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

namespace lungfish::traces {

namespace {

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

/// N of FrankenScript's synthetic step `create _iter_N` (a `for` loop's iterator); nullopt for
/// any other statement.
std::optional<uint32_t> iterator_created(std::string_view text) {
  constexpr std::string_view kPrefix = "create _iter_";
  if (!text.starts_with(kPrefix) || text.size() == kPrefix.size() ||
      text.size() > kPrefix.size() + 9)
    return std::nullopt;
  uint32_t n = 0;
  for (char c : text.substr(kPrefix.size())) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<uint32_t>(c - '0');
  }
  return n;
}

class Driver : detail::Judge {
public:
  Driver(StepSource &source, const ReplayOptions &o, ReplayReport &report)
      : Judge(source, o, report) {
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
      const RecordedStep &s = enter(i);
      switch (s.kind) {
        case RecordedKind::Statement:
          if (s.thread != 0 || s.stmt.starts_with("when (") || s.stmt.starts_with("when:")) {
            if (s.thread == 0 && s.snapshot && last_spawn_ != 0) spawner_vars(s, last_spawn_);
            unjudged(i, "behaviour",
                     "statements of behaviours are replayed only alongside the program "
                     "(give it with --program, in the model's language)");
            check_snapshot(i);
          } else if (s.outcome != "ok") {
            runtime_error(i);
          } else {
            step(i);
          }
          break;
        case RecordedKind::Error:
          runtime_error(i);
          break;
        case RecordedKind::Leak:
          report_.runtime_outcome = "leak";
          ++report_.other;
          break;
        case RecordedKind::Spawn:
          spawned_[s.behaviour] = {s.stmt, s.line};
          last_spawn_ = s.behaviour;
          [[fallthrough]];
        case RecordedKind::Acquire:
        case RecordedKind::Release:
          unjudged(i, "behaviour",
                   "statements of behaviours are replayed only alongside the program "
                   "(give it with --program, in the model's language)");
          break;
        case RecordedKind::Note:
        case RecordedKind::End:
          ++report_.other;
          break;
      }
    }
    if (!machine_->error() && !stop_)
      machine_->finish_run({}); // final collection of the model (the runtime's is its own)
    // A runtime that died is a finding even when the statement it died in is unknown.
    const RuntimeEnd &end = options_.end;
    if (!stop_ && report_.events > 0 &&
        (end.kind == RuntimeEnd::Kind::Abort || end.kind == RuntimeEnd::Kind::Crash)) {
      runtime_died(report_.events - 1,
                   end.kind == RuntimeEnd::Kind::Abort
                       ? "aborted after the last recorded statement"
                       : "died after the last recorded statement, without an error or its "
                         "end-of-run check (killed by a signal?)",
                   "", end.text, classify_abort(end.text));
      report_.unjudged_reasons.push_back(
          "the statement the runtime died in is not recorded; without the program the model "
          "cannot run it (give it with --program)");
    }
    for (auto &[key, events] : unjudged_)
      report_.unjudged_reasons.push_back(events + ": " + key);
    finish_report();
  }

private:
  /// Behaviours (a runtime with `when`): each one's header and line, as spawned, and the
  /// variables of main's frame when it was spawned (the `when` statement's snapshot).
  std::map<uint32_t, std::pair<std::string, uint32_t>> spawned_;
  std::map<uint32_t, std::set<std::string>> spawner_vars_;
  uint32_t last_spawn_ = 0;

  void spawner_vars(const RecordedStep &s, uint32_t k) {
    const Snapshot &snap = *s.snapshot;
    const SnapObject *frame = snap.roots.empty() ? nullptr : snap.find(snap.roots.front());
    if (!frame) return;
    std::set<std::string> &vars = spawner_vars_[k];
    for (const SnapField &f : frame->fields)
      vars.insert(f.name);
  }

  /// A behaviour failed with "The name X is undefined in the current frame" where X was a
  /// variable of main when main spawned it and its header does not name X: the body uses X, so
  /// it captures X (docs/semantics.md 3.4; a variable that cannot be sent is refused at the
  /// `when`, E_SEND_OPEN). The runtime's body runs in a fresh frame without it. Without the
  /// program the statement is not known, but the runtime's text names the variable.
  bool uncaptured(size_t i, const std::string &text) {
    const RecordedStep &s = *at(i);
    constexpr std::string_view kName = "The name ",
                               kUndefined = " is undefined in the current frame";
    auto p = text.find(kName);
    auto e = p == std::string::npos ? p : text.find(kUndefined, p);
    auto spawn = spawned_.find(s.thread);
    auto vars = spawner_vars_.find(s.thread);
    if (s.thread == 0 || e == std::string::npos || spawn == spawned_.end() ||
        vars == spawner_vars_.end())
      return false;
    std::string name = text.substr(p + kName.size(), e - p - kName.size());
    std::vector<std::string> header = detail::when_names(spawn->second.first);
    if (!vars->second.count(name) || std::find(header.begin(), header.end(), name) != header.end())
      return false;
    ++report_.modelled;
    divergence(i, "outcome",
               "behaviour " + std::to_string(s.thread) + " (`" + spawn->second.first +
                   "` at line " + std::to_string(spawn->second.second) + ") failed with " +
                   s.outcome + ": `" + name +
                   "` was a variable of the spawning frame, which the body captures; the "
                   "runtime's body has none",
               std::string(pldi27::kNoCaptures), spawn->second.second);
    return true;
  }

  std::shared_ptr<CompiledProgram> shared_ = std::make_shared<CompiledProgram>();
  CompiledProgram &prog_ = *shared_;
  std::unique_ptr<Machine> machine_;
  std::vector<uint32_t> slots_; // code slot per call depth
  struct Saved {
    uint64_t frame_serial; // the activation the code was redirected in
    std::pair<uint32_t, uint32_t> position;
  };
  std::vector<std::vector<Saved>> saved_;                     // per depth: redirected code
  std::vector<std::pair<uint32_t, uint32_t>> iters_;          // (for line, iterator number)
  bool stop_ = false;                                         // a limit was reached
  std::vector<std::pair<std::string, std::string>> unjudged_; // (reason, "events 3, 7")

  /// Counts event i as not judged, for `reason` (events with one reason are listed together).
  void unjudged(size_t i, const std::string &group, const std::string &reason) {
    (void)group;
    ++report_.unjudged;
    std::string ev = std::to_string(i + 1);
    for (auto &[key, events] : unjudged_)
      if (key == reason) {
        events += ", " + ev;
        return;
      }
    unjudged_.emplace_back(reason, "event " + ev);
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
      if (s.kind != RecordedKind::Statement) continue;
      bool ret =
          s.marker == FlowMarker::Exit || s.stmt == "return" || s.stmt.rfind("return ", 0) == 0;
      if (s.marker == FlowMarker::Enter) {
        ++d;
      } else if (ret) {
        if (d == 0) {
          // our callee returns; the next depth-0 step that is not another entry is the site
          for (size_t k = j + 1; at(k); ++k) {
            const RecordedStep &t = *at(k);
            if (t.kind != RecordedKind::Statement) continue;
            if (t.marker == FlowMarker::Enter) return call_site(k);
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
    std::string marker(flow_marker_text(s.marker)); // the text may still end in it
    std::string text = s.stmt;
    if (!marker.empty() && text.size() > marker.size() &&
        text.compare(text.size() - marker.size(), marker.size(), marker) == 0)
      text = text.substr(0, text.size() - marker.size() - 1);
    while (!text.empty() && text.back() == ' ')
      text.pop_back();
    uint32_t fn = slot(depth());
    if (prog_.statements.size() > 4096 && depth() == 1 && nothing_saved())
      prog_.statements.resize(1); // nothing refers to old boundaries any more
    if (s.marker == FlowMarker::Enter) {
      auto site = call_site(i);
      if (!site) {
        // The call site is not recorded (the run failed inside it): take the call's frame and
        // bindings from the snapshot.
        note("event " + std::to_string(i + 1) +
             ": the call site is not recorded; the callee's frame is taken from the snapshot");
        adopt(i, *machine_);
        trim_saved();
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
    } else if (s.marker == FlowMarker::Exit) {
      Stmt r;
      r.kind = StmtKind::Return;
      r.loc.line = s.line;
      r.text = text + " (Exit)";
      compile_statement(r, prog_, fn);
      // compile_statement prints `Line N: <text>`: the marker is part of the text here
    } else if (auto number = iterator_created(text)) {
      size_t next = i + 1;
      while (at(next) && at(next)->kind != RecordedKind::Statement)
        ++next;
      // The loop's header is recorded by its first turn; when that turn failed (iterating a
      // Released cown) there is none, and the iterated value is read from the snapshot.
      std::string header;
      if (at(next) && at(next)->line == s.line &&
          (at(next)->marker == FlowMarker::Next || at(next)->marker == FlowMarker::Break))
        header = at(next)->stmt;
      else if (auto path = iterated_path(s, "_iter_" + std::to_string(*number)))
        header = "for _k, _v in " + *path + ":";
      while (!header.empty() && header.back() == ' ')
        header.pop_back();
      auto stmt = parse_recorded(header, s.line);
      if (!stmt || stmt->kind != StmtKind::For) {
        unsupported = true;
        return false;
      }
      iters_.emplace_back(s.line, *number);
      compile_for_step(*stmt, ForStep::Create, *number, prog_, fn);
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

  /// A statement the model cannot interpret: the runtime's snapshot becomes the model's state.
  void opaque_step(size_t i, const std::string &why) {
    ++report_.opaque;
    note("event " + std::to_string(i + 1) + " is opaque to the model (" + why +
         "): its snapshot was adopted and checked");
    check_snapshot(i);
    adopt(i, *machine_);
    trim_saved();
  }

  void step(size_t i) {
    const RecordedStep &s = *at(i);
    if (!s.opaque.empty()) {
      abandon_code();
      opaque_step(i, s.opaque);
      return;
    }
    Event event;
    bool unsupported = false;
    Machine::Pause p = advance(event, [&] { return compile_own(i, unsupported); });
    if (unsupported) {
      opaque_step(i, "the model cannot interpret `" + s.stmt + "`");
      return;
    }
    if (p == Machine::Pause::Stopped && !machine_->error() && !machine_->dangling()) {
      report_.limited = true; // --max-steps / --timeout: outcome limit
      ++report_.unjudged;
      stop_ = true;
      return;
    }
    ++report_.modelled;
    if (p == Machine::Pause::Stopped) {
      std::string what = machine_->error()
                             ? std::string(error_code_name(machine_->error()->code)) + " (" +
                                   std::string(rule_info(machine_->error()->rule).name) +
                                   "): " + machine_->error()->message
                             : machine_->dangling().value_or("a limit was reached");
      divergence(i, "outcome",
                 "the runtime accepted `" + s.stmt + "` but the model rejects it: " + what,
                 classify_rejection(machine_->error(), s, machine_->world()));
      abandon_code();
      adopt(i, *machine_);
      trim_saved();
      return;
    }
    if (p == Machine::Pause::Entered && s.marker != FlowMarker::Enter) {
      divergence(i, "statement",
                 "the model entered a function where the runtime shows `" + s.message + "`");
      adopt(i, *machine_);
      trim_saved();
      return;
    }
    if (p == Machine::Pause::Statement && event.message != s.message) {
      divergence(i, "statement",
                 "the model reached `" + event.message + "` where the runtime shows `" + s.message +
                     "`");
    }
    if (compare(i, machine_->world(), 0)) {
      adopt(i, *machine_);
      trim_saved();
    }
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
      ++report_.modelled;
      std::string text = s.detail.empty() ? s.message : s.detail;
      runtime_died(i, s.outcome == "abort" ? "aborted" : "crashed", s.stmt, text,
                   classify_death(text, s.stmt, std::nullopt, machine_->world(), 0));
      return;
    }
    // FrankenScript does not record the statement that failed, so only its code is known; a
    // native trace carries the statement and the model runs it.
    if (s.kind == RecordedKind::Statement && !s.stmt.empty() && s.opaque.empty()) {
      Event event;
      bool unsupported = false;
      Machine::Pause p = advance(event, [&] { return compile_own(i, unsupported); });
      if (unsupported) {
        opaque_step(i, "the model cannot interpret `" + s.stmt + "`");
        return;
      }
      ++report_.modelled;
      std::string model = p == Machine::Pause::Stopped && machine_->error()
                              ? std::string(error_code_name(machine_->error()->code))
                              : "ok";
      if (model != s.outcome)
        divergence(i, "outcome",
                   "the runtime's outcome is " + s.outcome + ", the model's " + model);
      if (s.snapshot) {
        // The runtime went on after the error (CPython catches exceptions per step): abandon the
        // rest of the model's failed statement and continue from the runtime's state, judged
        // first (a failed freeze must leave the counts as they were).
        check_snapshot(i);
        if (paused_code()) finish_code();
        adopt(i, *machine_);
        trim_saved();
      }
      return;
    }
    if (!s.opaque.empty()) {
      opaque_step(i, s.opaque);
      return;
    }
    if (uncaptured(i, s.detail.empty() ? s.message : s.detail)) return;
    unjudged(i, "rejection",
             "the runtime stopped with " + s.outcome +
                 " in a statement it does not record; without the program the model cannot run "
                 "that statement (give it with --program)");
  }
};

} // namespace

void detail::replay_statements(StepSource &source, const ReplayOptions &options,
                               ReplayReport &report) {
  Driver d(source, options, report);
  d.run();
}

} // namespace lungfish::traces
