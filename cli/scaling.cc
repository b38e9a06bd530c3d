#include "cli/scaling.h"

#include "cli/options.h"
#include "generators/campaigns/parallel.h"

#include "lungfish_git_version.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <unistd.h>

namespace lungfish::cli {

namespace {

/// A decimal number without sign, spaces or suffix, fitting in 32 bits.
bool parse_count(const std::string &s, unsigned &out) {
  if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos)
    return false;
  out = static_cast<unsigned>(std::stoul(s));
  return true;
}

std::string env(const char *name) {
  const char *v = std::getenv(name);
  return v ? v : "";
}

} // namespace

std::string Shard::label() const {
  return std::to_string(index + 1) + "/" + std::to_string(count);
}

nlohmann::json Shard::to_json() const {
  return {{"index", index + 1}, {"count", count}, {"from", source}};
}

bool resolve_shard(const std::string &flag, Shard &out, std::string &error) {
  out = Shard{};
  if (!flag.empty()) {
    size_t slash = flag.find('/');
    unsigned k = 0, n = 0;
    if (slash == std::string::npos || !parse_count(flag.substr(0, slash), k) ||
        !parse_count(flag.substr(slash + 1), n) || n == 0 || k == 0 || k > n) {
      error = "--shard: '" + flag + "' is not K/N with 1 <= K <= N (e.g. 1/4)";
      return false;
    }
    out = Shard{k - 1, n, "--shard"};
    return true;
  }
  // The schedulers' own variables, 0-based indices.
  struct Source {
    const char *index, *count, *min;
  };
  for (Source s : {Source{"SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN"},
                   Source{"GTEST_SHARD_INDEX", "GTEST_TOTAL_SHARDS", nullptr},
                   Source{"JOB_COMPLETION_INDEX", "LUNGFISH_SHARD_COUNT", nullptr}}) {
    std::string i = env(s.index);
    if (i.empty()) continue;
    std::string n = env(s.count), m = s.min ? env(s.min) : "";
    unsigned index = 0, count = 0, min = 0;
    if (!parse_count(i, index) || !parse_count(n, count) || (!m.empty() && !parse_count(m, min)) ||
        index < min || count == 0 || index - min >= count) {
      error = std::string(s.index) + "=" + i + " with " + s.count + "=" +
              (n.empty() ? "(unset)" : n) +
              (m.empty() ? "" : std::string(" and ") + s.min + "=" + m) +
              " is not a shard (pass --shard K/N to override)";
      return false;
    }
    out = Shard{index - min, count, s.index};
    return true;
  }
  return true;
}

std::pair<uint64_t, uint64_t> shard_range(uint64_t n, const Shard &s) {
  // Computed without overflow for any n: floor(n * k / N) as q*k + r*k/N.
  auto cut = [&](uint64_t k) {
    uint64_t q = n / s.count, r = n % s.count;
    return q * k + r * k / s.count;
  };
  return {cut(s.index), cut(s.index + 1)};
}

bool in_shard(uint64_t i, const Shard &s) {
  return i % s.count == s.index;
}

CLI::Option *add_jobs_option(CLI::App &app, unsigned &jobs) {
  jobs = gen::machine_cores();
  return app
      .add_option("--jobs", jobs,
                  "Threads (default: this machine's cores; 1 = sequential); the report is the "
                  "same for any number")
      ->check(kPositive)
      ->type_name("N")
      ->capture_default_str();
}

CLI::Option *add_shard_option(CLI::App &app, std::string &shard, const std::string &what) {
  return app
      .add_option("--shard", shard,
                  "Run part K of N of " + what +
                      " (1 <= K <= N) and report it for `lungfish merge`; without it the part "
                      "comes from SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT, GTEST_SHARD_INDEX/"
                      "GTEST_TOTAL_SHARDS or JOB_COMPLETION_INDEX/LUNGFISH_SHARD_COUNT when set "
                      "(docs/scaling.md)")
      ->type_name("K/N");
}

CLI::Option *add_progress_option(CLI::App &app, double &seconds) {
  seconds = -1;
  return app
      .add_option("--progress", seconds,
                  "Print a progress line (done, rate, ETA) to stderr every SECONDS even when it "
                  "is not a terminal (default: redrawn on a terminal, silent elsewhere; 0: never)")
      ->check(kNonNegative)
      ->type_name("SECONDS");
}

Progress::Progress(std::string what, std::string unit, uint64_t total, double interval_seconds)
    : what_(std::move(what)), unit_(std::move(unit)), total_(total) {
  tty_ = interval_seconds < 0 && isatty(STDERR_FILENO);
  interval_ = interval_seconds < 0 ? 0 : interval_seconds;
  start_ = last_ = std::chrono::steady_clock::now();
  if (enabled()) timer_ = std::thread([this] { tick(); });
}

Progress::~Progress() {
  {
    std::lock_guard lock(mu_);
    finished_ = true;
  }
  wake_.notify_all();
  if (timer_.joinable()) timer_.join();
}

std::string Progress::line() const {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0;
  char buf[256];
  std::string out = what_ + ": " + std::to_string(done_);
  if (total_) {
    std::snprintf(buf, sizeof buf, "/%llu %s (%.1f%%)", static_cast<unsigned long long>(total_),
                  unit_.c_str(), 100.0 * static_cast<double>(done_) / static_cast<double>(total_));
    out += buf;
  } else {
    out += " " + unit_;
  }
  std::snprintf(buf, sizeof buf, ", %.4g %s/s, %.0f s elapsed", rate, unit_.c_str(), elapsed);
  out += buf;
  if (total_ && rate > 0 && done_ < total_) {
    std::snprintf(buf, sizeof buf, ", ETA %.0f s", static_cast<double>(total_ - done_) / rate);
    out += buf;
  }
  return out;
}

void Progress::tick() {
  // A terminal line is redrawn every second (elapsed time and ETA move even when nothing
  // finishes); elsewhere a line every interval.
  auto period = std::chrono::duration<double>(tty_ ? 1.0 : interval_);
  std::unique_lock lock(mu_);
  while (!wake_.wait_for(lock, period, [&] { return finished_; })) {
    if (tty_) {
      std::cerr << "\r" << line() << "\033[K" << std::flush;
      drawn_ = true;
    } else {
      std::cerr << line() << "\n" << std::flush;
    }
    last_ = std::chrono::steady_clock::now();
  }
}

void Progress::update(uint64_t done) {
  std::lock_guard lock(mu_);
  done_ = done;
  if (!tty_) return; // off a terminal the timer prints
  auto now = std::chrono::steady_clock::now();
  if (std::chrono::duration<double>(now - last_).count() < 0.2) return;
  std::cerr << "\r" << line() << "\033[K" << std::flush;
  drawn_ = true;
  last_ = now;
}

void Progress::note(const std::string &text) {
  if (!enabled()) return;
  std::lock_guard lock(mu_);
  if (tty_ && drawn_) std::cerr << "\r\033[K";
  std::cerr << text << "\n" << std::flush;
  drawn_ = false;
}

void Progress::finish() {
  {
    std::lock_guard lock(mu_);
    if (finished_) return;
    finished_ = true;
    if (enabled())
      std::cerr << (tty_ ? "\r" : "") << line() << (tty_ ? "\033[K\n" : "\n") << std::flush;
  }
  wake_.notify_all();
  if (timer_.joinable()) timer_.join();
}

std::string lungfish_version() {
  return std::string(LUNGFISH_VERSION) + " (" + LUNGFISH_GIT_DESCRIBE + ")";
}

} // namespace lungfish::cli
