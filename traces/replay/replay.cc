// Replay's entry points: the verdict, and the choice of driver (replay.h).
#include "traces/replay/replay.h"

#include "traces/replay/judge.h"

#include <algorithm>

namespace lungfish::traces {

std::string_view recorded_kind_name(RecordedKind k) {
  switch (k) {
    case RecordedKind::Statement:
      return "statement";
    case RecordedKind::Error:
      return "error";
    case RecordedKind::Note:
      return "note";
    case RecordedKind::Leak:
      return "leak";
    case RecordedKind::Spawn:
      return "spawn";
    case RecordedKind::Acquire:
      return "acquire";
    case RecordedKind::Release:
      return "release";
    case RecordedKind::End:
      return "end";
  }
  return "?";
}

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

std::string ReplayReport::verdict() const {
  auto plural = [](uint32_t n, const char *one) {
    return std::to_string(n) + " " + one + (n == 1 ? "" : "s");
  };
  std::string counts = std::to_string(modelled) + " of " + plural(events, "event") + " modelled";
  if (opaque) counts += ", " + std::to_string(opaque) + " opaque (snapshots checked)";
  if (unjudged) counts += ", " + std::to_string(unjudged) + " not judged";
  if (other) counts += ", " + std::to_string(other) + " not statements";
  if (limited) return "limit: stopped by --max-steps / --timeout; " + counts;
  if (clean()) return "clean: " + counts;
  size_t n = divergences.size() + violations.size();
  return std::to_string(n) + (n == 1 ? " finding: " : " findings: ") + counts;
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
  report.followed_program = options.program != nullptr;
  if (options.program)
    detail::replay_following(source, options, report);
  else
    detail::replay_statements(source, options, report);
  return report;
}

} // namespace lungfish::traces
