// Campaigns on several threads give the report of one thread: the ordered loop itself (order,
// stopping, exceptions), then `check`, `enumerate` and `mutants` at 1 and 3 threads.
#include "generators/campaigns/campaign.h"
#include "generators/campaigns/explore.h"
#include "generators/campaigns/mutants.h"
#include "generators/campaigns/parallel.h"

#include "model/text/program_text.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include <unistd.h>

namespace lungfish::gen {
namespace {

// Units finish out of order (later ones sooner); the consumer still sees 0, 1, 2, ...
TEST(Parallel, ResultsComeInIndexOrderWhateverTheFinishingOrder) {
  for (unsigned jobs : {1u, 3u}) {
    std::vector<uint64_t> seen;
    ordered_parallel<uint64_t>(
        50, jobs,
        [](uint64_t i) {
          std::this_thread::sleep_for(std::chrono::microseconds((50 - i) * 20));
          return i * i;
        },
        [&](uint64_t i, uint64_t &r) {
          EXPECT_EQ(r, i * i);
          seen.push_back(i);
          return true;
        },
        4);
    ASSERT_EQ(seen.size(), 50u) << jobs;
    for (uint64_t i = 0; i < seen.size(); ++i)
      EXPECT_EQ(seen[i], i);
  }
}

TEST(Parallel, StoppingConsumesNothingLaterAndRunsBoundedAhead) {
  std::atomic<uint64_t> started{0};
  uint64_t last = 0;
  ordered_parallel<int>(
      100000, 3,
      [&](uint64_t) {
        ++started;
        return 0;
      },
      [&](uint64_t i, int &) {
        last = i;
        return i < 10;
      },
      8);
  EXPECT_EQ(last, 10u);
  EXPECT_LE(started.load(), 10u + 8u + 3u); // the window, plus one unit per thread in flight
}

TEST(Parallel, AnExceptionReachesTheCallerAtItsIndex) {
  uint64_t consumed = 0;
  EXPECT_THROW(ordered_parallel<int>(
                   20, 3,
                   [](uint64_t i) {
                     if (i == 7) throw std::runtime_error("unit 7");
                     return 1;
                   },
                   [&](uint64_t, int &) {
                     ++consumed;
                     return true;
                   }),
               std::runtime_error);
  EXPECT_EQ(consumed, 7u);
}

std::string describe(const CampaignResult &r) {
  std::string out = std::to_string(r.programs) + " " + std::to_string(r.steps) + " " +
                    std::to_string(r.accepted_steps) + " " + std::to_string(r.rejected_steps) +
                    " " + std::to_string(r.biased.statements) + " " +
                    std::to_string(r.raw.accepted);
  for (const auto &[rule, n] : r.rule_hits)
    out += " " + rule + "=" + std::to_string(n);
  for (const Counterexample &c : r.failures)
    out += "\n" + c.origin + "\n" + c.text + c.failure.invariant + c.failure.message;
  return out;
}

// With a check off the campaign stops at its first failure: the failing program, the counts up
// to it and the shrunk counterexample are the same on 1 and 3 threads.
TEST(Parallel, CheckCampaignIsTheSameOnThreeThreads) {
  for (const char *off : {"", "cown.not_bridge"}) {
    CampaignOptions o;
    o.seed = 7;
    o.count = 3000;
    if (*off) {
      o.config.disabled.disable_by_name(off);
      o.disabled_names = {off};
    }
    o.save_dir = (std::filesystem::temp_directory_path() /
                  ("lungfish-parallel-test-" + std::to_string(::getpid())))
                     .string();
    std::filesystem::remove_all(o.save_dir);
    CampaignResult one = run_campaign(o);
    std::filesystem::remove_all(o.save_dir);
    o.jobs = 3;
    CampaignResult three = run_campaign(o);
    std::filesystem::remove_all(o.save_dir);
    EXPECT_EQ(describe(one), describe(three)) << off;
    EXPECT_EQ(one.failures.empty(), !*off) << off;
  }
}

TEST(Parallel, EnumerationIsTheSameOnThreeThreads) {
  ExploreOptions o;
  o.depth = 3;
  o.disabled.disable_by_name("dissolve.child");
  ExploreResult one = explore(o);
  o.jobs = 3;
  ExploreResult three = explore(o);
  EXPECT_EQ(one.states, three.states);
  EXPECT_EQ(one.transitions, three.transitions);
  EXPECT_EQ(one.rejected, three.rejected);
  EXPECT_EQ(one.pruned, three.pruned);
  ASSERT_EQ(one.violations.size(), three.violations.size());
  ASSERT_FALSE(one.violations.empty());
  for (size_t i = 0; i < one.violations.size(); ++i)
    EXPECT_EQ(print_program(one.violations[i].program), print_program(three.violations[i].program));
}

TEST(Parallel, MutantHuntIsTheSameOnThreeThreads) {
  MutantOptions o;
  o.budget_programs = 3000;
  o.use_z3 = false;
  o.only = {"cown.not_bridge", "barrier.cycle", "dissolve.child", "move.immutable"};
  std::string one = mutants_json(hunt_mutants(o), o, {}).dump();
  o.jobs = 3;
  EXPECT_EQ(one, mutants_json(hunt_mutants(o), o, {}).dump());
}

TEST(Parallel, ShardsOfTheMutantListPartitionIt) {
  MutantOptions o;
  std::vector<std::string> all, joined;
  for (const MutantSpec &s : selected_mutants(o))
    all.push_back(s.name);
  o.shard_count = 3;
  for (size_t k = 0; k < 3; ++k) {
    o.shard_index = k;
    for (const MutantSpec &s : selected_mutants(o))
      joined.push_back(s.name);
  }
  std::sort(all.begin(), all.end());
  std::sort(joined.begin(), joined.end());
  EXPECT_EQ(all, joined);
}

} // namespace
} // namespace lungfish::gen
