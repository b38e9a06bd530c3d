// Issue 18, "every line a user copies, pastes or parses is exact", through the binary as a user
// types it: the printed reproduce lines run from another directory with the same verdict, a
// freed object's use is reported at its statement, a vacuous verify pair is not unknown, numbers
// are validated, --help shows the defaults, --json is one object with one envelope, errors
// included, and --junit writes one testcase per unit.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

struct Result {
  int code = -1;
  std::string out, err;
};

std::string slurp(const fs::path &p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ExactOutput : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("lungfish_exact_test_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "a");
    fs::create_directories(dir_ / "b");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string &name, const std::string &text) {
    fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }

  /// Runs `command` with sh in dir_/`where` with a PATH without lungfish (as after the README's
  /// set-up): the lines lungfish prints must run there as printed.
  Result shell(const std::string &command, const std::string &where = "a") {
    fs::path out = dir_ / "stdout.txt", err = dir_ / "stderr.txt";
    std::string cmd = "cd " + (dir_ / where).string() + " && env PATH=/usr/bin:/bin sh -c '" +
                      command + "' >" + out.string() + " 2>" + err.string() + " </dev/null";
    int status = std::system(cmd.c_str());
    Result r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
  }
  Result run(const std::string &args, const std::string &where = "a") {
    return shell(std::string(LUNGFISH_BINARY) + " " + args, where);
  }

  /// The text after `prefix` on the first line that starts with it ("" if none).
  static std::string line_after(const std::string &text, const std::string &prefix) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
      if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
    return "";
  }

  fs::path dir_;
};

// Item 3: an operation not enabled within the bound is `vacuous`, which is neither unknown nor
// a failure: exit 0, `v` in the table, "vacuous" in the JSON.
TEST_F(ExactOutput, VacuousVerifyPairIsNotUnknown) {
  const std::string args =
      "verify --objects 2 --regions 1 --fields 2 --steps 2 --only-op read --only-op new";
  Result text = run(args);
  EXPECT_EQ(text.code, 0) << text.out << text.err;
  const std::regex all_vacuous("\nread( +v){15} ");
  EXPECT_TRUE(std::regex_search(text.out, all_vacuous)) << text.out;
  EXPECT_NE(text.out.find("reachable in 1 statement\n"), std::string::npos) << text.out;
  Result json = run(args + " --json");
  EXPECT_EQ(json.code, 0) << json.err;
  Json j = Json::parse(json.out);
  EXPECT_EQ(j["outcome"], "ok");
  size_t vacuous = 0;
  for (const Json &r : j["results"])
    vacuous += r["verdict"] == "vacuous";
  EXPECT_EQ(vacuous, 15u) << json.out;
}

} // namespace

namespace {

// Item 1: each campaign's `reproduce:` line, run as printed from another directory where
// `lungfish` is not on PATH, names the same line and invariant and exits 1 (a violation).
TEST_F(ExactOutput, ReproduceLinesRunAsPrintedFromAnotherDirectory) {
  struct Case {
    std::string args, prefix;
    int code; // of the campaign: a killed mutant is a success
  };
  const Case cases[] = {
      {"check --seed 42 --count 2000 --disable-check barrier.has_parent --save-failures saved",
       "reproduce: ", 1},
      {"enumerate --depth 3 --disable-check dissolve.child --save-failures saved",
       "reproduce: ", 1},
      {"mutants --only cown.not_bridge --budget-programs 2000 --no-z3 --out-dir saved", "    ", 0},
  };
  for (const Case &c : cases) {
    Result campaign = run(c.args);
    ASSERT_EQ(campaign.code, c.code) << c.args << "\n" << campaign.out << campaign.err;
    std::string line = line_after(campaign.out, c.prefix);
    ASSERT_NE(line.find(" run "), std::string::npos) << c.args << "\n" << campaign.out;
    Result again = shell(line, "b");
    EXPECT_EQ(again.code, 1) << line << "\n" << again.out << again.err;
    // check and enumerate print the failing line; mutants the invariant.
    std::string failing = line_after(campaign.out, "failing line: ");
    if (!failing.empty()) {
      std::string n = failing.substr(0, failing.find(' '));
      EXPECT_NE(again.out.find(".lf:" + n + ":1: violation"), std::string::npos) << line << "\n"
                                                                                 << again.out;
      std::string invariant = line_after(campaign.out, "FAILED: invariant ");
      if (invariant.empty()) invariant = line_after(campaign.out, "VIOLATION ");
      invariant = invariant.substr(0, invariant.find(' '));
      EXPECT_NE(again.out.find("): " + invariant + " ("), std::string::npos) << invariant << "\n"
                                                                             << again.out;
    } else {
      EXPECT_NE(again.out.find("): I3 ("), std::string::npos) << again.out;
    }
  }
}

// Item 5: --junit writes one testcase per program group, mutant or (operation, invariant)
// pair, with the failure and its reproduce line.
TEST_F(ExactOutput, JUnitHasOneTestcasePerUnit) {
  Result check = run("check --seed 42 --count 2000 --disable-check barrier.has_parent "
                     "--save-failures saved --junit check.xml");
  ASSERT_EQ(check.code, 1) << check.err;
  std::string xml = slurp(dir_ / "a" / "check.xml");
  EXPECT_NE(xml.find("<testsuite name=\"lungfish check --seed 42\" tests=\"2\" failures=\"1\""),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<failure message=\"invariant I12 in program #420 (biased"), std::string::npos)
      << xml;
  EXPECT_NE(xml.find("reproduce: "), std::string::npos) << xml;
  // Item 11: the saved failure is rerun first and counted apart: programs is --count.
  Result again = run("check --count 50 --save-failures saved --json");
  ASSERT_EQ(again.code, 0) << again.out << again.err;
  Json j = Json::parse(again.out);
  EXPECT_EQ(j["programs"], 50) << again.out;
  EXPECT_EQ(j["saved_rerun"], 1) << again.out;
  EXPECT_TRUE(j.contains("rejected_runs") && j.contains("accepted_statements")) << again.out;
  Result verify = run("verify --objects 2 --regions 1 --fields 2 --steps 2 --only-op read "
                      "--junit v.xml");
  ASSERT_EQ(verify.code, 0) << verify.err;
  xml = slurp(dir_ / "a" / "v.xml");
  EXPECT_NE(xml.find("tests=\"15\" failures=\"0\" errors=\"0\" skipped=\"15\""), std::string::npos)
      << xml;
  EXPECT_NE(xml.find("name=\"read / I1\">\n      <skipped message=\"vacuous: "), std::string::npos)
      << xml;
}

// Item 5: every command's --json is one object with the envelope (command, version, seed,
// outcome), usage errors and bad programs included.
TEST_F(ExactOutput, JsonReportsShareOneEnvelope) {
  write("a/ok.lf", "r = Region()\n");
  write("a/bad.lf", "r = = Region()\n");
  struct Case {
    std::string args, command, outcome;
    int code;
  };
  const Case cases[] = {
      {"run ok.lf --json", "run", "ok", 0},
      {"run bad.lf --json", "run", "error", 2},
      {"check --count 50 --json --save-failures saved", "check", "ok", 0},
      {"check --count -1 --json", "check", "error", 2},
      {"enumerate --depth 2 --json --save-failures saved", "enumerate", "ok", 0},
      {"verify --objects 2 --regions 1 --fields 2 --steps 2 --only-op new --json", "verify", "ok",
       0},
      {"mutants --only cown.not_bridge --budget-programs 2000 --no-z3 --out-dir m --json",
       "mutants", "ok", 0},
  };
  for (const Case &c : cases) {
    Result r = run(c.args);
    EXPECT_EQ(r.code, c.code) << c.args << "\n" << r.out << r.err;
    Json j;
    ASSERT_NO_THROW(j = Json::parse(r.out)) << c.args << "\n" << r.out;
    EXPECT_EQ(j["command"], c.command) << c.args;
    EXPECT_EQ(j["outcome"], c.outcome) << c.args;
    EXPECT_TRUE(j["version"].is_string()) << c.args;
    EXPECT_TRUE(j.contains("seed")) << c.args;
    if (c.outcome == "error") EXPECT_TRUE(j["error"]["message"].is_string()) << c.args;
  }
}

} // namespace

namespace {

// Item 4: numbers are whole, in range and never clamped, with a short message and exit 2;
// --version works; --help shows every default.
TEST_F(ExactOutput, NumbersAreValidatedAndHelpShowsDefaults) {
  struct Case {
    std::string args, message;
  };
  const Case bad[] = {
      {"check --count -1", "--count: '-1' is not a whole number >= 0"},
      {"check --seed abc", "--seed: 'abc' is not a whole number >= 0"},
      {"check --seed 18446744073709551616",
       "--seed: '18446744073709551616' is out of range (at most 18446744073709551615)"},
      {"check --max-size 1e3", "--max-size: '1e3' is not a whole number >= 0"},
  };
  for (const Case &c : bad) {
    Result r = run(c.args);
    EXPECT_EQ(r.code, 2) << c.args;
    EXPECT_EQ(r.err.rfind(c.message + "\n", 0), 0u) << c.args << "\n" << r.err;
    EXPECT_LT(r.err.size(), 200u) << "a short message: " << r.err;
  }
  Result v = run("--version");
  EXPECT_EQ(v.code, 0) << v.err;
  EXPECT_EQ(v.out.rfind("lungfish 0.", 0), 0u) << v.out;
  const std::pair<std::string, std::string> defaults[] = {
      {"check", "--count UINT=1000"},      {"check", "--max-size K=20"},
      {"check", "--seed UINT=0"},          {"enumerate", "--depth D=4"},
      {"enumerate", "--objects UINT=3"},   {"verify", "--steps K=3"},
      {"verify", "--solver-timeout S=60"}, {"diff", "--count UINT=100"},
      {"mutants", "--seed S=0"},           {"paper", "--seed S=0"},
      {"run", "--max-steps N=10000000"},   {"replay", "--max-steps UINT=0"},
  };
  for (const auto &[command, shown] : defaults) {
    Result h = run(command + " --help");
    EXPECT_NE(h.out.find(shown), std::string::npos) << command << " --help lacks " << shown << "\n"
                                                    << h.out;
  }
}

} // namespace

namespace {

// Item 2: a freed object used inside a statement is reported at that statement (the JSON's
// line too), and --show text shows the broken state under it.
TEST_F(ExactOutput, FreedUseIsReportedAtItsStatement) {
  write("a/w.lf", "a = {}\nfreeze(a)\na.f = Region()\n");
  Result r = run("run w.lf --disable-check write.immutable");
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_EQ(r.out.rfind("w.lf:3:1: violation (", 0), 0u) << r.out;
  Result j = run("run --json w.lf --disable-check write.immutable");
  EXPECT_EQ(j.code, 1);
  EXPECT_EQ(Json::parse(j.out)["violations"][0]["line"], 3) << j.out;
  Result shown = run("run --show text w.lf --disable-check write.immutable");
  EXPECT_NE(shown.out.find("a.f = Region()"), std::string::npos) << shown.out;
}

// Items 8 and 11: a program that never ends stops at the default step limit and says how to
// raise it; `run -` reads the program from stdin; --schedules all says how many interleavings
// it explored.
TEST_F(ExactOutput, RunStopsByDefaultReadsStdinAndCountsSchedules) {
  write("a/forever.lf", "x = {}\nwhile x == x:\n    y = {}\n    drop y\n");
  Result forever = run("run forever.lf");
  EXPECT_EQ(forever.code, 3) << forever.out << forever.err;
  EXPECT_NE(forever.err.find("a longer run needs --max-steps N (0: no limit)"), std::string::npos)
      << forever.err;
  Result in =
      shell("printf \"r = Region()\\nx = r.f\\n\" | " + std::string(LUNGFISH_BINARY) + " run -");
  EXPECT_EQ(in.code, 4) << in.out << in.err;
  EXPECT_EQ(in.out.rfind("<stdin>:2:", 0), 0u) << in.out;
  write("a/two.lf", "r = Region()\na = Cown(move r)\ns = Region()\nb = Cown(move s)\n"
                    "when (a):\n    x = {}\nwhen (b):\n    y = {}\n");
  Result all = run("run --schedules all two.lf");
  EXPECT_EQ(all.code, 0) << all.out << all.err;
  EXPECT_NE(all.out.find("schedules explored: 6\n"), std::string::npos) << all.out << all.err;
  // The main program ended: its thread is done in the final state, not running.
  Result j = run("run --json two.lf");
  EXPECT_EQ(Json::parse(j.out)["state"]["threads"][0]["status"], "done") << j.out;
}

} // namespace

namespace {

// docs/cli.md is current: every flag each subcommand's --help lists appears in it, in the
// command's row or section.
TEST_F(ExactOutput, EveryHelpFlagIsInDocsCli) {
  const std::string doc = slurp(fs::path(LUNGFISH_SOURCE_DIR) / "docs" / "cli.md");
  const std::regex flag("^\\s+(--[a-z][a-z0-9-]*)");
  size_t seen = 0;
  for (const char *command : {"run", "check", "enumerate", "verify", "replay", "diff", "mutants",
                              "paper", "merge", "bench"}) {
    // The command's part of the page: its `## lungfish CMD` section or its table row.
    std::string part;
    size_t section = doc.find("## `lungfish " + std::string(command));
    if (section != std::string::npos)
      part = doc.substr(section, doc.find("\n## ", section + 1) - section);
    size_t row = doc.find("| `" + std::string(command));
    if (row != std::string::npos) part += doc.substr(row, doc.find('\n', row) - row);
    part += doc.substr(doc.find("## Campaigns on every core")); // --jobs, --shard, --progress
    Result h = run(std::string(command) + " --help");
    ASSERT_EQ(h.code, 0) << command;
    std::istringstream lines(h.out);
    for (std::string line; std::getline(lines, line);) {
      std::smatch m;
      if (!std::regex_search(line, m, flag) || m[1] == "--help") continue;
      ++seen;
      EXPECT_NE(part.find("`" + m[1].str()), std::string::npos)
          << "docs/cli.md does not document " << command << " " << m[1];
    }
  }
  EXPECT_GT(seen, 60u);
}

} // namespace

namespace {

// Item 6: --show dot|tikz writes one picture per file (--out-dir) or one step (--step N,
// --last), and a DOT picture is titled with the statement it shows.
TEST_F(ExactOutput, ShowWritesOneStepOrOneFilePerStep) {
  write("a/p.lf", "a = Region()\nb = {}\nfreeze(b)\n");
  Result last = run("run --show dot --last p.lf");
  EXPECT_EQ(last.code, 0) << last.err;
  size_t graphs = 0;
  for (size_t at = 0; (at = last.out.find("digraph", at)) != std::string::npos; ++at)
    ++graphs;
  EXPECT_EQ(graphs, 1u) << last.out;
  EXPECT_NE(last.out.find("label=\"Line 3: freeze(b)\""), std::string::npos) << last.out;
  Result files = run("run --show dot --out-dir pics p.lf");
  EXPECT_EQ(files.code, 0) << files.err;
  EXPECT_NE(files.out.find("outcome: ok"), std::string::npos) << files.out;
  for (const char *name : {"step-0001.dot", "step-0002.dot", "step-0003.dot"})
    EXPECT_EQ(slurp(dir_ / "a" / "pics" / name).rfind("// Line ", 0), 0u) << name;
  EXPECT_FALSE(fs::exists(dir_ / "a" / "pics" / "step-0004.dot"));
  Result tikz = run("run --show tikz --step 2 p.lf");
  EXPECT_EQ(tikz.code, 0) << tikz.err;
  EXPECT_EQ(tikz.out.rfind("% Line 2: b = {}\n", 0), 0u) << tikz.out;
  EXPECT_NE(tikz.out.find("\\begin{tikzpicture}"), std::string::npos) << tikz.out;
  Result beyond = run("run --show dot --step 9 p.lf");
  EXPECT_EQ(beyond.code, 2);
  EXPECT_NE(beyond.err.find("--step 9: the run has 3 steps"), std::string::npos) << beyond.err;
  Result orphan = run("run --last p.lf");
  EXPECT_EQ(orphan.code, 2) << "--last needs --show";
}

} // namespace

namespace {

// Item 1 for diff: its reproduce line (runtime, then replay) runs as printed from another
// directory and finds the defect again (replay exits 1).
TEST_F(ExactOutput, DiffReproduceLineRunsAsPrinted) {
  const std::string L = LUNGFISH_BINARY;
  write("a/diff.sh", L + " diff --runtime frankenscript --cmd \"" + L +
                         " run --profile frankenscript --disable-check write.immutable --show "
                         "mermaid {file}\" --count 30 --seed 7 --jobs 2\n");
  Result diff = shell("sh diff.sh");
  ASSERT_EQ(diff.code, 1) << diff.out << diff.err;
  std::string line = line_after(diff.out, "  reproduce: ");
  ASSERT_FALSE(line.empty()) << diff.out;
  write("b/again.sh", line + "\n");
  Result again = shell("sh again.sh", "b");
  EXPECT_EQ(again.code, 1) << line << "\n" << again.out << again.err;
  EXPECT_NE(again.out.find("divergence [outcome]"), std::string::npos) << again.out;
}

} // namespace
