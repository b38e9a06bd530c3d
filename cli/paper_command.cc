// `lungfish paper`: regenerate paper/generated/ (tables, counterexample figures).
#include "cli/commands.h"
#include "cli/options.h"

#include <memory>

namespace lungfish::cli {

namespace {

struct PaperOptions {
  std::string out = "paper/generated";
  uint64_t seed = 0;
};

/// Writes the generated files. Not yet implemented in this build.
int paper_command(const PaperOptions &) {
  return not_implemented("paper");
}

} // namespace

void add_paper_command(CLI::App &app, Handler &handler) {
  auto o = std::make_shared<PaperOptions>();
  CLI::App *sub = app.add_subcommand(
      "paper", "Regenerate the paper's tables and figures (deterministic for a seed)");
  sub->add_option("--out", o->out, "Output directory")->type_name("DIR")->capture_default_str();
  sub->add_option("--seed", o->seed, "Random seed")->check(kNonNegative)->type_name("S");
  sub->callback([o, &handler] { handler = [o] { return paper_command(*o); }; });
}

} // namespace lungfish::cli
