// The CPython `pyrona-heap-trace/v1` reader: the four reference recordings, a small synthetic
// one, and malformed inputs.
#include "traces/cpython/recording.h"

#include "tests/traces/trace_test_util.h"

namespace lungfish::traces {
namespace {

TEST(CpythonRecording, ReferenceRecordingsParse) {
  auto files = test::files_with_suffix(test::corpus_dir() + "/cpython", ".json");
  if (files.empty()) GTEST_SKIP() << "shared corpus not found at " << test::corpus_dir();
  EXPECT_EQ(files.size(), 4u);
  size_t sccs = 0, frozen = 0, errors = 0;
  for (const auto &f : files) {
    SCOPED_TRACE(f);
    CpythonRecording r;
    ASSERT_NO_THROW(r = read_cpython_recording(f));
    EXPECT_FALSE(r.steps.empty());
    for (const auto &st : r.steps) {
      if (!st.ok) {
        ++errors;
        EXPECT_FALSE(st.error_type.empty());
      }
      ASSERT_TRUE(st.after.has_value());
      const Snapshot &s = *st.after;
      ASSERT_EQ(s.roots.size(), 1u);
      const SnapObject *g = s.find(s.roots[0]);
      ASSERT_TRUE(g);
      EXPECT_EQ(g->kind, SnapKind::Frame);
      for (const auto &o : s.objects) {
        sccs += o.scc_rep.has_value();
        if (o.frozen) {
          ++frozen;
          EXPECT_EQ(o.loc.kind, LocKind::Imm);
        }
        for (const auto &fl : o.fields)
          if (fl.target) {
            EXPECT_NE(s.find(*fl.target), nullptr);
          }
      }
    }
  }
  EXPECT_GT(sccs, 0u);
  EXPECT_GT(frozen, 0u);
  EXPECT_GT(errors, 0u);
}

TEST(CpythonRecording, MapsTheSyntheticExample) {
  auto r = read_cpython_recording(test::inputs_dir() + "/cpython/good/tiny.json");
  EXPECT_EQ(r.program, "tiny");
  ASSERT_EQ(r.steps.size(), 2u);
  EXPECT_TRUE(r.steps[0].ok);
  EXPECT_FALSE(r.steps[0].before.has_value());
  EXPECT_FALSE(r.steps[1].ok);
  EXPECT_EQ(r.steps[1].error_type, "TypeError");
  const Snapshot &s = *r.steps[0].after;
  const SnapObject *g = s.find("<globals>");
  ASSERT_TRUE(g);
  ASSERT_EQ(g->fields.size(), 2u);
  EXPECT_EQ(g->fields[0], (SnapField{"d", "0xa"}));
  EXPECT_EQ(g->fields[1], (SnapField{"n", std::nullopt})); // the NoneType node became None
  EXPECT_EQ(s.find("0xc"), nullptr);
  const SnapObject *d = s.find("0xa");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->type_name, "dict");
  EXPECT_EQ(d->refcnt, 2);
  EXPECT_FALSE(d->rc.has_value());
  ASSERT_EQ(d->fields.size(), 3u);
  EXPECT_EQ(d->fields[1], (SnapField{"?inline#0", std::nullopt}));
  EXPECT_EQ(d->fields[2], (SnapField{"?inline#1", "0xb"}));
  const SnapObject *l = s.find("0xb");
  EXPECT_EQ(l->loc.kind, LocKind::Imm);
  EXPECT_EQ(l->scc_rep, std::optional<std::string>("0xb"));
  EXPECT_EQ(l->scc_members, std::vector<std::string>{"0xb"});
}

TEST(CpythonRecording, MalformedInputs) {
  // clang-format off
  std::vector<test::BadCase> cases = {
      {"01_truncated.json", 30, 12},
      {"02_not_json.json", 1, 1},
      {"03_wrong_format.json", 2, 12},
      {"04_missing_steps.json", 1, 1},
      {"05_steps_not_array.json", 7, 11},
      {"06_bad_index.json", 87, 13},
      {"07_bad_outcome.json", 11, 15},
      {"08_error_without_error.json", 86, 3},
      {"09_missing_op.json", 8, 3},
      {"10_dangling_edge.json", 55, 19},
      {"11_dangling_root.json", 26, 17},
      {"12_duplicate_id.json", 83, 13},
      {"13_frozen_not_bool.json", 58, 17},
      {"14_missing_type.json", 54, 6},
      {"15_edges_not_array.json", 64, 16},
      {"16_duplicate_field.json", 53, 18},
      {"17_refcnt_float.json", 33, 23},
      {"18_duplicate_root.json", 25, 15},
      {"19_snapshot_not_object.json", 14, 22},
      {"20_nodes_missing.json", 14, 22},
      {"21_error_on_ok.json", 85, 13},
      {"22_empty_error_type.json", 91, 13},
      {"23_edge_not_object.json", 52, 8},
      {"24_bad_id.json", 55, 13},
      {"25_scc_members_not_array.json", 66, 22},
      {"26_top_level_array.json", 1, 1},
      {"27_truncated_not_bool.json", 83, 18},
      {"28_bad_utf8.json", 3, 16},
      {"29_duration_string.json", 12, 19},
      {"30_root_missing_target.json", 16, 6},
      {"31_number_overflow.json", 60, 24}, // found by fuzz_cpython
      {"32_nested_too_deep.json", 1, 553},
  };
  // clang-format on
  test::check_bad_inputs("cpython", cases, [](const std::string &p) { read_cpython_recording(p); });
}

} // namespace
} // namespace lungfish::traces
