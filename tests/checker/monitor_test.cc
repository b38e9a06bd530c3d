// Tests of checker/monitor.h, the one checked run every command uses: the three modes give the
// same findings with the line of the breaking statement; `both` reports a checker disagreement
// as a bug of lungfish; I20 at the end; a use of a freed object is I16; the incremental mode
// examines a flat number of objects per statement however deep the call stack.
#include "checker/monitor.h"
#include "model/code.h"
#include "model/machine.h"
#include "model/text/program_text.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace lungfish {
namespace {

struct Checked {
  Outcome outcome = Outcome::Ok;
  std::vector<Finding> findings;
  std::optional<Disagreement> disagreement;
  uint64_t events = 0;
};

Checked run_checked(const std::string &text, CheckMode mode, MachineOptions mo = {},
                    const std::function<void(const Machine &, const Event &)> &before_check = {}) {
  Machine m(compile(parse_program(text, "<test>")), mo);
  MonitorOptions options{mode};
  options.follow_from = 0; // incremental from the first boundary, even on these tiny heaps
  Monitor monitor(CheckContext{mo.profile}, options);
  monitor.attach(m);
  Checked c;
  c.outcome = m.run([&](const Machine &mm, const Event &e) {
    if (before_check) before_check(mm, e);
    return monitor.observe(mm, e);
  });
  monitor.finish(m, c.outcome);
  c.findings = monitor.findings();
  c.disagreement = monitor.disagreement();
  c.events = monitor.events();
  return c;
}

MachineOptions disabled(const std::string &check) {
  MachineOptions mo;
  EXPECT_EQ(mo.disabled.disable_by_name(check), "");
  return mo;
}

TEST(Monitor, ModeNamesRoundTrip) {
  for (CheckMode m : {CheckMode::Incremental, CheckMode::Full, CheckMode::Both})
    EXPECT_EQ(parse_check_mode(check_mode_name(m)), m);
  EXPECT_FALSE(parse_check_mode("fast").has_value());
}

TEST(Monitor, EveryModeFindsTheSameViolationAtTheBreakingLine) {
  // examples/10: with barrier.has_parent off, the second owner breaks I5 at line 4.
  std::string text = "a = Region()\nb = Region()\nc = Region()\na.child = c\nb.child = c\n"
                     "x = {}\n";
  for (CheckMode mode : {CheckMode::Incremental, CheckMode::Full, CheckMode::Both}) {
    Checked c = run_checked(text, mode, disabled("barrier.has_parent"));
    EXPECT_EQ(c.outcome, Outcome::Violation) << check_mode_name(mode);
    ASSERT_FALSE(c.findings.empty()) << check_mode_name(mode);
    EXPECT_FALSE(c.disagreement.has_value());
    EXPECT_EQ(c.findings[0].line, 5u) << check_mode_name(mode);
    EXPECT_EQ(c.findings[0].event_message, "Line 5: b.child = c");
    EXPECT_EQ(c.findings[0].event, 5u); // the fifth statement event
  }
  Checked inc = run_checked(text, CheckMode::Incremental, disabled("barrier.has_parent"));
  Checked full = run_checked(text, CheckMode::Full, disabled("barrier.has_parent"));
  ASSERT_EQ(inc.findings.size(), full.findings.size());
  for (size_t i = 0; i < inc.findings.size(); ++i) {
    EXPECT_EQ(inc.findings[i].violation.invariant, full.findings[i].violation.invariant);
    EXPECT_EQ(inc.findings[i].violation.message, full.findings[i].violation.message);
  }
}

TEST(Monitor, CleanProgramHasNoFindingInAnyMode) {
  std::string text = "r = Region()\nr.head = None\nn = {}\nn.next = r.head\nr.head = n\ndrop n\n"
                     "c = Cown(move r)\nwhen (c):\n    c.value.x = {}\n";
  for (CheckMode mode : {CheckMode::Incremental, CheckMode::Full, CheckMode::Both}) {
    Checked c = run_checked(text, mode);
    EXPECT_EQ(c.outcome, Outcome::Ok) << check_mode_name(mode);
    EXPECT_TRUE(c.findings.empty()) << check_mode_name(mode);
    EXPECT_GT(c.events, 7u);
  }
}

TEST(Monitor, BothReportsACounterChangedBehindTheIncrementalCheckersBack) {
  // A reference count changed through a const reference is not recorded in the State's touch
  // log: the incremental checker cannot see it, the full checker does (I16). `both` must say so
  // as a bug of lungfish, and stop there.
  std::string text = "x = {}\nx.f = {}\ny = {}\nz = {}\n";
  auto tamper = [](const Machine &mm, const Event &e) {
    if (e.kind != EventKind::Statement || e.line != 3) return;
    const State &h = mm.heap();
    const Field *x = h.find_field(mm.world().threads[0].calls[0].frame, intern("x"));
    ASSERT_NE(x, nullptr);
    const Field *f = h.find_field(x->value, intern("f"));
    ASSERT_NE(f, nullptr);
    const_cast<Object &>(h.obj(f->value)).rc += 1; // x.f was last touched at line 2
  };
  Checked both = run_checked(text, CheckMode::Both, {}, tamper);
  ASSERT_TRUE(both.disagreement.has_value());
  EXPECT_EQ(both.disagreement->line, 3u);
  EXPECT_EQ(both.disagreement->incremental, "clean");
  EXPECT_EQ(both.disagreement->full, "I16");
  EXPECT_NE(both.disagreement->describe().find("lungfish bug"), std::string::npos);
  EXPECT_EQ(both.outcome, Outcome::Violation); // the run stopped at the disagreement
  EXPECT_TRUE(both.findings.empty());
  // Alone, each checker keeps its own verdict.
  EXPECT_TRUE(run_checked(text, CheckMode::Incremental, {}, tamper).findings.empty());
  Checked full = run_checked(text, CheckMode::Full, {}, tamper);
  ASSERT_FALSE(full.findings.empty());
  EXPECT_EQ(full.findings[0].violation.invariant, Invariant::I16);
}

TEST(Monitor, NoLeakIsCheckedAtTheEnd) {
  // FrankenScript never reclaims a frozen cycle: I20 at the end of the run, line 0.
  std::string text = "a = {}\nb = {}\na.f = b\nb.f = a\nfreeze(a)\ndrop a\ndrop b\n";
  MachineOptions mo;
  mo.profile = Profile::Frankenscript;
  for (CheckMode mode : {CheckMode::Incremental, CheckMode::Full, CheckMode::Both}) {
    Checked c = run_checked(text, mode, mo);
    ASSERT_FALSE(c.findings.empty()) << check_mode_name(mode);
    EXPECT_EQ(c.findings[0].violation.invariant, Invariant::I20);
    EXPECT_EQ(c.findings[0].event_message, "end of run");
    EXPECT_EQ(c.findings[0].line, 0u);
  }
}

/// The most objects and regions the incremental checker examined at one statement of a
/// recursion `depth` calls deep.
size_t most_examined_in_recursion(size_t depth) {
  std::string text =
      "def down(x):\n    if x != None:\n        down(x.next)\n    return None\nl = None\n";
  for (size_t k = 0; k < depth; ++k)
    text += "n = {}\nn.next = l\nl = n\n";
  text += "drop n\ndown(l)\n";
  Machine m(compile(parse_program(text, "<deep>")), MachineOptions{});
  IncrementalChecker inc(CheckContext{});
  inc.attach(m.world());
  size_t most = 0, deepest = 0;
  m.run([&](const Machine &mm, const Event &e) {
    if (e.kind == EventKind::End) return true; // the final collection frees the whole heap
    auto v = inc.check(mm.world());
    EXPECT_TRUE(v.empty()) << format_violation(mm.world(), v[0]);
    most = std::max(most, inc.last_objects_examined() + inc.last_regions_examined());
    deepest = std::max(deepest, mm.world().threads[0].calls.size());
    return v.empty();
  });
  EXPECT_GT(deepest, depth); // the recursion did go that deep
  return most;
}

TEST(Monitor, DeepCallStackExaminesAFlatNumberOfObjects) {
  size_t shallow = most_examined_in_recursion(100), deep = most_examined_in_recursion(2000);
  EXPECT_GT(shallow, 0u);
  EXPECT_LE(deep, 2 * shallow) << shallow << " objects examined at depth 100, " << deep
                               << " at depth 2000";
}

// With behaviours waiting (main runs first), a statement of main that creates no LOCAL reference
// into a region tree another LOCAL reaches sends nothing to the full checker: I17 is checked on
// what the step changed, not in full at every statement.
TEST(Monitor, WaitingBehavioursDoNotForceFullChecks) {
  std::string text;
  for (int k = 0; k < 40; ++k)
    text += "c = Cown(None)\nwhen (c):\n    x = {}\n";
  text += "s = {}\ny = {}\ns.f = y\n";
  Program p = parse_program(text, "<waiting>");
  uint32_t last = p.body.back().loc.line;
  Machine m(compile(p), MachineOptions{});
  IncrementalChecker inc(CheckContext{});
  inc.attach(m.world());
  uint32_t at_last = ~0u;
  size_t threads = 0;
  m.run([&](const Machine &mm, const Event &e) {
    if (e.kind == EventKind::End) return true;
    auto v = inc.check(mm.world());
    EXPECT_TRUE(v.empty()) << format_violation(mm.world(), v[0]);
    if (e.line == last && e.thread == 0) {
      at_last = inc.last_full_checks();
      threads = mm.world().threads.size();
    }
    return v.empty();
  });
  EXPECT_EQ(threads, 41u); // the behaviours exist (waiting) at main's last statement
  EXPECT_EQ(at_last, 0u);
}

} // namespace
} // namespace lungfish
