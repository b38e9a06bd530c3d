// `lungfish diff`: differential testing of a runtime against the model.
#include "cli/commands.h"
#include "cli/options.h"

#include <memory>

namespace lungfish::cli {

namespace {

struct DiffOptions {
  std::string runtime;
  std::string cmd;
  uint64_t count = 100;
  uint64_t seed = 0;
  uint64_t jobs = 1;
  bool json = false;
};

/// Generates programs, runs them on the runtime and replays its output. Not yet implemented.
int diff_command(const DiffOptions &) {
  return not_implemented("diff");
}

} // namespace

void add_diff_command(CLI::App &app, Handler &handler) {
  auto o = std::make_shared<DiffOptions>();
  CLI::App *sub = app.add_subcommand(
      "diff", "Run generated programs on a runtime and on the model; report divergences");
  sub->add_option("--runtime", o->runtime, "Runtime under test")
      ->check(CLI::IsMember({"frankenscript", "cpython"}))
      ->required();
  sub->add_option("--cmd", o->cmd, "Command running one program; {file} is replaced by its path")
      ->type_name("'COMMAND {file}'")
      ->required();
  sub->add_option("--count", o->count, "Number of programs")->check(kNonNegative);
  sub->add_option("--seed", o->seed, "Random seed")->check(kNonNegative)->type_name("S");
  sub->add_option("--jobs", o->jobs, "Programs run in parallel")->check(kPositive)->type_name("J");
  sub->add_flag("--json", o->json, "Print one JSON object (docs/json-output.md)");
  sub->callback([o, &handler] { handler = [o] { return diff_command(*o); }; });
}

} // namespace lungfish::cli
