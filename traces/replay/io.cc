// Reading recorded steps (FrankenScript, native) and printing replay reports.
#include "traces/formats/line_source.h"
#include "traces/formats/mermaid_reader.h"
#include "traces/formats/native_trace.h"
#include "traces/replay/judge.h"
#include "traces/replay/replay.h"

#include <filesystem>
#include <map>
#include <set>
#include <sstream>

namespace lungfish::traces {

std::string frankenscript_error_code(const std::string &text, const std::string &failed_stmt) {
  auto has = [&](const char *s) { return text.find(s) != std::string::npos; };
  (void)failed_stmt;
  // docs/semantics.md 6; the direct write's two cross-region texts are swapped in FrankenScript.
  if (has("still has references")) return "abort";
  if (has("Cannot mutate immutable object")) return "E_IMMUTABLE";
  if (has("not aquired")) return "E_OPAQUE";
  if (has("since it already has a parent")) return "E_OTHER_REGION";
  if (has("Region already has a parent")) return "E_HAS_PARENT";
  if (has("Cannot reference an object from another region")) return "E_HAS_PARENT_OR_OTHER";
  if (has("Cycle created in region hierarchy")) return "E_CYCLE";
  if (has("can only be created from a free region")) return "E_NOT_FREE";
  if (has("is not the bridge object")) return "E_NOT_BRIDGE";
  if (has("is not a region")) return "E_NOT_REGION";
  if (has("Sink is not a parent of source")) return "E_NOT_PARENT";
  if (has("Can't dissolve a region that is the child")) return "E_DISSOLVE_CHILD";
  if (has("Can't close the region due to this prototype")) return "E_CLOSE_PROTO";
  if (has("is undefined in the current")) return "E_UNDEFINED";
  if (has("is not defined on")) return "E_UNDEFINED";
  if (has("on `None`") || has("can't be set on `None`") || has("can't be set on None"))
    return "E_NONE_ACCESS";
  if (has("The stack is too small")) return "E_NO_VALUE";
  if (has("is not a cown")) return "E_NOT_COWN";
  if (has("Key must be a string")) return "E_BAD_KEY";
  if (has("not a function")) return "E_NOT_FUNCTION";
  if (has("unreachable")) return "E_UNREACHABLE";
  return "";
}

namespace {

/// K of "New behavior `Behavior_K` is ready|pending"; 0 if the heading is not one. `ready` says
/// which.
uint32_t new_behaviour(std::string_view h, bool *ready) {
  constexpr std::string_view kNew = "New behavior `Behavior_";
  if (!h.starts_with(kNew)) return 0;
  size_t p = kNew.size();
  uint64_t k = 0;
  size_t start = p;
  for (; p < h.size() && h[p] >= '0' && h[p] <= '9' && p - start < 9; ++p)
    k = k * 10 + static_cast<uint64_t>(h[p] - '0');
  std::string_view rest = h.substr(p);
  if (p == start || (rest != "` is ready" && rest != "` is pending")) return 0;
  *ready = rest == "` is ready";
  return static_cast<uint32_t>(k);
}

class FrankenScriptSource : public StepSource {
public:
  FrankenScriptSource(const std::string &path, bool tolerate_cut, std::vector<uint32_t> chosen,
                      std::vector<std::vector<uint32_t>> prompts)
      : reader_(path), path_(path), tolerate_cut_(tolerate_cut), chosen_(std::move(chosen)),
        prompts_(std::move(prompts)) {}
  bool next(RecordedStep &r) override {
    if (!read(r)) return false;
    behaviours(r);
    return true;
  }

  /// Behaviours (a FrankenScript with `when`): the runtime's own steps become the events of the
  /// model's behaviours, and every step says which thread ran it.
  ///
  ///   `Line N: Creating behavior from: H` (the hidden `__when_K` is defined)  -> a note
  ///   `### New behavior `Behavior_K` is ready|pending`                        -> spawn of K
  ///   `Line N: Spawning Behavior`                      -> the statement `Line N: H` (the `when`)
  ///   `### Current Schedule:`                                                 -> a note
  ///   `Line N: H (Enter)` -> K acquires its cowns and starts; its frame is the snapshot
  ///   `Line N: H (Exit)`  -> K ends and releases them
  ///
  /// Which K runs at an `(Enter)` is what the user answered at the runtime's prompt: the log's
  /// lists tell it (RunSummary::chosen); without them, the earliest spawned behaviour of the
  /// `when` at line N that has not run.
  void behaviours(RecordedStep &r) {
    if (r.kind == RecordedKind::Statement && r.stmt.starts_with("Creating behavior from: ")) {
      creating_ = r.stmt.substr(24);
      creating_line_ = r.line;
      r.kind = RecordedKind::Note;
      r.thread = current_;
      return;
    }
    if (r.kind == RecordedKind::Note && r.message.starts_with("New behavior `")) {
      bool ready = false;
      uint32_t k = new_behaviour(r.message, &ready);
      if (k == 0) return;
      r.kind = RecordedKind::Spawn;
      r.behaviour = k;
      r.thread = current_;
      r.line = creating_line_;
      r.stmt = creating_;
      r.detail = ready ? "ready" : "pending";
      headers_[k] = {creating_line_, creating_};
      return;
    }
    if (r.kind == RecordedKind::Statement && r.stmt == "Spawning Behavior") {
      r.stmt = creating_;
      r.message = "Line " + std::to_string(r.line) + ": " + creating_;
      r.thread = current_;
      return;
    }
    if (r.kind == RecordedKind::Statement && detail::is_when_header(r.stmt) &&
        r.marker == FlowMarker::Enter) {
      if (choice_ < prompts_.size()) r.ready = prompts_[choice_];
      uint32_t k = pick(r.line);
      r.kind = RecordedKind::Acquire;
      r.behaviour = r.thread = current_ = k;
      started_.insert(k);
      return;
    }
    if (r.kind == RecordedKind::Statement && detail::is_when_header(r.stmt) &&
        r.marker == FlowMarker::Exit) {
      r.kind = RecordedKind::Release;
      r.behaviour = r.thread = current_;
      return;
    }
    r.thread = current_;
  }

  /// The behaviour that starts at an `(Enter)` of the `when` at `line`.
  uint32_t pick(uint32_t line) {
    uint32_t k = 0;
    if (choice_ < chosen_.size()) k = chosen_[choice_];
    ++choice_;
    auto h = headers_.find(k);
    if (k != 0 && h != headers_.end() && h->second.first == line && !started_.count(k)) return k;
    for (const auto &[b, header] : headers_)
      if (header.first == line && !started_.count(b)) return b;
    return k; // (the follower says the model has no such behaviour)
  }

  bool read(RecordedStep &r) {
    MermaidStep step;
    if (cut_) return false;
    try {
      if (!reader_.next(step)) return false;
    } catch (const InputError &e) {
      // A runtime killed while drawing leaves its last diagram unfinished: with a log that says
      // the run died, everything before it is still a recording.
      if (!tolerate_cut_ || e.line <= last_complete_step_line()) throw;
      cut_ = true;
      cut_note = path_ + ":" + std::to_string(e.line) +
                 ": the last diagram is cut (the runtime died while drawing it); the steps before "
                 "it were replayed";
      return false;
    }
    r = RecordedStep{};
    r.index = step.index;
    r.file_line = step.file_line;
    r.line = step.line;
    r.message = step.message;
    r.stmt = step.stmt;
    r.marker = step.marker;
    switch (step.kind) {
      case StepKind::Line:
        r.kind = RecordedKind::Statement;
        r.snapshot = std::move(step.snapshot);
        break;
      case StepKind::Error: {
        r.kind = RecordedKind::Error;
        std::string text = step.message.substr(step.message.rfind("Error: ", 0) == 0 ? 7 : 0);
        std::string code = frankenscript_error_code(text, "");
        // FrankenScript prints "Cannot reference an object from another region" for a direct
        // write of a parented region's bridge (E_HAS_PARENT: its two texts are swapped,
        // decision 15) and for a pull that reaches another region (E_OTHER_REGION); the edge
        // the error diagram draws in red tells them apart: a bridge, or not.
        if (code == "E_HAS_PARENT_OR_OTHER")
          code = step.error_target_is_bridge ? "E_HAS_PARENT" : "E_OTHER_REGION";
        r.outcome = code.empty() ? "crash" : code;
        r.detail = text;
        last_error_code = r.outcome;
        break;
      }
      case StepKind::Leak:
        r.kind = RecordedKind::Leak;
        r.outcome = "leak";
        break;
      case StepKind::Schedule: // turned into a spawn by behaviours() where it says one
        r.kind = RecordedKind::Note;
        break;
      default:
        r.kind = RecordedKind::Note;
        break;
    }
    return true;
  }
  std::string end_note() const override { return cut_note; }
  std::string last_error_code;
  std::string cut_note; // set when the last diagram was cut

private:
  MermaidReader reader_;
  std::string path_;
  bool tolerate_cut_;
  bool cut_ = false;
  std::vector<uint32_t> chosen_;               // the behaviour chosen at each prompt (0: not known)
  std::vector<std::vector<uint32_t>> prompts_; // the behaviours listed at each prompt
  size_t choice_ = 0;
  uint32_t current_ = 0; // the thread running: 0 (main) or the behaviour last entered
  std::string creating_; // the header of the `when` being spawned
  uint32_t creating_line_ = 0;
  std::map<uint32_t, std::pair<uint32_t, std::string>> headers_; // K -> (line, header)
  std::set<uint32_t> started_;
  uint32_t last_complete_ = UINT32_MAX; // computed on the first error only

  /// The line of the last `<div style='break-after:page'></div>`, which ends a complete step.
  uint32_t last_complete_step_line() {
    if (last_complete_ != UINT32_MAX) return last_complete_;
    last_complete_ = 0;
    detail::LineSource src(path_);
    src.allow_truncated();
    std::string_view l;
    while (src.next(l))
      if (l == "<div style='break-after:page'></div>") last_complete_ = src.lineno();
    return last_complete_;
  }
};

class NativeSource : public StepSource {
public:
  NativeSource(const std::string &path, std::string *profile) : reader_(path) {
    if (profile) *profile = reader_.header().profile;
  }
  bool next(RecordedStep &r) override {
    TraceEvent e;
    if (!reader_.next(e)) return false;
    r = RecordedStep{};
    r.index = static_cast<uint32_t>(e.step);
    r.file_line = reader_.line();
    r.line = e.line;
    r.message = std::move(e.message);
    r.marker = flow_marker_of(r.message);
    r.stmt = std::move(e.stmt);
    r.outcome = std::move(e.outcome);
    r.detail = std::move(e.detail);
    r.thread = e.thread;
    r.behaviour = e.behaviour;
    switch (e.event) {
      case TraceEventKind::Statement:
        r.kind = r.outcome == "leak" ? RecordedKind::Leak : RecordedKind::Statement;
        break;
      case TraceEventKind::Spawn:
        r.kind = RecordedKind::Spawn;
        break;
      case TraceEventKind::Acquire:
        r.kind = RecordedKind::Acquire;
        break;
      case TraceEventKind::Release:
        r.kind = RecordedKind::Release;
        break;
      case TraceEventKind::End:
        r.kind = RecordedKind::End;
        break;
    }
    r.snapshot = std::move(e.snapshot);
    return true;
  }

private:
  NativeTraceReader reader_;
};

} // namespace

std::unique_ptr<StepSource> open_frankenscript_source(const std::string &mermaid_path,
                                                      bool tolerate_cut,
                                                      std::vector<uint32_t> chosen,
                                                      std::vector<std::vector<uint32_t>> prompts) {
  return std::make_unique<FrankenScriptSource>(mermaid_path, tolerate_cut, std::move(chosen),
                                               std::move(prompts));
}

std::unique_ptr<StepSource> open_native_source(const std::string &path, std::string *profile) {
  return std::make_unique<NativeSource>(path, profile);
}

RuntimeEnd runtime_end_of(const RunSummary &s) {
  RuntimeEnd e;
  e.exit_code = s.exit_code;
  e.leak = s.leak;
  if (s.abort) {
    e.kind = RuntimeEnd::Kind::Abort;
    e.text = s.abort_text.empty() && s.exit_code ? "exit code " + std::to_string(*s.exit_code)
                                                 : s.abort_text;
  } else if (!s.error_text.empty()) {
    e.kind = RuntimeEnd::Kind::Error;
    e.text = s.error_text;
    std::string c = frankenscript_error_code(s.error_text, "");
    e.code = c == "E_HAS_PARENT_OR_OTHER" ? "E_HAS_PARENT" : c;
  } else if (s.finished || (s.exit_code && *s.exit_code == 0)) {
    // (exit 0 from a runtime that prints no end-of-run check: it finished all the same)
    e.kind = RuntimeEnd::Kind::Finished;
  } else {
    e.kind = RuntimeEnd::Kind::Crash;
    e.text = s.truncated ? "its log stops in the middle of a line" : "";
  }
  return e;
}

std::string runtime_outcome_of(const RuntimeEnd &e, const std::string &last_error) {
  switch (e.kind) {
    case RuntimeEnd::Kind::Abort:
      return "abort";
    case RuntimeEnd::Kind::Crash:
      return "crash";
    default:
      break;
  }
  if (e.leak) return "leak";
  if (!last_error.empty()) return last_error;
  if (e.kind == RuntimeEnd::Kind::Error) return e.code.empty() ? "crash" : e.code;
  return "ok";
}

std::string frankenscript_run_outcome(const std::string &path, const std::string &last_error) {
  std::string out_path = path;
  auto pos = out_path.rfind(".mermaid.md");
  if (pos == std::string::npos) return last_error.empty() ? "ok" : last_error;
  out_path = out_path.substr(0, pos) + ".out";
  if (!std::filesystem::exists(out_path)) return last_error.empty() ? "ok" : last_error;
  return runtime_outcome_of(runtime_end_of(read_run_summary(out_path)), last_error);
}

std::vector<RecordedStep> read_frankenscript_steps(const std::string &path,
                                                   std::string *runtime_outcome) {
  FrankenScriptSource source(path, false, {}, {});
  std::vector<RecordedStep> out;
  RecordedStep r;
  while (source.next(r))
    out.push_back(std::move(r));
  if (runtime_outcome) *runtime_outcome = frankenscript_run_outcome(path, source.last_error_code);
  return out;
}

std::vector<RecordedStep> read_native_steps(const std::string &path, std::string *profile) {
  NativeSource source(path, profile);
  std::vector<RecordedStep> out;
  RecordedStep r;
  while (source.next(r))
    out.push_back(std::move(r));
  return out;
}

nlohmann::ordered_json report_to_json(const ReplayReport &r) {
  nlohmann::ordered_json j;
  j["outcome"] = r.limited ? "limit" : r.clean() ? "ok" : "violation";
  j["verdict"] = r.verdict();
  j["trace"] = r.trace;
  j["inputs"] = r.inputs;
  j["profile"] = r.profile;
  j["followed_program"] = r.followed_program;
  j["events"] = r.events;
  j["modelled"] = r.modelled;
  j["opaque"] = r.opaque;
  j["unjudged"] = r.unjudged;
  j["other"] = r.other;
  j["unjudged_reasons"] = r.unjudged_reasons;
  j["matched_prefix"] = r.matched_prefix;
  j["runtime_outcome"] = r.runtime_outcome;
  j["divergences"] = nlohmann::ordered_json::array();
  for (const auto &d : r.divergences)
    j["divergences"].push_back(
        {{"event", d.event},
         {"line", d.line},
         {"kind", d.kind},
         {"detail", d.detail},
         {"defect", d.defect ? nlohmann::ordered_json(*d.defect) : nullptr}});
  j["violations"] = nlohmann::ordered_json::array();
  for (const auto &v : r.violations) {
    nlohmann::ordered_json w;
    w["objects"] = v.violation.witness.objects;
    w["regions"] = v.violation.witness.regions;
    w["path"] = v.violation.witness.path;
    j["violations"].push_back({{"invariant", std::string(invariant_name(v.violation.invariant))},
                               {"line", v.line},
                               {"event", v.event},
                               {"message", v.violation.message},
                               {"witness", w},
                               {"defect", v.defect ? nlohmann::ordered_json(*v.defect) : nullptr}});
  }
  j["defects"] = r.defects();
  j["notes"] = r.notes;
  return j;
}

std::string report_to_text(const ReplayReport &r) {
  std::ostringstream out;
  out << r.trace << ": " << r.events << " events, profile " << r.profile << ", runtime outcome "
      << r.runtime_outcome << "\n";
  for (const auto &in : r.inputs)
    out << "read: " << in << "\n";
  if (r.inputs.empty() || !r.followed_program)
    out << "mode: each recorded statement compiled on its own (no program followed)\n";
  out << r.verdict() << "\n";
  if (r.limited)
    out << "replay stopped at a limit (--max-steps / --timeout) after " << r.events
        << " events; what follows covers only those events\n";
  if (!r.clean()) {
    out << "matched prefix: " << r.matched_prefix << " events\n";
    for (const auto &d : r.divergences)
      out << "event " << d.event << " (line " << d.line << "): divergence [" << d.kind << "] "
          << d.detail << (d.defect ? "\n    runtime defect: " + *d.defect : std::string()) << "\n";
    for (const auto &v : r.violations)
      out << "event " << v.event << " (line " << v.line << "): " << v.rendered
          << (v.defect ? "\n    runtime defect: " + *v.defect : std::string()) << "\n";
  }
  for (const auto &u : r.unjudged_reasons)
    out << "not judged: " << u << "\n";
  for (const auto &n : r.notes)
    out << "note: " << n << "\n";
  return out.str();
}

} // namespace lungfish::traces
