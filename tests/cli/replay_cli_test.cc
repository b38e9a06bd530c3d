// `lungfish replay` as a user types it: the files it finds beside a recording, the ones named
// with --log and --program, and what it says when one cannot be used.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;

struct Result {
  int code = -1;
  std::string out, err;
};

const fs::path kProbes = fs::path(LUNGFISH_SOURCE_DIR) / "tests/inputs/frankenscript-probes";

class ReplayCli : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("lungfish_replay_cli_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string &name, const std::string &text) {
    fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  static std::string slurp(const fs::path &p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  /// Copies a probe's recording into the test directory under the given names.
  void copy_probe(const std::string &build, const std::string &name, const std::string &mermaid,
                  const std::string &log, const std::string &program) {
    fs::path from = kProbes / build / name;
    if (!mermaid.empty()) fs::copy_file(from / "mermaid.md", dir_ / mermaid);
    if (!log.empty()) fs::copy_file(from / (name + ".out"), dir_ / log);
    if (!program.empty()) fs::copy_file(from / (name + ".frank"), dir_ / program);
  }
  Result run(const std::string &args) {
    fs::path out = dir_ / "stdout.txt", err = dir_ / "stderr.txt";
    std::string cmd = "cd " + dir_.string() + " && " + std::string(LUNGFISH_BINARY) + " " + args +
                      " >" + out.string() + " 2>" + err.string() + " </dev/null";
    int status = std::system(cmd.c_str());
    Result r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
  }
  fs::path dir_;
};

TEST_F(ReplayCli, FindsTheLogAndTheProgramBesideNameMermaidMd) {
  copy_probe("debug", "abort_freeze_close", "p.mermaid.md", "p.out", "p.frank");
  Result r = run("replay p.mermaid.md");
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("read: p.out (log, found beside it)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("read: p.frank (program, found beside it; followed)"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("the runtime aborted in `Line 5: close(r1)`"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("LRC decremented below 0 (abort)"), std::string::npos) << r.out;
}

TEST_F(ReplayCli, FindsTheOnlyLogAndItsProgramBesideMermaidMd) {
  copy_probe("release", "reject_in_function", "mermaid.md", "prog.out", "prog.frank");
  Result r = run("replay --json mermaid.md");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["followed_program"]);
  EXPECT_EQ(j["runtime_outcome"], "E_OTHER_REGION");
  EXPECT_EQ(j["unjudged"], 0);
  EXPECT_EQ(j["modelled"].get<int>() + j["other"].get<int>(), j["events"].get<int>());
  bool judged = false;
  for (const auto &n : j["notes"])
    judged = judged || n.get<std::string>().find("as the model does") != std::string::npos;
  EXPECT_TRUE(judged) << r.out;
}

TEST_F(ReplayCli, WithoutAProgramTheFailedStatementIsNotJudgedAndSaysSo) {
  copy_probe("release", "reject_in_function", "mermaid.md", "", "");
  Result r = run("replay mermaid.md");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("1 not judged"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("give it with --program"), std::string::npos) << r.out;
}

TEST_F(ReplayCli, NamedFilesThatCannotBeUsedAreErrors) {
  copy_probe("release", "reject_in_function", "mermaid.md", "", "");
  Result missing = run("replay mermaid.md --log nowhere.out");
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("nowhere.out"), std::string::npos) << missing.err;
  write("bad.frank", "x = {}\ny = (\n");
  Result bad = run("replay mermaid.md --program bad.frank");
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("bad.frank:2:"), std::string::npos) << bad.err;
}

TEST_F(ReplayCli, AProgramThatIsNotTheOneRecordedIsADivergence) {
  copy_probe("release", "reject_in_function", "mermaid.md", "p.out", "");
  write("other.frank", "a = {}\nb = {}\n");
  Result r = run("replay mermaid.md --program other.frank");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("divergence [statement]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no longer follows the program"), std::string::npos) << r.out;
}

TEST_F(ReplayCli, ANativeTraceCarriesItsProgramAndItsBehaviours) {
  std::string prog = write("w.lf", "c = Cown(None)\nd = Cown(None)\nwhen (c):\n    x = c.value\n"
                                   "when (d):\n    y = d.value\n");
  ASSERT_EQ(run("run --trace t.jsonl " + prog).code, 0);
  Result r = run("replay --json t.jsonl");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["followed_program"]);
  EXPECT_EQ(j["unjudged"], 0);
  // The same trace with the two behaviours' statements claimed by the wrong behaviour: replay
  // sees the runtime run a behaviour that is not the model's.
  std::string text = slurp(dir_ / "t.jsonl"), swapped;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    auto at = line.find("\"thread\":1,\"line\":4");
    if (at != std::string::npos) line.replace(at, 10, "\"thread\":2");
    swapped += line + "\n";
  }
  ASSERT_NE(swapped, text) << "the trace has behaviour 1's statement at line 4";
  write("swapped.jsonl", swapped);
  Result s = run("replay swapped.jsonl");
  EXPECT_EQ(s.code, 1) << s.out << s.err;
}

} // namespace
