// `lungfish run --trace T PROG` then `lungfish replay T` gives run's verdict, for generated
// programs with `when`, under the default schedule and under --schedules all: the native trace
// carries the program, each event's thread and the behaviours' lives, and replay follows them.
// Through the binary (LUNGFISH_BINARY), as a user runs it; four shards of 500 programs.
#include "generators/ast_build.h"
#include "generators/program_gen.h"
#include "model/code.h"
#include "model/machine.h"
#include "model/text/program_text.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <spawn.h>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace lungfish {
namespace {

namespace fs = std::filesystem;

/// Runs the binary with `args`, stdout to `out`; returns the exit code (-1 if killed).
int run_binary(const std::vector<std::string> &args, const fs::path &out) {
  std::vector<char *> argv;
  std::string bin = LUNGFISH_BINARY;
  argv.push_back(bin.data());
  std::vector<std::string> copy = args;
  for (std::string &a : copy)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, bin.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

nlohmann::json read_json(const fs::path &p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in, nullptr, false);
}

/// run's verdict as one string: "ok", "rejected E_X", "violation I4", "limit".
std::string run_verdict(const nlohmann::json &j) {
  std::string o = j.value("outcome", "?");
  if (o == "rejected") return "rejected " + j["error"].value("code", "?");
  if (o == "violation" && !j["violations"].empty())
    return "violation " + j["violations"][0].value("invariant", "?");
  return o;
}

/// replay's verdict in run's terms: a clean replay is the runtime's outcome; a replay with
/// findings is the first invariant it reports.
std::string replay_verdict(const nlohmann::json &j) {
  std::string o = j.value("outcome", "?");
  if (o == "limit") return "limit";
  if (o == "ok") {
    std::string r = j.value("runtime_outcome", "?");
    return r == "ok" ? "ok" : "rejected " + r;
  }
  if (!j["violations"].empty()) return "violation " + j["violations"][0].value("invariant", "?");
  return "divergence: " + j["divergences"][0].value("detail", "?");
}

/// The default schedule's run of `p`, with `off` switched off (none if empty).
Machine run_model(const Program &p, const std::string &off = "") {
  MachineOptions mo;
  mo.max_steps = 100000;
  if (!off.empty()) mo.disabled.disable(*find_rule(off));
  Machine m(compile(p), mo);
  m.run();
  return m;
}

/// True if the default schedule starts at least one behaviour (the program is not rejected
/// before its behaviours run).
bool starts_a_behaviour(const Program &p) {
  Machine m = run_model(p);
  for (size_t k = 1; k < m.world().threads.size(); ++k)
    if (m.world().threads[k].status != ThreadStatus::Waiting) return true;
  return false;
}

/// A switchable check whose absence makes the default run of `p` break an invariant, as a
/// runtime with that bug would; "" if none does.
std::string a_check_that_matters(const Program &p) {
  Machine ok = run_model(p);
  if (!ok.error()) return "";
  for (const RuleInfo &r : all_rules())
    if (r.switchable && r.id == ok.error()->rule) {
      Machine off = run_model(p, std::string(r.name));
      if (!off.error() && (off.dangling() || off.steps() < 100000)) return std::string(r.name);
    }
  return "";
}

void replay_gives_runs_verdict(uint64_t first_seed, size_t wanted) {
  fs::path dir = fs::temp_directory_path() / ("lungfish_replay_when_" + std::to_string(getpid()) +
                                              "_" + std::to_string(first_seed));
  fs::create_directories(dir);
  size_t programs = 0, checked = 0, behaviours_ran = 0;
  std::map<std::string, size_t> verdicts;
  for (uint64_t seed = first_seed; programs < wanted && seed < first_seed + 200 * wanted; ++seed) {
    Program p = gen::generate_biased(seed, 12, Profile::Lungfish);
    // Mostly programs whose behaviours run; one in three of the others (rejected before any
    // behaviour starts, the generator's commonest case) keeps the rejections in the mix.
    if (!gen::has_when(p.body) || (!starts_a_behaviour(p) && seed % 3 != 0)) continue;
    ++programs;
    // A program the model rejects runs also with the rejecting check off, as a runtime with
    // that bug would: run then breaks an invariant (or not), and replay must say the same.
    std::vector<std::vector<std::string>> configs = {{}};
    if (std::string c = a_check_that_matters(p); !c.empty())
      configs.push_back({"--disable-check", c});
    fs::path prog = dir / "p.lf", trace = dir / "t.jsonl", out = dir / "out.json";
    std::ofstream(prog) << print_program(p);
    for (const auto &off : configs)
      for (const char *schedules : {"default", "all"}) {
        std::vector<std::string> args = {"run",     "--json",  "--schedules",
                                         schedules, "--trace", trace.string()};
        args.insert(args.end(), off.begin(), off.end());
        args.push_back(prog.string());
        int rc = run_binary(args, out);
        nlohmann::json r = read_json(out);
        ASSERT_FALSE(r.is_discarded())
            << "seed " << seed << ": run printed no JSON (exit " << rc << ")\n"
            << print_program(p);
        std::string expected = run_verdict(r);
        if (expected == "limit") continue; // --schedules all over its budget: no single schedule
        int rrc = run_binary({"replay", "--json", trace.string()}, out);
        nlohmann::json j = read_json(out);
        ASSERT_FALSE(j.is_discarded())
            << "seed " << seed << ": replay printed no JSON (exit " << rrc << ")\n"
            << print_program(p);
        std::string got = replay_verdict(j);
        {
          std::ifstream in(trace);
          std::string line;
          bool ran = false;
          while (std::getline(in, line))
            ran = ran || line.find("\"event\":\"acquire\"") != line.npos;
          behaviours_ran += ran;
        }
        if (off.empty()) {
          EXPECT_EQ(got, expected) << "seed " << seed << ", --schedules " << schedules << "\n"
                                   << print_program(p) << "\nreplay: " << j.dump(1);
          EXPECT_EQ(j.value("unjudged", 99), 0) << "seed " << seed << "\n" << j.dump(1);
        } else if (expected != "ok") {
          // The run's "runtime" has a check off: replay, with every check on, must find what
          // went wrong (the accepted statement the model rejects, or the broken invariant).
          EXPECT_EQ(j.value("outcome", "?"), "violation")
              << "seed " << seed << ", " << off[1] << ", --schedules " << schedules << "\n"
              << print_program(p) << "\nreplay: " << j.dump(1);
          expected = "finding with " + off[1];
        }
        EXPECT_TRUE(j.value("followed_program", false)) << "seed " << seed;
        ++verdicts[expected];
        ++checked;
        if (::testing::Test::HasFailure()) {
          fs::remove_all(dir);
          return;
        }
      }
  }
  fs::remove_all(dir);
  EXPECT_EQ(programs, wanted) << "the generator made too few programs with `when`";
  EXPECT_GE(checked, wanted); // both schedules of most programs
  // The programs reach more than one kind of verdict (the test is not only of clean runs).
  std::string seen;
  for (auto &[v, n] : verdicts)
    seen += " " + v + ": " + std::to_string(n) + ";";
  std::cout << "verdicts over " << checked << " runs (a behaviour ran in " << behaviours_ran
            << "):" << seen << "\n";
  // Most runs get as far as running a behaviour: the test exercises their replay.
  EXPECT_GE(behaviours_ran * 3, checked) << seen;
  EXPECT_GE(verdicts.size(), 2u) << seen;
}

// 2,000 programs in a Release build; a sanitizer build (10x slower) checks a quarter of them.
#ifdef NDEBUG
constexpr size_t kPerShard = 500;
#else
constexpr size_t kPerShard = 125;
#endif

TEST(ReplayBehaviours, RunThenReplayGivesRunsVerdictShard1) {
  replay_gives_runs_verdict(1, kPerShard);
}
TEST(ReplayBehaviours, RunThenReplayGivesRunsVerdictShard2) {
  replay_gives_runs_verdict(1000001, kPerShard);
}
TEST(ReplayBehaviours, RunThenReplayGivesRunsVerdictShard3) {
  replay_gives_runs_verdict(2000001, kPerShard);
}
TEST(ReplayBehaviours, RunThenReplayGivesRunsVerdictShard4) {
  replay_gives_runs_verdict(3000001, kPerShard);
}

} // namespace
} // namespace lungfish
