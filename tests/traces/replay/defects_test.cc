// Real FrankenScript recordings of the defect probes: replay names each defect and leaves no
// finding unclassified (tests/inputs/mermaid/defects/README.md).
#include "traces/replay/replay.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

namespace lungfish::traces {
namespace {

struct Expected {
  const char *probe;
  const char *defect;
  const char *runtime_outcome;
};

constexpr Expected kProbes[] = {
    {"p7b", "cown status latch not updated (I13)", "ok"},
    {"p9", "stale SBRC after merge (I9)", "ok"},
    {"p10b", "stale SBRC after freeze (I9)", "ok"},
    {"p10c", "cown status latch not updated (I13)", "ok"},
    {"p11", "LRC recount double-counts (I8)", "ok"},
    {"p13b", "leak at exit (I20)", "leak"},
    {"p14", "fake bridge by prototype (I7)", "ok"},
    {"p15", "stale SBRC after implicit freeze (I9)", "ok"},
    {"p17", "merge leaves the sink dirty", "ok"},
    {"p18", "bridge freed while its region lives (I7)", "E_OTHER_REGION"},
    {"diff-close-left", "close stops scanning early (references left)", "ok"},
    {"diff-bridge-rc", "bridge freed by its reference count (region collected early)", "ok"},
};

class DefectProbe : public testing::TestWithParam<Expected> {};

TEST_P(DefectProbe, ReplayNamesTheDefect) {
  const Expected &e = GetParam();
  std::string path =
      std::string(LUNGFISH_SOURCE_DIR) + "/tests/inputs/mermaid/defects/" + e.probe + ".mermaid.md";
  auto source = open_frankenscript_source(path);
  ReplayOptions o;
  o.profile = Profile::Frankenscript;
  ReplayReport r = replay_stream(*source, o, e.probe);
  r.runtime_outcome = frankenscript_run_outcome(
      path, r.runtime_outcome == "ok" || r.runtime_outcome == "leak" ? "" : r.runtime_outcome);
  EXPECT_EQ(r.runtime_outcome, e.runtime_outcome);
  ASSERT_FALSE(r.clean()) << "a buggy run never replays clean";
  auto defects = r.defects();
  ASSERT_FALSE(defects.empty()) << report_to_text(r);
  EXPECT_EQ(defects.front(), e.defect) << report_to_text(r);
  for (const auto &d : r.divergences)
    EXPECT_TRUE(d.defect) << d.detail;
  for (const auto &v : r.violations)
    EXPECT_TRUE(v.defect) << v.rendered;
}

INSTANTIATE_TEST_SUITE_P(Probes, DefectProbe, testing::ValuesIn(kProbes),
                         [](const testing::TestParamInfo<Expected> &info) {
                           std::string name = info.param.probe;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

} // namespace
} // namespace lungfish::traces
