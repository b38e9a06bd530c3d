// Reading recorded steps (FrankenScript, native) and printing replay reports.
#include "traces/mermaid_reader.h"
#include "traces/native_trace.h"
#include "traces/replay.h"

#include <filesystem>
#include <sstream>

namespace lungfish::traces {

std::string frankenscript_error_code(const std::string &text, const std::string &failed_stmt) {
  auto has = [&](const char *s) { return text.find(s) != std::string::npos; };
  (void)failed_stmt;
  // SEMANTICS.md 6; the direct write's two cross-region texts are swapped in FrankenScript.
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

class FrankenScriptSource : public StepSource {
public:
  explicit FrankenScriptSource(const std::string &path) : reader_(path) {}
  bool next(RecordedStep &r) override {
    MermaidStep step;
    if (!reader_.next(step)) return false;
    r = RecordedStep{};
    r.index = step.index;
    r.file_line = step.file_line;
    r.line = step.line;
    r.message = step.message;
    r.stmt = step.stmt;
    r.marker = std::string(flow_marker_text(step.marker));
    r.kind = std::string(step_kind_name(step.kind));
    if (step.kind == StepKind::Error) {
      std::string text = step.message.substr(step.message.rfind("Error: ", 0) == 0 ? 7 : 0);
      std::string code = frankenscript_error_code(text, "");
      // The direct write's two texts are swapped in FrankenScript (docs/decisions.md 15).
      if (code == "E_HAS_PARENT_OR_OTHER") code = "E_HAS_PARENT";
      r.outcome = code.empty() ? "crash" : code;
      last_error_code = r.outcome;
    } else if (step.kind == StepKind::Leak) {
      r.outcome = "leak";
    } else if (step.kind == StepKind::Line) {
      r.snapshot = std::move(step.snapshot);
    }
    return true;
  }
  std::string last_error_code;

private:
  MermaidReader reader_;
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
    r.stmt = std::move(e.stmt);
    r.outcome = std::move(e.outcome);
    r.kind = r.outcome == "leak" ? "Leak" : "Line";
    r.snapshot = std::move(e.snapshot);
    return true;
  }

private:
  NativeTraceReader reader_;
};

} // namespace

std::unique_ptr<StepSource> open_frankenscript_source(const std::string &mermaid_path) {
  return std::make_unique<FrankenScriptSource>(mermaid_path);
}

std::unique_ptr<StepSource> open_native_source(const std::string &path, std::string *profile) {
  return std::make_unique<NativeSource>(path, profile);
}

std::string frankenscript_run_outcome(const std::string &path, const std::string &last_error) {
  std::string out_path = path;
  auto pos = out_path.rfind(".mermaid.md");
  if (pos == std::string::npos) return last_error.empty() ? "ok" : last_error;
  out_path = out_path.substr(0, pos) + ".out";
  if (!std::filesystem::exists(out_path)) return last_error.empty() ? "ok" : last_error;
  RunSummary s = read_run_summary(out_path);
  if (s.abort) return "abort";
  if (s.leak) return "leak";
  if (!last_error.empty()) return last_error;
  if (!s.error_text.empty()) {
    std::string c = frankenscript_error_code(s.error_text, "");
    return c.empty() ? "crash" : c == "E_HAS_PARENT_OR_OTHER" ? "E_HAS_PARENT" : c;
  }
  return s.exit_code != 0 ? "crash" : "ok";
}

std::vector<RecordedStep> read_frankenscript_steps(const std::string &path,
                                                   std::string *runtime_outcome) {
  FrankenScriptSource source(path);
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
  j["trace"] = r.trace;
  j["profile"] = r.profile;
  j["events"] = r.events;
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
  if (r.limited)
    out << "replay stopped at a limit (--max-steps / --timeout) after " << r.events
        << " events: outcome limit; what follows covers only those events\n";
  if (r.clean()) {
    out << (r.limited
                ? "no finding before the limit\n"
                : "replay clean: every event matched the model and no invariant was broken\n");
  } else {
    out << "matched prefix: " << r.matched_prefix << " events\n";
    for (const auto &d : r.divergences)
      out << "event " << d.event << " (line " << d.line << "): divergence [" << d.kind << "] "
          << d.detail << (d.defect ? "\n    runtime defect: " + *d.defect : std::string()) << "\n";
    for (const auto &v : r.violations)
      out << "event " << v.event << " (line " << v.line << "): " << v.rendered
          << (v.defect ? "\n    runtime defect: " + *v.defect : std::string()) << "\n";
  }
  for (const auto &n : r.notes)
    out << "note: " << n << "\n";
  return out.str();
}

} // namespace lungfish::traces
