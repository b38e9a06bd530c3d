// `lungfish diff` end to end, with the model itself as the runtime under test: a check-disabled
// `lungfish run --show mermaid` is a deterministic buggy runtime (docs/differential-testing.md).
#include "traces/diff/diff.h"
#include "traces/replay/replay.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace lungfish::traces {
namespace {

constexpr uint64_t kSeed = 7;
constexpr uint64_t kCount = 120;

std::string model_cmd(const std::string &disabled) {
  std::string cmd = std::string(LUNGFISH_BINARY) + " run --profile frankenscript";
  if (!disabled.empty()) cmd += " --disable-check " + disabled;
  return cmd + " --show mermaid {file}";
}

DiffConfig model_config(const std::string &disabled) {
  DiffConfig c;
  c.cmd = model_cmd(disabled);
  c.count = kCount;
  c.seed = kSeed;
  c.jobs = 2;
  c.keep_dirs = false;
  c.shrink_budget = 100;
  c.ignore_unmapped_errors = true; // the model writes its own error texts, not FrankenScript's
  return c;
}

size_t count_lines(const std::string &text) {
  size_t n = 0;
  for (char ch : text)
    n += ch == '\n';
  return n + (!text.empty() && text.back() != '\n');
}

TEST(Diff, CleanModelFindsNothing) {
  DiffResult r = run_diff(model_config(""));
  EXPECT_EQ(r.programs, kCount);
  EXPECT_TRUE(r.crashes.empty()) << diff_to_text(r);
  EXPECT_TRUE(r.groups.empty()) << diff_to_text(r);
}

class DiffPlanted : public ::testing::TestWithParam<const char *> {};

TEST_P(DiffPlanted, FindsAndShrinksTheDivergence) {
  DiffResult r = run_diff(model_config(GetParam()));
  ASSERT_FALSE(r.groups.empty()) << "no divergence with " << GetParam() << "\n" << diff_to_text(r);
  EXPECT_TRUE(r.crashes.empty()) << diff_to_text(r);
  for (const DiffGroup &g : r.groups) {
    EXPECT_LE(g.statements, 8u) << diff_to_text(r);
    EXPECT_EQ(count_lines(g.program), g.statements) << g.program;
    EXPECT_NE(g.reproduce.find("prog.frank"), std::string::npos);
  }
}

INSTANTIATE_TEST_SUITE_P(Checks, DiffPlanted,
                         ::testing::Values("barrier.has_parent", "write.immutable",
                                           "cown.not_bridge", "move.immutable", "merge.not_parent"),
                         [](const auto &info) {
                           std::string s = info.param;
                           for (char &ch : s)
                             if (ch == '.') ch = '_';
                           return s;
                         });

/// A script runtime, for crashes: `sh SCRIPT {file}`.
std::string script(const std::string &name, const std::string &body) {
  auto dir = std::filesystem::temp_directory_path() / "lungfish-diff-test";
  std::filesystem::create_directories(dir);
  std::string path = (dir / name).string();
  std::ofstream(path) << body;
  return path;
}

TEST(Diff, TimeoutsAndSignalsAreCrashes) {
  DiffConfig c;
  c.count = 2;
  c.timeout_seconds = 0.3;
  c.keep_dirs = false;
  c.cmd = "/bin/sh " + script("sleep.sh", "sleep 5\n") + " {file}";
  DiffResult t = run_diff(c);
  ASSERT_EQ(t.crashes.size(), 2u) << diff_to_text(t);
  EXPECT_EQ(t.crashes[0].reason.rfind("timeout", 0), 0u) << t.crashes[0].reason;
  EXPECT_TRUE(t.groups.empty());

  c.cmd = "/bin/sh " + script("segv.sh", "kill -SEGV $$\n") + " {file}";
  DiffResult s = run_diff(c);
  ASSERT_EQ(s.crashes.size(), 2u) << diff_to_text(s);
  EXPECT_EQ(s.crashes[0].reason.rfind("signal 11", 0), 0u) << s.crashes[0].reason;
  EXPECT_TRUE(t.crashes[0].shrunk_reproduce.empty()); // timeouts are never shrunk

  // A runtime that dies on any program with an assignment: one kind of crash, whose first
  // program is shrunk to a single assignment; the second program of that kind is not shrunk.
  c.cmd = "/bin/sh " +
          script("segv-on-assign.sh", "grep -q '=' \"$1\" && kill -SEGV $$\nexit 0\n") + " {file}";
  DiffResult a = run_diff(c);
  ASSERT_EQ(a.crashes.size(), 2u) << diff_to_text(a);
  EXPECT_FALSE(a.crashes[0].shrunk_reproduce.empty()) << diff_to_text(a);
  EXPECT_EQ(a.crashes[0].shrunk_statements, 1u) << diff_to_text(a);
  EXPECT_NE(a.crashes[0].shrunk.find('='), std::string::npos) << a.crashes[0].shrunk;
  EXPECT_TRUE(a.crashes[1].shrunk_reproduce.empty());
  EXPECT_NE(diff_to_text(a).find("smallest program dying the same way"), std::string::npos);
}

// A runtime that records the steps of a real FrankenScript run whose bridge was freed while its
// region lived, starts the next step and dies (as FrankenScript does after that defect): the
// crash report names what replay found in the complete steps before the signal.
TEST(Diff, CrashReportNamesTheFindingBeforeIt) {
  std::string recording =
      std::string(LUNGFISH_SOURCE_DIR) + "/tests/inputs/mermaid/defects/p18.mermaid.md";
  DiffConfig c;
  c.count = 1;
  c.keep_dirs = false;
  std::string program =
      std::string(LUNGFISH_SOURCE_DIR) + "/tests/inputs/mermaid/defects/p18.frank";
  // (the fake runtime ran p18's program: it puts it where diff keeps the program it ran)
  c.cmd = "/bin/sh " +
          script("headless-then-segv.sh", "cp '" + recording + "' mermaid.md\ncp '" + program +
                                              "' \"$1\"\nprintf '<pre><code>Line 99: "
                                              "x = y</code></pre>\\n' >> mermaid.md\n"
                                              "kill -SEGV $$\n") +
          " {file}";
  DiffResult r = run_diff(c);
  ASSERT_EQ(r.crashes.size(), 1u) << diff_to_text(r);
  const std::string &reason = r.crashes[0].reason;
  EXPECT_EQ(reason.rfind("signal 11", 0), 0u) << reason;
  EXPECT_NE(reason.find("before it: "), std::string::npos) << reason;
  EXPECT_NE(reason.find("bridge freed while its region lives (I7)"), std::string::npos) << reason;
}

// A Debug FrankenScript that fails the assertion of close's early-stopping scan: the abort names
// a known runtime defect, so it is a finding (grouped, shrunk), not an unexplained crash; an
// abort with an unknown message stays a crash, with the message.
TEST(Diff, AbortWithAKnownAssertionIsAFinding) {
  DiffConfig c;
  c.count = 2;
  c.keep_dirs = false;
  c.cmd = "/bin/sh " +
          script("close-assert.sh",
                 "echo 'frankenscript: src/rt/objects/region.cc:355: static void "
                 "rt::objects::Region::clean_lrcs_and_close(rt::objects::Region*): Assertion "
                 "`(!to_close_reg || to_close_reg->is_closed()) && \"The region should be closed "
                 "now\"` failed.' >&2\nkill -ABRT $$\n") +
          " {file}";
  DiffResult r = run_diff(c);
  EXPECT_TRUE(r.crashes.empty()) << diff_to_text(r);
  ASSERT_EQ(r.groups.size(), 1u) << diff_to_text(r);
  EXPECT_EQ(r.groups[0].key.defect, "close stops scanning early (abort)") << diff_to_text(r);

  c.cmd = "/bin/sh " + script("other-assert.sh", "echo 'assert fail: x' >&2\nkill -ABRT $$\n") +
          " {file}";
  DiffResult u = run_diff(c);
  ASSERT_EQ(u.crashes.size(), 2u) << diff_to_text(u);
  EXPECT_NE(u.crashes[0].reason.find("signal 6"), std::string::npos) << u.crashes[0].reason;
  EXPECT_NE(u.crashes[0].reason.find("assert fail: x"), std::string::npos) << u.crashes[0].reason;
}

TEST(Diff, MermaidWrittenInTheDirectoryIsRead) {
  // A runtime that writes mermaid.md in its cwd (as FrankenScript does) and nothing on stdout.
  DiffConfig c = model_config("barrier.has_parent");
  c.count = 60;
  c.cmd = "/bin/sh " +
          script("tofile.sh", std::string(LUNGFISH_BINARY) +
                                  " run --profile frankenscript --disable-check "
                                  "barrier.has_parent --show mermaid \"$1\" > mermaid.md\n") +
          " {file}";
  DiffResult r = run_diff(c);
  EXPECT_TRUE(r.crashes.empty()) << diff_to_text(r);
  EXPECT_FALSE(r.groups.empty()) << diff_to_text(r);
}

TEST(Diff, BadCommands) {
  DiffConfig c;
  c.count = 1;
  c.cmd = "true";
  EXPECT_THROW(run_diff(c), std::invalid_argument); // no {file}
  c.cmd = "/nonexistent/runtime {file}";
  EXPECT_THROW(run_diff(c), std::invalid_argument);
}

TEST(Diff, CliJsonAndExitCodes) {
  std::string cmd = std::string(LUNGFISH_BINARY) + " diff --runtime frankenscript --cmd '" +
                    model_cmd("write.immutable") + "' --count 30 --seed 7 --jobs 2 --json";
  FILE *p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;)
    out.append(buf, n);
  int status = pclose(p);
  // With --json, stdout is one JSON object (the seed line goes to stderr).
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["seed"], 7);
  EXPECT_EQ(j["programs"], 30);
  ASSERT_FALSE(j["divergences"].empty()) << out;
  EXPECT_TRUE(j["divergences"][0].contains("reproduce"));
  EXPECT_EQ(WEXITSTATUS(status), 1);
}

} // namespace
} // namespace lungfish::traces

namespace lungfish::traces {
namespace {

// --keep: every run is kept as a user has it (program, log, recording), and replaying what was
// kept flags exactly the programs diff flagged, with the same defect.
TEST(Diff, KeptRunsReplayWithDiffsVerdicts) {
  std::filesystem::path keep =
      std::filesystem::temp_directory_path() / ("lungfish_diff_keep_" + std::to_string(::getpid()));
  DiffConfig c = model_config("barrier.has_parent");
  c.keep_all = keep.string();
  c.count = 60;
  c.shrink_budget = 0;
  c.ignore_unmapped_errors = false;
  DiffResult r = run_diff(c);
  std::ifstream index(keep / "index.tsv");
  ASSERT_TRUE(index) << "no index.tsv";
  size_t rows = 0, flagged = 0;
  for (std::string line; std::getline(index, line);) {
    if (line.empty() || line[0] == '#') continue;
    ++rows;
    std::istringstream f(line);
    std::string i, verdict, kind, defect;
    std::getline(f, i, '\t');
    std::getline(f, verdict, '\t');
    std::getline(f, kind, '\t');
    std::getline(f, defect, '\t');
    char name[32];
    std::snprintf(name, sizeof name, "%06d", std::stoi(i));
    ReplayFiles files;
    files.trace = (keep / name / "mermaid.md").string();
    files.profile = "frankenscript";
    ReplayReport rep = replay_files(files, ReplayOptions{});
    EXPECT_TRUE(rep.followed_program) << name;
    if (verdict == "clean") {
      EXPECT_TRUE(rep.clean()) << name << "\n" << report_to_text(rep);
    } else if (verdict == "finding") {
      ++flagged;
      EXPECT_FALSE(rep.clean()) << name;
      std::string first;
      // diff names a program by its first finding; replay's report has it first by event.
      uint32_t best = UINT32_MAX;
      for (const auto &d : rep.divergences)
        if (d.event < best) best = d.event, first = d.defect.value_or("unclassified");
      for (const auto &v : rep.violations)
        if (v.event < best) best = v.event, first = v.defect.value_or("unclassified");
      EXPECT_EQ(first, defect) << name << "\n" << report_to_text(rep);
    }
  }
  EXPECT_EQ(rows, r.programs);
  EXPECT_GT(flagged, 0u) << "with barrier.has_parent off some programs diverge";
  std::filesystem::remove_all(keep);
}

// Behaviours (FrankenScript's pldi27): every program has a `when`, the runtime's prompts are
// answered from schedule.txt (derived from the seed), which the reproduction line feeds again.
TEST(Diff, BehavioursAreAnsweredFromASchedule) {
  std::string a = schedule_answers(11), b = schedule_answers(11), other = schedule_answers(12);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, other);
  EXPECT_EQ(count_lines(a), 4096u);
  EXPECT_NE(a.find("0\n"), std::string::npos);
  EXPECT_NE(a.find("1\n"), std::string::npos);
  EXPECT_EQ(a.find_first_not_of("012\n"), std::string::npos);

  // The runtime reads its answers on stdin: this one prints the first two as its recording.
  DiffConfig c;
  c.count = 3;
  c.behaviours = true;
  c.keep_dirs = false;
  c.cmd = "/bin/sh " + script("answers.sh", "head -n 2\nexit 0\n") + " {file}";
  DiffResult r = run_diff(c);
  ASSERT_EQ(r.crashes.size(), 3u) << diff_to_text(r); // what it printed is no recording
  for (const DiffCrash &cr : r.crashes) {
    EXPECT_NE(cr.program.find("when ("), std::string::npos) << cr.program;
    EXPECT_NE(cr.reproduce.find(" < schedule.txt"), std::string::npos) << cr.reproduce;
    std::string dir = cr.reproduce.substr(3, cr.reproduce.find(" &&") - 3);
    std::ifstream in(dir + "/stdout.txt");
    std::string first, second;
    std::getline(in, first);
    std::getline(in, second);
    std::ifstream fed(dir + "/schedule.txt");
    std::string f1, f2;
    std::getline(fed, f1);
    std::getline(fed, f2);
    EXPECT_EQ(first + second, f1 + f2);
    std::filesystem::remove_all(dir);
  }
}

TEST(Diff, ARuntimePromptingForEverIsCutOff) {
  // pldi27 at the end of its answers asks again for ever (about 8 MB/s): the output cap stops
  // it long before the timeout (the crash's reason says which of the two stopped it).
  DiffConfig c;
  c.count = 1;
  c.behaviours = true;
  c.keep_dirs = false;
  c.max_output_bytes = 1u << 20;
  c.timeout_seconds = 30;
  c.cmd = "/bin/sh " + script("prompt.sh", "yes '> Available behaviors:'\n") + " {file}";
  DiffResult r = run_diff(c);
  ASSERT_EQ(r.crashes.size(), 1u) << diff_to_text(r);
  EXPECT_EQ(r.crashes[0].reason.rfind("output over 1 MB", 0), 0u) << r.crashes[0].reason;
  std::string dir = r.crashes[0].reproduce.substr(3, r.crashes[0].reproduce.find(" &&") - 3);
  std::filesystem::remove_all(dir);
}

} // namespace
} // namespace lungfish::traces
