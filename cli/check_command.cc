// `lungfish check`: random programs through the model with the invariants checked.
#include "cli/commands.h"
#include "cli/envelope.h"
#include "cli/junit.h"
#include "cli/options.h"
#include "cli/reproduce.h"
#include "cli/scaling.h"

#include "generators/campaigns/campaign.h"

#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>
#include <random>
#include <tuple>

#include <unistd.h>

namespace lungfish::cli {

namespace {

struct CheckOptions {
  uint64_t seed = 0;
  bool seed_given = false;
  uint64_t count = 1000;
  uint64_t max_size = 20;
  std::string profile;
  std::vector<std::string> disabled;
  std::string save_failures = ".lungfish/failures/";
  std::string check = "incremental";
  bool json = false;
  unsigned jobs = 1;
  std::string shard;
  double progress = -1;
  std::string junit;
};

std::string percent(uint64_t a, uint64_t b) {
  if (!b) return "-";
  return std::to_string(a * 1000 / b / 10) + "." + std::to_string(a * 1000 / b % 10) + "%";
}

void print_failure(std::ostream &os, const gen::Counterexample &c) {
  const gen::ProgramFailure &f = c.failure;
  os << "FAILED: " << f.property << (f.property == "invariant" ? " " + f.invariant : "") << " in "
     << c.origin << "\n";
  os << "minimal counterexample (" << plural(c.statements, "statement") << "):\n";
  std::istringstream lines(c.text);
  int n = 0;
  for (std::string line; std::getline(lines, line);)
    os << "  " << ++n << ": " << line << "\n";
  if (f.line)
    os << "failing line: " << f.line << (f.event.empty() ? "" : " (" + f.event + ")") << "\n";
  else if (!f.event.empty())
    os << "failing at: " << f.event << "\n";
  os << f.message << "\n";
  if (!f.before.empty()) os << "state before:\n" << f.before;
  if (!f.after.empty()) os << "state after:\n" << f.after;
  os << "saved: " << c.path << "\n";
  os << "reproduce: " << c.reproduce << "\n";
}

/// Runs the campaign and prints its report; exit 0 ok, 1 a failure found.
int check_command(const CheckOptions &o) {
  gen::CampaignOptions co;
  co.seed = o.seed_given ? o.seed : std::random_device{}();
  co.count = o.count;
  co.max_size = o.max_size;
  co.config.profile = to_profile(o.profile);
  co.config.disabled = to_disabled_checks(o.disabled);
  co.config.check = to_check_mode(o.check);
  co.disabled_names = o.disabled;
  co.save_dir = o.save_failures;
  co.binary = self_command();
  co.quote_path = quoted_absolute;
  Shard shard;
  std::string error;
  if (!resolve_shard(o.shard, shard, error)) {
    std::cerr << "lungfish check: " << error << "\n";
    return o.json ? json_error("check", error) : kExitUsage;
  }
  std::tie(co.begin, co.end) = shard_range(o.count, shard);
  co.jobs = o.jobs;
  // The seed comes first; with --json it goes to stderr so that stdout stays one JSON object.
  (o.json ? std::cerr : std::cout) << "seed=" << co.seed << std::endl;
  if (shard.sharded())
    std::cerr << "lungfish check: shard " << shard.label() << " (from " << shard.source
              << "): programs " << co.begin << " to " << co.end << " of " << o.count << "\n";

  Progress progress("check", "programs", co.end - co.begin, o.progress);
  gen::CampaignResult r = gen::run_campaign(co, [&](uint64_t done) { progress.update(done); });
  progress.finish();
  if (!r.save_error.empty()) std::cerr << "lungfish check: " << r.save_error << "\n";

  if (!o.junit.empty()) {
    // One testcase per program group: the saved failures, the biased and the raw programs.
    std::vector<JUnitCase> cases;
    if (r.saved) cases.push_back({"saved failures rerun (" + plural(r.saved, "program") + ")"});
    cases.push_back({"biased programs (" + plural(r.biased.programs, "program") + ")"});
    cases.push_back({"raw programs (" + plural(r.raw.programs, "program") + ")"});
    for (const gen::Counterexample &c : r.failures) {
      size_t k = c.origin.rfind("saved", 0) == 0              ? 0
                 : c.origin.find("(raw") != std::string::npos ? cases.size() - 1
                                                              : cases.size() - 2;
      cases[k].status = "failure";
      cases[k].message = c.failure.property + " " + c.failure.invariant + " in " + c.origin;
      cases[k].detail = c.text + "reproduce: " + c.reproduce + "\n";
    }
    std::string error;
    if (!write_junit(o.junit, "lungfish check --seed " + std::to_string(co.seed), cases, error))
      r.save_error = error;
  }
  if (o.json) {
    nlohmann::json j = envelope("check", co.seed, r.failures.empty() ? "ok" : "violation");
    j["campaign"] = {{"count", o.count},
                     {"max_size", o.max_size},
                     {"profile", profile_name(co.config.profile)},
                     {"disabled", o.disabled},
                     {"check", o.check}};
    if (shard.sharded()) {
      j["shard"] = shard.to_json();
      j["shard"]["begin"] = co.begin;
      j["shard"]["end"] = co.end;
    }
    j["programs"] = r.programs;
    j["steps"] = r.steps;
    j["accepted_statements"] = r.accepted_steps;
    j["rejected_runs"] = r.rejected_steps;
    j["rule_hits"] = r.rule_hits;
    j["saved_rerun"] = r.saved;
    for (auto [name, s] : {std::pair{"biased", r.biased}, std::pair{"raw", r.raw}})
      j["families"][name] = {{"programs", s.programs},
                             {"statements", s.statements},
                             {"accepted_statements", s.accepted}};
    j["failures"] = nlohmann::json::array();
    for (const gen::Counterexample &c : r.failures)
      j["failures"].push_back({{"program", c.text},
                               {"statements", c.statements},
                               {"objects", c.objects},
                               {"invariant", c.failure.invariant},
                               {"reproduce", c.reproduce}});
    std::cout << j.dump(2) << "\n";
  } else {
    for (const gen::Counterexample &c : r.failures)
      print_failure(std::cout, c);
    std::cout << "programs: " << r.programs << " (" << r.saved << " saved, " << r.biased.programs
              << " biased, " << r.raw.programs << " raw), steps: " << r.steps << "\n";
    std::cout << "accepted statements: biased " << r.biased.accepted << "/" << r.biased.statements
              << " (" << percent(r.biased.accepted, r.biased.statements) << "), raw "
              << r.raw.accepted << "/" << r.raw.statements << " ("
              << percent(r.raw.accepted, r.raw.statements)
              << "); rejected runs: " << r.rejected_steps << "\n";
    std::cout << "rule hits:";
    for (const auto &[rule, n] : r.rule_hits)
      std::cout << " " << rule << "=" << n;
    std::cout << "\n" << (r.failures.empty() ? "ok" : "FAILED") << "\n";
  }
  // A failure that could not be saved was asked for and is lost: an error, exit 2 (the message
  // came before the report).
  if (!r.save_error.empty()) return kExitUsage;
  for (const gen::Counterexample &c : r.failures)
    if (c.failure.property == gen::kCheckerDisagreement) {
      std::cerr << "lungfish bug: the incremental and full checkers disagree (--check both) on "
                   "the program above\n";
      return kExitCheckerBug;
    }
  return r.failures.empty() ? kExitOk : kExitViolation;
}

} // namespace

void add_check_command(CLI::App &app, Handler &handler) {
  auto o = std::make_shared<CheckOptions>();
  CLI::App *sub = app.add_subcommand(
      "check", "Generate random programs, run them and check the invariants after every "
               "statement; failing cases are shrunk and saved");
  sub->add_option("--seed", o->seed, "Random seed (printed at start; same seed, same programs)")
      ->check(kCount);
  sub->add_option("--count", o->count, "Number of programs")->check(kCount);
  sub->add_option("--max-size", o->max_size, "Maximum statements per program")
      ->check(whole_number_between(0, 1000000))
      ->type_name("K");
  add_profile_option(*sub, o->profile);
  add_disable_check_option(*sub, o->disabled);
  sub->add_option("--save-failures", o->save_failures,
                  "Directory keeping failing cases (run first next time)")
      ->check(kOutputDir)
      ->type_name("DIR")
      ->capture_default_str();
  add_check_option(*sub, o->check);
  sub->add_option("--junit", o->junit,
                  "Also write the results as JUnit XML to FILE (for CI test views)")
      ->check(kOutputFile)
      ->type_name("FILE");
  add_jobs_option(*sub, o->jobs);
  add_shard_option(*sub, o->shard, "the programs (a contiguous range of indices)");
  add_progress_option(*sub, o->progress);
  sub->add_flag("--json", o->json, "Print one JSON object (docs/json-output.md)");
  sub->callback([o, sub, &handler] {
    o->seed_given = sub->count("--seed") > 0;
    handler = [o] { return check_command(*o); };
  });
}

} // namespace lungfish::cli
