// `lungfish replay TRACE`: replay a runtime's recording against the model.
#include "cli/commands.h"
#include "cli/envelope.h"
#include "cli/options.h"

#include "model/text/program_text.h"
#include "traces/replay/replay.h"

#include <iostream>
#include <memory>

namespace lungfish::cli {

namespace {

struct ReplayOptions {
  traces::ReplayFiles files;
  bool json = false;
  uint64_t max_steps = 0;
  double timeout = 0;
};

/// Replays the recording and prints the report; exit 1 on any finding, 2 on unreadable input.
int replay_command(const ReplayOptions &o) {
  try {
    traces::ReplayOptions ro;
    ro.max_steps = o.max_steps;
    ro.timeout_seconds = o.timeout;
    traces::ReplayReport report = traces::replay_files(o.files, ro);
    if (o.json) {
      nlohmann::json body = traces::report_to_json(report);
      nlohmann::json j = envelope("replay", std::nullopt, body.value("outcome", "ok"));
      j.update(body);
      std::cout << j.dump(2) << "\n";
    } else
      std::cout << traces::report_to_text(report);
    if (report.limited) return kExitLimit;
    return report.clean() ? kExitOk : kExitViolation;
  } catch (const InputError &e) {
    std::cerr << e.what() << "\n";
    return o.json ? json_error("replay", e.what()) : kExitUsage;
  }
}

} // namespace

void add_replay_command(CLI::App &app, Handler &handler) {
  auto o = std::make_shared<ReplayOptions>();
  CLI::App *sub = app.add_subcommand(
      "replay", "Replay a runtime's recording against the model; report every divergence and "
                "invariant violation, and how many events were modelled, opaque or not judged");
  sub->add_option("TRACE", o->files.trace,
                  "The recording: a FrankenScript mermaid.md (NAME.mermaid.md or mermaid.md), a "
                  "native trace (JSON Lines) or a CPython recording (.json)")
      ->required();
  sub->add_option("--format", o->files.format,
                  "Recording format (default: frankenscript for *.md, cpython for *.json, else "
                  "native)")
      ->check(CLI::IsMember({"native", "frankenscript", "cpython"}));
  sub->add_option("--log", o->files.log,
                  "The runtime's stdout+stderr (default: NAME.out or NAME.log beside "
                  "NAME.mermaid.md; mermaid.out, mermaid.log or the only *.out/*.log beside "
                  "mermaid.md): how the run ended (an error, an abort, a crash)")
      ->type_name("FILE");
  sub->add_option("--program", o->files.program,
                  "The program the runtime ran (default: NAME.frank beside the recording or its "
                  "log, the only *.frank beside mermaid.md, or the one a native trace carries): "
                  "the model follows it and judges the statement the runtime failed on")
      ->type_name("FILE");
  add_profile_option(*sub, o->files.profile)
      ->description("Profile (default: the trace header's, else the format's own)");
  sub->add_flag("--json", o->json, "Print one JSON object (docs/json-output.md)");
  sub->add_option("--max-steps", o->max_steps,
                  "Stop after N model primitives (outcome limit, exit 3); 0 = no limit")
      ->check(kNonNegative)
      ->capture_default_str();
  sub->add_option("--timeout", o->timeout,
                  "Stop after S seconds of wall clock (outcome limit, exit 3); 0 = no limit")
      ->check(kNonNegative)
      ->capture_default_str();
  sub->callback([o, &handler] { handler = [o] { return replay_command(*o); }; });
}

} // namespace lungfish::cli
