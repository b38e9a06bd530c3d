// Behaviours (docs/semantics.md 3.4): spawn order, acquisition, capture by move, E_SEND_OPEN,
// E_STUCK, and `--schedules all`.
#include "tests/model/test_util.h"

#include <algorithm>

namespace lungfish::test {
namespace {

// Default schedule: the main program runs to completion, then the behaviours one at a time, in
// spawn order (not in the order of their cowns).
TEST(Behaviours, DefaultScheduleRunsMainThenBehavioursInSpawnOrder) {
  RunResult r = run_program("c1 = Cown(None)\nc2 = Cown(None)\nwhen (c2):\n    a = {}\n"
                            "when (c1):\n    b = {}\nwhen (c2):\n    d = {}\nx = {}\n");
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.report();
  EXPECT_TRUE(r.clean()) << r.report();
  std::vector<std::pair<uint32_t, uint32_t>> seen; // (thread, line) of every statement event
  for (const Snapshot &s : r.snapshots)
    if (s.event.kind == EventKind::Statement) seen.emplace_back(s.event.thread, s.event.line);
  std::vector<std::pair<uint32_t, uint32_t>> expected = {{0, 1}, {0, 2}, {0, 3}, {0, 5}, {0, 7},
                                                         {0, 9}, {1, 4}, {2, 6}, {3, 8}};
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(r.machine().schedule(), (std::vector<uint32_t>{1, 2, 3}));
}

// A behaviour acquires all its cowns at once: inside its body they are Acquired; a cown it does
// not hold stays Released; at its end they are Released again.
TEST(Behaviours, CownsAreAcquiredInsideTheBody) {
  RunResult r = run_program("r1 = Region()\nc1 = Cown(move r1)\nc2 = Cown(None)\nc3 = Cown(None)\n"
                            "when (c1, c2):\n    x = c1.value\n    y = {}\n");
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.report();
  EXPECT_TRUE(r.clean()) << r.report();
  size_t body = 0;
  for (const Snapshot &s : r.snapshots) {
    if (s.event.kind != EventKind::Statement) continue;
    const World &w = s.world;
    ObjectId c1 = var(w, "c1"), c2 = var(w, "c2"), c3 = var(w, "c3");
    if (s.event.thread == 1) {
      ++body;
      EXPECT_EQ(w.threads[1].cowns, (std::vector<ObjectId>{c1, c2}));
      EXPECT_EQ(w.threads[1].status, ThreadStatus::Running);
      EXPECT_EQ(w.heap.obj(c1).status, CownStatus::Acquired) << s.event.message;
      EXPECT_EQ(w.heap.obj(c2).status, CownStatus::Acquired) << s.event.message;
      EXPECT_EQ(w.heap.obj(c3).status, CownStatus::Released) << s.event.message;
    } else if (s.event.line >= 2 && c1 != kNone) {
      EXPECT_EQ(w.heap.obj(c1).status, CownStatus::Released) << s.event.message;
    }
  }
  EXPECT_EQ(body, 2u);
  const World &w = r.world();
  EXPECT_EQ(w.threads[1].status, ThreadStatus::Done);
  EXPECT_EQ(w.heap.obj(var(w, "c1")).status, CownStatus::Released);
  EXPECT_EQ(w.heap.obj(var(w, "c2")).status, CownStatus::Released);
  // The behaviour's LOCAL (holding x) was discarded: c1's region is closed again.
  RegionId r1 = w.heap.region_of(field(w, var(w, "c1"), "value"));
  ASSERT_NE(r1, kNoRegion);
  EXPECT_EQ(w.heap.region(r1).lrc, 0);
}

// The body's free variables are captured by move: the spawner's variable becomes None and the
// behaviour's frame holds the value (a closed free region keeps its counts: LRC 1 from the
// behaviour's LOCAL).
TEST(Behaviours, CapturesAreMoved) {
  RunResult r = run_program("r = Region()\nr.v = {}\nf = {}\nfreeze(f)\nc = Cown(None)\n"
                            "when (c):\n    r.w = f\n");
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.report();
  EXPECT_TRUE(r.clean()) << r.report();
  const World &before = r.after_line(5), &after = r.after_line(6);
  ObjectId bridge = var(before, "r"), frozen = var(before, "f");
  EXPECT_EQ(var(after, "r"), kNone);
  EXPECT_EQ(var(after, "f"), kNone);
  ASSERT_EQ(after.threads.size(), 2u);
  EXPECT_EQ(var(after, "r", 1), bridge);
  EXPECT_EQ(var(after, "f", 1), frozen);
  EXPECT_EQ(var(after, "c", 1), var(after, "c"));
  RegionId rr = after.heap.region_of(bridge);
  EXPECT_EQ(after.heap.region(rr).lrc, 1);
  EXPECT_EQ(after.heap.region(rr).parent_kind, ParentKind::None);
  EXPECT_EQ(field(r.after_line(7, 1), bridge, "w"), frozen);
}

// E_SEND_OPEN: a captured value must be None, frozen, a cown, or the bridge of a free region
// whose only LOCAL reference was the variable. The spawn does nothing when it fails.
TEST(Behaviours, SendOpenRejectsLocalObjectsOpenRegionsAndParentedBridges) {
  struct Case {
    const char *what;
    const char *prog;
    uint32_t line;
  };
  const Case cases[] = {
      {"a LOCAL object", "c = Cown(None)\nx = {}\nwhen (c):\n    y = x\n", 3},
      {"an open region (a second local reference)",
       "c = Cown(None)\nx = Region()\nz = x\nwhen (c):\n    y = x\n", 4},
      {"a region with an open child",
       "c = Cown(None)\nx = Region()\nk = Region()\nx.k = k\nwhen (c):\n    y = x\n", 5},
      {"a parented bridge",
       "c = Cown(None)\na = Region()\nx = Region()\na.x = x\nwhen (c):\n    y = x\n", 5},
      {"an object inside a region",
       "c = Cown(None)\na = Region()\na.o = {}\nx = a.o\n"
       "drop a\nwhen (c):\n    y = x\n",
       6},
  };
  for (const Case &c : cases) {
    RunResult r = run_program(c.prog);
    ASSERT_EQ(r.outcome, Outcome::Rejected) << c.what << "\n" << r.report();
    EXPECT_EQ(r.machine().error()->rule, RuleId::WhenSendOpen) << c.what;
    EXPECT_EQ(r.machine().error()->code, ErrorCode::E_SEND_OPEN) << c.what;
    EXPECT_EQ(r.machine().error()->line, c.line) << c.what;
    EXPECT_NE(var(r.world(), "x"), kNone) << c.what; // not moved
    EXPECT_EQ(r.world().threads.size(), 1u) << c.what;
    EXPECT_TRUE(unchanged_by_failure(r.last_boundary(), r.world())) << c.what;
  }
  // The accepted neighbour: the only local reference is the captured variable.
  RunResult ok = run_program("c = Cown(None)\nx = Region()\nk = Region()\nx.k = k\ndrop k\n"
                             "when (c):\n    y = x\n");
  EXPECT_EQ(ok.outcome, Outcome::Ok) << ok.report();
  EXPECT_TRUE(ok.clean()) << ok.report();
}

// E_STUCK: a cown kept Pending by a local reference (here a LOCAL object's field) can never be
// acquired; the run ends rejected at the spawn's line, naming the cown.
TEST(Behaviours, StuckWhenACownStaysPending) {
  RunResult r = run_program("r = Region()\no = {}\no.r = r\nc = Cown(move r)\n"
                            "when (c):\n    pass()\nx = {}\n");
  ASSERT_EQ(r.outcome, Outcome::Rejected) << r.report();
  EXPECT_EQ(r.machine().error()->rule, RuleId::ScheduleStuck);
  EXPECT_EQ(r.machine().error()->code, ErrorCode::E_STUCK);
  EXPECT_EQ(r.machine().error()->line, 5u);
  ObjectId c = var(r.world(), "c");
  EXPECT_EQ(r.world().heap.obj(c).status, CownStatus::Pending);
  EXPECT_EQ(r.machine().error()->objects, std::vector<ObjectId>{c});
  EXPECT_EQ(r.world().threads[1].status, ThreadStatus::Waiting);
  EXPECT_TRUE(r.clean()) << r.report();
  // Dropping the local reference before the end releases the cown and the behaviour runs.
  RunResult ok = run_program("r = Region()\no = {}\no.r = r\nc = Cown(move r)\n"
                             "when (c):\n    pass()\ndrop o\n");
  EXPECT_EQ(ok.outcome, Outcome::Ok) << ok.report();
  EXPECT_TRUE(ok.clean()) << ok.report();
}

const char *kTwoDisjoint = "r1 = Region()\nc1 = Cown(move r1)\nr2 = Region()\nc2 = Cown(move r2)\n"
                           "when (c1):\n    c1.value.x = {}\n    c1.value.y = {}\n"
                           "when (c2):\n    c2.value.x = {}\n    c2.value.y = {}\n";

bool both_running(const World &w) {
  return w.threads.size() == 3 && w.threads[1].status == ThreadStatus::Running &&
         w.threads[2].status == ThreadStatus::Running;
}

// --schedules all explores the interleavings of behaviours on disjoint cowns; each keeps I17.
TEST(Behaviours, AllSchedulesInterleaveDisjointBehavioursAndKeepI17) {
  RunConfig all;
  all.schedules = ScheduleMode::All;
  RunResult r = run_program(kTwoDisjoint, all);
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.report();
  EXPECT_TRUE(r.clean()) << r.report();
  EXPECT_GT(r.machine().schedules_explored(), 1u);
  EXPECT_TRUE(std::any_of(r.snapshots.begin(), r.snapshots.end(),
                          [](const Snapshot &s) { return both_running(s.world); }));
  // The default schedule never runs two behaviours at once.
  RunResult d = run_program(kTwoDisjoint);
  ASSERT_EQ(d.outcome, Outcome::Ok) << d.report();
  EXPECT_FALSE(std::any_of(d.snapshots.begin(), d.snapshots.end(),
                           [](const Snapshot &s) { return both_running(s.world); }));
}

// Behaviours that share a cown keep spawn order even under --schedules all.
TEST(Behaviours, AllSchedulesKeepSpawnOrderOnASharedCown) {
  RunConfig all;
  all.schedules = ScheduleMode::All;
  RunResult r = run_program("r = Region()\nc = Cown(move r)\nwhen (c):\n    c.value.a = {}\n"
                            "when (c):\n    b = c.value.a\n",
                            all);
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.report(); // the second would fail on a missing `a`
  EXPECT_TRUE(r.clean()) << r.report();
  EXPECT_FALSE(std::any_of(r.snapshots.begin(), r.snapshots.end(),
                           [](const Snapshot &s) { return both_running(s.world); }));
}

// With when.send_open off, two behaviours capture the same LOCAL object (through two variables)
// or the same region: local isolation (I3) and isolation of behaviours (I17) break.
TEST(Behaviours, SendOpenOffBreaksIsolationUnderAllSchedules) {
  RunConfig cfg = disabled({"when.send_open"});
  cfg.schedules = ScheduleMode::All;
  cfg.stop_on_violation = false;
  RunResult r = run_program("c1 = Cown(None)\nc2 = Cown(None)\nx = {}\ny = x\n"
                            "when (c1):\n    x.a = {}\nwhen (c2):\n    y.b = {}\n",
                            cfg);
  EXPECT_TRUE(r.broken.count(Invariant::I3)) << names(r.broken);
  EXPECT_TRUE(r.broken.count(Invariant::I17)) << names(r.broken);
  RunResult reg = run_program("c1 = Cown(None)\nc2 = Cown(None)\nx = Region()\ny = x\n"
                              "when (c1):\n    x.a = {}\nwhen (c2):\n    y.b = {}\n",
                              cfg);
  EXPECT_TRUE(reg.broken.count(Invariant::I17)) << names(reg.broken);
  // The same programs with the check on are rejected at the first spawn, before any break.
  RunResult on = run_program("c1 = Cown(None)\nc2 = Cown(None)\nx = Region()\ny = x\n"
                             "when (c1):\n    x.a = {}\nwhen (c2):\n    y.b = {}\n");
  EXPECT_EQ(on.outcome, Outcome::Rejected);
  EXPECT_EQ(on.machine().error()->rule, RuleId::WhenSendOpen);
  EXPECT_TRUE(on.clean()) << on.report();
}

// A behaviour that holds a reference to a cown it did not acquire must not reach into it while
// another behaviour holds it (I17). docs/semantics.md 3.4 makes only Released cowns opaque; read
// literally, an Acquired cown would be readable by every behaviour with a reference to it, which
// breaks I17; the model makes it opaque to everyone but its holder (docs/decisions.md). The default
// and
// `--schedules all` runs cannot show this (the depth-first search meets an E_OPAQUE schedule
// first), so the scheduler is driven by hand: main to its end, then B1 (holding c2) one
// statement, then B2 (holding c1), whose first statement reads c2.
TEST(Behaviours, AnotherBehaviourCannotReadAnAcquiredCown) {
  auto code = compile(parse_program(
      "r1 = Region()\nc1 = Cown(move r1)\nr2 = Region()\nr2.o = {}\nc2 = Cown(move r2)\n"
      "when (c2):\n    a = c2.value.o\n    pass()\nwhen (c1):\n    b = c2.value.o\n"));
  Machine m(code, MachineOptions{});
  uint32_t last_thread = 0;
  Observer obs = [&](const Machine &, const Event &e) {
    last_thread = e.thread;
    return true;
  };
  auto at_halt = [&] {
    const Activation &a = m.world().threads[0].calls.back();
    return m.program().functions[a.function].code[a.pc].op == Op::Halt;
  };
  for (size_t guard = 0; !at_halt() && guard < 10000; ++guard)
    ASSERT_TRUE(m.step_thread(0, obs));
  ASSERT_TRUE(at_halt());
  ASSERT_EQ(m.world().threads.size(), 3u);
  auto start = [&](uint32_t k) { // what the scheduler does when it starts behaviour k
    m.world().threads[k].status = ThreadStatus::Running;
    for (ObjectId c : m.world().threads[k].cowns)
      m.world().heap.obj(c).status = CownStatus::Acquired;
  };
  auto one_statement = [&](uint32_t k) {
    last_thread = 0;
    for (size_t guard = 0; last_thread != k && guard < 10000; ++guard)
      if (!m.step_thread(k, obs)) return false;
    return true;
  };
  start(1);
  ASSERT_TRUE(one_statement(1)); // B1: a = c2.value.o
  start(2);
  bool ran = one_statement(2); // B2: b = c2.value.o while B1 holds c2
  std::vector<Violation> v = check_state(m.world(), CheckContext{}, false);
  bool i17 = std::any_of(v.begin(), v.end(),
                         [](const Violation &x) { return x.invariant == Invariant::I17; });
  // docs/decisions.md: only the behaviour that acquired a cown may use it, so the read is
  // rejected as opaque and isolation holds.
  EXPECT_FALSE(ran);
  ASSERT_TRUE(m.error());
  EXPECT_EQ(m.error()->code, ErrorCode::E_OPAQUE);
  EXPECT_FALSE(i17);
}

} // namespace
} // namespace lungfish::test

namespace lungfish {
namespace {

using test::run_program;
using test::RunResult;

// Found by `lungfish enumerate --depth 4` once its alphabet took `when (x): t = move y.value`
// (generators/alphabet.h). A behaviour that moves a region out of a cown it holds owns that
// region (decision 29): I17 must not call it a region "that neither came with its captures nor
// was made by it".
TEST(Behaviours, MovingARegionOutOfAHeldCownKeepsIsolation) {
  RunResult r = run_program("a = Region()\nb = Cown(move a)\na = b\nwhen (a):\n"
                            "    t = move b.value\n");
  EXPECT_EQ(r.outcome, Outcome::Ok) << r.report();
}

// Also found by enumerate: a Pending cown (its region still open in main's LOCAL) reached by a
// behaviour through a cown it holds. Moving its value would share the region between two LOCALs
// (I17); a Pending cown is opaque to every thread but the one that made it (decision 28).
TEST(Behaviours, APendingCownIsOpaqueToOtherThreads) {
  RunResult r = run_program("a = Region()\nb = Cown(a)\nc = Cown(b)\nwhen (c):\n"
                            "    t = move b.value\n");
  ASSERT_EQ(r.outcome, Outcome::Rejected) << r.report();
  EXPECT_EQ(r.machine().error()->rule, RuleId::MoveOpaque);
  EXPECT_EQ(r.machine().error()->line, 5u);
  // Its maker may still use it: main reads the Pending cown's value.
  RunResult main = run_program("a = Region()\nb = Cown(a)\nx = b.value\n");
  EXPECT_EQ(main.outcome, Outcome::Ok) << main.report();
}

} // namespace
} // namespace lungfish
