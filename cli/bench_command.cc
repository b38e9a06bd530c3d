// `lungfish bench`: the benchmarks of bench/, reported as ratios.
#include "cli/commands.h"
#include "cli/options.h"

#include <memory>

namespace lungfish::cli {

namespace {

struct BenchOptions {
  std::string frankenscript;
  bool json = false;
};

/// Runs the benchmarks. Not yet implemented in this build.
int bench_command(const BenchOptions &) {
  return not_implemented("bench");
}

} // namespace

void add_bench_command(CLI::App &app, Handler &handler) {
  auto o = std::make_shared<BenchOptions>();
  CLI::App *sub = app.add_subcommand(
      "bench", "Run the benchmarks (model steps/s, replay vs parse, checking cost) as ratios");
  sub->add_option("--frankenscript", o->frankenscript, "FrankenScript binary to compare against")
      ->type_name("PATH");
  sub->add_flag("--json", o->json, "Print one JSON object (docs/json-output.md)");
  sub->callback([o, &handler] { handler = [o] { return bench_command(*o); }; });
}

} // namespace lungfish::cli
