// `lungfish enumerate`: exhaustive small-scope exploration.
#include "cli/commands.h"
#include "cli/envelope.h"
#include "cli/junit.h"
#include "cli/options.h"
#include "cli/reproduce.h"
#include "cli/scaling.h"

#include "generators/campaigns/explore.h"
#include "model/io/atomic_file.h"
#include "model/text/program_text.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include <unistd.h>

namespace lungfish::cli {

namespace {

struct EnumerateOptions {
  uint64_t depth = 4, objects = 3, regions = 2, fields = 2;
  std::string profile;
  std::vector<std::string> disabled;
  std::string schedules = "default";
  std::string check = "incremental";
  bool json = false;
  unsigned jobs = 1;
  double progress = -1;
  std::string save_dir = ".lungfish/failures";
  std::string junit;
};

/// Saves a counterexample as DIR/enum-<hash>.lf (written atomically; the comment after the
/// program, so the file's lines are the report's) and returns the one command that reproduces
/// it, from any directory; a write error goes to `error` (the command then exits 2).
std::string save_counterexample(const std::string &text, const EnumerateOptions &o,
                                std::string &error) {
  std::string flags;
  if (!o.profile.empty() && o.profile != "lungfish") flags += " --profile " + o.profile;
  for (const std::string &d : o.disabled)
    flags += " --disable-check " + d;
  if (o.schedules == "all") flags += " --schedules all";
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text + flags)
    h = (h ^ c) * 0x100000001b3ULL;
  char name[40];
  std::snprintf(name, sizeof name, "enum-%016llx.lf", static_cast<unsigned long long>(h));
  std::string path = (std::filesystem::path(o.save_dir) / name).string();
  std::string e;
  if (!write_file_atomically(
          path, text + "# lungfish enumerate counterexample\n# options:" + flags + "\n", e) &&
      error.empty())
    error = e;
  return self_command() + " run " + quoted_absolute(path) + flags;
}

/// Runs the exploration and prints its report; exit 0 ok, 1 a violation found.
int enumerate_command(const EnumerateOptions &o) {
  gen::ExploreOptions eo;
  eo.depth = o.depth;
  eo.objects = o.objects;
  eo.regions = o.regions;
  eo.fields = o.fields;
  eo.profile = to_profile(o.profile);
  eo.disabled = to_disabled_checks(o.disabled);
  eo.schedules = o.schedules == "all" ? ScheduleMode::All : ScheduleMode::Default;
  eo.check = to_check_mode(o.check);
  eo.jobs = o.jobs;
  std::unique_ptr<Progress> progress;
  size_t level = 0;
  gen::ExploreResult r =
      gen::explore(eo, [&](size_t depth, uint64_t states, uint64_t done, uint64_t total) {
        if (depth != level) {
          if (progress) progress->finish();
          level = depth;
          progress = std::make_unique<Progress>("enumerate: depth " + std::to_string(depth),
                                                "programs", total, o.progress);
        }
        progress->update(done);
        (void)states;
      });
  if (progress) progress->finish();
  if (!r.checker_bug.empty()) {
    std::cerr << r.checker_bug << "\n";
    return kExitCheckerBug;
  }
  nlohmann::json violations = nlohmann::json::array();
  std::vector<std::string> reproduce;
  std::string save_error;
  for (const gen::ExploreViolation &v : r.violations) {
    std::string text = print_program(v.program);
    reproduce.push_back(save_counterexample(text, o, save_error));
    violations.push_back({{"program", text},
                          {"statements", v.program.body.size()},
                          {"objects", v.objects},
                          {"invariant", v.invariant},
                          {"reproduce", reproduce.back()},
                          {"baseline", v.baseline}});
  }
  if (!o.junit.empty()) {
    // One testcase for the search, one per invariant it found broken.
    std::vector<JUnitCase> cases;
    cases.push_back({"states within depth " + std::to_string(o.depth) + " (" +
                     plural(r.states, "state") + ")"});
    if (!r.complete) cases.back() = {cases.back().name, "error", "the search stopped early"};
    for (size_t i = 0; i < r.violations.size(); ++i) {
      const gen::ExploreViolation &v = r.violations[i];
      cases.push_back({v.invariant + (v.baseline ? " (also with every check on)" : ""), "failure",
                       v.message, print_program(v.program) + "reproduce: " + reproduce[i] + "\n"});
    }
    std::string e;
    if (!write_junit(o.junit, "lungfish enumerate", cases, e) && save_error.empty()) save_error = e;
  }
  if (o.json) {
    nlohmann::json j =
        envelope("enumerate", std::nullopt, r.violations.empty() ? "ok" : "violation");
    j["states"] = r.states;
    j["transitions"] = r.transitions;
    j["rejected"] = r.rejected;
    j["pruned"] = r.pruned;
    j["depth_reached"] = r.depth_reached;
    j["complete"] = r.complete;
    j["bound"] = {
        {"depth", o.depth}, {"objects", o.objects}, {"regions", o.regions}, {"fields", o.fields}};
    j["violations"] = violations;
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << "bound: depth " << o.depth << ", objects " << o.objects << ", regions "
              << o.regions << ", fields " << o.fields << "\n";
    std::cout << "states: " << r.states << " (depth reached " << r.depth_reached
              << (r.complete ? "" : ", stopped at the state limit") << "), transitions "
              << r.transitions << ", rejected " << r.rejected << ", pruned " << r.pruned << "\n";
    for (size_t i = 0; i < r.violations.size(); ++i) {
      const gen::ExploreViolation &v = r.violations[i];
      std::cout << "VIOLATION " << v.invariant << " (shortest program, "
                << plural(v.program.body.size(), "statement")
                << (v.baseline ? "; also with every check on" : "") << "):\n";
      std::cout << print_program(v.program);
      std::cout << "failing line: " << v.line << " (" << v.event << ")\n" << v.message << "\n";
      std::cout << "reproduce: " << reproduce[i] << "\n";
    }
    std::cout << (r.violations.empty() ? "ok" : "FAILED") << "\n";
  }
  if (!save_error.empty()) {
    std::cerr << "lungfish enumerate: " << save_error << "\n";
    return kExitUsage;
  }
  return r.violations.empty() ? kExitOk : kExitViolation;
}

} // namespace

void add_enumerate_command(CLI::App &app, Handler &handler) {
  auto o = std::make_shared<EnumerateOptions>();
  CLI::App *sub = app.add_subcommand(
      "enumerate", "Run every program up to the given bounds and check the invariants");
  sub->add_option("--depth", o->depth, "Statements per program")->check(kCount)->type_name("D");
  sub->add_option("--objects", o->objects, "Maximum objects")->check(kCount);
  sub->add_option("--regions", o->regions, "Maximum regions")->check(kCount)->type_name("R");
  sub->add_option("--fields", o->fields, "Field names to use")->check(kCount)->type_name("F");
  add_profile_option(*sub, o->profile);
  add_disable_check_option(*sub, o->disabled);
  sub->add_option("--schedules", o->schedules, "Behaviour interleavings: default or all")
      ->check(CLI::IsMember({"default", "all"}));
  add_check_option(*sub, o->check);
  sub->add_option("--save-failures", o->save_dir,
                  "Directory the counterexamples are saved to (enum-<hash>.lf)")
      ->check(kOutputDir)
      ->type_name("DIR");
  sub->add_option("--junit", o->junit,
                  "Also write the results as JUnit XML to FILE (for CI test views)")
      ->check(kOutputFile)
      ->type_name("FILE");
  add_jobs_option(*sub, o->jobs);
  add_progress_option(*sub, o->progress);
  sub->add_flag("--json", o->json, "Print one JSON object (docs/json-output.md)");
  sub->callback([o, &handler] { handler = [o] { return enumerate_command(*o); }; });
}

} // namespace lungfish::cli
