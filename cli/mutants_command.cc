// `lungfish mutants`: switch each check off and each rule mutant on; find a program that breaks
// an invariant.
#include "cli/commands.h"
#include "cli/options.h"

#include <memory>

namespace lungfish::cli {

namespace {

struct MutantsOptions {
  std::string profile;
  uint64_t seed = 0;
  uint64_t budget_programs = 10000;
  bool json = false;
};

/// Kills the mutants. Not yet implemented in this build.
int mutants_command(const MutantsOptions &) {
  return not_implemented("mutants");
}

} // namespace

void add_mutants_command(CLI::App &app, Handler &handler) {
  auto o = std::make_shared<MutantsOptions>();
  CLI::App *sub = app.add_subcommand(
      "mutants", "For every switchable check and rule mutant, find the smallest program that "
                 "breaks an invariant");
  add_profile_option(*sub, o->profile);
  sub->add_option("--seed", o->seed, "Random seed")->check(kNonNegative)->type_name("S");
  sub->add_option("--budget-programs", o->budget_programs, "Programs tried per mutant")
      ->check(kNonNegative)
      ->type_name("N");
  sub->add_flag("--json", o->json, "Print one JSON object (docs/json-output.md)");
  sub->callback([o, &handler] { handler = [o] { return mutants_command(*o); }; });
}

} // namespace lungfish::cli
