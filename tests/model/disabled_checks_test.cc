// docs/semantics.md 5: every switchable check, switched off alone, must let some program break a
// named invariant. For each rule: the smallest program we found, the invariant it breaks with the
// check off (among all violations reported at the first broken boundary), and that the same
// program with every check on is rejected by that rule before anything breaks. Checks whose
// removal breaks nothing, or is masked by another check, are documented below (docs/semantics.md 5).
#include "tests/model/test_util.h"

#include <algorithm>
#include <set>

namespace lungfish::test {
namespace {

struct OffCase {
  std::string_view rule;
  std::string_view program;
  Invariant breaks;
  ScheduleMode schedules = ScheduleMode::Default;
};

void PrintTo(const OffCase &c, std::ostream *os) {
  *os << c.rule;
}

const OffCase kOff[] = {
    {"read.opaque", "r = Region()\nr.o = {}\nc = Cown(move r)\nv = c.value\n", Invariant::I14},
    {"write.immutable", "x = {}\nfreeze(x)\ny = {}\nx.f = y\n", Invariant::I2},
    {"write.opaque", "c = Cown(None)\nr = Region()\nc.f = r\n", Invariant::I13},
    {"cown_write.not_bridge", "r = Region()\nc = Cown(r)\nx = {}\nc.f = x\n", Invariant::I12},
    {"cown_write.not_free", "a = Region()\nb = Region()\na.b = b\nc = Cown(a)\nc.f = b\n",
     Invariant::I4},
    {"barrier.has_parent", "a = Region()\nb = Region()\na.b = b\na.c = b\n", Invariant::I5},
    {"barrier.cycle", "a = Region()\nb = Region()\na.b = b\nb.a = a\n", Invariant::I6},
    {"barrier.other_region", "a = Region()\nb = Region()\nb.o = {}\no = b.o\na.o = o\n",
     Invariant::I4},
    {"pull.has_parent",
     "a = Region()\nb = Region()\na.b = b\np = Region()\nx = {}\nx.b = b\np.x = x\n",
     Invariant::I4},
    {"pull.cycle", "a = Region()\nb = Region()\na.b = b\nx = {}\nx.a = a\nb.x = x\n",
     Invariant::I6},
    {"pull.other_region", "a = Region()\nb = Region()\nb.o = {}\nx = {}\nx.o = b.o\na.x = x\n",
     Invariant::I4},
    {"close.proto", "p = Region()\nr = Region()\np.r = r\no = {}\no.__proto__ = r\nclose(r)\n",
     Invariant::I10},
    {"merge.not_parent", "c = Region()\nb = Region()\nc.b = b\na = Region()\nmerge(b, a)\n",
     Invariant::I4},
    {"dissolve.child", "a = Region()\nb = Region()\na.b = b\ndissolve(b)\n", Invariant::I3},
    {"cown.not_bridge", "x = {}\nc = Cown(x)\n", Invariant::I12},
    {"cown.not_free", "a = Region()\nb = Region()\na.b = b\nc = Cown(b)\n", Invariant::I4},
    {"when.send_open", "c = Cown(None)\nx = {}\ny = x\nwhen (c):\n    z = x\n", Invariant::I3},
};

class DisabledCheckTest : public ::testing::TestWithParam<OffCase> {};

TEST_P(DisabledCheckTest, BreaksTheNamedInvariant) {
  const OffCase &c = GetParam();
  auto rule = find_rule(c.rule);
  ASSERT_TRUE(rule);
  ASSERT_TRUE(rule_info(*rule).switchable);
  RunConfig off = disabled({std::string(c.rule)});
  off.schedules = c.schedules;
  RunResult r = run_program(c.program, off);
  EXPECT_EQ(r.outcome, Outcome::Violation) << r.report();
  EXPECT_TRUE(r.broken.count(c.breaks))
      << "expected " << invariant_name(c.breaks) << ", got " << names(r.broken) << "\n"
      << r.report();
  // With every check on, the same program is rejected by this very rule, and nothing broke.
  RunConfig on;
  on.schedules = c.schedules;
  RunResult ok = run_program(c.program, on);
  ASSERT_EQ(ok.outcome, Outcome::Rejected) << ok.report();
  EXPECT_EQ(ok.machine().error()->rule, *rule) << ok.machine().error()->message;
  EXPECT_TRUE(ok.clean()) << ok.report();
}

INSTANTIATE_TEST_SUITE_P(Switchable, DisabledCheckTest, ::testing::ValuesIn(kOff),
                         [](const ::testing::TestParamInfo<OffCase> &i) {
                           std::string s(i.param.rule);
                           std::replace(s.begin(), s.end(), '.', '_');
                           return s;
                         });

// The rules documented as masked or undetected (see the tests below and docs/semantics.md 5).
const std::set<std::string_view> kDocumented = {"move.immutable", "move.opaque", "for.opaque",
                                                "freeze.not_freezable",
                                                "freeze.not_self_contained"};

TEST(DisabledChecks, EverySwitchableRuleIsCoveredOrDocumented) {
  std::set<std::string_view> covered(kDocumented);
  for (const auto &c : kOff)
    EXPECT_TRUE(covered.insert(c.rule).second) << c.rule;
  for (const RuleInfo &info : all_rules()) {
    if (info.switchable)
      EXPECT_TRUE(covered.count(info.name)) << "untested switch " << info.name;
    else
      EXPECT_FALSE(covered.count(info.name)) << info.name << " is not switchable";
  }
}

// Switching off a whole code switches off each rule with that code.
TEST(DisabledChecks, ACodeSwitchesOffAllItsRules) {
  RunResult r = run_program("a = Region()\nb = Region()\na.b = b\np = Region()\nx = {}\nx.b = b\n"
                            "p.x = x\n",
                            disabled({"E_HAS_PARENT"}));
  EXPECT_EQ(r.outcome, Outcome::Violation) << r.report();
  EXPECT_TRUE(r.broken.count(Invariant::I4)) << names(r.broken);
  // Switching off a different rule with the same code leaves pull.has_parent on.
  RunResult on = run_program("a = Region()\nb = Region()\na.b = b\np = Region()\nx = {}\n"
                             "x.b = b\np.x = x\n",
                             disabled({"barrier.has_parent"}));
  ASSERT_EQ(on.outcome, Outcome::Rejected);
  EXPECT_EQ(on.machine().error()->rule, RuleId::PullHasParent);
}

// move.immutable off: `move x.f` swaps None into a frozen object. A frozen object can only hold
// None, frozen objects and cowns, so no counter and no state invariant is affected: the frozen
// object merely changed. Finding: the invariants have no step invariant "frozen objects never
// change", so this check protects nothing the checker can see.
TEST(DisabledChecks, MoveImmutableOffBreaksNoStateInvariant) {
  const char *prog = "c = Cown(None)\nx = {}\nx.f = {}\nx.c = c\nfreeze(x)\ny = move x.f\n"
                     "z = move x.c\n";
  RunResult r = run_program(prog, disabled({"move.immutable"}));
  EXPECT_EQ(r.outcome, Outcome::Ok) << r.report();
  EXPECT_TRUE(r.clean()) << r.report();
  const World &b = r.after_line(5), &a = r.after_line(7);
  ObjectId x = var(a, "x");
  EXPECT_NE(field(b, x, "f"), kNone);
  EXPECT_EQ(field(a, x, "f"), kNone); // the frozen object was mutated
  EXPECT_EQ(field(a, x, "c"), kNone);
  EXPECT_TRUE(a.heap.obj(x).loc.is_immutable());
  RunResult on = run_program(prog);
  ASSERT_EQ(on.outcome, Outcome::Rejected);
  EXPECT_EQ(on.machine().error()->rule, RuleId::MoveImmutable);
}

// move.opaque off: `move c.value` on a Released cown hands its region to the mover. In main this
// is indistinguishable from a legal `move` before Cown(...) (the region is free and LOCAL holds
// it). In a behaviour that does not hold c, docs/semantics.md I17 ("a region reachable from a running
// behaviour's LOCAL is owned by a cown it holds, or came with its captures") is broken.
TEST(DisabledChecks, MoveOpaqueOffBreaksBehaviourIsolation) {
  const char *prog = "r = Region()\nr.o = {}\nc2 = Cown(move r)\nc1 = Cown(None)\n"
                     "when (c1):\n    v = move c2.value\n    w = v.o\n";
  RunResult on = run_program(prog);
  ASSERT_EQ(on.outcome, Outcome::Rejected) << on.report();
  EXPECT_EQ(on.machine().error()->rule, RuleId::MoveOpaque);
  EXPECT_EQ(on.machine().error()->line, 6u);
  RunConfig off = disabled({"move.opaque"});
  off.stop_on_violation = false;
  RunResult r = run_program(prog, off);
  // The behaviour now holds c2's former region: free, owned by no cown it holds.
  const World &w = r.after_line(6, 1);
  ObjectId bridge = var(w, "v", 1);
  ASSERT_NE(bridge, kNone);
  EXPECT_EQ(w.heap.region(w.heap.region_of(bridge)).parent_kind, ParentKind::None);
  EXPECT_EQ(field(w, var(w, "c2", 1), "value"), kNone);
  // I17's clause "a region reachable from a running behaviour's LOCAL ... came with its
  // captures" (or was made by the behaviour) catches it.
  EXPECT_TRUE(r.broken.count(Invariant::I17)) << names(r.broken);
  EXPECT_TRUE(r.broken.count(Invariant::I17));
}

// for.opaque off is masked by read.opaque: the loop binds `v = c[k]`, a read of the Released
// cown, so the loop is rejected by read.opaque at the same line. With both off, the loop reads
// the cown's contents and breaks I13/I14 like read.opaque alone.
TEST(DisabledChecks, ForOpaqueOffIsMaskedByReadOpaque) {
  const char *prog = "r = Region()\nr.o = {}\nc = Cown(move r)\nfor k, v in c:\n    pass()\n";
  RunResult on = run_program(prog);
  ASSERT_EQ(on.outcome, Outcome::Rejected);
  EXPECT_EQ(on.machine().error()->rule, RuleId::ForOpaque);
  RunResult off = run_program(prog, disabled({"for.opaque"}));
  ASSERT_EQ(off.outcome, Outcome::Rejected) << off.report();
  EXPECT_EQ(off.machine().error()->rule, RuleId::ReadOpaque);
  EXPECT_EQ(off.machine().error()->line, 4u);
  EXPECT_TRUE(off.clean()) << off.report();
  RunResult both = run_program(prog, disabled({"for.opaque", "read.opaque"}));
  EXPECT_EQ(both.outcome, Outcome::Violation) << both.report();
  EXPECT_TRUE(both.broken.count(Invariant::I14)) << names(both.broken);
}

TEST(DisabledChecks, CpythonFreezeChecksOffBreakFreezability) {
  // With freeze.not_freezable on, the freeze of a graph reaching a "no" object is rejected and
  // nothing is frozen; switched off, the object is frozen and I19 (freezability) breaks.
  for (Profile p : {Profile::Cpython, Profile::Pep795}) {
    RunConfig on;
    on.profile = p;
    RunConfig off = disabled({"freeze.not_freezable", "freeze.not_self_contained"});
    off.profile = p;
    const char *prog = "x = {}\nx.y = {}\nset_freezable(x.y, \"no\")\nfreeze(x)\n";
    RunResult a = run_program(prog, on), b = run_program(prog, off);
    EXPECT_EQ(a.outcome, Outcome::Rejected) << profile_name(p);
    EXPECT_NE(a.world(), b.world()) << profile_name(p);
    EXPECT_TRUE(b.broken.count(Invariant::I19)) << profile_name(p) << names(b.broken);
  }
}

} // namespace
} // namespace lungfish::test
