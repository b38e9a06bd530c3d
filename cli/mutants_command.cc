// `lungfish mutants`: switch each check off and each rule mutant on; find a program that breaks
// an invariant.
#include "cli/commands.h"
#include "cli/envelope.h"
#include "cli/junit.h"
#include "cli/options.h"
#include "cli/reproduce.h"
#include "cli/scaling.h"

#include "generators/campaigns/mutants.h"
#include "generators/paper/paper.h"

#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <unistd.h>

namespace lungfish::cli {

namespace {

struct MutantsOptions {
  std::string profile;
  uint64_t seed = 0;
  uint64_t budget_programs = 1500000;
  bool json = false;
  std::vector<std::string> only;
  bool no_z3 = false;
  bool from_scratch = false;
  std::string check = "incremental";
  std::string save_dir = ".lungfish/mutants";
  unsigned jobs = 1;
  std::string shard;
  double progress = -1;
  std::string junit;
};

std::string join(const std::vector<std::string> &v) {
  std::string out;
  for (const std::string &s : v)
    out += (out.empty() ? "" : ",") + s;
  return out;
}

/// Hunts every mutant, saves each killer program, prints the table (or JSON); 1 if one survived.
int mutants_command(const MutantsOptions &mo) {
  gen::MutantOptions o;
  o.profile = to_profile(mo.profile);
  o.seed = mo.seed;
  o.budget_programs = mo.budget_programs;
  o.only = mo.only;
  o.use_z3 = !mo.no_z3;
  o.incremental = !mo.from_scratch;
  o.check = to_check_mode(mo.check);
  Shard shard;
  std::string error;
  if (!resolve_shard(mo.shard, shard, error)) {
    std::cerr << "lungfish mutants: " << error << "\n";
    return mo.json ? json_error("mutants", error) : kExitUsage;
  }
  o.shard_index = shard.index;
  o.shard_count = shard.count;
  o.jobs = mo.jobs;
  o.binary = self_command();
  std::vector<gen::MutantSpec> selected = gen::selected_mutants(o);
  std::cerr << "lungfish mutants: seed " << o.seed << ", budget " << o.budget_programs
            << " programs per mutant, " << plural(selected.size(), "mutant") << ", " << o.jobs
            << " at a time\n";
  if (shard.sharded()) {
    std::cerr << "lungfish mutants: shard " << shard.label() << " (from " << shard.source << "):";
    for (const gen::MutantSpec &m : selected)
      std::cerr << " " << m.name;
    std::cerr << "\n";
  }
  Progress progress("mutants", "mutants", selected.size(), mo.progress);
  std::vector<gen::MutantResult> results;
  try {
    results = gen::hunt_mutants(o, [&](const gen::MutantResult &r) {
      progress.note("  " + r.spec.name + ": " + r.status);
      progress.update(results.size() + 1);
    });
  } catch (const gen::CheckerBug &e) {
    std::cerr << e.what() << "\n";
    return kExitCheckerBug;
  }
  progress.finish();

  std::vector<std::string> files;
  std::string timings;
  bool survived = false;
  for (const gen::MutantResult &r : results) {
    survived |= r.status == "survived";
    std::ostringstream t;
    t << r.spec.name << " " << std::fixed << std::setprecision(3) << r.seconds << " s\n";
    timings += t.str();
    if (r.status != "killed") {
      files.emplace_back();
      continue;
    }
    std::string file = (std::filesystem::path(mo.save_dir) / (r.spec.name + ".lf")).string();
    std::string shown = quoted_absolute(file);
    // The comment follows the program, so the file's lines are the report's.
    std::string trailer =
        "# lungfish mutants: " + r.spec.name + " breaks " + r.invariant +
        "\n# reproduce: " + gen::reproduce_command(r, o.profile, shown, o.binary) + "\n";
    std::string error;
    if (!gen::write_file_atomically(file, r.text + trailer, error))
      std::cerr << "lungfish mutants: " << error << "\n";
    files.push_back(shown);
  }
  // Timings depend on the machine: kept out of the report so that it is a function of the seed.
  error.clear();
  if (!gen::write_file_atomically(mo.save_dir + "/timings.txt", timings, error))
    std::cerr << "lungfish mutants: " << error << "\n";

  if (!mo.junit.empty()) {
    // One testcase per mutant: killed passes, masked is skipped (documented), survived fails.
    std::vector<JUnitCase> cases;
    for (size_t i = 0; i < results.size(); ++i) {
      const gen::MutantResult &r = results[i];
      JUnitCase c{r.spec.name};
      if (r.status == "masked") c = {r.spec.name, "skipped", r.masked_reason};
      if (r.status == "survived")
        c = {r.spec.name, "failure",
             "survived " + plural(r.searched, "program") + " (exhaustive " + r.exhaustive_bound +
                 "; z3: " + r.z3 + ")"};
      if (r.status == "killed")
        c.detail = r.text + gen::reproduce_command(r, o.profile, files[i], o.binary) + "\n";
      cases.push_back(std::move(c));
    }
    std::string e;
    if (!write_junit(mo.junit, "lungfish mutants", cases, e))
      std::cerr << "lungfish mutants: " << e << "\n";
  }
  if (mo.json) {
    nlohmann::json j = envelope("mutants", o.seed, survived ? "violation" : "ok");
    j.update(gen::mutants_json(results, o, files));
    j["campaign"] = {{"profile", profile_name(o.profile)},
                     {"budget_programs", o.budget_programs},
                     {"only", o.only},
                     {"z3", o.use_z3},
                     {"check", mo.check}};
    if (shard.sharded()) j["shard"] = shard.to_json();
    std::cout << j.dump(2) << "\n";
    return survived ? kExitViolation : kExitOk;
  }
  size_t killed = 0, masked = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    const gen::MutantResult &r = results[i];
    std::cout << std::left << std::setw(30) << r.spec.name << std::setw(6)
              << (r.spec.kind == gen::MutantKind::Check ? "check" : "rule") << std::setw(9)
              << r.status;
    if (r.status == "killed") {
      ++killed;
      std::cout << r.invariant
                << (r.also_breaks.empty() ? "" : " (also " + join(r.also_breaks) + ")") << " by "
                << r.engine << " after " << r.searched << " programs, "
                << plural(r.statements, "statement") << "\n    "
                << gen::reproduce_command(r, o.profile, files[i], o.binary) << "\n";
    } else {
      masked += r.status == "masked";
      std::cout << "after " << r.searched << " programs (exhaustive " << r.exhaustive_bound
                << "; z3: " << r.z3 << ")\n";
      if (r.status == "masked") std::cout << "    " << r.masked_reason << "\n";
    }
  }
  std::cout << killed << " killed, " << masked << " masked, " << results.size() - killed - masked
            << " survived; timings in " << mo.save_dir << "/timings.txt\n";
  return survived ? kExitViolation : kExitOk;
}

} // namespace

void add_mutants_command(CLI::App &app, Handler &handler) {
  auto o = std::make_shared<MutantsOptions>();
  CLI::App *sub = app.add_subcommand(
      "mutants", "For every switchable check and rule mutant, find the smallest program that "
                 "breaks an invariant. Exit: 0 every mutant killed or documented as masked "
                 "(docs/mutants.md), 1 a mutant survived");
  add_profile_option(*sub, o->profile);
  sub->add_option("--seed", o->seed, "Random seed")->check(kCount)->type_name("S");
  sub->add_option("--budget-programs", o->budget_programs,
                  "Programs tried per mutant (60% exhaustive, the rest random)")
      ->check(kCount)
      ->type_name("N")
      ->capture_default_str();
  sub->add_flag("--json", o->json, "Print one JSON object (docs/json-output.md)");
  sub->add_option("--only", o->only,
                  "Repeatable; hunt only this mutant (a switchable rule id or a rule mutant)")
      ->check(CLI::Validator(
          [](std::string &v) -> std::string {
            for (const RuleInfo &r : all_rules())
              if (r.switchable && r.name == v) return "";
            for (const MutantInfo &m : all_mutants())
              if (m.name == v) return "";
            return "unknown mutant '" + v +
                   "' (a switchable rule id, as --disable-check lists them, or a rule mutant)";
          },
          ""))
      ->type_name("NAME");
  sub->add_flag("--no-z3", o->no_z3, "Do not try Z3 on the check mutants the others missed");
  sub->add_flag("--from-scratch", o->from_scratch,
                "The exhaustive engine reruns every program from its first statement instead of "
                "resuming from its prefix's state (slower; the same report)");
  add_check_option(*sub, o->check);
  sub->add_option("--out-dir", o->save_dir,
                  "Where each killed mutant's program (NAME.lf) and timings.txt are written")
      ->check(kOutputDir)
      ->type_name("DIR")
      ->capture_default_str();
  sub->add_option("--junit", o->junit,
                  "Also write the results as JUnit XML to FILE (for CI test views)")
      ->check(kOutputFile)
      ->type_name("FILE");
  add_jobs_option(*sub, o->jobs);
  add_shard_option(*sub, o->shard, "the mutant list (round robin)");
  add_progress_option(*sub, o->progress);
  sub->callback([o, &handler] { handler = [o] { return mutants_command(*o); }; });
}

} // namespace lungfish::cli
