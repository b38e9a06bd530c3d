#include "cli/run_report.h"

#include "model/render.h"

#include <algorithm>

namespace lungfish::cli {

namespace {

uint64_t object_serial(const State &h, ObjectId o) {
  return o != kNone && o < h.object_end() ? h.obj(o).serial : 0;
}

uint64_t region_serial(const State &h, RegionId r) {
  return r != kNoRegion && r < h.region_end() ? h.region(r).serial : 0;
}

// "Line 4: r.f = x" for the statement on `line`, or "" if none is known.
std::string statement_message(const Machine &m, uint32_t line) {
  for (const StatementInfo &s : m.program().statements)
    if (s.line == line && line != 0) return s.message;
  return "";
}

} // namespace

void show_state(std::ostream &os, const std::string &format, const Machine &m, const Event &e) {
  const World &w = m.world();
  if (format == "mermaid") {
    MermaidOptions opts;
    opts.thread = e.thread;
    os << render_mermaid_step(w, e.message, opts);
  } else if (format == "dot") {
    os << "// " << e.message << "\n" << render_dot(w);
  } else if (format == "json") {
    os << nlohmann::json{{"step", e.step},
                         {"line", e.line},
                         {"message", e.message},
                         {"state", state_to_json(w)}}
              .dump()
       << "\n";
  } else {
    os << "== " << e.message << " ==\n" << render_text(w);
  }
}

void show_rejection(std::ostream &os, const std::string &format, const Machine &m,
                    const RuleError &err) {
  const World &w = m.world();
  if (format == "mermaid") {
    MermaidOptions opts;
    opts.thread = m.last_event().thread;
    opts.roots = mermaid_error_roots(w, opts.thread, err.objects);
    opts.error = err.objects;
    os << render_mermaid_step(w, "Error: " + err.message, opts);
  } else if (format == "dot") {
    os << "// rejected at line " << err.line << ": " << err.message << "\n" << render_dot(w);
  } else if (format == "json") {
    os << nlohmann::json{{"step", m.steps()},
                         {"line", err.line},
                         {"error", error_json(err)},
                         {"state", state_to_json(w)}}
              .dump()
       << "\n";
  } else {
    os << "== rejected at line " << err.line << " ==\n" << render_text(w);
  }
}

bool NativeTraceWriter::open(const std::string &path, Profile profile, std::string &error) {
  out_.open(path, std::ios::out | std::ios::trunc);
  if (!out_) {
    error = "cannot write trace file " + path;
    return false;
  }
  out_ << nlohmann::json{{"lungfish_trace", 1},
                         {"runtime", "lungfish"},
                         {"profile", profile_name(profile)}}
              .dump()
       << "\n";
  return true;
}

void NativeTraceWriter::statement(const Event &e) {
  if (!out_.is_open()) return;
  out_ << nlohmann::json{{"step", e.step},
                         {"line", e.line},
                         {"message", e.message},
                         {"outcome", "ok"}}
              .dump()
       << "\n";
}

void NativeTraceWriter::rejection(const Machine &m, const RuleError &err) {
  if (!out_.is_open()) return;
  std::string message = statement_message(m, err.line);
  out_ << nlohmann::json{{"step", m.steps()},
                         {"line", err.line},
                         {"message", message.empty() ? err.message : message},
                         {"outcome", error_code_name(err.code)}}
              .dump()
       << "\n";
}

nlohmann::json error_json(const RuleError &err) {
  return {{"code", error_code_name(err.code)},
          {"rule", rule_info(err.rule).name},
          {"line", err.line},
          {"message", err.message}};
}

nlohmann::json violation_json(const State &h, const FoundViolation &f) {
  nlohmann::json objects = nlohmann::json::array(), regions = nlohmann::json::array();
  for (ObjectId o : f.violation.witness.objects)
    objects.push_back(object_serial(h, o));
  for (RegionId r : f.violation.witness.regions)
    regions.push_back(region_serial(h, r));
  return {{"invariant", invariant_name(f.violation.invariant)},
          {"line", f.line},
          {"event", f.event},
          {"message", f.violation.message},
          {"witness",
           {{"objects", objects}, {"regions", regions}, {"path", f.violation.witness.path}}}};
}

void print_text_report(std::ostream &os, const Machine &m, Outcome outcome,
                       const std::vector<FoundViolation> &found) {
  const State &h = m.heap();
  if (outcome == Outcome::Rejected && m.error()) {
    const RuleError &err = *m.error();
    os << "rejected at line " << err.line << ": " << rule_info(err.rule).name << " ("
       << error_code_name(err.code) << "): " << err.message << "\n";
    for (ObjectId o : err.objects) {
      os << "  object " << object_name(h, o) << ": " << m.describe(o) << "\n";
      for (const HistoryEntry &he : m.history())
        if (!he.region && he.serial == object_serial(h, o))
          os << "    line " << he.line << ": " << he.what << "\n";
    }
    for (RegionId r : err.regions)
      os << "  region " << region_name(h, r) << ": " << m.describe_region(r) << "\n";
  }
  for (const FoundViolation &f : found) {
    os << "violation at line " << f.line << " (" << f.event_message
       << "): " << format_violation(m.world(), f.violation) << "\n";
    if (!f.violation.witness.path.empty()) os << "  path: " << f.violation.witness.path << "\n";
  }
  if (m.options().schedules == ScheduleMode::All && outcome != Outcome::Ok) {
    os << "schedule:";
    for (uint32_t t : m.schedule())
      os << " " << t;
    os << "\n";
  }
  os << "outcome: " << outcome_name(outcome) << " (" << m.steps() << " steps)\n";
}

nlohmann::json json_report(const Machine &m, Outcome outcome,
                           const std::vector<FoundViolation> &found) {
  nlohmann::json violations = nlohmann::json::array();
  for (const FoundViolation &f : found)
    violations.push_back(violation_json(m.heap(), f));
  nlohmann::json error = nullptr;
  if (outcome == Outcome::Rejected && m.error()) error = error_json(*m.error());
  return {{"outcome", outcome_name(outcome)},
          {"steps", m.steps()},
          {"error", error},
          {"violations", violations},
          {"state", state_to_json(m.world())}};
}

} // namespace lungfish::cli
