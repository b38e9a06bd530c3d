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

