// What every campaign (`check`, `enumerate`, `mutants`, `verify`, `paper`, `diff`) shares to run
// on every core and across machines: `--jobs N`, `--shard K/N` (or the scheduler's variables),
// `--progress SECONDS` and the progress line itself (docs/scaling.md).
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace lungfish::cli {

/// One part of a campaign split over machines: part `index` (0-based) of `count`.
struct Shard {
  unsigned index = 0, count = 1;
  std::string source; // "--shard", "SLURM_ARRAY_TASK_ID", ...; empty: not sharded
  bool sharded() const { return !source.empty(); }
  /// "2/4" (1-based, as --shard takes it).
  std::string label() const;
  /// {"index": K (1-based), "count": N, "from": source}.
  nlohmann::json to_json() const;
};

/// The shard from `--shard K/N` (1 <= K <= N) if given, else from the scheduler's variables:
/// a Slurm job array (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT),
/// gtest's GTEST_SHARD_INDEX / GTEST_TOTAL_SHARDS, a Kubernetes Indexed Job's
/// JOB_COMPLETION_INDEX with LUNGFISH_SHARD_COUNT (Kubernetes does not export the completions);
/// not sharded if none is set. False and `error` for a malformed value.
bool resolve_shard(const std::string &flag, Shard &out, std::string &error);

/// Part `s` of [0, n) split into s.count contiguous parts, as [begin, end).
std::pair<uint64_t, uint64_t> shard_range(uint64_t n, const Shard &s);

/// True if item i of a list belongs to shard `s` (round robin: i % count == index).
bool in_shard(uint64_t i, const Shard &s);

/// Adds `--jobs N` (threads, default the machine's cores; 1 = sequential) storing into `jobs`.
CLI::Option *add_jobs_option(CLI::App &app, unsigned &jobs);
/// Adds `--shard K/N` storing into `shard`; `what` says what is split ("the programs").
CLI::Option *add_shard_option(CLI::App &app, std::string &shard, const std::string &what);
/// Adds `--progress SECONDS` storing into `seconds` (-1 when absent).
CLI::Option *add_progress_option(CLI::App &app, double &seconds);

/// A progress line on stderr: on a terminal, redrawn in place with the rate and the ETA; with
/// `--progress S`, one line every S seconds wherever stderr goes (CI logs, files), printed by a
/// timer even while no unit finishes (a long proof); else silent. Thread-safe.
class Progress {
public:
  /// `what` names the command ("check"), `unit` what is counted ("programs").
  Progress(std::string what, std::string unit, uint64_t total, double interval_seconds);
  ~Progress();
  Progress(const Progress &) = delete;
  Progress &operator=(const Progress &) = delete;
  /// Reports `done` units finished; redraws the terminal line if it is due.
  void update(uint64_t done);
  /// Prints a last line (terminal: ends the redrawn line) and stops the timer.
  void finish();
  /// A line of text (a mutant's verdict): printed when progress is shown.
  void note(const std::string &line);
  bool enabled() const { return tty_ || interval_ > 0; }

private:
  std::string line() const; // the caller holds mu_
  void tick();              // the timer thread
  std::string what_, unit_;
  uint64_t total_ = 0, done_ = 0;
  double interval_ = 0;
  bool tty_ = false, drawn_ = false, finished_ = false;
  std::chrono::steady_clock::time_point start_, last_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::thread timer_;
};

/// The lungfish version and the build's `git describe`: "0.1.0 (f2587ed)".
std::string lungfish_version();

} // namespace lungfish::cli
