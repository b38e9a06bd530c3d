// Exhaustive exploration: canonical states, bounds, counterexamples with a check disabled.
#include <gtest/gtest.h>

#include "generators/campaigns/explore.h"
#include "model/code.h"
#include "model/machine.h"
#include "model/text/program_text.h"

using namespace lungfish;
using namespace lungfish::gen;

namespace {
World run_to_end_of_main(const std::string &src) {
  Program p = parse_program(src + "pass()\n");
  uint32_t last = p.body.back().loc.line;
  Machine m(compile(p), MachineOptions{});
  World w;
  m.run([&](const Machine &mm, const Event &e) {
    if (e.line == last) w = mm.world();
    return true;
  });
  return w;
}
} // namespace

TEST(Explore, CanonicalUpToRenamingOfVariablesAndObjects) {
  EXPECT_EQ(canonical_state(run_to_end_of_main("a = {}\nb = Region()\n"), 2),
            canonical_state(run_to_end_of_main("c = Region()\nb = {}\n"), 2));
  EXPECT_EQ(canonical_state(run_to_end_of_main("a = {}\na.f = a\n"), 2),
            canonical_state(run_to_end_of_main("b = {}\nb.g = b\n"), 2));
  EXPECT_NE(canonical_state(run_to_end_of_main("a = {}\na.f = a\n"), 2),
            canonical_state(run_to_end_of_main("a = {}\nb = {}\na.f = b\n"), 2));
}

TEST(Explore, SmallBoundIsExhaustedAndStaysWithinIt) {
  ExploreOptions o;
  o.depth = 2;
  o.check = CheckMode::Both;
  ExploreResult r = explore(o);
  EXPECT_TRUE(r.complete);
  EXPECT_GT(r.states, 5u);
  EXPECT_EQ(r.depth_reached, 2u);
}

TEST(Explore, DisabledHasParentIsFoundAtDepthFour) {
  ExploreOptions o;
  o.depth = 4;
  o.check = CheckMode::Both;
  o.disabled.disable_by_name("barrier.has_parent");
  ExploreResult r = explore(o);
  bool own = false;
  for (const ExploreViolation &v : r.violations)
    own |= !v.baseline;
  EXPECT_TRUE(own);
}
