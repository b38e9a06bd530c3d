// `lungfish replay TRACE`: replay a runtime's trace against the model.
#include "cli/commands.h"
#include "cli/options.h"

#include "model/program_text.h"
#include "traces/cpython_replay.h"
#include "traces/cpython_steps.h"
#include "traces/replay.h"

#include <iostream>
#include <memory>

namespace lungfish::cli {

namespace {

struct ReplayOptions {
  std::string trace;
  std::string format = "native";
  std::string profile;
  bool json = false;
  uint64_t max_steps = 0;
  double timeout = 0;
};

/// Prints a report (text or JSON) and returns its exit code: 3 at a limit, 1 on any finding.
int print_report(const traces::ReplayReport &report, bool json) {
  if (json)
    std::cout << traces::report_to_json(report).dump(2) << "\n";
  else
    std::cout << traces::report_to_text(report);
  if (report.limited) return kExitLimit;
  return report.clean() ? kExitOk : kExitViolation;
}

/// Replays the trace and prints the report; exit 1 on any finding, 2 on unreadable input.
int replay_command(const ReplayOptions &o, bool format_given) {
  std::string format = o.format;
  if (!format_given) {
    if (o.trace.ends_with(".md"))
      format = "frankenscript";
    else if (o.trace.ends_with(".json"))
      format = "cpython";
  }
  try {
    traces::ReplayOptions ro;
    std::string header_profile;
    std::unique_ptr<traces::StepSource> source;
    if (format == "cpython") {
      ro.profile =
          parse_profile(o.profile.empty() ? "cpython" : o.profile).value_or(Profile::Cpython);
      ro.max_steps = o.max_steps;
      ro.timeout_seconds = o.timeout;
      return print_report(traces::replay_cpython_recording(o.trace, ro), o.json);
    }
    if (format == "frankenscript") {
      source = traces::open_frankenscript_source(o.trace);
      header_profile = "frankenscript";
    } else {
      // (the CPython recorder's Python statements are mapped through the subset parser)
      source = traces::open_native_trace(o.trace, &header_profile);
    }
    // Profile precedence (DESIGN.md): --profile, else the header's, else the format's own.
    std::string profile = !o.profile.empty() ? o.profile : header_profile;
    ro.profile = parse_profile(profile).value_or(format == "frankenscript" ? Profile::Frankenscript
                                                                           : Profile::Lungfish);
    ro.max_steps = o.max_steps;
    ro.timeout_seconds = o.timeout;
    traces::ReplayReport report = traces::replay_stream(*source, ro, o.trace);
    if (format == "frankenscript")
      report.runtime_outcome = traces::frankenscript_run_outcome(
          o.trace, report.runtime_outcome == "ok" || report.runtime_outcome == "leak"
                       ? ""
                       : report.runtime_outcome);
    return print_report(report, o.json);
  } catch (const InputError &e) {
    std::cerr << e.what() << "\n";
    return kExitUsage;
  }
}

} // namespace

void add_replay_command(CLI::App &app, Handler &handler) {
  auto o = std::make_shared<ReplayOptions>();
  CLI::App *sub = app.add_subcommand(
      "replay", "Replay a runtime's trace against the model; report every divergence and "
                "invariant violation");
  sub->add_option("TRACE", o->trace,
                  "Trace file (native JSON Lines, FrankenScript mermaid.md "
                  "or a CPython recording)")
      ->required();
  sub->add_option("--format", o->format, "Trace format")
      ->check(CLI::IsMember({"native", "frankenscript", "cpython"}))
      ->capture_default_str();
  add_profile_option(*sub, o->profile)
      ->description("Profile (default: the trace header's, else the format's own)");
  sub->add_flag("--json", o->json, "Print one JSON object (docs/json-output.md)");
  sub->add_option("--max-steps", o->max_steps,
                  "Stop after N model primitives (outcome limit, exit 3); 0 = no limit")
      ->check(kNonNegative);
  sub->add_option("--timeout", o->timeout,
                  "Stop after S seconds of wall clock (outcome limit, exit 3); 0 = no limit")
      ->check(kNonNegative);
  CLI::Option *format_option = sub->get_option("--format");
  sub->callback([o, &handler, format_option] {
    bool given = format_option->count() > 0;
    handler = [o, given] { return replay_command(*o, given); };
  });
}

} // namespace lungfish::cli
