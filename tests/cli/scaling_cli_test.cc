// Campaigns on every core and across machines, through the binary as users type it
// (docs/scaling.md): --jobs does not change a report, shards merged equal the unsharded run,
// the schedulers' variables choose the shard, merge refuses shards of different campaigns,
// progress lines off a terminal, and the recipes of docs/scaling.md.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
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

/// Timings are the only part of a report that may differ between two runs.
Json without_timings(Json j) {
  if (j.is_object()) {
    j.erase("seconds");
    for (auto &[k, v] : j.items())
      v = without_timings(v);
  } else if (j.is_array()) {
    for (auto &v : j)
      v = without_timings(v);
  }
  return j;
}

class ScalingTest : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("lungfish_scaling_test_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  /// Runs `ENV lungfish ARGS` in dir_ (ENV: shell assignments, may be empty); the schedulers'
  /// variables of this test process are cleared so that only `env` shards.
  Result run(const std::string &args, const std::string &env = "") {
    // Each run starts without the failures an earlier one saved (they would be rerun first).
    fs::remove_all(dir_ / ".lungfish");
    fs::path out = dir_ / "stdout.txt", err = dir_ / "stderr.txt";
    std::string cmd = "cd " + dir_.string() +
                      " && env -u SLURM_ARRAY_TASK_ID -u GTEST_SHARD_INDEX "
                      "-u JOB_COMPLETION_INDEX " +
                      env + " " + LUNGFISH_BINARY + " " + args + " >" + out.string() + " 2>" +
                      err.string() + " </dev/null";
    int status = std::system(cmd.c_str());
    Result r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
  }

  /// The --json report of a run (a test failure if stdout is not JSON).
  Json json(const Result &r) {
    try {
      return Json::parse(r.out);
    } catch (const std::exception &e) {
      ADD_FAILURE() << "not JSON: " << e.what() << "\n" << r.out << "\n" << r.err;
      return Json();
    }
  }

  /// Runs ARGS at --jobs 1 and --jobs 3: the same exit code and the same report.
  void same_at_one_and_three(const std::string &args) {
    Result one = run(args + " --jobs 1"), three = run(args + " --jobs 3");
    EXPECT_EQ(one.code, three.code) << args << "\n" << one.err << three.err;
    EXPECT_EQ(without_timings(json(one)).dump(2), without_timings(json(three)).dump(2)) << args;
  }

  /// Runs ARGS as `n` shards and merges them: the unsharded run's report and exit code.
  void merged_equals_unsharded(const std::string &args, unsigned n) {
    Result whole = run(args);
    std::string files;
    for (unsigned k = 1; k <= n; ++k) {
      Result part = run(args + " --shard " + std::to_string(k) + "/" + std::to_string(n));
      ASSERT_TRUE(part.code == 0 || part.code == 1 || part.code == 3) << part.err;
      std::string file = (dir_ / ("shard" + std::to_string(k) + ".json")).string();
      std::ofstream(file) << part.out;
      files += " " + file;
    }
    Result merged = run("merge" + files);
    EXPECT_EQ(merged.code, whole.code) << args << "\n" << merged.err;
    EXPECT_EQ(without_timings(json(merged)).dump(2), without_timings(json(whole)).dump(2)) << args;
  }

  fs::path dir_;
};

TEST_F(ScalingTest, JobsDoNotChangeCheck) {
  same_at_one_and_three("check --seed 3 --count 2000 --json");
  // With a failure: the same first failing program, counts up to it and shrunk program.
  same_at_one_and_three("check --seed 3 --count 2000 --disable-check cown.not_bridge --json");
}

TEST_F(ScalingTest, JobsDoNotChangeEnumerate) {
  same_at_one_and_three("enumerate --depth 3 --json");
  same_at_one_and_three("enumerate --depth 3 --disable-check dissolve.child --json");
}

TEST_F(ScalingTest, JobsDoNotChangeMutants) {
  same_at_one_and_three("mutants --budget-programs 2000 --no-z3 --only cown.not_bridge "
                        "--only barrier.cycle --only move.immutable --only dissolve.child --json");
}

TEST_F(ScalingTest, JobsDoNotChangeVerify) {
  same_at_one_and_three("verify --objects 2 --regions 1 --fields 2 --steps 2 --json");
  same_at_one_and_three("verify --objects 2 --regions 1 --fields 2 --steps 2 --induction "
                        "--disable-check cown.not_free --json");
}

TEST_F(ScalingTest, JobsDoNotChangeThePapersFiles) {
  Result one = run("paper --out one --budget-programs 300 --no-z3 --jobs 1");
  Result three = run("paper --out three --budget-programs 300 --no-z3 --jobs 3");
  ASSERT_EQ(one.code, three.code) << one.err << three.err;
  size_t files = 0;
  for (const auto &e : fs::directory_iterator(dir_ / "one")) {
    ++files;
    EXPECT_EQ(slurp(e.path()), slurp(dir_ / "three" / e.path().filename())) << e.path();
  }
  EXPECT_GT(files, 10u);
}

TEST_F(ScalingTest, ShardsOfCheckMergeToTheUnshardedRun) {
  merged_equals_unsharded("check --seed 5 --count 3000 --json", 4);
  merged_equals_unsharded("check --seed 5 --count 3000 --disable-check barrier.cycle --json", 3);
}

TEST_F(ScalingTest, ShardsOfMutantsAndVerifyMergeToTheUnshardedRun) {
  merged_equals_unsharded("mutants --budget-programs 1500 --no-z3 --only cown.not_bridge "
                          "--only cown.not_free --only move.immutable --json",
                          2);
  merged_equals_unsharded("verify --objects 2 --regions 1 --fields 2 --steps 2 --json", 2);
}

TEST_F(ScalingTest, SchedulerVariablesChooseTheShardAndTheReportSaysSo) {
  struct Case {
    std::string env, from;
    unsigned index;
  };
  for (const Case &c :
       {Case{"SLURM_ARRAY_TASK_ID=5 SLURM_ARRAY_TASK_MIN=4 SLURM_ARRAY_TASK_COUNT=3",
             "SLURM_ARRAY_TASK_ID", 2},
        Case{"GTEST_SHARD_INDEX=0 GTEST_TOTAL_SHARDS=3", "GTEST_SHARD_INDEX", 1},
        Case{"JOB_COMPLETION_INDEX=2 LUNGFISH_SHARD_COUNT=3", "JOB_COMPLETION_INDEX", 3}}) {
    Result r = run("check --seed 1 --count 300 --json", c.env);
    ASSERT_EQ(r.code, 0) << c.env << r.err;
    Json j = json(r);
    EXPECT_EQ(j["shard"]["from"], c.from);
    EXPECT_EQ(j["shard"]["index"], c.index);
    EXPECT_EQ(j["shard"]["count"], 3);
    EXPECT_EQ(j["shard"]["begin"], (c.index - 1) * 100);
    EXPECT_NE(r.err.find("shard " + std::to_string(c.index) + "/3 (from " + c.from),
              std::string::npos)
        << r.err;
  }
  // --shard wins over the variables; a Kubernetes index without the count is an error.
  Result flag = run("check --seed 1 --count 300 --shard 1/1 --json",
                    "GTEST_SHARD_INDEX=1 GTEST_TOTAL_SHARDS=3");
  EXPECT_EQ(json(flag)["shard"]["from"], "--shard");
  Result bad = run("check --seed 1 --count 300", "JOB_COMPLETION_INDEX=2");
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("LUNGFISH_SHARD_COUNT"), std::string::npos) << bad.err;
  for (const char *shard : {"0/2", "3/2", "1/0", "x/2", "2"}) {
    Result r = run(std::string("check --count 10 --shard ") + shard);
    EXPECT_EQ(r.code, 2) << shard;
    EXPECT_NE(r.err.find("K/N"), std::string::npos) << r.err;
  }
}

TEST_F(ScalingTest, MergeRefusesShardsOfDifferentCampaigns) {
  auto shard = [&](const std::string &args, const std::string &name) {
    std::ofstream(dir_ / name) << run(args + " --json").out;
    return name;
  };
  std::string a = shard("check --seed 1 --count 200 --shard 1/2", "a.json");
  std::string b = shard("check --seed 2 --count 200 --shard 2/2", "b.json");
  std::string c = shard("check --seed 1 --count 200 --shard 2/2", "c.json");
  std::string d = shard("check --seed 1 --count 200 --shard 2/3", "d.json");
  Result r = run("merge " + a + " " + b);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("different campaigns"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("seed"), std::string::npos) << r.err;
  r = run("merge " + a);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("missing"), std::string::npos) << r.err;
  r = run("merge " + a + " " + c + " " + c);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("twice"), std::string::npos) << r.err;
  r = run("merge " + a + " " + d);
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(run("merge " + a + " " + c).code, 0);
}

TEST_F(ScalingTest, ProgressLinesOffATerminalOnlyWhenAsked) {
  Result quiet = run("check --seed 1 --count 2000");
  EXPECT_EQ(quiet.err.find("programs/s"), std::string::npos) << quiet.err;
  Result loud = run("check --seed 1 --count 2000 --progress 0.001");
  EXPECT_NE(loud.err.find("programs/s"), std::string::npos) << loud.err;
  EXPECT_NE(loud.err.find("ETA"), std::string::npos) << loud.err;
  EXPECT_NE(loud.err.find("check: 2000/2000 programs (100.0%)"), std::string::npos) << loud.err;
  EXPECT_EQ(loud.err.find('\r'), std::string::npos); // lines, not a redrawn line
}

// A unit that takes long (one proof) still gives a line every interval: a timer prints them,
// not the units finishing, so a CI log is never silent for a whole proof.
TEST_F(ScalingTest, ProgressLinesComeWhileOneLongUnitRuns) {
  Result r = run("verify --objects 2 --regions 1 --fields 2 --steps 3 --only-op new --jobs 1 "
                 "--progress 0.05");
  EXPECT_EQ(r.code, 0) << r.err;
  size_t waiting = 0;
  for (size_t at = 0; (at = r.err.find("verify: 0/1 operations", at)) != std::string::npos; ++at)
    ++waiting;
  EXPECT_GE(waiting, 2u) << r.err;
  EXPECT_NE(r.err.find("verify: 1/1 operations (100.0%)"), std::string::npos) << r.err;
}

/// The fenced block of docs/scaling.md that follows the line containing `marker`.
std::string doc_block(const std::string &marker) {
  std::string doc = slurp(fs::path(LUNGFISH_SOURCE_DIR) / "docs/scaling.md");
  size_t at = doc.find(marker);
  if (at == std::string::npos) return "";
  size_t open = doc.find("```sh\n", at);
  size_t close = doc.find("```\n", open + 6);
  return doc.substr(open + 6, close - open - 6);
}

TEST_F(ScalingTest, TheGnuParallelRecipeOfTheDocsRuns) {
  if (std::system("command -v parallel >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "GNU parallel is not installed (scripts/setup.sh installs it)";
  std::string recipe = doc_block("<!-- recipe: gnu-parallel -->");
  ASSERT_FALSE(recipe.empty());
  std::ofstream(dir_ / "recipe.sh") << recipe;
  // The recipe's `lungfish` is the binary under test; a smaller campaign than the docs'.
  std::string cmd = "cd " + dir_.string() +
                    " && PATH=" + fs::path(LUNGFISH_BINARY).parent_path().string() +
                    ":$PATH COUNT=4000 sh recipe.sh > recipe.out 2> recipe.err";
  int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status)) << slurp(dir_ / "recipe.err");
  EXPECT_EQ(WEXITSTATUS(status), 0) << slurp(dir_ / "recipe.err");
  Json merged = Json::parse(slurp(dir_ / "check.json"));
  Result whole = run("check --seed 1 --count 4000 --json");
  EXPECT_EQ(without_timings(merged).dump(2), without_timings(json(whole)).dump(2));
}

TEST_F(ScalingTest, TheSlurmAndKubernetesFilesAreValid) {
  fs::path docs = fs::path(LUNGFISH_SOURCE_DIR) / "docs/scaling";
  for (const char *script : {"check-array.sbatch", "merge.sbatch", "submit-slurm.sh"}) {
    std::string cmd = "bash -n " + (docs / script).string();
    EXPECT_EQ(std::system(cmd.c_str()), 0) << script;
  }
  for (const char *script : {"check-array.sbatch", "merge.sbatch"})
    EXPECT_NE(slurp(docs / script).find("\"$LUNGFISH\""), std::string::npos) << script;
  EXPECT_NE(slurp(docs / "submit-slurm.sh").find("--dependency=afterok"), std::string::npos);
  if (std::system("python3 -c 'import yaml' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "python3 with PyYAML is needed to parse the Kubernetes manifest";
  std::string check =
      "python3 -c \"import sys, yaml; d = list(yaml.safe_load_all(open(sys.argv[1]))); "
      "j = [x for x in d if x['kind'] == 'Job']; "
      "assert j[0]['spec']['completionMode'] == 'Indexed'; "
      "env = {e['name']: e['value'] for e in "
      "j[0]['spec']['template']['spec']['containers'][0]['env']}; "
      "assert int(env['LUNGFISH_SHARD_COUNT']) == j[0]['spec']['completions']\" " +
      (docs / "check-indexed-job.yaml").string();
  EXPECT_EQ(std::system(check.c_str()), 0);
  std::string merge = "python3 -c \"import sys, yaml; j = yaml.safe_load(open(sys.argv[1])); "
                      "assert j['kind'] == 'Job'; "
                      "assert 'lungfish merge' in j['spec']['template']['spec']['containers'][0]"
                      "['args'][0]\" " +
                      (docs / "merge-job.yaml").string();
  EXPECT_EQ(std::system(merge.c_str()), 0);
}

} // namespace
