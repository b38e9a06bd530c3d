// The native JSONL trace: round trips (write then read = identity) and malformed inputs.
#include "traces/formats/mermaid_reader.h"
#include "traces/formats/native_trace.h"

#include "tests/traces/trace_test_util.h"

#include <sstream>

namespace lungfish::traces {
namespace {

TEST(NativeTrace, ReadsTheSmallExample) {
  NativeTraceReader r(test::inputs_dir() + "/native/good/small.jsonl");
  EXPECT_EQ(r.header().runtime, "frankenscript");
  EXPECT_EQ(r.header().profile, "frankenscript");
  TraceEvent e;
  ASSERT_TRUE(r.next(e));
  EXPECT_EQ(e.step, 1u);
  EXPECT_EQ(r.line(), 2u);
  ASSERT_TRUE(e.op.has_value());
  EXPECT_EQ((*e.op)["kind"], "new_region");
  ASSERT_TRUE(e.snapshot.has_value());
  EXPECT_EQ(e.snapshot->regions.at(0).bridge, std::optional<std::string>("o3"));
  EXPECT_EQ(e.snapshot->find("o1")->fields.at(2), (SnapField{"x", std::nullopt}));
  ASSERT_TRUE(r.next(e));
  EXPECT_FALSE(e.snapshot.has_value());
  ASSERT_TRUE(r.next(e));
  EXPECT_EQ(e.outcome, "E_HAS_PARENT");
  EXPECT_EQ(e.detail, "Cannot reference");
  EXPECT_FALSE(r.next(e));
}

TEST(NativeTrace, RoundTripOfHandBuiltEvents) {
  Snapshot s;
  SnapObject c;
  c.key = "c1";
  c.kind = SnapKind::Cown;
  c.loc = {LocKind::Cown, ""};
  c.status = "Released";
  c.fields = {{"value", "b1"}};
  SnapObject b;
  b.key = "b1";
  b.loc = {LocKind::Region, "r1"};
  b.is_bridge = true;
  b.fields = {{"?inline#0", std::nullopt}, {"é \"quoted\"\n", "c1"}};
  b.frozen = true;
  b.refcnt = 7;
  b.scc_rep = "zz";
  b.scc_members = {"b1", "zz"};
  b.type_name = "Node";
  b.leaf = "scalar";
  b.unreachable = true;
  SnapObject l;
  l.key = "l1";
  l.loc = {LocKind::Local, "3"};
  l.rc = 0;
  s.objects = {c, b, l};
  SnapRegion r;
  r.name = "r1";
  r.bridge = "b1";
  r.parent_kind = SnapParentKind::Cown;
  r.parent = "c1";
  r.lrc = 2;
  r.dirty = true;
  SnapRegion r2;
  r2.name = "r2";
  r2.parent_kind = SnapParentKind::Region;
  r2.parent = "r1";
  s.regions = {r, r2};
  s.roots = {"l1"};

  TraceHeader h{1, "cpython", "pep795"};
  std::vector<TraceEvent> events(3);
  events[0].step = 1;
  events[0].line = 4;
  events[0].stmt = "r.f = x";
  events[0].message = "Line 4: r.f = x";
  events[0].op = nlohmann::json{{"kind", "store_field"}, {"object", "r"}, {"field", "f"}};
  events[0].snapshot = s;
  events[1].step = 5;
  events[1].outcome = "leak";
  events[2].step = 6;
  events[2].outcome = "E_NOT_FREEZABLE";
  events[2].detail = "Cannot freeze";

  std::stringstream ss;
  NativeTraceWriter w(ss, h);
  for (const auto &e : events)
    w.write(e);
  NativeTraceReader rd(ss, "<mem>");
  EXPECT_EQ(rd.header(), h);
  TraceEvent e;
  for (const auto &want : events) {
    ASSERT_TRUE(rd.next(e));
    EXPECT_EQ(e, want);
  }
  EXPECT_FALSE(rd.next(e));
}

// Every FrankenScript diagram of the corpus, written as native events and read back.
TEST(NativeTrace, RoundTripOfTheFrankenScriptCorpus) {
  auto files = test::files_with_suffix(test::corpus_dir() + "/frankenscript", ".mermaid.md");
  if (files.empty()) GTEST_SKIP() << "shared corpus not found at " << test::corpus_dir();
  size_t n = 0;
  for (const auto &f : files) {
    SCOPED_TRACE(f);
    std::vector<TraceEvent> events;
    for (auto &s : read_mermaid_file(f)) {
      TraceEvent e;
      e.step = s.index;
      e.line = s.line;
      e.stmt = s.stmt;
      e.message = s.message;
      e.outcome = s.kind == StepKind::Error ? "E_UNDEFINED" : "ok";
      e.snapshot = std::move(s.snapshot);
      events.push_back(std::move(e));
    }
    std::stringstream ss;
    NativeTraceWriter w(ss, {1, "frankenscript", "frankenscript"});
    for (const auto &e : events)
      w.write(e);
    NativeTraceReader rd(ss, f + ".jsonl");
    TraceEvent e;
    for (const auto &want : events) {
      ASSERT_TRUE(rd.next(e));
      ASSERT_EQ(e, want) << "step " << want.step;
      ++n;
    }
    EXPECT_FALSE(rd.next(e));
  }
  EXPECT_EQ(n, 630u);
}

TEST(NativeTrace, MalformedInputs) {
  // clang-format off
  std::vector<test::BadCase> cases = {
      {"01_bad_json.jsonl", 2, 25},
      {"02_wrong_version.jsonl", 1, 19},
      {"03_missing_version.jsonl", 1, 1},
      {"04_unknown_outcome.jsonl", 3, 77},
      {"05_dangling_field.jsonl", 2, 265},
      {"06_duplicate_key.jsonl", 2, 451},
      {"07_non_object_line.jsonl", 2, 1},
      {"08_truncated_last_line.jsonl", 3, 21},
      {"09_empty_file.jsonl", 1, 1},
      {"10_empty_line.jsonl", 3, 1},
      {"11_step_not_increasing.jsonl", 3, 9},
      {"12_missing_outcome.jsonl", 2, 1},
      {"13_unknown_member.jsonl", 2, 90},
      {"14_bad_kind.jsonl", 2, 383},
      {"15_bad_location.jsonl", 2, 398},
      {"16_unknown_region_loc.jsonl", 2, 398},
      {"17_dangling_root.jsonl", 2, 151},
      {"18_dangling_bridge.jsonl", 2, 478},
      {"19_rc_float.jsonl", 2, 266},
      {"20_rc_too_large.jsonl", 2, 266},
      {"21_duplicate_field.jsonl", 2, 261},
      {"22_op_without_kind.jsonl", 2, 80},
      {"23_op_unknown_kind.jsonl", 2, 88},
      {"24_bad_utf8.jsonl", 2, 35},
      {"25_unknown_profile.jsonl", 1, 45},
      {"26_unknown_parent_region.jsonl", 2, 502},
      {"27_bad_status.jsonl", 2, 452},
      {"28_field_not_pair.jsonl", 2, 260},
      {"29_trailing_garbage.jsonl", 2, 83},
      {"30_line_too_large.jsonl", 2, 18},
      {"31_version_string.jsonl", 1, 19},
      {"32_number_overflow.jsonl", 2, 438}, // found by fuzz_native
      {"33_nested_too_deep.jsonl", 2, 546},
      {"34_acquire_without_behaviour.jsonl", 2, 1},
      {"35_unknown_event.jsonl", 2, 19},
      {"36_behaviour_on_statement.jsonl", 2, 23},
      {"37_duplicate_member.jsonl", 2, 9},
  };
  // clang-format on
  test::check_bad_inputs("native", cases, [](const std::string &p) {
    NativeTraceReader r(p);
    TraceEvent e;
    while (r.next(e)) {
    }
  });
}

} // namespace
} // namespace lungfish::traces
