// Tests of checker/invariants.h on worlds built by hand: a consistent world passes, and breaking
// one invariant is reported as that invariant with the right witness.
#include "checker/invariants.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace lungfish {
namespace {

/// Builds a World with the State API, keeping rc and local_rc exact for every edge it adds
/// (set_field_raw counts nothing). Regions' LRC and SBRC are set by each test from its picture.
class Builder {
public:
  World w;
  ObjectId frame = kNone; // main's global frame

  Builder() {
    w.threads.push_back(Thread{});
    frame = new_frame(0);
    w.threads[0].calls.push_back(Activation{frame});
    h().obj(frame).rc++; // the activation's hold
  }
  State &h() { return w.heap; }
  Object &obj(ObjectId o) { return h().obj(o); }
  Region &reg(RegionId r) { return h().region(r); }

  ObjectId new_frame(uint32_t local) {
    ObjectId f = h().new_object(ObjectKind::Frame, Location::local(local), 0);
    set_proto(f, h().builtin_proto(BuiltinProto::Frame));
    return f;
  }
  ObjectId local(uint32_t l = 0) {
    return h().new_object(ObjectKind::Plain, Location::local(l), 0);
  }
  ObjectId frozen() { return h().new_object(ObjectKind::Plain, Location::immutable(), 0); }
  ObjectId in(RegionId r) { return h().new_object(ObjectKind::Plain, Location::region(r), 0); }
  /// A new region with its bridge; free, LRC 0.
  RegionId region() {
    RegionId r = h().new_region(0);
    ObjectId b = in(r);
    set_proto(b, h().builtin_proto(BuiltinProto::RegionObject));
    reg(r).bridge = b;
    return r;
  }
  ObjectId bridge(RegionId r) { return reg(r).bridge; }
  ObjectId cown(CownStatus s) {
    ObjectId c = h().new_object(ObjectKind::Cown, Location::cown(), 0);
    obj(c).status = s;
    set_proto(c, h().builtin_proto(BuiltinProto::Cown));
    return c;
  }
  void child(RegionId r, RegionId parent) {
    reg(r).parent_kind = ParentKind::Region;
    reg(r).parent = parent;
  }
  void owned_by(RegionId r, ObjectId cown) {
    reg(r).parent_kind = ParentKind::Cown;
    reg(r).parent = cown;
  }
  void set(ObjectId o, std::string_view field, ObjectId v) {
    Symbol s = intern(field);
    if (const Field *old = h().find_field(o, s)) release(o, old->value);
    h().set_field_raw(o, s, v);
    hold(o, v);
  }
  void set_proto(ObjectId o, ObjectId p) {
    release(o, obj(o).proto);
    obj(o).proto = p;
    hold(o, p);
  }
  void var(std::string_view name, ObjectId v) { set(frame, name, v); }
  void push(uint32_t thread, ObjectId v) {
    w.threads[thread].stack.push_back(v);
    obj(v).rc++;
    obj(v).local_rc++;
  }
  /// A behaviour thread with a LOCAL and a bottom frame of its own.
  uint32_t behaviour(ThreadStatus status, std::vector<ObjectId> cowns = {}) {
    Thread t;
    t.local = h().add_local();
    t.status = status;
    t.cowns = std::move(cowns);
    ObjectId f = new_frame(t.local);
    t.calls.push_back(Activation{f});
    obj(f).rc++;
    w.threads.push_back(t);
    return static_cast<uint32_t>(w.threads.size() - 1);
  }
  ObjectId frame_of(uint32_t thread) { return w.threads[thread].calls.front().frame; }

private:
  void hold(ObjectId from, ObjectId v) {
    if (v == kNone) return;
    obj(v).rc++;
    if (obj(from).loc.is_local()) obj(v).local_rc++;
  }
  void release(ObjectId from, ObjectId v) {
    if (v == kNone) return;
    obj(v).rc--;
    if (obj(from).loc.is_local()) obj(v).local_rc--;
  }
};

/// The base picture every test starts from:
///   main: r1 -> b1 (R1, free, LRC 1); b1.c -> b2 (R2, child of R1, closed); b2.a -> a2
///         x -> o1 (LOCAL); o1.f -> z (frozen); i -> z; z.s -> z2 (frozen)
///         c -> C (Released cown); C.value -> b3 (R3, owned by C, closed); b3.a -> a3
struct Base : Builder {
  RegionId r1, r2, r3;
  ObjectId b1, b2, b3, a2, a3, o1, z, z2, c;
  Base() {
    r1 = region();
    b1 = bridge(r1);
    var("r1", b1);
    reg(r1).lrc = 1;
    r2 = region();
    b2 = bridge(r2);
    child(r2, r1);
    set(b1, "c", b2);
    a2 = in(r2);
    set(b2, "a", a2);
    o1 = local();
    var("x", o1);
    z = frozen();
    z2 = frozen();
    set(z, "s", z2);
    set(o1, "f", z);
    var("i", z);
    c = cown(CownStatus::Released);
    var("c", c);
    r3 = region();
    b3 = bridge(r3);
    owned_by(r3, c);
    set(c, "value", b3);
    a3 = in(r3);
    set(b3, "a", a3);
  }
};

const CheckContext kLungfish{};
const CheckContext kFrankenscript{Profile::Frankenscript};

std::set<Invariant> kinds(const std::vector<Violation> &vs) {
  std::set<Invariant> out;
  for (const Violation &v : vs)
    out.insert(v.invariant);
  return out;
}

std::string dump(const World &w, const std::vector<Violation> &vs) {
  std::string out;
  for (const Violation &v : vs)
    out += format_violation(w, v) + "\n";
  return out;
}

template <class T> bool has(const std::vector<T> &v, T x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

/// Every state invariant holds except `inv`, which the whole-state check reports (first).
void expect_only(const World &w, Invariant inv, const CheckContext &c = kLungfish) {
  auto all = check_state(w, c, false);
  EXPECT_EQ(kinds(all), std::set<Invariant>{inv}) << dump(w, all);
  auto first = check_state(w, c, true);
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(first.front().invariant, inv);
}

TEST(Invariants, BaseWorldIsConsistent) {
  Base b;
  auto all = check_state(b.w, kLungfish, false);
  EXPECT_TRUE(all.empty()) << dump(b.w, all);
  EXPECT_TRUE(check_state(b.w, kFrankenscript, false).empty());
  auto leaks = check_no_leak(b.w, kLungfish);
  EXPECT_TRUE(leaks.empty()) << dump(b.w, leaks);
}

TEST(Invariants, ComplexWorldIsConsistent) {
  Base b;
  // A callee frame with __parent__, holding a reference into a grandchild region.
  ObjectId callee = b.new_frame(0);
  b.set(callee, "__parent__", b.frame);
  b.w.threads[0].calls.push_back(Activation{callee, 1});
  b.obj(callee).rc++;
  RegionId ra = b.region(), rb = b.region(), rc = b.region(), rd = b.region();
  b.var("a", b.bridge(ra));
  b.child(rb, ra);
  b.set(b.bridge(ra), "b", b.bridge(rb));
  b.child(rc, rb);
  b.set(b.bridge(rb), "c", b.bridge(rc));
  ObjectId inner = b.in(rc);
  b.set(b.bridge(rc), "inner", inner);
  b.set(callee, "p", inner); // LRC(C) 1 keeps C, B and A open
  b.child(rd, ra);
  b.set(b.bridge(ra), "d", b.bridge(rd)); // D closed
  ObjectId fz = b.frozen();
  b.set(b.bridge(rd), "frozen", fz); // regions and LOCAL may share frozen objects
  b.set(b.o1, "frozen", fz);
  b.push(0, b.bridge(ra)); // an operand-stack slot into A
  b.reg(ra).lrc = 2;
  b.reg(ra).sbrc = 1;
  b.reg(rb).sbrc = 1;
  b.reg(rc).lrc = 1;
  // A Released cown owning a closed region with a closed child.
  ObjectId k = b.cown(CownStatus::Released);
  b.var("k", k);
  RegionId re = b.region(), rg = b.region();
  b.owned_by(re, k);
  b.set(k, "value", b.bridge(re));
  b.child(rg, re);
  b.set(b.bridge(re), "g", b.bridge(rg));
  b.set(b.bridge(re), "cown", b.c); // regions may hold cowns
  // A Pending cown whose region is still open.
  ObjectId k2 = b.cown(CownStatus::Pending);
  b.var("k2", k2);
  RegionId rh = b.region();
  b.owned_by(rh, k2);
  b.set(k2, "value", b.bridge(rh));
  b.var("h", b.bridge(rh));
  b.reg(rh).lrc = 1;
  // A waiting behaviour that captured a free region and a cown.
  uint32_t t = b.behaviour(ThreadStatus::Waiting);
  RegionId rq = b.region();
  b.set(b.frame_of(t), "q", b.bridge(rq));
  b.set(b.frame_of(t), "k", k);
  b.reg(rq).lrc = 1;
  // Prototype chains through LOCAL and frozen objects, and a string.
  ObjectId p = b.local(), s = b.local();
  b.set_proto(p, fz);
  b.set_proto(b.o1, p);
  b.obj(s).kind = ObjectKind::String;
  b.set_proto(s, b.h().builtin_proto(BuiltinProto::String));
  b.set(callee, "s", s);

  for (const CheckContext &c : {kLungfish, kFrankenscript}) {
    auto all = check_state(b.w, c, false);
    EXPECT_TRUE(all.empty()) << dump(b.w, all);
  }
  auto leaks = check_no_leak(b.w, kLungfish);
  EXPECT_TRUE(leaks.empty()) << dump(b.w, leaks);
}

TEST(Invariants, I1Location) {
  {
    Base b;
    b.reg(b.r1).members = 7;
    expect_only(b.w, Invariant::I1);
    auto v = check_location(b.w, kLungfish);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_TRUE(has(v[0].witness.regions, b.r1));
  }
  {
    Base b;
    b.obj(b.z2).loc = Location::local(5); // only LOCAL 0 exists
    auto v = check_location(b.w, kLungfish);
    ASSERT_FALSE(v.empty());
    EXPECT_EQ(v[0].witness.objects, std::vector<ObjectId>{b.z2});
    EXPECT_EQ(v[0].witness.path, "main.i.s");
  }
  {
    Base b;
    b.obj(b.a3).loc = Location::region(b.r2); // not moved between the member lists
    auto v = check_location(b.w, kLungfish);
    ASSERT_EQ(v.size(), 2u) << dump(b.w, v); // listed in R3 but not there; in R2 but not listed
    EXPECT_TRUE(has(v[0].witness.objects, b.a3));
    EXPECT_TRUE(has(v[1].witness.objects, b.a3));
  }
}

TEST(Invariants, I2DeepImmutability) {
  Base b;
  b.set(b.z, "m", b.b1);
  expect_only(b.w, Invariant::I2);
  auto v = check_deep_immutability(b.w, kLungfish);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].witness.objects, (std::vector<ObjectId>{b.z, b.b1}));
  EXPECT_EQ(v[0].witness.path, "main.i");
}

TEST(Invariants, I3LocalIsolation) {
  Base b;
  b.set(b.b1, "g", b.o1);
  expect_only(b.w, Invariant::I3);
  auto v = check_local_isolation(b.w, kLungfish);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].witness.objects, (std::vector<ObjectId>{b.o1, b.b1}));
  EXPECT_EQ(v[0].witness.path, "main.x");
}

TEST(Invariants, I3StackSlotOfAnotherLocal) {
  Base b;
  uint32_t t = b.behaviour(ThreadStatus::Running);
  b.push(t, b.o1);
  auto v = check_local_isolation(b.w, kLungfish);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].witness.objects, std::vector<ObjectId>{b.o1});
}

TEST(Invariants, I4RegionEntry) {
  {
    Base b;
    b.set(b.b1, "d", b.a2); // not R2's bridge
    expect_only(b.w, Invariant::I4);
    auto v = check_region_entry(b.w, kLungfish);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].witness.objects, (std::vector<ObjectId>{b.b1, b.a2}));
    EXPECT_EQ(v[0].witness.regions, (std::vector<RegionId>{b.r1, b.r2}));
    EXPECT_EQ(v[0].witness.path, "main.r1");
  }
  {
    Base b;
    b.set(b.b1, "e", b.b3); // a bridge, but R3's parent is the cown
    expect_only(b.w, Invariant::I4);
    auto v = check_region_entry(b.w, kLungfish);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].witness.regions, (std::vector<RegionId>{b.r1, b.r3}));
  }
}

TEST(Invariants, I5SingleOwner) {
  Base b;
  b.set(b.b1, "c2", b.b2);
  expect_only(b.w, Invariant::I5);
  auto v = check_single_owner(b.w, kLungfish);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].witness.objects.front(), b.b2);
  EXPECT_EQ(v[0].witness.regions, (std::vector<RegionId>{b.r2, b.r1}));
  EXPECT_NE(v[0].message.find("2 owning references"), std::string::npos) << v[0].message;
}

TEST(Invariants, I6RegionForest) {
  {
    Base b; // R1 -> R2 -> R1, each owned through one edge, counters consistent
    b.child(b.r1, b.r2);
    b.set(b.b2, "back", b.b1);
    b.reg(b.r1).sbrc = 1;
    b.reg(b.r2).sbrc = 1;
    expect_only(b.w, Invariant::I6);
    auto v = check_region_forest(b.w, kLungfish);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_TRUE(has(v[0].witness.regions, b.r1));
    EXPECT_TRUE(has(v[0].witness.regions, b.r2));
  }
  {
    Base b;
    b.owned_by(b.r3, b.o1); // not a cown
    auto v = check_region_forest(b.w, kLungfish);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].witness.regions, std::vector<RegionId>{b.r3});
  }
}

TEST(Invariants, I7Bridge) {
  {
    Base b; // a headless region: its bridge was freed while an interior object is in use
    RegionId r4 = b.region();
    ObjectId a4 = b.in(r4);
    b.var("y", a4);
    b.reg(r4).lrc = 1;
    b.obj(b.bridge(r4)).proto = kNone;
    b.h().free_object(b.bridge(r4));
    expect_only(b.w, Invariant::I7);
    auto v = check_bridge(b.w, kLungfish);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].witness.regions, std::vector<RegionId>{r4});
  }
  {
    Base b; // o.__proto__ = r.__proto__: a fake bridge for FrankenScript only
    b.set_proto(b.o1, b.h().builtin_proto(BuiltinProto::RegionObject));
    EXPECT_TRUE(check_state(b.w, kLungfish, false).empty());
    expect_only(b.w, Invariant::I7, kFrankenscript);
    auto v = check_bridge(b.w, kFrankenscript);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].witness.objects, std::vector<ObjectId>{b.o1});
  }
}

TEST(Invariants, I8Lrc) {
  Base b;
  b.reg(b.r1).lrc = 2;
  expect_only(b.w, Invariant::I8);
  auto v = check_lrc(b.w, kLungfish);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].witness.regions, std::vector<RegionId>{b.r1});
  EXPECT_EQ(v[0].witness.objects, (std::vector<ObjectId>{b.b1, b.frame}));
  EXPECT_EQ(v[0].witness.path, "main.r1");
  EXPECT_NE(v[0].message.find("is 2 but 1 LOCAL reference points into it"), std::string::npos)
      << v[0].message;
  std::string line = format_violation(b.w, v[0]);
  EXPECT_EQ(line.rfind("I8 (LRC) broken: LRC of region #", 0), 0u) << line;
  EXPECT_NE(line.find("path: main.r1"), std::string::npos) << line;
}

TEST(Invariants, I8DirtyLrcIsAnUpperBound) {
  Base b;
  b.reg(b.r1).dirty = true;
  b.reg(b.r1).lrc = 3;
  EXPECT_TRUE(check_state(b.w, kFrankenscript, false).empty());
  expect_only(b.w, Invariant::I8); // lungfish has no dirty LRCs
  b.reg(b.r1).lrc = 0;
  auto v = check_lrc(b.w, kFrankenscript);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].witness.regions, std::vector<RegionId>{b.r1});
}

TEST(Invariants, I9Sbrc) {
  {
    Base b;
    b.reg(b.r1).sbrc = 1; // R2 is closed
    expect_only(b.w, Invariant::I9);
    auto v = check_sbrc(b.w, kLungfish);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].witness.regions, std::vector<RegionId>{b.r1});
  }
  {
    Base b;
    b.var("y", b.b2); // R2 opens, R1's SBRC is left at 0
    b.reg(b.r2).lrc = 1;
    expect_only(b.w, Invariant::I9);
    auto v = check_sbrc(b.w, kLungfish);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].witness.regions, (std::vector<RegionId>{b.r1, b.r2}));
    EXPECT_EQ(v[0].witness.path, "main.r1");
  }
}

TEST(Invariants, I10Closed) {
  // With exact LRCs, I10 can only break together with I9 (it follows from I8 and I9): a Pending
  // cown's region R6 says it is closed while a LOCAL variable points into its child R7.
  Base b;
  ObjectId c2 = b.cown(CownStatus::Pending);
  b.var("c2", c2);
  RegionId r6 = b.region(), r7 = b.region();
  b.owned_by(r6, c2);
  b.set(c2, "value", b.bridge(r6));
  b.child(r7, r6);
  b.set(b.bridge(r6), "k", b.bridge(r7));
  b.var("y", b.bridge(r7));
  b.reg(r7).lrc = 1;
  auto all = check_state(b.w, kLungfish, false);
  EXPECT_EQ(kinds(all), (std::set<Invariant>{Invariant::I9, Invariant::I10})) << dump(b.w, all);
  auto first = check_state(b.w, kLungfish, true);
  EXPECT_EQ(kinds(first), std::set<Invariant>{Invariant::I9});
  auto v = check_closed(b.w, kLungfish);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].witness.regions, (std::vector<RegionId>{r7, r6}));
  EXPECT_EQ(v[0].witness.objects, (std::vector<ObjectId>{b.bridge(r7), b.frame}));
  EXPECT_EQ(v[0].witness.path, "main.y");
}

TEST(Invariants, I11Liveness) {
  {
    Base b;
    RegionId r4 = b.region(); // free, nothing points into it
    expect_only(b.w, Invariant::I11);
    auto v = check_liveness(b.w, kLungfish);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].witness.regions, std::vector<RegionId>{r4});
    EXPECT_EQ(v[0].witness.path, "<unreachable>");
  }
  {
    Base b; // free with LRC 0 but an open child: FrankenScript keeps it
    RegionId r4 = b.region(), r5 = b.region();
    b.child(r5, r4);
    b.set(b.bridge(r4), "c", b.bridge(r5));
    b.var("y", b.bridge(r5));
    b.reg(r5).lrc = 1;
    b.reg(r4).sbrc = 1;
    expect_only(b.w, Invariant::I11);
    EXPECT_TRUE(check_state(b.w, kFrankenscript, false).empty());
  }
}

TEST(Invariants, I12CownContents) {
  Base b;
  RegionId r4 = b.region();
  b.var("y", b.bridge(r4));
  b.reg(r4).lrc = 1;
  b.set(b.c, "extra", b.bridge(r4)); // a free region's bridge the cown does not own
  expect_only(b.w, Invariant::I12);
  auto v = check_cown_contents(b.w, kLungfish);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].witness.objects, (std::vector<ObjectId>{b.c, b.bridge(r4)}));
  EXPECT_EQ(v[0].witness.regions, std::vector<RegionId>{r4});
  EXPECT_EQ(v[0].witness.path, "main.c");
}

TEST(Invariants, I13Release) {
  {
    Base b; // FrankenScript: a dirty LRC keeps R3 open, yet its cown is Released
    b.reg(b.r3).dirty = true;
    b.reg(b.r3).lrc = 1;
    expect_only(b.w, Invariant::I13, kFrankenscript);
    auto v = check_release(b.w, kFrankenscript);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].witness.objects, std::vector<ObjectId>{b.c});
    EXPECT_EQ(v[0].witness.regions, std::vector<RegionId>{b.r3});
  }
  {
    Base b; // a LOCAL reference into the Released cown's region's child: I13 and I14
    RegionId r5 = b.region();
    b.child(r5, b.r3);
    b.set(b.b3, "e", b.bridge(r5));
    b.var("y", b.bridge(r5));
    b.reg(r5).lrc = 1;
    b.reg(b.r3).sbrc = 1;
    auto all = check_state(b.w, kLungfish, false);
    EXPECT_EQ(kinds(all), (std::set<Invariant>{Invariant::I13, Invariant::I14})) << dump(b.w, all);
    auto v = check_release(b.w, kLungfish);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].witness.regions, (std::vector<RegionId>{b.r3, r5}));
    EXPECT_EQ(v[0].witness.objects, (std::vector<ObjectId>{b.c, b.bridge(r5)}));
  }
}

TEST(Invariants, I14Opacity) {
  {
    Base b;
    b.set_proto(b.o1, b.c); // a LOCAL prototype chain through the Released cown
    expect_only(b.w, Invariant::I14);
    auto v = check_opacity(b.w, kLungfish);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].witness.objects, (std::vector<ObjectId>{b.o1, b.c}));
  }
  {
    Base b; // through a frozen object's prototype
    ObjectId f = b.frozen();
    b.set_proto(f, b.c);
    b.set_proto(b.o1, f);
    auto v = check_opacity(b.w, kLungfish);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].witness.objects, (std::vector<ObjectId>{b.o1, b.c}));
  }
  {
    Base b;
    b.var("y", b.a3);
    b.reg(b.r3).lrc = 1;
    auto v = check_opacity(b.w, kLungfish);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].witness.objects, (std::vector<ObjectId>{b.a3, b.frame, b.c}));
    EXPECT_EQ(v[0].witness.regions, std::vector<RegionId>{b.r3});
    EXPECT_EQ(v[0].witness.path, "main.y");
  }
}

TEST(Invariants, I15CownOwnership) {
  Base before;
  {
    World after = before.w;
    after.heap.region(before.r3).parent_kind = ParentKind::None;
    auto v = check_cown_ownership(before.w, after, kNone, kLungfish);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].invariant, Invariant::I15);
    EXPECT_EQ(v[0].witness.objects, (std::vector<ObjectId>{before.c, before.b3}));
    EXPECT_EQ(v[0].witness.regions, std::vector<RegionId>{before.r3});
    EXPECT_TRUE(check_cown_ownership(before.w, after, before.c, kLungfish).empty());
  }
  {
    World after = before.w; // merged into R1
    after.heap.relocate(before.b3, Location::region(before.r1));
    after.heap.relocate(before.a3, Location::region(before.r1));
    after.heap.free_region(before.r3);
    auto v = check_cown_ownership(before.w, after, kNone, kLungfish);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_NE(v[0].message.find("merged"), std::string::npos) << v[0].message;
  }
  {
    World after = before.w; // frozen: allowed
    after.heap.relocate(before.b3, Location::immutable());
    after.heap.relocate(before.a3, Location::immutable());
    after.heap.free_region(before.r3);
    EXPECT_TRUE(check_cown_ownership(before.w, after, kNone, kLungfish).empty());
  }
  EXPECT_TRUE(check_cown_ownership(before.w, before.w, kNone, kLungfish).empty());
}

TEST(Invariants, I16ReferenceCounts) {
  {
    Base b;
    b.obj(b.o1).rc = 2;
    expect_only(b.w, Invariant::I16);
    auto v = check_reference_counts(b.w, kLungfish);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].witness.objects, std::vector<ObjectId>{b.o1});
    EXPECT_EQ(v[0].witness.path, "main.x");
  }
  {
    Base b;
    b.obj(b.a2).local_rc = 1;
    expect_only(b.w, Invariant::I16);
  }
  {
    Base b; // a variable still points to a freed object
    ObjectId o2 = b.local();
    b.var("d", o2);
    b.obj(o2).rc = 0;
    b.obj(o2).local_rc = 0;
    b.h().free_object(o2);
    expect_only(b.w, Invariant::I16);
    auto v = check_reference_counts(b.w, kLungfish);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].witness.objects, std::vector<ObjectId>{b.frame});
    EXPECT_NE(v[0].message.find("field d of frame"), std::string::npos) << v[0].message;
  }
}

TEST(Invariants, I17SharedRegion) {
  Base b;
  uint32_t t = b.behaviour(ThreadStatus::Running);
  b.set(b.frame_of(t), "s", b.b1);
  b.reg(b.r1).lrc = 2;
  expect_only(b.w, Invariant::I17);
  auto v = check_behaviour_isolation(b.w, kLungfish);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].witness.regions, std::vector<RegionId>{b.r1});
}

TEST(Invariants, I17SharedRegionTree) {
  Base b; // main holds R1, the behaviour a child of R1
  uint32_t t = b.behaviour(ThreadStatus::Waiting);
  b.set(b.frame_of(t), "s", b.a2);
  b.reg(b.r2).lrc = 1;
  b.reg(b.r1).sbrc = 1;
  expect_only(b.w, Invariant::I17);
  auto v = check_behaviour_isolation(b.w, kLungfish);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].witness.objects, (std::vector<ObjectId>{b.b1, b.a2}));
  EXPECT_EQ(v[0].witness.regions, (std::vector<RegionId>{b.r1, b.r2}));
}

TEST(Invariants, I17SharedLocalObject) {
  Base b;
  uint32_t t = b.behaviour(ThreadStatus::Running);
  b.set(b.frame_of(t), "v", b.o1);
  auto v = check_behaviour_isolation(b.w, kLungfish);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].witness.objects, (std::vector<ObjectId>{b.o1, b.frame_of(t)}));
  EXPECT_EQ(kinds(check_state(b.w, kLungfish, false)),
            (std::set<Invariant>{Invariant::I3, Invariant::I17}));
}

TEST(Invariants, I17RegionOfACownNotHeld) {
  for (bool holds : {false, true}) {
    Base b;
    ObjectId c2 = b.cown(CownStatus::Acquired);
    b.var("c2", c2);
    RegionId r6 = b.region();
    b.owned_by(r6, c2);
    b.set(c2, "value", b.bridge(r6));
    uint32_t t = b.behaviour(ThreadStatus::Running,
                             holds ? std::vector<ObjectId>{c2} : std::vector<ObjectId>{});
    b.set(b.frame_of(t), "t", b.bridge(r6));
    b.reg(r6).lrc = 1;
    if (holds) {
      auto all = check_state(b.w, kLungfish, false);
      EXPECT_TRUE(all.empty()) << dump(b.w, all);
      continue;
    }
    expect_only(b.w, Invariant::I17);
    auto v = check_behaviour_isolation(b.w, kLungfish);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].witness.objects, (std::vector<ObjectId>{b.bridge(r6), c2}));
    EXPECT_EQ(v[0].witness.regions, std::vector<RegionId>{r6});
    EXPECT_EQ(v[0].witness.path, "behaviour1.t");
  }
}

TEST(Invariants, I20NoLeak) {
  {
    Base b; // an unreachable LOCAL cycle
    ObjectId p1 = b.local(), p2 = b.local();
    b.set(p1, "n", p2);
    b.set(p2, "n", p1);
    auto v = check_no_leak(b.w, kLungfish);
    ASSERT_EQ(v.size(), 2u);
    EXPECT_EQ(v[0].witness.objects, std::vector<ObjectId>{p1});
    EXPECT_EQ(v[1].witness.objects, std::vector<ObjectId>{p2});
    EXPECT_EQ(v[0].witness.path, "<unreachable>");
    EXPECT_TRUE(check_state(b.w, kLungfish, false).empty());
  }
  {
    Base b; // an unreachable region, reported once with its objects
    RegionId r4 = b.region();
    ObjectId a4 = b.in(r4);
    b.set(b.bridge(r4), "a", a4);
    auto v = check_no_leak(b.w, kLungfish);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].witness.regions, std::vector<RegionId>{r4});
    EXPECT_EQ(v[0].witness.objects, (std::vector<ObjectId>{b.bridge(r4), a4}));
    // Reaching an interior object keeps the region, and so its bridge, alive.
    b.var("y", a4);
    b.reg(r4).lrc = 1;
    EXPECT_TRUE(check_no_leak(b.w, kLungfish).empty());
  }
}

TEST(Invariants, PathsNameCalleeFramesAndStackSlots) {
  Base b;
  ObjectId callee = b.new_frame(0);
  b.set(callee, "__parent__", b.frame);
  b.w.threads[0].calls.push_back(Activation{callee, 1});
  b.obj(callee).rc++;
  ObjectId o2 = b.local();
  b.set(callee, "p", o2);
  ObjectId o3 = b.local();
  b.push(0, o3);
  b.obj(o2).rc = 5;
  b.obj(o3).rc = 5;
  auto v = check_reference_counts(b.w, kLungfish);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].witness.path, "main@1.p");
  EXPECT_EQ(v[1].witness.path, "main.stack[0]");
}

TEST(Invariants, NamesAndDescriptions) {
  for (size_t i = 0; i < static_cast<size_t>(Invariant::Count); ++i) {
    auto inv = static_cast<Invariant>(i);
    EXPECT_EQ(invariant_name(inv), "I" + std::to_string(i + 1));
    EXPECT_FALSE(invariant_description(inv).empty());
    EXPECT_EQ(parse_invariant(invariant_name(inv)), inv);
  }
  EXPECT_EQ(parse_invariant("i8"), Invariant::I8);
  EXPECT_EQ(parse_invariant("I21"), std::nullopt);
  EXPECT_EQ(parse_invariant("LRC"), std::nullopt);
}

} // namespace
} // namespace lungfish
