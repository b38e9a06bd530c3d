// Shrinking: minimal results on planted failures, well-scoped candidates.
#include <gtest/gtest.h>

#include "generators/ast_build.h"
#include "generators/program_gen.h"
#include "generators/rng.h"
#include "generators/shrink.h"
#include "model/code.h"
#include "model/machine.h"
#include "model/text/program_text.h"

using namespace lungfish;
using namespace lungfish::gen;

namespace {

bool mentions(const Expr &e, const std::string &call) {
  if (e.kind == ExprKind::Call && e.name == call) return true;
  for (const Expr &a : e.args)
    if (mentions(a, call)) return true;
  return false;
}

bool contains_call(const std::vector<Stmt> &body, const std::string &call) {
  for (const Stmt &s : body)
    if (mentions(s.value, call) || mentions(s.target, call) || contains_call(s.body, call))
      return true;
  return false;
}

/// A planted failure: the run ends with a region that has a parent region.
bool ends_with_nested_region(const Program &p) {
  Program q = parse_program(print_program(p));
  Machine m(compile(q), MachineOptions{});
  bool nested = false;
  m.run([&](const Machine &mm, const Event &e) {
    const State &h = mm.heap();
    if (e.kind == EventKind::Statement)
      for (RegionId r = 1; r < h.region_end(); ++r)
        nested |= h.is_live_region(r) && h.region(r).parent_kind == ParentKind::Region;
    return true;
  });
  return nested;
}

} // namespace

TEST(Shrink, PlantedFreezeShrinksToOneOrTwoStatements) {
  size_t tried = 0;
  for (uint64_t i = 0; i < 400 && tried < 10; ++i) {
    Program p = generate_program(derive_seed(3, i), 20, Family::Biased);
    if (!contains_call(p.body, "freeze") || p.body.size() < 4) continue;
    ++tried;
    auto fails = [](const Program &c) { return contains_call(c.body, "freeze"); };
    Program s = shrink_program(p, fails);
    EXPECT_TRUE(fails(s));
    EXPECT_LE(count_statements(s.body), 2u) << print_program(s);
    EXPECT_TRUE(well_scoped(s, p)) << print_program(s);
  }
  EXPECT_GT(tried, 0u);
}

TEST(Shrink, PlantedNestingShrinksToThreeStatements) {
  size_t tried = 0;
  for (uint64_t i = 0; i < 400 && tried < 5; ++i) {
    Program p = generate_program(derive_seed(5, i), 20, Family::Biased);
    if (p.body.size() < 5 || !ends_with_nested_region(p)) continue;
    ++tried;
    Program s = shrink_program(p, ends_with_nested_region);
    EXPECT_TRUE(ends_with_nested_region(s));
    // r1 = Region(); r2 = Region(); r1.f = r2  (or r1.f = Region() in two)
    EXPECT_LE(count_statements(s.body), 3u) << print_program(s);
    EXPECT_TRUE(well_scoped(s, p));
  }
  EXPECT_GT(tried, 0u);
}

TEST(Shrink, InlinesVariablesAndSimplifiesExpressions) {
  Program p = parse_program("x = Region()\ny = {}\nz = \"s\"\nx.f = y\nfreeze(x)\n");
  auto fails = [](const Program &c) { return contains_call(c.body, "Region"); };
  Program s = shrink_program(p, fails);
  EXPECT_EQ(print_program(s), "x = Region()\n");
}

TEST(Shrink, NeverIntroducesUndefinedNames) {
  Program orig = parse_program("a = {}\nb = a\nb.f = {}\nfreeze(b)\n");
  EXPECT_TRUE(undefined_uses(orig).empty());
  Program bad = parse_program("b.f = {}\nfreeze(b)\n");
  EXPECT_FALSE(well_scoped(bad, orig));
  Program good = parse_program("a = {}\nfreeze(a)\n");
  EXPECT_TRUE(well_scoped(good, orig));
  // A name the original already read undefined may stay.
  Program orig2 = parse_program("x.f = {}\n");
  EXPECT_EQ(undefined_uses(orig2), std::set<std::string>{"x"});
  EXPECT_TRUE(well_scoped(orig2, orig2));
}
