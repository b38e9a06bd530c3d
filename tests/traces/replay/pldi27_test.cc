// FrankenScript's pldi27 branch (behaviours): our `when` probes' recordings
// (tests/inputs/frankenscript-pldi27), replayed as a user has them, get the verdicts of
// verdicts.tsv, every finding named; so do the branch's own `when` tests from the shared corpus.
#include "traces/replay/defects.h"
#include "traces/replay/replay.h"

#include "tests/traces/trace_test_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace lungfish::traces {
namespace {

namespace fs = std::filesystem;

struct Row {
  std::string name, verdict, runtime_outcome, followed, what;
};

std::vector<Row> read_rows(const fs::path &p) {
  std::vector<Row> out;
  std::ifstream in(p);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream f(line);
    Row r;
    std::getline(f, r.name, '\t');
    std::getline(f, r.verdict, '\t');
    std::getline(f, r.runtime_outcome, '\t');
    std::getline(f, r.followed, '\t');
    std::getline(f, r.what, '\t');
    out.push_back(r);
  }
  return out;
}

const fs::path kProbes = fs::path(LUNGFISH_SOURCE_DIR) / "tests/inputs/frankenscript-pldi27";

TEST(ReplayPldi27, EveryProbeGetsTheVerdictOfTheTable) {
  auto rows = read_rows(kProbes / "verdicts.tsv");
  ASSERT_EQ(rows.size(), 23u);
  std::set<std::string> named;
  for (const Row &row : rows) {
    SCOPED_TRACE(row.name + ": " + row.what);
    ReplayFiles f;
    f.trace = (kProbes / row.name / "mermaid.md").string();
    ReplayReport r = replay_files(f, ReplayOptions{});
    ASSERT_EQ(r.inputs.size(), 3u) << "the log and the program are found beside mermaid.md";
    EXPECT_EQ(r.followed_program, row.followed == "yes") << report_to_text(r);
    EXPECT_EQ(r.modelled + r.opaque + r.unjudged + r.other, r.events);
    EXPECT_EQ(r.runtime_outcome, row.runtime_outcome) << report_to_text(r);
    if (row.verdict == "clean") {
      EXPECT_TRUE(r.clean()) << report_to_text(r);
      if (r.followed_program) EXPECT_EQ(r.unjudged, 0u) << report_to_text(r);
      continue;
    }
    ASSERT_EQ(row.verdict.rfind("defect:", 0), 0u);
    auto defects = r.defects();
    ASSERT_FALSE(defects.empty()) << report_to_text(r);
    EXPECT_EQ(defects.front(), row.verdict.substr(7)) << report_to_text(r);
    named.insert(defects.front());
    for (const auto &d : r.divergences)
      EXPECT_TRUE(d.defect) << d.detail;
    for (const auto &v : r.violations)
      EXPECT_TRUE(v.defect) << v.rendered;
  }
  // Every behaviour defect replay knows has a probe here.
  for (const std::string &d : behaviour_defects())
    EXPECT_TRUE(named.count(d)) << d << " has no probe in verdicts.tsv";
}

TEST(ReplayPldi27, TheScheduleComesFromTheLog) {
  // when_overtake: the log's prompts list [1, 3], then [3, 2] (behaviour 3 overtook 2): replay
  // follows that order. Without the log it would take the earliest behaviour of the `when` at
  // the `(Enter)`'s line, which is the same here; with a log that lies about the choice, the
  // `(Enter)`'s line wins.
  ReplayFiles f;
  f.trace = (kProbes / "when_overtake" / "mermaid.md").string();
  ReplayReport r = replay_files(f, ReplayOptions{});
  // (At the first prompt behaviour 3 is already offered beside 1: a finding of its own.)
  ASSERT_EQ(r.divergences.size(), 2u) << report_to_text(r);
  EXPECT_NE(r.divergences[0].detail.find("offers behaviour 3"), std::string::npos)
      << r.divergences[0].detail;
  EXPECT_EQ(r.divergences[1].kind, "schedule");
  EXPECT_NE(r.divergences[1].detail.find("starts behaviour 3"), std::string::npos)
      << r.divergences[1].detail;
}

TEST(ReplayPldi27, ABehaviourOfferedTooEarlyIsAFindingWhateverTheChoice) {
  // when_overtake_offered: the user answered so that the three behaviours on c ran in spawn
  // order, which the semantics allows; but the log lists behaviour 3 as ready while 1 runs.
  ReplayFiles f;
  f.trace = (kProbes / "when_overtake_offered" / "mermaid.md").string();
  ReplayReport r = replay_files(f, ReplayOptions{});
  EXPECT_EQ(r.runtime_outcome, "ok");
  ASSERT_EQ(r.divergences.size(), 1u) << report_to_text(r);
  EXPECT_EQ(r.divergences[0].kind, "schedule");
  EXPECT_NE(r.divergences[0].detail.find("offers behaviour 3"), std::string::npos)
      << r.divergences[0].detail;
  EXPECT_EQ(r.divergences[0].defect.value_or(""), std::string(pldi27::kOvertake));
  EXPECT_EQ(r.unjudged, 0u) << "the run is followed to its end: " << report_to_text(r);
}

TEST(ReplayPldi27, WithoutTheLogTheChoiceIsNotKnownAndTheCownsTell) {
  // when_loop_choice: one `when` in a loop spawns behaviour 1 on c1 and 2 on c2; the user
  // answered 1 at the first prompt, so 2 ran first. With the log, replay starts 2 and the run is
  // clean; without it, replay starts the earliest behaviour of that `when` (1), and the cown
  // the runtime's frame holds is the model's other one: a finding, seen by identity alone (the
  // two regions look alike).
  const fs::path dir = kProbes / "when_loop_choice";
  ReplayFiles f;
  f.trace = (dir / "mermaid.md").string();
  ReplayReport with_log = replay_files(f, ReplayOptions{});
  ASSERT_EQ(with_log.inputs.size(), 3u);
  EXPECT_TRUE(with_log.clean()) << report_to_text(with_log);

  fs::path alone = fs::temp_directory_path() / ("lungfish-pldi27-" + std::to_string(getpid()));
  fs::create_directories(alone);
  fs::copy_file(dir / "mermaid.md", alone / "mermaid.md", fs::copy_options::overwrite_existing);
  ReplayFiles g;
  g.trace = (alone / "mermaid.md").string();
  g.program = (dir / "when_loop_choice.frank").string();
  ReplayReport without = replay_files(g, ReplayOptions{});
  fs::remove_all(alone);
  EXPECT_TRUE(without.followed_program);
  ASSERT_FALSE(without.divergences.empty()) << report_to_text(without);
  EXPECT_EQ(without.divergences[0].kind, "snapshot");
  EXPECT_NE(without.divergences[0].detail.find("identity at frame.v"), std::string::npos)
      << without.divergences[0].detail;
  EXPECT_FALSE(without.divergences[0].defect) << "not a runtime defect: replay guessed";
}

TEST(ReplayPldi27, AnErrorThenACutDiagramIsACrash) {
  // pldi27 can die while drawing the diagram of the error it has just printed (a use after free
  // found by `diff`, exit 139). The log then ends with `Error: ...` and no exit code is kept:
  // the cut recording says the runtime died; that is a finding, not an unreadable recording.
  const fs::path dir = kProbes / "when_error_in_body";
  fs::path cut = fs::temp_directory_path() / ("lungfish-pldi27-cut-" + std::to_string(getpid()));
  fs::create_directories(cut);
  fs::copy_file(dir / "when_error_in_body.out", cut / "when_error_in_body.out",
                fs::copy_options::overwrite_existing);
  fs::copy_file(dir / "when_error_in_body.frank", cut / "when_error_in_body.frank",
                fs::copy_options::overwrite_existing);
  {
    std::ifstream in(dir / "mermaid.md");
    std::ofstream out(cut / "mermaid.md");
    std::string line;
    for (int n = 1; n <= 190 && std::getline(in, line); ++n) // inside the error's diagram
      out << line << "\n";
  }
  ReplayFiles f;
  f.trace = (cut / "mermaid.md").string();
  ReplayReport r = replay_files(f, ReplayOptions{});
  fs::remove_all(cut);
  EXPECT_EQ(r.runtime_outcome, "crash") << report_to_text(r);
  ASSERT_FALSE(r.divergences.empty()) << report_to_text(r);
  EXPECT_NE(r.divergences.back().detail.find("it printed `Error: the field `missing`"),
            std::string::npos)
      << r.divergences.back().detail;

  // The whole recording: the error is how the run ended, as the table says.
  f.trace = (dir / "mermaid.md").string();
  EXPECT_EQ(replay_files(f, ReplayOptions{}).runtime_outcome, "E_UNDEFINED");
}

TEST(ReplayPldi27, ReversedBindingIsSeenByIdentityAlone) {
  // Two empty regions: the snapshots are equal up to renaming; only the bridges' addresses say
  // that the runtime bound c1 to c2's cown.
  ReplayFiles f;
  f.trace = (kProbes / "when_two_same_shape" / "mermaid.md").string();
  ReplayReport r = replay_files(f, ReplayOptions{});
  ASSERT_FALSE(r.divergences.empty()) << report_to_text(r);
  EXPECT_NE(r.divergences[0].detail.find("identity at frame.c1.value"), std::string::npos)
      << r.divergences[0].detail;
  EXPECT_EQ(r.divergences[0].defect.value_or(""), std::string(pldi27::kReversed));
}

TEST(ReplayPldi27, TheBranchsOwnWhenTestsGetTheirVerdicts) {
  // The shared corpus keeps the recordings of pldi27's tests/example_1 and tests/exprs/when
  // (their programs are the runtime's, not kept here). Without the program the behaviours'
  // statements are not judged: example_1 has no finding; exprs/when's `when ():` body reads c1,
  // a variable of main it does not capture (the log names it), the capture defect.
  std::string dir = test::corpus_dir() + "/frankenscript-pldi27";
  if (!fs::exists(dir)) GTEST_SKIP() << "shared corpus not found at " << dir;
  ReplayFiles f;
  f.trace = dir + "/tests__example_1.mermaid.md";
  ReplayReport r = replay_files(f, ReplayOptions{});
  EXPECT_TRUE(r.clean()) << report_to_text(r);
  EXPECT_GT(r.unjudged, 0u);
  f.trace = dir + "/tests__exprs__when.mermaid.md";
  r = replay_files(f, ReplayOptions{});
  EXPECT_EQ(r.runtime_outcome, "E_UNDEFINED");
  ASSERT_EQ(r.divergences.size(), 1u) << report_to_text(r);
  EXPECT_EQ(r.divergences[0].defect.value_or(""), std::string(pldi27::kNoCaptures));
  EXPECT_NE(r.divergences[0].detail.find("`c1`"), std::string::npos) << r.divergences[0].detail;
}

} // namespace
} // namespace lungfish::traces
