// End-to-end tests of the `lungfish` binary (LUNGFISH_BINARY): exit codes, text and JSON output,
// flag validation, --help.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
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

class CliTest : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("lungfish_cli_test_" + std::to_string(getpid()) + "_" +
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

  // Runs `lungfish ARGS` (args are shell words; paths here contain no spaces).
  Result run(const std::string &args) {
    fs::path out = dir_ / "stdout.txt", err = dir_ / "stderr.txt";
    std::string cmd = std::string(LUNGFISH_BINARY) + " " + args + " >" + out.string() + " 2>" +
                      err.string() + " </dev/null";
    int status = std::system(cmd.c_str());
    Result r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
  }

  fs::path dir_;
};

const char *kOk = "r = Region()\nr.f = {}\nx = r.f\ndrop x\n";
// c gets a second owner: rejected by barrier.has_parent; with the check off, I4/I5 break.
const char *kDoubleOwner = "a = Region()\nb = Region()\nc = Region()\na.f = c\nb.f = c\n";

TEST_F(CliTest, OkProgramExitsZero) {
  Result r = run("run " + write("ok.lf", kOk));
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("outcome: ok"), std::string::npos) << r.out;
}

TEST_F(CliTest, RejectionExitsFourAndNamesTheRule) {
  Result r = run("run " + write("rej.lf", kDoubleOwner));
  EXPECT_EQ(r.code, 4) << r.out << r.err;
  // file:line:col, so an editor jumps to it.
  EXPECT_NE(r.out.find("rej.lf:5:1: rejected: barrier.has_parent (E_HAS_PARENT): "),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("object #"), std::string::npos) << "objects involved: " << r.out;
}

TEST_F(CliTest, DisabledCheckGivesViolationExitOne) {
  std::string prog = write("rej.lf", kDoubleOwner);
  for (const char *what : {"barrier.has_parent", "E_HAS_PARENT"}) {
    Result r = run("run --disable-check " + std::string(what) + " " + prog);
    EXPECT_EQ(r.code, 1) << what << ": " << r.out << r.err;
    EXPECT_NE(r.out.find("rej.lf:5:1: violation"), std::string::npos) << r.out;
    // The objects of the violation carry their histories, as a rejection's do.
    EXPECT_NE(r.out.find("    line 3: created as the bridge of a new region"), std::string::npos)
        << r.out;
  }
}

TEST_F(CliTest, MaxStepsGivesLimitExitThree) {
  Result r = run("run --max-steps 2 " + write("ok.lf", kOk));
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("outcome: limit"), std::string::npos) << r.out;
}

TEST_F(CliTest, ReplayAtALimitSaysLimitNotClean) {
  std::string prog = write("long.lf", std::string(kOk) + kOk + kOk);
  fs::path trace = dir_ / "long.jsonl";
  ASSERT_EQ(run("run --trace " + trace.string() + " " + prog).code, 0);
  Result full = run("replay " + trace.string());
  EXPECT_EQ(full.code, 0) << full.out << full.err;
  EXPECT_NE(full.out.find("\nclean: "), std::string::npos) << full.out;
  Result r = run("replay --max-steps 3 " + trace.string());
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  EXPECT_EQ(r.out.find("\nclean: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nlimit: "), std::string::npos) << r.out;
  Result j = run("replay --json --max-steps 3 " + trace.string());
  EXPECT_EQ(j.code, 3);
  EXPECT_EQ(nlohmann::json::parse(j.out)["outcome"], "limit") << j.out;
}

// A program that never ends: --max-steps and --timeout stop it with outcome limit, exit 3.
const char *kForever = "x = {}\nwhile x == x:\n    y = {}\n    drop y\n";

TEST_F(CliTest, RunHonoursMaxStepsAndTimeoutOnALoop) {
  std::string prog = write("forever.lf", kForever);
  Result steps = run("run --max-steps 1000 " + prog);
  EXPECT_EQ(steps.code, 3) << steps.out << steps.err;
  EXPECT_NE(steps.out.find("outcome: limit (1000 steps)"), std::string::npos) << steps.out;
  Result timed = run("run --timeout 0.2 " + prog);
  EXPECT_EQ(timed.code, 3) << timed.out << timed.err;
  EXPECT_NE(timed.out.find("outcome: limit"), std::string::npos) << timed.out;
  Result j = run("run --json --timeout 0.2 " + prog);
  EXPECT_EQ(j.code, 3) << j.err;
  EXPECT_EQ(nlohmann::json::parse(j.out)["outcome"], "limit") << j.out;
}

TEST_F(CliTest, ReplayHonoursTimeout) {
  std::string prog = write("long.lf", std::string(kOk) + kOk + kOk);
  fs::path trace = dir_ / "long.jsonl";
  ASSERT_EQ(run("run --trace " + trace.string() + " " + prog).code, 0);
  // The deadline is checked before the first model primitive: any positive timeout shorter
  // than the time to start stops the replay there.
  Result r = run("replay --timeout 0.000001 " + trace.string());
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  EXPECT_EQ(r.out.find("\nclean: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nlimit: "), std::string::npos) << r.out;
}

// run --trace writes through a temporary file: a complete trace or none, never a partial one.
TEST_F(CliTest, TraceFileIsWrittenAtomically) {
  std::string prog = write("forever.lf", kForever);
  fs::path sub = dir_ / "out" / "deeper";
  // A directory that does not exist is a mistyped path: exit 2, nothing created.
  Result missing = run("run --max-steps 500 --trace " + (sub / "t.jsonl").string() + " " + prog);
  EXPECT_EQ(missing.code, 2) << missing.out << missing.err;
  EXPECT_NE(missing.err.find("directory " + sub.string() + " does not exist"), std::string::npos)
      << missing.err;
  EXPECT_FALSE(fs::exists(dir_ / "out"));
  fs::create_directories(sub);
  Result ok = run("run --max-steps 500 --trace " + (sub / "t.jsonl").string() + " " + prog);
  EXPECT_EQ(ok.code, 3) << ok.err;
  std::vector<std::string> names;
  for (const auto &e : fs::directory_iterator(sub))
    names.push_back(e.path().filename().string());
  EXPECT_EQ(names, std::vector<std::string>{"t.jsonl"}) << "no temporary file left";

  // The parent is a regular file: exit 2 with the path, nothing written.
  write("plain", "x");
  Result bad = run("run --trace " + (dir_ / "plain" / "t.jsonl").string() + " " + prog);
  EXPECT_EQ(bad.code, 2) << bad.out << bad.err;
  EXPECT_NE(bad.err.find("cannot write " + (dir_ / "plain" / "t.jsonl").string()),
            std::string::npos)
      << bad.err;

  // A write error mid-run (the file size limit, as a full disk): exit 2 and no trace at all.
  fs::path big = dir_ / "big" / "t.jsonl";
  fs::create_directories(big.parent_path());
  std::string cmd = "sh -c \"trap '' XFSZ; ulimit -f 8; exec " + std::string(LUNGFISH_BINARY) +
                    " run --max-steps 20000 --trace " + big.string() + " " + prog + "\" >" +
                    (dir_ / "o.txt").string() + " 2>" + (dir_ / "e.txt").string();
  int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2) << slurp(dir_ / "e.txt");
  EXPECT_NE(slurp(dir_ / "e.txt").find("cannot write " + big.string()), std::string::npos)
      << slurp(dir_ / "e.txt");
  EXPECT_TRUE(fs::is_empty(big.parent_path())) << "neither the trace nor its temporary file";
}

// Saved counterexamples are written atomically; one that cannot be saved is an error (exit 2),
// not a silent loss.
TEST_F(CliTest, UnsavableFailuresExitTwo) {
  fs::path saved = dir_ / "saved";
  Result ok = run("check --seed 1 --count 100 --disable-check cown.not_bridge --save-failures " +
                  saved.string());
  EXPECT_EQ(ok.code, 1) << ok.out << ok.err;
  ASSERT_TRUE(fs::is_directory(saved));
  for (const auto &e : fs::recursive_directory_iterator(saved))
    EXPECT_NE(e.path().extension(), ".tmp") << e.path();
  std::string plain = write("plain", "x");
  Result bad = run("check --seed 1 --count 100 --disable-check cown.not_bridge --save-failures " +
                   plain + "/sub");
  EXPECT_EQ(bad.code, 2) << bad.out << bad.err;
  EXPECT_NE(bad.err.find("cannot write " + plain + "/sub"), std::string::npos) << bad.err;

  // enumerate saves into ./.lungfish/failures: make that a regular file.
  write(".lungfish", "x");
  std::string cmd = "cd " + dir_.string() + " && " + LUNGFISH_BINARY +
                    " enumerate --depth 3 --disable-check dissolve.child >/dev/null 2>" +
                    (dir_ / "e.txt").string();
  int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
  EXPECT_NE(slurp(dir_ / "e.txt").find("cannot write .lungfish/failures/enum-"), std::string::npos)
      << slurp(dir_ / "e.txt");
}

TEST_F(CliTest, DumpSmtIsAtomicAndAnUnwritableDirectoryExitsTwo) {
  // (`new` is enabled from the empty heap, so the run proves something and exits 0)
  const std::string bound =
      "verify --objects 1 --regions 1 --fields 1 --steps 1 --only-op new --dump-smt ";
  fs::path smt = dir_ / "smt";
  Result ok = run(bound + smt.string());
  EXPECT_EQ(ok.code, 0) << ok.out << ok.err;
  size_t files = 0;
  for (const auto &e : fs::directory_iterator(smt)) {
    EXPECT_EQ(e.path().extension(), ".smt2") << e.path();
    ++files;
  }
  EXPECT_GT(files, 0u);
  std::string plain = write("plain", "x");
  Result bad = run(bound + plain);
  EXPECT_EQ(bad.code, 2) << bad.out << bad.err;
  EXPECT_NE(bad.err.find("cannot write " + plain), std::string::npos) << bad.err;
}

TEST_F(CliTest, VerifyRestrictedToOneOperationAndInvariant) {
  Result r = run("verify --objects 1 --regions 1 --fields 1 --steps 1 --only-op new "
                 "--only-invariant I3 --json");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("\"op\": \"new\""), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("\"op\": \"store\""), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("\"invariant\": \"I4\""), std::string::npos) << r.out;
  Result bad = run("verify --only-op nonsense");
  EXPECT_EQ(bad.code, 2) << bad.out << bad.err;
  EXPECT_NE(bad.err.find("unknown operation 'nonsense'"), std::string::npos) << bad.err;
  Result bad_inv = run("verify --only-invariant I15");
  EXPECT_EQ(bad_inv.code, 2) << bad_inv.err;
}

TEST_F(CliTest, SyntaxErrorGivesFileLineColAndExitTwo) {
  std::string prog = write("bad.lf", "x = {}\ny = = {}\n");
  Result r = run("run " + prog);
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err.rfind(prog + ":2:", 0), 0u) << r.err;
}

TEST_F(CliTest, MissingFileExitsTwo) {
  Result r = run("run " + (dir_ / "absent.lf").string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("absent.lf"), std::string::npos) << r.err;
}

TEST_F(CliTest, BadFlagValuesExitTwo) {
  std::string prog = write("ok.lf", kOk);
  for (const char *flags :
       {"--profile nope", "--max-steps -1", "--max-steps x", "--timeout -2", "--show svg",
        "--schedules some", "--disable-check no.such_rule", "--disable-check E_UNDEFINED",
        "--disable-check read.undefined_name", "--no-such-flag"}) {
    Result r = run("run " + std::string(flags) + " " + prog);
    EXPECT_EQ(r.code, 2) << flags << ": " << r.out << r.err;
    EXPECT_FALSE(r.err.empty()) << flags;
  }
  EXPECT_EQ(run("").code, 2);
  EXPECT_EQ(run("frobnicate").code, 2);
  EXPECT_EQ(run("run").code, 2);
}

// Out-of-range numbers and unusable output paths are refused when the options are read, before
// any work, with exit 2 and the option named (issue 25: no wrap, no clamp, no late failure).
TEST_F(CliTest, RangesAndOutputPathsAreCheckedBeforeWork) {
  std::string prog = write("ok.lf", kOk);
  std::string file = write("a-file", "x");
  struct Case {
    std::string args, option;
  };
  const Case cases[] = {
      {"check --max-size 18446744073709551616", "--max-size"},
      {"check --max-size 1000001", "--max-size"},
      {"verify --objects 100000", "--objects"},
      {"verify --fields 7", "--fields"},
      {"verify --steps 0", "--steps"},
      {"verify --dump-smt ''", "--dump-smt"},
      {"mutants --only bogus", "--only"},
      {"run --trace '' " + prog, "--trace"},
      {"run --trace " + dir_.string() + " " + prog, "--trace"},
      {"paper --out " + file + "/paper", "--out"},
      {"check --junit " + file + "/x.xml", "--junit"},
      {"diff --runtime frankenscript --cmd 'true {file}' --keep " + file, "--keep"},
  };
  for (const Case &c : cases) {
    Result r = run(c.args);
    EXPECT_EQ(r.code, 2) << c.args << ": " << r.out << r.err;
    // "--option: ..." is how an error of the option parser starts: no command began its work.
    EXPECT_EQ(r.err.rfind(c.option + ": ", 0), 0u) << c.args << ": " << r.err;
    EXPECT_EQ(r.out, "") << c.args;
  }
}

TEST_F(CliTest, JsonHasTheDocumentedKeys) {
  Result ok = run("run --json " + write("ok.lf", kOk));
  ASSERT_EQ(ok.code, 0) << ok.err;
  auto j = nlohmann::json::parse(ok.out);
  for (const char *k : {"outcome", "steps", "error", "violations", "state"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(j["outcome"], "ok");
  EXPECT_TRUE(j["error"].is_null());
  EXPECT_TRUE(j["violations"].empty());
  for (const char *k : {"objects", "regions", "cowns"})
    EXPECT_TRUE(j["state"].contains(k)) << k;
  ASSERT_FALSE(j["state"]["regions"].empty());
  for (const char *k : {"id", "bridge", "parent", "lrc", "sbrc", "dirty"})
    EXPECT_TRUE(j["state"]["regions"][0].contains(k)) << k;
  for (const auto &o : j["state"]["objects"])
    for (const char *k : {"id", "kind", "location", "fields", "rc"})
      EXPECT_TRUE(o.contains(k)) << k;

  std::string prog = write("rej.lf", kDoubleOwner);
  auto rej = nlohmann::json::parse(run("run --json " + prog).out);
  EXPECT_EQ(rej["outcome"], "rejected");
  EXPECT_EQ(rej["error"]["code"], "E_HAS_PARENT");
  EXPECT_EQ(rej["error"]["rule"], "barrier.has_parent");
  EXPECT_EQ(rej["error"]["line"], 5);
  EXPECT_TRUE(rej["error"]["message"].is_string());

  Result vr = run("run --json --disable-check E_HAS_PARENT " + prog);
  EXPECT_EQ(vr.code, 1);
  auto vio = nlohmann::json::parse(vr.out);
  EXPECT_EQ(vio["outcome"], "violation");
  ASSERT_FALSE(vio["violations"].empty());
  for (const char *k : {"invariant", "line", "event", "message", "witness"})
    EXPECT_TRUE(vio["violations"][0].contains(k)) << k;
  EXPECT_EQ(vio["violations"][0]["line"], 5);
}

TEST_F(CliTest, ShowMermaidWritesFrankenScriptSteps) {
  Result r = run("run --show mermaid " + write("ok.lf", kOk));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("<pre><code>Line 1: r = Region()</code></pre>\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("<pre><code>Line 4: drop x</code></pre>"), std::string::npos);
  EXPECT_NE(r.out.find("[\\"), std::string::npos) << "a bridge trapezoid";
  EXPECT_EQ(r.out.find("outcome:"), std::string::npos) << "the report goes to stderr";
  EXPECT_NE(r.err.find("outcome: ok"), std::string::npos);
}

TEST_F(CliTest, ShowJsonAndTextAndDot) {
  std::string prog = write("ok.lf", kOk);
  Result j = run("run --show json " + prog);
  ASSERT_EQ(j.code, 0);
  std::istringstream lines(j.out);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    auto step = nlohmann::json::parse(line);
    EXPECT_TRUE(step.contains("state"));
    ++n;
  }
  EXPECT_EQ(n, 4);
  EXPECT_NE(run("run --show text " + prog).out.find("== Line 2: r.f = {} =="), std::string::npos);
  EXPECT_NE(run("run --show dot " + prog).out.find("subgraph cluster_r"), std::string::npos);
}

TEST_F(CliTest, TraceWritesHeaderAndOneLinePerStatement) {
  fs::path out = dir_ / "t.jsonl";
  Result r = run("run --trace " + out.string() + " " + write("rej.lf", kDoubleOwner));
  EXPECT_EQ(r.code, 4);
  std::ifstream in(out);
  std::string line;
  std::vector<nlohmann::json> events;
  while (std::getline(in, line))
    events.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(events.size(), 7u);
  EXPECT_EQ(events[0]["lungfish_trace"], 1);
  EXPECT_EQ(events[0]["profile"], "lungfish");
  EXPECT_EQ(events[0]["program"]["text"], kDoubleOwner); // replay follows the program
  EXPECT_EQ(events[1]["outcome"], "ok");
  EXPECT_EQ(events[1]["message"], "Line 1: a = Region()");
  EXPECT_EQ(events[5]["outcome"], "E_HAS_PARENT");
  EXPECT_EQ(events[5]["line"], 5);
  EXPECT_EQ(events[6]["event"], "end");
  EXPECT_EQ(events[6]["outcome"], "E_HAS_PARENT");
}

TEST_F(CliTest, HelpListsEveryOption) {
  Result top = run("--help");
  EXPECT_EQ(top.code, 0);
  for (const char *c :
       {"run", "check", "enumerate", "verify", "replay", "diff", "mutants", "paper", "bench"})
    EXPECT_NE(top.out.find(c), std::string::npos) << c;
  Result r = run("run --help");
  EXPECT_EQ(r.code, 0);
  for (const char *o : {"PROG", "--profile", "--disable-check", "--show", "--trace", "--max-steps",
                        "--timeout", "--schedules", "--json", "barrier.has_parent", "E_HAS_PARENT",
                        "E_OTHER_REGION", "pull.other_region"})
    EXPECT_NE(r.out.find(o), std::string::npos) << o;
  EXPECT_EQ(r.out.find("read.undefined_name"), std::string::npos)
      << "language errors are not listed";
  struct Sub {
    const char *name;
    std::vector<const char *> flags;
  };
  for (const Sub &s : std::vector<Sub>{
           {"check",
            {"--seed", "--count", "--max-size", "--profile", "--disable-check", "--save-failures",
             "--json"}},
           {"enumerate",
            {"--depth", "--objects", "--regions", "--fields", "--profile", "--disable-check",
             "--schedules", "--json"}},
           {"verify",
            {"--objects", "--regions", "--fields", "--steps", "--induction", "--solver-timeout",
             "--disable-check", "--dump-smt", "--only-op", "--only-invariant", "--json"}},
           {"replay", {"TRACE", "--format", "--profile", "--json"}},
           {"diff", {"--runtime", "--cmd", "--count", "--seed", "--jobs", "--json"}},
           {"mutants",
            {"--profile", "--seed", "--budget-programs", "--only", "--no-z3", "--from-scratch",
             "--json"}},
           {"paper", {"--out", "--seed"}},
           {"bench", {"--frankenscript", "--json"}}}) {
    Result h = run(std::string(s.name) + " --help");
    EXPECT_EQ(h.code, 0) << s.name;
    for (const char *f : s.flags)
      EXPECT_NE(h.out.find(f), std::string::npos) << s.name << " " << f;
  }
}

// --check: the three modes of the monitor give the same verdict, the same violations at the same
// line; a bad mode is a usage error; `both` is accepted by every command that runs programs.
TEST_F(CliTest, CheckModesGiveTheSameVerdict) {
  std::string prog = write("rej.lf", kDoubleOwner);
  nlohmann::json reference;
  for (const char *mode : {"full", "incremental", "both"}) {
    Result r = run(std::string("run --json --disable-check barrier.has_parent --check ") + mode +
                   " " + prog);
    EXPECT_EQ(r.code, 1) << mode << ": " << r.out << r.err;
    nlohmann::json j = nlohmann::json::parse(r.out);
    ASSERT_FALSE(j["violations"].empty()) << mode;
    EXPECT_EQ(j["violations"][0]["line"], 5) << mode;
    if (reference.is_null())
      reference = j["violations"];
    else
      EXPECT_EQ(j["violations"], reference) << mode;
  }
  for (const char *mode : {"full", "incremental", "both"}) {
    Result ok = run(std::string("run --check ") + mode + " " + write("ok.lf", kOk));
    EXPECT_EQ(ok.code, 0) << mode << ": " << ok.out << ok.err;
  }
  Result bad = run("run --check fast " + prog);
  EXPECT_EQ(bad.code, 2) << bad.out << bad.err;
  Result chk = run("check --seed 3 --count 200 --check both --save-failures " +
                   (dir_ / "failures").string());
  EXPECT_EQ(chk.code, 0) << chk.out << chk.err;
  Result en = run("enumerate --depth 2 --check both");
  EXPECT_EQ(en.code, 0) << en.out << en.err;
  Result mu = run("mutants --help");
  EXPECT_NE(mu.out.find("--check"), std::string::npos);
}

// A long program runs to the end under the default (incremental) checking: the region list of
// 30 000 objects, 90 002 statements (minutes before the monitor, a fraction of a second now;
// bench/ measures the time, the test only that it completes clean).
TEST_F(CliTest, RegionListOfThirtyThousandRunsClean) {
  std::string text = "r = Region()\nr.head = None\n";
  for (int i = 0; i < 30000; ++i)
    text += "n = {}\nn.next = r.head\nr.head = n\n";
  Result r = run("run " + write("list.lf", text));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("outcome: ok"), std::string::npos) << r.out;
}

} // namespace
