// `lungfish paper`: regenerate paper/generated/ (tables, counterexample figures).
#include "cli/commands.h"
#include "cli/options.h"
#include "cli/scaling.h"

#include "generators/paper/paper.h"

#include <iostream>
#include <memory>

namespace lungfish::cli {

namespace {

struct PaperOptions {
  std::string out = "paper/generated";
  uint64_t seed = 0;
  uint64_t budget_programs = 1500000;
  int verify_steps = 2;
  unsigned jobs = 1;
  double progress = -1;
  bool no_z3 = false;
};

/// Writes the generated files; 1 if a mutant survived (the files are written anyway), 2 if a
/// file could not be written.
int paper_command(const PaperOptions &po) {
  gen::PaperOptions o;
  o.out = po.out;
  o.seed = po.seed;
  o.budget_programs = po.budget_programs;
  o.verify_steps = po.verify_steps;
  o.run_verify = po.verify_steps > 0;
  o.jobs = po.jobs;
  o.use_z3 = !po.no_z3;
  Progress progress("paper", "mutants", gen::selected_mutants(gen::MutantOptions{}).size(),
                    po.progress);
  uint64_t done = 0;
  o.on_mutant = [&](const gen::MutantResult &m) {
    progress.note("  " + m.spec.name + ": " + m.status);
    progress.update(++done);
  };
  std::cerr << "lungfish paper: seed " << o.seed << ", " << o.budget_programs
            << " programs per mutant, writing " << o.out << "\n";
  gen::PaperResult r = gen::write_paper(o);
  progress.finish();
  if (!r.error.empty()) {
    std::cerr << "lungfish paper: " << r.error << "\n";
    return kExitUsage;
  }
  std::cout << r.files.size() << " files written to " << o.out << "\n";
  if (r.survived) {
    std::cout << r.survived << " mutant(s) survived: see " << o.out << "/mutants.tex\n";
    return kExitViolation;
  }
  return kExitOk;
}

} // namespace

void add_paper_command(CLI::App &app, Handler &handler) {
  auto o = std::make_shared<PaperOptions>();
  CLI::App *sub = app.add_subcommand(
      "paper", "Regenerate the paper's tables and figures (deterministic for a seed)");
  sub->add_option("--out", o->out, "Output directory")
      ->check(kOutputDir)
      ->type_name("DIR")
      ->capture_default_str();
  sub->add_option("--seed", o->seed, "Random seed")->check(kCount)->type_name("S");
  sub->add_option("--budget-programs", o->budget_programs,
                  "Programs tried per mutant (a short budget for CI; `lungfish mutants` runs "
                  "the long campaign)")
      ->check(kCount)
      ->type_name("N")
      ->capture_default_str();
  sub->add_option("--verify-steps", o->verify_steps,
                  "Statements of the bounded Z3 run in verify.tex (0: not run)")
      ->check(kCount)
      ->type_name("K")
      ->capture_default_str();
  sub->add_flag("--no-z3", o->no_z3,
                "The mutant hunt does not try Z3 on the check mutants the other engines missed");
  add_jobs_option(*sub, o->jobs);
  add_progress_option(*sub, o->progress);
  sub->callback([o, &handler] { handler = [o] { return paper_command(*o); }; });
}

} // namespace lungfish::cli
