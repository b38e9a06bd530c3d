// The FrankenScript mermaid.md reader: the whole corpus, the per-step invariants of
// notes/frankenscript-output.md 6, known samples, and malformed inputs.
#include "traces/formats/mermaid_reader.h"

#include "tests/traces/trace_test_util.h"

#include <fstream>
#include <map>
#include <sstream>

namespace lungfish::traces {
namespace {

using test::corpus_dir;
using test::files_with_suffix;

std::vector<std::string> corpus_files() {
  return files_with_suffix(corpus_dir() + "/frankenscript", ".mermaid.md");
}

#define REQUIRE_CORPUS(files)                                                                      \
  if ((files).empty()) GTEST_SKIP() << "shared corpus not found at " << corpus_dir()

size_t count_step_openers(const std::string &path) {
  std::ifstream in(path);
  std::string line;
  size_t n = 0;
  while (std::getline(in, line))
    if (line.starts_with("<pre><code>")) ++n;
  return n;
}

TEST(MermaidReader, WholeCorpusParses) {
  auto files = corpus_files();
  REQUIRE_CORPUS(files);
  EXPECT_EQ(files.size(), 63u);
  size_t total = 0;
  for (const auto &f : files) {
    SCOPED_TRACE(f);
    std::vector<MermaidStep> steps;
    ASSERT_NO_THROW(steps = read_mermaid_file(f));
    // The reader is strict, so parsing without an exception means no line went unmatched.
    EXPECT_EQ(steps.size(), count_step_openers(f));
    for (size_t i = 0; i < steps.size(); ++i)
      EXPECT_EQ(steps[i].index, i + 1);
    total += steps.size();
  }
  EXPECT_EQ(total, 630u);
}

// rc = drawn in-degree (non-global, non-frame); LRC = LOCAL edges into the region's own objects
// (non-dirty regions): both on every Line step (notes/frankenscript-output.md 6).
TEST(MermaidReader, CorpusInvariantsOnLineSteps) {
  auto files = corpus_files();
  REQUIRE_CORPUS(files);
  size_t rc_checked = 0, lrc_checked = 0;
  for (const auto &f : files) {
    MermaidReader r(f);
    MermaidStep s;
    while (r.next(s)) {
      if (s.kind != StepKind::Line) continue;
      SCOPED_TRACE(f + " step " + std::to_string(s.index) + ": " + s.message);
      const Snapshot &snap = s.snapshot;
      std::map<std::string, int64_t> indegree;
      std::map<std::string, int64_t> local_into;
      for (const auto &o : snap.objects)
        for (const auto &fl : o.fields) {
          if (!fl.target) continue;
          ++indegree[*fl.target];
          const SnapObject *t = snap.find(*fl.target);
          ASSERT_NE(t, nullptr);
          if (o.loc.kind == LocKind::Local && t->loc.kind == LocKind::Region)
            ++local_into[t->loc.name];
        }
      for (const auto &o : snap.objects) {
        if (o.is_global || o.kind == SnapKind::Frame) continue;
        EXPECT_EQ(o.rc.value_or(-1), indegree[o.key]) << o.key;
        ++rc_checked;
      }
      for (const auto &rg : snap.regions) {
        if (rg.dirty || !rg.lrc) continue;
        EXPECT_EQ(*rg.lrc, local_into[rg.name]) << rg.name;
        ++lrc_checked;
      }
    }
  }
  EXPECT_GT(rc_checked, 2000u);
  EXPECT_GT(lrc_checked, 500u);
}

TEST(MermaidReader, NestedRegionSample) {
  auto steps = read_mermaid_file(test::inputs_dir() + "/mermaid/good/two_steps.mermaid.md");
  ASSERT_EQ(steps.size(), 2u);
  const MermaidStep &s = steps[1];
  EXPECT_EQ(s.kind, StepKind::Line);
  EXPECT_EQ(s.line, 6u);
  EXPECT_EQ(s.stmt, "r1.r2 = r2");
  EXPECT_EQ(s.file_line, 35u);
  const Snapshot &snap = s.snapshot;
  ASSERT_EQ(snap.roots.size(), 1u);
  EXPECT_EQ(snap.roots[0], "0x7fbff6a2a9a0");
  EXPECT_EQ(snap.find("0x7fbff6a2a9a0")->kind, SnapKind::Frame);
  const SnapRegion *inner = snap.find_region("reg0x7fbff6aa54a0");
  const SnapRegion *outer = snap.find_region("reg0x7fbff6aa5400");
  ASSERT_TRUE(inner && outer);
  EXPECT_EQ(inner->parent_kind, SnapParentKind::Region);
  EXPECT_EQ(inner->parent, "reg0x7fbff6aa5400");
  EXPECT_EQ(outer->parent_kind, SnapParentKind::None);
  EXPECT_EQ(inner->bridge, std::optional<std::string>("0x7fbff6a169e0"));
  EXPECT_EQ(inner->lrc, 1);
  EXPECT_EQ(inner->sbrc, 0);
  EXPECT_EQ(outer->sbrc, 1);
  const SnapObject *a = snap.find("0x7fbff6a165d0");
  ASSERT_TRUE(a);
  EXPECT_EQ(location_text(a->loc), "region:reg0x7fbff6aa54a0");
  const SnapObject *proto = snap.find("[RegionObject]");
  ASSERT_TRUE(proto);
  EXPECT_TRUE(proto->is_global);
  EXPECT_EQ(proto->kind, SnapKind::Prototype);
  EXPECT_EQ(location_text(proto->loc), "imm");
  const SnapObject *bridge = snap.find("0x7fbff6a16940");
  ASSERT_TRUE(bridge && bridge->is_bridge);
  ASSERT_EQ(bridge->fields.size(), 2u);
  EXPECT_EQ(bridge->fields[0].name, "__proto__");
  EXPECT_EQ(bridge->fields[1], (SnapField{"r2", "0x7fbff6a169e0"}));
}

TEST(MermaidReader, MessagesMarkersAndCowns) {
  auto files = corpus_files();
  REQUIRE_CORPUS(files);
  std::map<StepKind, size_t> kinds;
  size_t markers = 0, cown_parents = 0, iterators = 0, multiline = 0;
  for (const auto &f : files)
    for (const auto &s : read_mermaid_file(f)) {
      ++kinds[s.kind];
      if (s.marker != FlowMarker::None) {
        ++markers;
        EXPECT_TRUE(s.stmt.ends_with(":")) << s.message;
      }
      if (s.message.find('\n') != std::string::npos) ++multiline;
      for (const auto &o : s.snapshot.objects)
        iterators += o.kind == SnapKind::Iterator;
      for (const auto &rg : s.snapshot.regions)
        if (rg.parent_kind == SnapParentKind::Cown) {
          ++cown_parents;
          const SnapObject *c = s.snapshot.find(rg.parent);
          ASSERT_TRUE(c);
          EXPECT_EQ(c->kind, SnapKind::Cown);
          EXPECT_TRUE(c->status.has_value());
        }
    }
  EXPECT_EQ(kinds[StepKind::Error], 17u);
  EXPECT_EQ(kinds[StepKind::Cycles], 2u);
  EXPECT_EQ(kinds[StepKind::Internal], 1u);
  EXPECT_EQ(kinds[StepKind::Builtin], 2u);
  EXPECT_EQ(kinds[StepKind::Other], 0u);
  EXPECT_EQ(markers, 109u); // `pragma_...(False)` is a call, not a marker
  EXPECT_GT(cown_parents, 0u);
  EXPECT_GT(iterators, 0u);
  EXPECT_GE(multiline, 1u);
}

TEST(MermaidReader, RunSummariesAgreeWithDiagrams) {
  auto files = corpus_files();
  REQUIRE_CORPUS(files);
  size_t failing = 0;
  for (const auto &f : files) {
    std::string out = f.substr(0, f.size() - std::string(".mermaid.md").size()) + ".out";
    SCOPED_TRACE(out);
    RunSummary sum = read_run_summary(out);
    auto steps = read_mermaid_file(f);
    EXPECT_TRUE(sum.exit_code == 0 || sum.exit_code == 1);
    EXPECT_FALSE(sum.abort);
    if (sum.exit_code == 1) {
      ++failing;
      EXPECT_TRUE(!sum.error_text.empty() || sum.leak);
    }
    if (!steps.empty() && steps.back().kind == StepKind::Error) {
      EXPECT_EQ(steps.back().message, "Error: " + sum.error_text);
    }
  }
  EXPECT_EQ(failing, 17u);
}

TEST(MermaidReader, StreamInterfaceAndEmptyInput) {
  std::istringstream empty("");
  MermaidReader r(empty, "<empty>");
  MermaidStep s;
  EXPECT_FALSE(r.next(s));
  EXPECT_THROW(MermaidReader("/nonexistent/x.mermaid.md"), InputError);
}

TEST(MermaidReader, MalformedInputs) {
  // clang-format off
  std::vector<test::BadCase> cases = {
      {"01_truncated_mid_body.mermaid.md", 61, 1},
      {"02_no_final_newline.mermaid.md", 82, 37},
      {"03_garbage_line.mermaid.md", 50, 1},
      {"04_unknown_shape.mermaid.md", 49, 15},
      {"05_dangling_ref.mermaid.md", 55, 13},
      {"06_duplicate_def.mermaid.md", 53, 32},
      {"07_unterminated_code.mermaid.md", 35, 1},
      {"08_non_utf8.mermaid.md", 49, 10},
      {"09_rc_too_large.mermaid.md", 49, 38},
      {"10_id_too_large.mermaid.md", 57, 3},
      {"11_missing_linkstyle.mermaid.md", 50, 1},
      {"12_wrong_linkstyle_index.mermaid.md", 50, 13},
      {"13_unknown_colour.mermaid.md", 50, 22},
      {"14_unescaped_label.mermaid.md", 49, 10},
      {"15_no_rc.mermaid.md", 49, 16},
      {"16_unknown_name.mermaid.md", 49, 16},
      {"17_bad_subgraph_id.mermaid.md", 65, 10},
      {"18_bad_indent_member.mermaid.md", 68, 1},
      {"19_missing_style.mermaid.md", 71, 1},
      {"20_unclosed_subgraph.mermaid.md", 72, 3},
      {"21_bad_header.mermaid.md", 39, 21},
      {"22_bad_classdef.mermaid.md", 76, 29},
      {"23_missing_footer.mermaid.md", 81, 3},
      {"24_node_out_of_order.mermaid.md", 49, 12},
      {"25_round_not_immutable.mermaid.md", 49, 15},
      {"26_bad_cown_status.mermaid.md", 49, 17},
      {"27_same_address_twice.mermaid.md", 49, 16},
      {"28_duplicate_field.mermaid.md", 51, 10},
      {"29_node_in_two_subgraphs.mermaid.md", 66, 3},
      {"30_not_a_step.mermaid.md", 35, 1},
      {"31_no_localreg.mermaid.md", 64, 1},
      {"32_lrc_too_large.mermaid.md", 45, 19},
      {"33_control_char.mermaid.md", 49, 10},
      {"34_edge_after_subgraphs.mermaid.md", 74, 1},
      {"35_unterminated_shape.mermaid.md", 49, 39},
      {"36_leading_zero.mermaid.md", 49, 14},
      {"37_unterminated_at_eof.mermaid.md", 35, 1},
      {"38_empty_message_then_eof.mermaid.md", 37, 1},
  };
  // clang-format on
  test::check_bad_inputs("mermaid", cases, [](const std::string &p) { read_mermaid_file(p); });
}

} // namespace
} // namespace lungfish::traces
