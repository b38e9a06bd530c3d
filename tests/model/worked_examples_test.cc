// The worked examples of docs/semantics.md with their exact counters: the pull of 3.1 step 5, pulls
// that reach bridges, is_closed, Cown's status, merge, dissolve, freeze (lungfish and
// frankenscript), close, collection, and the order in which a pull reports its errors.
#include "tests/model/test_util.h"

namespace lungfish::test {
namespace {

// 3.1 step 5: with variables r, x, y, z, a local cycle x <-> y and z = y, `r.f = x` takes LRC(r)
// from 1 to 4 (every LOCAL reference into the pulled set now points into r).
TEST(WorkedExamples, PullOfLocalCycleTakesLrcFromOneToFour) {
  RunResult r = run_program("r = Region()\nx = {}\ny = {}\nx.next = y\ny.next = x\nz = y\n"
                            "r.f = x\ndrop x\ndrop y\ndrop z\n");
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.report();
  EXPECT_TRUE(r.clean()) << r.report();
  const World &before = r.after_line(6), &after = r.after_line(7);
  EXPECT_EQ(reg(before, "r").lrc, 1);
  EXPECT_EQ(reg(after, "r").lrc, 4);
  RegionId rr = region_of_var(after, "r");
  EXPECT_EQ(after.heap.region_of(var(after, "x")), rr);
  EXPECT_EQ(after.heap.region_of(var(after, "y")), rr);
  EXPECT_EQ(var(after, "z"), var(after, "y"));
  EXPECT_EQ(reg(after, "r").sbrc, 0);
  EXPECT_EQ(reg(r.after_line(8), "r").lrc, 3);
  EXPECT_EQ(r.after_line(10).heap.region(rr).lrc, 1);
}

// 3.1 step 5/6: a pulled graph that reaches a free bridge makes that region a child of the
// target; its LRC drops by one (that local edge is now the owning one), SBRC(target) + 1 if open.
TEST(WorkedExamples, PullReachingFreeBridgeMakesItAChild) {
  RunResult r = run_program("a = Region()\ns = Region()\nx = {}\nx.s = s\na.x = x\ndrop s\n");
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.report();
  EXPECT_TRUE(r.clean()) << r.report();
  const World &before = r.after_line(4), &after = r.after_line(5), &dropped = r.after_line(6);
  RegionId a = region_of_var(before, "a"), s = region_of_var(before, "s");
  EXPECT_EQ(before.heap.region(s).lrc, 2); // the variable s and the field x.s
  EXPECT_EQ(before.heap.region(s).parent_kind, ParentKind::None);
  EXPECT_EQ(before.heap.region(a).lrc, 1);
  EXPECT_EQ(before.heap.region(a).sbrc, 0);
  EXPECT_EQ(after.heap.region(s).lrc, 1); // 2 - 1
  EXPECT_EQ(after.heap.region(s).parent_kind, ParentKind::Region);
  EXPECT_EQ(after.heap.region(s).parent, a);
  EXPECT_EQ(after.heap.region(a).sbrc, 1); // s is open (the variable s)
  EXPECT_EQ(after.heap.region(a).lrc, 2);  // the variables a and x
  EXPECT_EQ(after.heap.region_of(var(after, "x")), a);
  EXPECT_EQ(dropped.heap.region(s).lrc, 0);
  EXPECT_EQ(dropped.heap.region(a).sbrc, 0);   // s closed
  EXPECT_TRUE(dropped.heap.is_live_region(s)); // owned, so not collected
}

// 3.3: is_closed releases its argument first, so is_closed(r) is False while a variable holds
// r; the idiom is is_closed(r1.r2).
TEST(WorkedExamples, IsClosedWhileBoundAndThroughTheParent) {
  RunResult r = run_program("r1 = Region()\nr2 = Region()\nr1.r2 = r2\nb0 = is_closed(r2)\n"
                            "drop r2\nb1 = is_closed(r1)\nb2 = is_closed(r1.r2)\n");
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.report();
  EXPECT_TRUE(r.clean()) << r.report();
  const World &w = r.world();
  EXPECT_TRUE(is_false(w, var(w, "b0")));
  EXPECT_TRUE(is_false(w, var(w, "b1")));
  EXPECT_TRUE(is_true(w, var(w, "b2")));
  RegionId r2 = w.heap.region_of(field(w, var(w, "r1"), "r2"));
  EXPECT_EQ(w.heap.region(r2).lrc, 0);
}

// 3.4: the argument's reference is consumed before the status is computed: Cown(r) with r still
// bound is Pending, Cown(move r) Released; dropping r later releases the first cown.
TEST(WorkedExamples, CownOfBoundRegionIsPendingOfMovedRegionReleased) {
  RunResult r = run_program("r = Region()\nc = Cown(r)\np = is_released(c)\nr2 = Region()\n"
                            "c2 = Cown(move r2)\nq = is_released(c2)\ndrop r\n"
                            "p2 = is_released(c)\n");
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.report();
  EXPECT_TRUE(r.clean()) << r.report();
  const World &w2 = r.after_line(2), &w5 = r.after_line(5), &w7 = r.after_line(7);
  EXPECT_EQ(w2.heap.obj(var(w2, "c")).status, CownStatus::Pending);
  EXPECT_EQ(reg(w2, "r").parent_kind, ParentKind::Cown);
  EXPECT_EQ(reg(w2, "r").parent, var(w2, "c"));
  EXPECT_EQ(w5.heap.obj(var(w5, "c2")).status, CownStatus::Released);
  EXPECT_EQ(var(w5, "r2"), kNone);
  EXPECT_EQ(w7.heap.obj(var(w7, "c")).status, CownStatus::Released);
  const World &w = r.world();
  EXPECT_TRUE(is_false(w, var(w, "p")));
  EXPECT_TRUE(is_true(w, var(w, "q")));
  EXPECT_TRUE(is_true(w, var(w, "p2")));
}

// 3.3 merge: LRC(sink) += LRC(src); SBRC(sink) - 1 (src was open) + SBRC(src); src's children
// become sink's; the old bridge becomes an ordinary object of sink.
TEST(WorkedExamples, MergeAddsCounters) {
  RunResult r = run_program("sink = Region()\nsrc = Region()\nsrc.v = {}\ng = Region()\n"
                            "src.g = g\nsink.src = src\nv = src.v\nmerge(src, sink)\n");
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.report();
  EXPECT_TRUE(r.clean()) << r.report();
  const World &b = r.after_line(7), &a = r.after_line(8);
  RegionId sink = region_of_var(b, "sink"), src = region_of_var(b, "src"),
           g = region_of_var(b, "g");
  EXPECT_EQ(b.heap.region(sink).lrc, 1);
  EXPECT_EQ(b.heap.region(sink).sbrc, 1);
  EXPECT_EQ(b.heap.region(src).lrc, 2);  // src and v
  EXPECT_EQ(b.heap.region(src).sbrc, 1); // g is open
  EXPECT_EQ(a.heap.region(sink).lrc, b.heap.region(sink).lrc + b.heap.region(src).lrc);
  EXPECT_EQ(a.heap.region(sink).lrc, 3);
  EXPECT_EQ(a.heap.region(sink).sbrc, 1 - 1 + 1);
  EXPECT_FALSE(a.heap.is_live_region(src));
  EXPECT_EQ(a.heap.region(g).parent, sink);
  ObjectId old_bridge = var(a, "src");
  EXPECT_EQ(a.heap.region_of(old_bridge), sink);
  EXPECT_FALSE(a.heap.is_bridge(old_bridge));
  EXPECT_EQ(a.heap.region_of(var(a, "v")), sink);
}

// 3.3 dissolve: every object moves to LOCAL, the bridge becomes ordinary, each child becomes free
// with LRC + 1 (its owning edge is now a LOCAL reference).
TEST(WorkedExamples, DissolveGivesChildrenLrcPlusOne) {
  RunResult r = run_program("r = Region()\nr.o = {}\nc = Region()\nr.c = c\ndrop c\no = r.o\n"
                            "dissolve(r)\no.extra = {}\n");
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.report();
  EXPECT_TRUE(r.clean()) << r.report();
  const World &b = r.after_line(6), &a = r.after_line(7);
  ObjectId bridge = var(b, "r");
  RegionId c = b.heap.region_of(field(b, bridge, "c"));
  EXPECT_EQ(b.heap.region(c).lrc, 0);
  EXPECT_EQ(b.heap.region(c).parent_kind, ParentKind::Region);
  EXPECT_EQ(a.heap.region(c).lrc, 1);
  EXPECT_EQ(a.heap.region(c).parent_kind, ParentKind::None);
  EXPECT_TRUE(a.heap.obj(bridge).loc.is_local());
  EXPECT_TRUE(a.heap.obj(var(a, "o")).loc.is_local());
  EXPECT_FALSE(a.heap.is_bridge(bridge));
  EXPECT_EQ(live_regions(a), 1u);
}

// 3.2 lungfish: a freeze that reaches a bridge ends the region; unreached objects that LOCAL
// still reaches move to LOCAL (their owned children become free with LRC + 1), the others are
// collected; counters stay exact.
TEST(WorkedExamples, FreezeReachingBridgeEndsRegionLungfish) {
  RunResult r = run_program("r = Region()\nr.a = {}\nx = r.a\nr.a = None\nk = Region()\n"
                            "x.k = k\ndrop k\nr.c = {}\nr.c.self = r.c\nr.c = None\nw = {}\n"
                            "w.r = r\nfreeze(w)\n");
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.report();
  EXPECT_TRUE(r.clean()) << r.report();
  const World &b = r.after_line(12), &a = r.after_line(13);
  RegionId rr = region_of_var(b, "r");
  ObjectId x = var(b, "x");
  RegionId k = b.heap.region_of(field(b, x, "k"));
  // The garbage cycle r.c: the region's only member not reached and not reachable from LOCAL.
  ObjectId cycle = kNone;
  for (ObjectId o : b.heap.members(rr))
    if (o != var(b, "r") && o != x) cycle = o;
  ASSERT_NE(cycle, kNone);
  EXPECT_EQ(b.heap.region(k).parent, rr);
  EXPECT_EQ(b.heap.region(k).lrc, 0);

  EXPECT_FALSE(a.heap.is_live_region(rr));
  EXPECT_TRUE(a.heap.obj(var(a, "w")).loc.is_immutable());
  EXPECT_TRUE(a.heap.obj(var(a, "r")).loc.is_immutable());
  EXPECT_TRUE(a.heap.obj(x).loc.is_local()); // unreached, reachable from LOCAL
  EXPECT_FALSE(a.heap.is_live(cycle));       // unreached, unreachable: collected
  EXPECT_EQ(a.heap.region(k).parent_kind, ParentKind::None);
  EXPECT_EQ(a.heap.region(k).lrc, 1); // x.k is now a LOCAL reference
  EXPECT_EQ(live_regions(a), 1u);
}

// 3.2 frankenscript: a freeze that removes objects from a region does not decrement its LRC but
// marks it dirty; is_closed recounts (the region is open and dirty). lungfish stays exact.
TEST(WorkedExamples, FreezeMarksDirtyUnderFrankenscriptAndIsClosedRecounts) {
  const char *prog = "p = Region()\np.o = {}\no = p.o\ns = Region()\no.s = s\ndrop s\n"
                     "freeze(o)\nb = is_closed(p)\n";
  RunConfig fs;
  fs.profile = Profile::Frankenscript;
  RunResult f = run_program(prog, fs);
  ASSERT_EQ(f.outcome, Outcome::Ok) << f.report();
  EXPECT_TRUE(f.clean()) << f.report();
  const World &b = f.after_line(6), &a = f.after_line(7), &c = f.after_line(8);
  RegionId p = region_of_var(b, "p");
  RegionId s = b.heap.region_of(field(b, var(b, "o"), "s"));
  ASSERT_EQ(region_of_var(b, "o"), p);
  ASSERT_NE(s, kNoRegion);
  EXPECT_EQ(b.heap.region(p).lrc, 2); // p and o
  EXPECT_FALSE(b.heap.region(p).dirty);
  EXPECT_TRUE(a.heap.obj(var(a, "o")).loc.is_immutable());
  EXPECT_FALSE(a.heap.is_live_region(s)); // s's bridge was reached: the region ended
  EXPECT_TRUE(a.heap.region(p).dirty);
  // Not decremented: the two variables plus freeze's argument slot, whose +1 is never given
  // back because its target is frozen when the slot is released.
  EXPECT_EQ(a.heap.region(p).lrc, 3);
  EXPECT_FALSE(c.heap.region(p).dirty); // recounted by is_closed
  EXPECT_EQ(c.heap.region(p).lrc, 1);
  EXPECT_TRUE(is_false(c, var(c, "b")));

  RunResult l = run_program(prog);
  ASSERT_EQ(l.outcome, Outcome::Ok) << l.report();
  EXPECT_TRUE(l.clean()) << l.report();
  EXPECT_FALSE(reg(l.after_line(7), "p").dirty);
  EXPECT_EQ(reg(l.after_line(7), "p").lrc, 1);
}

// 3.3 close: every LOCAL reference into the region and, with SBRC > 0, its descendants is set to
// None, in every frame and every LOCAL object; the free region then has LRC 0 and is collected.
TEST(WorkedExamples, CloseNullsLocalReferencesInAllFramesAndObjects) {
  RunResult r = run_program("def f(a):\n    b = a.o\n    close(a)\n    return b\n"
                            "r = Region()\nr.o = {}\nh = {}\nh.o = r.o\nc = Region()\n"
                            "c.q = {}\nr.c = c\ndrop c\nq = r.c.q\nx = f(r)\n");
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.report();
  EXPECT_TRUE(r.clean()) << r.report();
  const World &b = r.after_line(2), &a = r.after_line(3);
  RegionId rr = region_of_var(b, "r");
  RegionId c = b.heap.region_of(var(b, "q"));
  EXPECT_EQ(b.heap.region(rr).lrc, 4);  // r, h.o in main; a, b in f
  EXPECT_EQ(b.heap.region(rr).sbrc, 1); // c is open through q
  ASSERT_EQ(a.threads[0].calls.size(), 2u);
  ObjectId callee = a.threads[0].calls.back().frame;
  EXPECT_EQ(var(a, "r"), kNone);
  EXPECT_EQ(var(a, "q"), kNone);
  EXPECT_EQ(field(a, var(a, "h"), "o"), kNone);
  EXPECT_EQ(field(a, callee, "a"), kNone);
  EXPECT_EQ(field(a, callee, "b"), kNone);
  EXPECT_FALSE(a.heap.is_live_region(rr)); // free with LRC 0: collected
  EXPECT_FALSE(a.heap.is_live_region(c));  // its child, then free with LRC 0
  EXPECT_EQ(var(r.world(), "x"), kNone);
  EXPECT_NE(var(r.world(), "h"), kNone);
}

// 3 (collection): a free region whose LRC reaches 0 is collected whole, cycles included; its
// closed children become free and are collected too.
TEST(WorkedExamples, FreeRegionWithLrcZeroIsCollectedWithCycles) {
  RunResult r = run_program("r = Region()\nr.a = {}\nr.a.b = {}\nr.a.b.a = r.a\nr.a.self = r.a\n"
                            "k = Region()\nk.x = {}\nk.x.x = k.x\nr.k = k\ndrop k\ndrop r\n");
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.report();
  EXPECT_TRUE(r.clean()) << r.report();
  const World &b = r.after_line(10), &a = r.after_line(11);
  EXPECT_EQ(live_regions(b), 2u);
  std::vector<ObjectId> members = b.heap.members(region_of_var(b, "r"));
  std::vector<ObjectId> kmembers = b.heap.members(b.heap.region_of(field(b, var(b, "r"), "k")));
  EXPECT_EQ(members.size(), 3u);
  EXPECT_EQ(kmembers.size(), 2u);
  EXPECT_EQ(live_regions(a), 0u);
  for (ObjectId o : members)
    EXPECT_FALSE(a.heap.is_live(o));
  for (ObjectId o : kmembers)
    EXPECT_FALSE(a.heap.is_live(o));
}

// 3: inside a pull, the first violation in FrankenScript's DFS order is reported: the prototype
// edge first, then fields by descending name.
struct PullOrder {
  const char *edges; // the statements that give y its edges
  RuleId expected;
};

TEST(WorkedExamples, PullReportsTheFirstErrorInDfsOrder) {
  const char *setup = "p = Region()\nq = Region()\nq.o = {}\nb = Region()\nq.b = b\ny = {}\n";
  const PullOrder cases[] = {
      {"y.a = q.o\ny.b = b\n", RuleId::PullHasParent},           // b > a: the bridge first
      {"y.a = b\ny.b = q.o\n", RuleId::PullOtherRegion},         // keys swapped
      {"y.__proto__ = q.o\ny.z = b\n", RuleId::PullOtherRegion}, // prototype first
      {"y.z = q.o\ny.__proto__ = b\n", RuleId::PullHasParent},
  };
  for (const PullOrder &c : cases) {
    std::string prog = std::string(setup) + c.edges + "p.y = y\n";
    RunResult r = run_program(prog);
    ASSERT_EQ(r.outcome, Outcome::Rejected) << prog << r.report();
    EXPECT_EQ(r.machine().error()->rule, c.expected) << prog;
    EXPECT_EQ(r.machine().error()->line, 9u);
    EXPECT_TRUE(unchanged_by_failure(r.last_boundary(), r.world())) << prog;
  }
}

// 3: the pull is checked as a whole before it moves anything, so a pull that reaches the same
// free bridge twice reports E_HAS_PARENT on the second edge and leaves the bridge free.
TEST(WorkedExamples, PullReachingTheSameFreeBridgeTwiceHasParent) {
  RunResult r = run_program("p = Region()\ns = Region()\ny = {}\ny.a = s\ny.b = s\np.y = y\n");
  ASSERT_EQ(r.outcome, Outcome::Rejected) << r.report();
  EXPECT_EQ(r.machine().error()->rule, RuleId::PullHasParent);
  EXPECT_EQ(r.machine().error()->code, ErrorCode::E_HAS_PARENT);
  EXPECT_EQ(r.machine().error()->line, 6u);
  EXPECT_EQ(reg(r.world(), "s").parent_kind, ParentKind::None);
  EXPECT_TRUE(r.world().heap.obj(var(r.world(), "y")).loc.is_local());
  EXPECT_TRUE(unchanged_by_failure(r.last_boundary(), r.world()));
  // Two different nodes reaching it once each are fine: a shared non-bridge node is pulled once.
  RunResult ok = run_program("p = Region()\ns = Region()\nn = {}\nn.s = s\ny = {}\ny.a = n\n"
                             "y.b = n\np.y = y\n");
  EXPECT_EQ(ok.outcome, Outcome::Ok) << ok.report();
  EXPECT_TRUE(ok.clean()) << ok.report();
}

// 3.1 step 6: the parent check runs before the old value is released, so storing the same
// owning reference again is E_HAS_PARENT.
TEST(WorkedExamples, StoringTheSameChildTwiceHasParent) {
  RunResult r = run_program("r = Region()\ns = Region()\nr.c = s\nr.c = s\n");
  ASSERT_EQ(r.outcome, Outcome::Rejected) << r.report();
  EXPECT_EQ(r.machine().error()->rule, RuleId::BarrierHasParent);
  EXPECT_EQ(r.machine().error()->line, 4u);
  EXPECT_EQ(reg(r.world(), "s").parent, region_of_var(r.world(), "r"));
  EXPECT_TRUE(unchanged_by_failure(r.last_boundary(), r.world()));
}

} // namespace
} // namespace lungfish::test
