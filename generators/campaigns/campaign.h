// The `lungfish check` campaign: saved failures first, then generated programs, each checked
// against every property (generators/campaigns/properties.h); the first failure is shrunk and
// saved.
#pragma once

#include "generators/campaigns/properties.h"
#include "generators/program_gen.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace lungfish::gen {

struct CampaignOptions {
  uint64_t seed = 0;
  uint64_t count = 1000;
  size_t max_size = 20;
  CheckConfig config;
  std::vector<std::string> disabled_names; // as given on the command line (for `reproduce`)
  std::string save_dir = ".lungfish/failures/";
  // How `reproduce` invokes lungfish (the CLI passes a path that works where `lungfish` is not
  // on PATH) and how it writes a path (quoted, absolute: it runs from any directory).
  std::string binary = "lungfish";
  std::function<std::string(const std::string &)> quote_path = [](const std::string &p) {
    return p;
  };
  unsigned jobs = 1; // threads; the result is the same for any number
  // This run's part of the programs: indices [begin, end) of [0, count) (a shard); the saved
  // failures are rerun only by the part that starts at 0.
  uint64_t begin = 0, end = UINT64_MAX;
};

/// A shrunk failing program, where it was saved and the one command that reproduces it.
struct Counterexample {
  Program program;
  std::string text; // print_program
  size_t statements = 0;
  size_t objects = 0; // live objects (globals excluded) in the failing state
  ProgramFailure failure;
  std::string path;
  std::string reproduce;
  std::string origin; // "saved" or "program #i (family, seed)"
};

struct FamilyStats {
  uint64_t programs = 0, statements = 0, accepted = 0;
};

struct CampaignResult {
  uint64_t programs = 0;       // generated programs (saved reruns are `saved`)
  uint64_t saved = 0;          // saved failures rerun first
  uint64_t steps = 0;          // primitives executed (first run of each program)
  uint64_t accepted_steps = 0; // top-level statements that completed
  uint64_t rejected_steps = 0; // statements rejected by a check (one per rejected run)
  std::map<std::string, uint64_t> rule_hits;
  FamilyStats biased, raw;
  std::vector<Counterexample> failures;
  std::string save_error; // a failure could not be saved
};

/// Runs the campaign; `progress(done)` is called every few hundred programs (on the calling
/// thread), with `done` counted from `begin`.
CampaignResult run_campaign(const CampaignOptions &o,
                            const std::function<void(uint64_t)> &progress = {});

/// The switchable rules whose checks can fire under a profile (the freeze.* rules belong to
/// the cpython and pep795 profiles).
std::vector<RuleId> applicable_switchable_rules(Profile p);

/// Family of campaign program i: every fifth program is raw.
Family campaign_family(uint64_t index);

} // namespace lungfish::gen
