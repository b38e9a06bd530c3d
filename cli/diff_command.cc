// `lungfish diff`: differential testing of a runtime against the model.
#include "cli/commands.h"
#include "cli/envelope.h"
#include "cli/options.h"
#include "cli/reproduce.h"
#include "cli/scaling.h"
#include "traces/diff/diff.h"

#include <iostream>
#include <memory>
#include <random>
#include <stdexcept>

namespace lungfish::cli {

namespace {

struct DiffOptions {
  std::string runtime;
  std::string cmd;
  uint64_t count = 100;
  uint64_t seed = 0;
  unsigned jobs = 1;
  bool json = false;
  bool seed_given = false;
  std::string keep;
  bool when = false;
};

/// Generates programs, runs them on the runtime and replays its output; exit 1 on any
/// divergence or runtime crash, 2 on a bad command.
int diff_command(const DiffOptions &o) {
  if (!traces::diff_runtime_supported(o.runtime)) {
    std::cerr << "lungfish diff: " << o.runtime << " diff needs the Python emitter\n";
    return kExitUsage;
  }
  traces::DiffConfig c;
  c.runtime = o.runtime;
  c.cmd = o.cmd;
  c.count = o.count;
  c.seed = o.seed_given ? o.seed : std::random_device{}();
  c.jobs = o.jobs;
  c.keep_all = o.keep;
  c.behaviours = o.when;
  try {
    // The seed comes first; with --json on stderr, so that stdout is one JSON object.
    traces::DiffResult r = traces::run_diff(c, [&](uint64_t seed) {
      (o.json ? std::cerr : std::cout) << "seed=" << seed << std::endl;
    });
    // The library writes `lungfish replay ...`; the line must run where lungfish is not on PATH.
    for (traces::DiffGroup &g : r.groups)
      g.reproduce = with_self_command(g.reproduce);
    for (traces::DiffCrash &k : r.crashes) {
      k.reproduce = with_self_command(k.reproduce);
      k.shrunk_reproduce = with_self_command(k.shrunk_reproduce);
    }
    if (o.json) {
      nlohmann::json j = envelope("diff", r.seed, r.failed() ? "violation" : "ok");
      nlohmann::json body = traces::diff_to_json(r); // items() must not outlive it
      for (auto &[k, v] : body.items())
        if (k != "seed") j[k] = v;
      std::cout << j.dump(2) << "\n";
    } else {
      std::cout << traces::diff_to_text(r);
    }
    return r.failed() ? kExitViolation : kExitOk;
  } catch (const std::exception &e) {
    std::cerr << "lungfish diff: " << e.what() << "\n";
    return o.json ? json_error("diff", e.what()) : kExitUsage;
  }
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
  sub->add_option("--count", o->count, "Number of programs")->check(kCount);
  CLI::Option *seed =
      sub->add_option("--seed", o->seed, "Random seed")->check(kCount)->type_name("S");
  add_jobs_option(*sub, o->jobs);
  sub->add_option("--keep", o->keep,
                  "Keep every program's run in DIR/NNNNNN/ as a user has it (the program, the "
                  "runtime's log prog.out, its recording), with DIR/index.tsv saying what diff "
                  "found in each; `lungfish replay DIR/NNNNNN/mermaid.md` replays one")
      ->check(kOutputDir)
      ->type_name("DIR");
  sub->add_flag(
      "--when", o->when,
      "Programs with behaviours (FrankenScript's pldi27 branch): each has a `when`; the "
      "runtime's prompts are answered from schedule.txt, a schedule derived from the seed");
  sub->add_flag("--json", o->json, "Print one JSON object (docs/json-output.md)");
  sub->callback([o, seed, &handler] {
    o->seed_given = seed->count() > 0;
    handler = [o] { return diff_command(*o); };
  });
}

} // namespace lungfish::cli
