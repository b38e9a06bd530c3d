// The product measured as users run it: the `lungfish` binary itself, started as a child process
// on program files, beside the library figures of the other benchmarks.
//
//   P(n), the region list: `r = Region()`, `r.head = None`, then n times `n = {}`,
//         `n.next = r.head`, `r.head = n` (3n + 2 statements, a region of n objects)
//   D(n), a call stack n deep: a list of n objects walked by a recursive function
//   one statement: `x = {}` (start-up and exit)
//   the bench workloads (bench/workloads.h) as program files
//   `check --count N`, `enumerate --depth D`
//
// Each command is started with posix_spawn, stdout and stderr sent to /dev/null; its CPU time
// (user + system) comes from wait4, its wall clock from the parent; the best of `repeat` runs.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace lungfish::bench {

/// The text of P(n).
std::string region_list_text(size_t n);
/// The text of D(n): n list objects, then a recursion n + 1 calls deep over them.
std::string deep_recursion_text(size_t n);

/// One command's cost.
struct CommandTiming {
  double wall = 0, cpu = 0; // seconds, best of the runs
  int exit_code = -1;       // of the last run (-1: did not start or was killed)
};
/// Runs `args` (args[0] is the program) `repeat` times; the best wall and CPU times.
CommandTiming time_command(const std::vector<std::string> &args, int repeat = 1);

/// One figure of the CLI section.
struct CliFigure {
  std::string section, figure;
  double value = 0;
  std::string unit, target, verdict;
};

/// Runs every CLI measurement with the binary `lungfish` (files under `dir`); appends the figures
/// to `rows` and returns them as JSON (series and ratios).
nlohmann::ordered_json measure_cli(const std::string &lungfish, const std::string &dir,
                                   std::vector<CliFigure> &rows);

/// Times `check`, `mutants` and `verify` at --jobs 1, 2 and the machine's cores (files under
/// `dir`); appends the speed-ups to `rows` and returns the series as JSON.
nlohmann::ordered_json measure_scaling(const std::string &lungfish, const std::string &dir,
                                       std::vector<CliFigure> &rows);

/// `lungfish_bench --only-scaling`: measure_scaling alone, written into the "scaling" figures and
/// the matching table rows of `out_path` (the other sections keep their run); the exit code.
int scaling_only(const std::string &lungfish, const std::string &out_path);

} // namespace lungfish::bench
