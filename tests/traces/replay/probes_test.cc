// The probe programs' recordings (tests/inputs/frankenscript-probes), replayed as a user has
// them: mermaid.md with the raw log and the program beside it. Each gets the verdict of
// verdicts.tsv, with the program followed, nothing left unjudged and every finding named.
#include "traces/replay/replay.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace lungfish::traces {
namespace {

namespace fs = std::filesystem;

struct Row {
  std::string build, name, verdict, runtime_outcome, what;
};

std::vector<Row> read_rows(const fs::path &p) {
  std::vector<Row> out;
  std::ifstream in(p);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream f(line);
    Row r;
    std::getline(f, r.build, '\t');
    std::getline(f, r.name, '\t');
    std::getline(f, r.verdict, '\t');
    std::getline(f, r.runtime_outcome, '\t');
    std::getline(f, r.what, '\t');
    out.push_back(r);
  }
  return out;
}

const fs::path kProbes = fs::path(LUNGFISH_SOURCE_DIR) / "tests/inputs/frankenscript-probes";

TEST(ReplayProbes, EveryRecordingGetsTheVerdictOfTheTable) {
  auto rows = read_rows(kProbes / "verdicts.tsv");
  ASSERT_EQ(rows.size(), 90u) << "45 probes, two builds";
  size_t findings = 0, judged_failures = 0;
  for (const Row &row : rows) {
    SCOPED_TRACE(row.build + "/" + row.name + ": " + row.what);
    ReplayFiles f;
    f.trace = (kProbes / row.build / row.name / "mermaid.md").string();
    ReplayReport r = replay_files(f, ReplayOptions{});
    ASSERT_EQ(r.inputs.size(), 3u) << "the log and the program are found beside mermaid.md";
    EXPECT_TRUE(r.followed_program);
    EXPECT_EQ(r.unjudged, 0u) << report_to_text(r);
    EXPECT_EQ(r.modelled + r.opaque + r.unjudged + r.other, r.events);
    EXPECT_EQ(r.runtime_outcome, row.runtime_outcome) << report_to_text(r);
    if (row.verdict == "clean") {
      EXPECT_TRUE(r.clean()) << report_to_text(r);
      judged_failures += row.runtime_outcome != "ok";
      continue;
    }
    ASSERT_EQ(row.verdict.rfind("defect:", 0), 0u);
    ++findings;
    auto defects = r.defects();
    ASSERT_FALSE(defects.empty()) << report_to_text(r);
    EXPECT_EQ(defects.front(), row.verdict.substr(7)) << report_to_text(r);
    for (const auto &d : r.divergences)
      EXPECT_TRUE(d.defect) << d.detail;
    for (const auto &v : r.violations)
      EXPECT_TRUE(v.defect) << v.rendered;
  }
  EXPECT_GT(findings, 0u);
  EXPECT_GT(judged_failures, 0u); // rejections the model judged the same
}

TEST(ReplayProbes, WithoutTheProgramFailuresAreNotJudged) {
  // The same recording without its program: the rejected statement is counted as not judged,
  // and a crash is still a finding.
  fs::path tmp = fs::temp_directory_path() / ("lungfish_probe_" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  for (const char *name : {"reject_in_function", "proto_cycle"}) {
    fs::path from = kProbes / "release" / name;
    fs::copy_file(from / "mermaid.md", tmp / "mermaid.md", fs::copy_options::overwrite_existing);
    fs::copy_file(from / (std::string(name) + ".out"), tmp / "mermaid.out",
                  fs::copy_options::overwrite_existing);
    ReplayFiles f;
    f.trace = (tmp / "mermaid.md").string();
    ReplayReport r = replay_files(f, ReplayOptions{});
    EXPECT_FALSE(r.followed_program);
    EXPECT_EQ(r.inputs.size(), 2u);
    if (std::string(name) == "proto_cycle") {
      EXPECT_FALSE(r.clean()) << report_to_text(r);
      EXPECT_EQ(r.runtime_outcome, "crash");
    } else {
      EXPECT_TRUE(r.clean()) << report_to_text(r);
      EXPECT_EQ(r.unjudged, 1u) << report_to_text(r);
      EXPECT_NE(report_to_text(r).find("not judged: "), std::string::npos) << report_to_text(r);
    }
  }
  fs::remove_all(tmp);
}

} // namespace
} // namespace lungfish::traces
