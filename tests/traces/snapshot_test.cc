// Snapshots: the model's World in snapshot form, canonical names, comparison up to renaming.
#include "model/code.h"
#include "model/machine.h"
#include "traces/formats/mermaid_reader.h"
#include "traces/snapshot.h"

#include "tests/traces/trace_test_util.h"

#include <algorithm>

namespace lungfish::traces {
namespace {

// frame { __proto__: [Frame], r: bridge, x: None } ; bridge in region { __proto__: [RegionObject],
// a: inner } ; a stack slot holding the bridge.
World small_world() {
  World w;
  State &h = w.heap;
  ObjectId frame = h.new_object(ObjectKind::Frame, Location::local(0), 1);
  h.obj(frame).proto = h.builtin_proto(BuiltinProto::Frame);
  RegionId r = h.new_region(1);
  ObjectId bridge = h.new_object(ObjectKind::Plain, Location::region(r), 1);
  h.region(r).bridge = bridge;
  h.region(r).lrc = 2;
  h.obj(bridge).proto = h.builtin_proto(BuiltinProto::RegionObject);
  ObjectId inner = h.new_object(ObjectKind::Plain, Location::region(r), 2);
  h.set_field_raw(frame, intern("r"), bridge);
  h.set_field_raw(frame, intern("x"), kNone);
  h.set_field_raw(bridge, intern("a"), inner);
  h.obj(frame).rc = 1;
  h.obj(bridge).rc = 2;
  h.obj(inner).rc = 1;
  Thread t;
  t.calls.push_back(Activation{frame});
  t.stack.push_back(bridge);
  w.threads.push_back(t);
  return w;
}

TEST(Snapshot, OfTheModelWorld) {
  World w = small_world();
  Snapshot s = snapshot_of(w, 0);
  ASSERT_EQ(s.roots.size(), 1u);
  const SnapObject *frame = s.find(s.roots[0]);
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->kind, SnapKind::Frame);
  EXPECT_EQ(location_text(frame->loc), "local");
  ASSERT_EQ(frame->fields.size(), 4u);
  EXPECT_EQ(frame->fields[0].name, "__proto__");
  EXPECT_EQ(s.find(*frame->fields[0].target)->label, "[Frame]");
  EXPECT_EQ(frame->fields[2], (SnapField{"x", std::nullopt}));
  EXPECT_EQ(frame->fields[3].name, "_stack[0]");
  ASSERT_EQ(s.regions.size(), 1u);
  EXPECT_EQ(s.regions[0].lrc, 2);
  const SnapObject *bridge = s.find(*s.regions[0].bridge);
  ASSERT_TRUE(bridge && bridge->is_bridge);
  EXPECT_EQ(location_text(bridge->loc), "region:" + s.regions[0].name);
}

// cpython: a frozen SCC is counted on its representative, as CPython shows it: the references
// from outside the SCC; the other member shows no count.
TEST(Snapshot, FrozenSccIsCountedOnItsRepresentative) {
  auto at_end = [](const char *text) {
    MachineOptions mo;
    mo.profile = Profile::Cpython;
    Machine m(compile(parse_program(text)), mo);
    m.run();
    return snapshot_of(m.world(), 0);
  };
  auto named = [](const Snapshot &s, const char *var) {
    const SnapObject *frame = s.find(s.roots[0]);
    for (const SnapField &f : frame->fields)
      if (f.name == var && f.target) return s.find(*f.target);
    return static_cast<const SnapObject *>(nullptr);
  };
  Snapshot s = at_end("a = {}\nb = {}\na.f = b\nb.f = a\nfreeze(a)\n");
  const SnapObject *a = named(s, "a"), *b = named(s, "b");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->rc, 2); // the variables a and b, not the two edges inside the SCC
  EXPECT_FALSE(b->rc.has_value());
  Snapshot t = at_end("a = {}\nb = {}\na.f = b\nb.f = a\nfreeze(a)\nb = None\n");
  ASSERT_TRUE(named(t, "a"));
  EXPECT_EQ(named(t, "a")->rc, 1);
}

TEST(Snapshot, CanonicalNamesAreShortestSmallestPaths) {
  Snapshot s = snapshot_of(small_world(), 0);
  auto names = canonical_names(s);
  std::vector<std::string> got;
  for (auto &[k, v] : names)
    got.push_back(v);
  std::sort(got.begin(), got.end());
  // The bridge is reached by `_stack[0]` and by `r`; "_stack[0]" < "r" in byte order.
  // Globals are constants named by label, reachable or not.
  EXPECT_EQ(got, (std::vector<std::string>{"@False", "@True", "@[Cown]", "@[Frame]", "@[Function]",
                                           "@[KeyIterator]", "@[RegionObject]", "@[String]",
                                           "frame", "frame._stack[0]", "frame._stack[0].a"}));
}

Snapshot renamed(const Snapshot &s) {
  Snapshot t = s;
  auto ren = [](std::string &k) { k = "zz" + k; };
  for (auto &o : t.objects) {
    if (!o.is_global) ren(o.key);
    for (auto &f : o.fields)
      if (f.target && !s.find(*f.target)->is_global) ren(*f.target);
  }
  for (auto &r : t.regions) {
    r.name = "R" + r.name;
    if (r.bridge) ren(*r.bridge);
    if (r.parent_kind == SnapParentKind::Region)
      r.parent = "R" + r.parent;
    else if (r.parent_kind == SnapParentKind::Cown)
      ren(r.parent);
  }
  for (auto &o : t.objects)
    if (o.loc.kind == LocKind::Region) o.loc.name = "R" + o.loc.name;
  for (auto &k : t.roots)
    ren(k);
  std::reverse(t.objects.begin(), t.objects.end());
  std::reverse(t.regions.begin(), t.regions.end());
  t.reindex();
  return t;
}

TEST(Snapshot, CompareIsUpToRenaming) {
  Snapshot s = snapshot_of(small_world(), 0);
  EXPECT_TRUE(compare_snapshots(s, renamed(s)).empty());
}

TEST(Snapshot, CompareReportsEachKindOfDifference) {
  Snapshot s = snapshot_of(small_world(), 0);
  Snapshot t = s;
  const std::string bridge = *s.regions[0].bridge;
  for (auto &o : t.objects)
    if (o.key == bridge) {
      o.rc = 5;
      o.fields.pop_back(); // drop `a`
    }
  t.regions[0].lrc = 1;
  t.regions[0].sbrc = 3;
  t.regions[0].dirty = true;
  t.reindex();
  auto d = compare_snapshots(s, t);
  std::vector<std::string> kinds;
  for (auto &x : d)
    kinds.push_back(std::string(diff_kind_name(x.kind)) + " " + x.path);
  EXPECT_EQ(kinds, (std::vector<std::string>{"rc frame._stack[0]", "field frame._stack[0].a",
                                             "missing_object frame._stack[0].a",
                                             "extra_object <unreachable>", "lrc {frame._stack[0]}",
                                             "sbrc {frame._stack[0]}", "dirty {frame._stack[0]}"}));
  CompareOptions o;
  o.dirty_lrc_upper_bound = true;
  t.regions[0].lrc = 4; // dirty and above the expected 2: accepted
  auto d2 = compare_snapshots(s, t, o);
  for (auto &x : d2)
    EXPECT_NE(x.kind, DiffKind::Lrc);
}

TEST(Snapshot, FrameRcAndFunctionsAreExcludedByOption) {
  Snapshot s = snapshot_of(small_world(), 0);
  Snapshot t = s;
  auto frame = std::find_if(t.objects.begin(), t.objects.end(),
                            [](const SnapObject &o) { return o.kind == SnapKind::Frame; });
  ASSERT_NE(frame, t.objects.end());
  frame->rc = 7;
  frame->fields.push_back({"f", "f1"});
  SnapObject fn;
  fn.key = "f1";
  fn.kind = SnapKind::Function;
  t.objects.push_back(fn);
  t.reindex();
  EXPECT_TRUE(compare_snapshots(s, t).empty());
  CompareOptions strict;
  strict.compare_frame_rc = true;
  strict.ignore_functions = false;
  auto d = compare_snapshots(s, t, strict);
  ASSERT_EQ(d.size(), 3u); // rc of the frame, field f, the function object
}

TEST(Snapshot, CorpusStepsCompareEqualToThemselvesAndRenamed) {
  auto files = test::files_with_suffix(test::corpus_dir() + "/frankenscript", ".mermaid.md");
  if (files.empty()) GTEST_SKIP() << "shared corpus not found at " << test::corpus_dir();
  size_t differing_neighbours = 0;
  for (const auto &f : files) {
    SCOPED_TRACE(f);
    auto steps = read_mermaid_file(f);
    for (size_t i = 0; i < steps.size(); ++i) {
      const Snapshot &s = steps[i].snapshot;
      EXPECT_TRUE(compare_snapshots(s, s).empty()) << "step " << i + 1;
      if (steps[i].kind == StepKind::Line) {
        EXPECT_TRUE(compare_snapshots(s, renamed(s)).empty()) << "step " << i + 1;
      }
      if (i > 0 && steps[i].kind == StepKind::Line && steps[i - 1].kind == StepKind::Line &&
          !compare_snapshots(steps[i - 1].snapshot, s).empty())
        ++differing_neighbours;
    }
  }
  EXPECT_GT(differing_neighbours, 300u);
}

} // namespace
} // namespace lungfish::traces
