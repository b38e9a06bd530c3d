// Generators: determinism per seed, well-formed output, rule coverage, acceptance ratio.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "generators/ast_build.h"
#include "generators/campaigns/campaign.h"
#include "generators/oracle.h"
#include "generators/program_gen.h"
#include "generators/rng.h"
#include "model/text/program_text.h"

#include <filesystem>

using namespace lungfish;
using namespace lungfish::gen;

TEST(Generators, SameSeedSameProgramsByteForByte) {
  for (Family f : {Family::Biased, Family::Raw})
    for (uint64_t i = 0; i < 50; ++i) {
      uint64_t seed = derive_seed(42, i);
      Program a = generate_program(seed, 20, f), b = generate_program(seed, 20, f);
      EXPECT_EQ(print_program(a), print_program(b));
      EXPECT_TRUE(a == b);
    }
}

TEST(Generators, SizeBoundsTheLength) {
  EXPECT_TRUE(generate_program(1, 0, Family::Biased).body.empty());
  for (uint64_t i = 0; i < 30; ++i) {
    EXPECT_LE(generate_program(i, 5, Family::Biased).body.size(), 5u);
    EXPECT_LE(generate_program(i, 5, Family::Raw).body.size(), 5u);
  }
}

TEST(Generators, DifferentSeedsDiffer) {
  std::set<std::string> texts;
  for (uint64_t i = 0; i < 20; ++i)
    texts.insert(print_program(generate_program(derive_seed(7, i), 20, Family::Biased)));
  EXPECT_GT(texts.size(), 15u);
}

RC_GTEST_PROP(GeneratorsRc, PrintParseIsIdentity, ()) {
  const Program p = *gen_program(Family::Biased);
  RC_ASSERT(parse_program(print_program(p)) == p);
  const Program q = *gen_program(Family::Raw);
  RC_ASSERT(parse_program(print_program(q)) == q);
}

RC_GTEST_PROP(GeneratorsRc, ProgramsPassEveryProperty, ()) {
  const Program p = *gen_program(Family::Biased);
  CheckConfig both; // the campaign's checks run with both checkers, compared
  both.check = CheckMode::Both;
  ProgramResult r = check_program(p, both);
  RC_ASSERT(!r.failure.has_value());
}

// The campaign in the default profile: every switchable rule of the profile is hit, at least
// half of the biased family's statements are accepted, and nothing fails.
TEST(Generators, CampaignHitsEveryRuleAndAcceptsMostStatements) {
  CampaignOptions o;
  o.seed = 1;
  o.count = 20000;
  o.config.check = CheckMode::Both; // a checker disagreement would be a failure of its own
  o.save_dir = (std::filesystem::temp_directory_path() / "lungfish-gen-test-none").string();
  std::filesystem::remove_all(o.save_dir);
  CampaignResult r = run_campaign(o);
  EXPECT_TRUE(r.failures.empty()) << (r.failures.empty() ? "" : r.failures[0].text);
  for (RuleId id : applicable_switchable_rules(Profile::Lungfish))
    EXPECT_GT(r.rule_hits[std::string(rule_info(id).name)], 0u) << rule_info(id).name;
  ASSERT_GT(r.biased.statements, 0u);
  EXPECT_GE(2 * r.biased.accepted, r.biased.statements);
}

namespace lungfish::gen {
namespace {

// The incremental oracle (run_oracle_after) answers exactly what re-running the whole prefix
// answers: same completion, same rejection, equal worlds, on every prefix of many programs of
// both families (raw ones are mostly rejected, which exercises the error path).
TEST(Oracle, IncrementalOracleEqualsFullRerun) {
  size_t compared = 0, rejected = 0;
  for (uint64_t seed = 1; seed <= 150; ++seed)
    for (Family f : {Family::Biased, Family::Raw}) {
      Program p = generate_program(seed, 14, f);
      std::vector<Stmt> prefix;
      OracleRun before = run_oracle(prefix, Profile::Lungfish);
      for (const Stmt &s : p.body) {
        if (!before.completed) break;
        std::vector<Stmt> trial = prefix;
        trial.push_back(s);
        OracleRun full = run_oracle(trial, Profile::Lungfish);
        OracleRun inc = run_oracle_after(trial, before.world, Profile::Lungfish);
        ++compared;
        ASSERT_EQ(full.completed, inc.completed) << "seed " << seed << ": " << s.text;
        ASSERT_EQ(full.error.has_value(), inc.error.has_value()) << s.text;
        if (full.error) {
          ++rejected;
          EXPECT_EQ(full.error->rule, inc.error->rule) << s.text;
        }
        if (full.completed)
          EXPECT_TRUE(full.world == inc.world) << "seed " << seed << ": " << s.text;
        prefix = std::move(trial);
        before = std::move(full);
      }
    }
  EXPECT_GT(compared, 1000u);
  EXPECT_GT(rejected, 50u);
}

} // namespace
} // namespace lungfish::gen
