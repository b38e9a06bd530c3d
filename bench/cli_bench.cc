#include "bench/cli_bench.h"

#include "bench/workloads.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace lungfish::bench {

namespace {

using Json = nlohmann::ordered_json;

std::string write_program(const std::string &dir, const std::string &name,
                          const std::string &text) {
  std::filesystem::create_directories(dir);
  std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  return path;
}

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

std::string at_least(double v, double target) {
  if (!std::isfinite(v)) return "not measured";
  return v >= target ? "met" : "MISSED (" + num(target / v) + "x short)";
}

std::string at_most(double v, double target) {
  if (!std::isfinite(v)) return "not measured";
  return v <= target ? "met" : "MISSED (" + num(v / target) + "x over)";
}

/// A series of one command over growing n: its CPU time, and the growth of the last step.
struct Series {
  std::vector<size_t> n;
  std::vector<CommandTiming> t;
  std::vector<uint64_t> statements;
};

Json series_json(const Series &s) {
  Json out = Json::array();
  for (size_t i = 0; i < s.n.size(); ++i)
    out.push_back({{"n", s.n[i]},
                   {"statements", s.statements[i]},
                   {"cpu_seconds", s.t[i].cpu},
                   {"wall_seconds", s.t[i].wall},
                   {"exit_code", s.t[i].exit_code},
                   {"statements_per_cpu_s", static_cast<double>(s.statements[i]) / s.t[i].cpu}});
  return out;
}

} // namespace

std::string region_list_text(size_t n) {
  std::string text = "r = Region()\nr.head = None\n";
  text.reserve(text.size() + 34 * n);
  for (size_t i = 0; i < n; ++i)
    text += "n = {}\nn.next = r.head\nr.head = n\n";
  return text;
}

std::string deep_recursion_text(size_t n) {
  std::string text =
      "def down(x):\n    if x != None:\n        down(x.next)\n    return None\nl = None\n";
  for (size_t i = 0; i < n; ++i)
    text += "n = {}\nn.next = l\nl = n\n";
  return text + "drop n\ndown(l)\n";
}

CommandTiming time_command(const std::vector<std::string> &args, int repeat) {
  CommandTiming best;
  best.wall = best.cpu = INFINITY;
  for (int k = 0; k < repeat; ++k) {
    // posix_spawn (vfork-like): a fork of this large process would add its page tables to the
    // child's start-up.
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO})
      posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_RDWR, 0);
    std::vector<char *> argv;
    for (const std::string &a : args)
      argv.push_back(const_cast<char *>(a.c_str()));
    argv.push_back(nullptr);
    auto t0 = std::chrono::steady_clock::now();
    pid_t pid = 0;
    int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) return CommandTiming{NAN, NAN, -1};
    int status = 0;
    struct rusage ru {};
    if (wait4(pid, &status, 0, &ru) != pid) return CommandTiming{NAN, NAN, -1};
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                 static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
    best.wall = std::min(best.wall, wall);
    best.cpu = std::min(best.cpu, cpu);
    best.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  return best;
}

Json measure_cli(const std::string &lungfish, const std::string &dir,
                 std::vector<CliFigure> &rows) {
  Json out;
  out["binary"] = lungfish;
  auto run = [&](const std::string &file, int repeat, const std::string &check = "incremental") {
    return time_command({lungfish, "run", "--check", check, file}, repeat);
  };

  // P(n) and D(n) for growing n: statements per CPU second end to end, and the growth.
  // Statements are counted as the machine's statement events (a call's body counts its own).
  auto grow = [&](const std::string &name, auto text_of, const std::string &section) {
    Series s;
    for (size_t n : {1000u, 10000u, 100000u}) {
      std::string text = text_of(n);
      std::string file = write_program(dir, name + std::to_string(n) + ".lf", text);
      s.n.push_back(n);
      s.t.push_back(run(file, n >= 100000 ? 2 : 3));
      s.statements.push_back(run_program(compile_text(text), Checking::Off).statements);
      std::filesystem::remove(file);
    }
    double rate = static_cast<double>(s.statements.back()) / s.t.back().cpu;
    double growth = s.t[2].cpu / s.t[1].cpu;
    for (size_t i = 0; i < s.n.size(); ++i)
      rows.push_back({section,
                      "n=" + num(static_cast<double>(s.n[i])) + ": CPU s (exit " +
                          std::to_string(s.t[i].exit_code) + ")",
                      s.t[i].cpu, "s", "", "wall " + num(s.t[i].wall) + " s"});
    rows.push_back({section, "statements/s end to end at n=1e5", rate, "stmt/s", ">= 1e6",
                    at_least(rate, 1e6)});
    rows.push_back({section, "CPU time ratio n=1e5 / n=1e4 (x10 statements)", growth, "x", "<= 12",
                    at_most(growth, 12)});
    out[name] = {{"series", series_json(s)},
                 {"statements_per_s_1e5", rate},
                 {"growth_1e5_over_1e4", growth}};
  };
  grow("region_list", region_list_text, "cli: run on P(n), the region list");
  grow("deep_recursion", deep_recursion_text, "cli: run on D(n), a call stack n deep");

  // The full checker on P(n): linear per statement in the heap, so quadratic in n (for scale).
  {
    std::string file = write_program(dir, "full1000.lf", region_list_text(1000));
    CommandTiming inc = run(file, 3), full = run(file, 3, "full"), both = run(file, 3, "both");
    rows.push_back({"cli: --check on P(1000)", "full / incremental CPU time", full.cpu / inc.cpu,
                    "x", "", "both " + num(both.cpu / inc.cpu) + "x"});
    out["check_modes_p1000"] = {
        {"incremental_cpu_s", inc.cpu}, {"full_cpu_s", full.cpu}, {"both_cpu_s", both.cpu}};
    std::filesystem::remove(file);
  }

  // Start-up: a one-statement program, best wall clock of 20.
  {
    std::string file = write_program(dir, "one.lf", "x = {}\n");
    CommandTiming t = run(file, 20);
    rows.push_back({"cli: start-up", "one-statement `run`, wall clock", t.wall * 1e3, "ms", "<= 5",
                    at_most(t.wall * 1e3, 5)});
    out["one_statement"] = {{"wall_ms", t.wall * 1e3}, {"cpu_ms", t.cpu * 1e3}};
    std::filesystem::remove(file);
  }

  // The bench workloads as files: statements/s through `run`, beside the library's.
  for (Workload w : {Workload::LocalChurn, Workload::RegionHeavy, Workload::FreezeCown}) {
    size_t blocks = w == Workload::FreezeCown ? 1000 : 10000;
    std::string text = workload_text(w, blocks);
    RunStats stats = run_program(compile_text(text), Checking::Off);
    std::string file = write_program(dir, std::string(workload_name(w)) + ".lf", text);
    CommandTiming t = run(file, 2);
    double rate = static_cast<double>(stats.statements) / t.cpu;
    rows.push_back({"cli: run on the bench workloads",
                    std::string(workload_name(w)) + ": statements/s end to end", rate, "stmt/s", "",
                    num(static_cast<double>(stats.statements)) + " statements"});
    out["workloads"][std::string(workload_name(w))] = {
        {"statements", stats.statements}, {"cpu_seconds", t.cpu}, {"statements_per_s", rate}};
    std::filesystem::remove(file);
  }

  // check: random 20-statement programs through the CLI on one core.
  {
    uint64_t count = 20000;
    CommandTiming t = time_command({lungfish, "check", "--seed", "1", "--count",
                                    std::to_string(count), "--save-failures", dir + "/failures"},
                                   1);
    double rate = static_cast<double>(count) / t.cpu;
    rows.push_back({"cli: check", "programs/s (--count 20000, start-up included)", rate, "prog/s",
                    ">= 50000", at_least(rate, 5e4)});
    out["check"] = {{"programs", count}, {"cpu_seconds", t.cpu}, {"programs_per_s", rate}};
  }

  // enumerate: the exhaustive search at depth 3 (every transition a checked run).
  {
    CommandTiming t = time_command({lungfish, "enumerate", "--depth", "3"}, 1);
    rows.push_back({"cli: enumerate", "--depth 3: CPU s", t.cpu, "s", "", ""});
    out["enumerate_depth3_cpu_s"] = t.cpu;
  }
  return out;
}

} // namespace lungfish::bench
