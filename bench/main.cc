// lungfish_bench: runs every benchmark of bench/ (Google Benchmark), then the measurements that
// are not microbenchmarks (peak RSS of a long replay in a child process, the FrankenScript
// comparison), and prints one table whose ratios all come from this one run. Timings go to
// stdout and to the --out file (bench/results.json), never into tests.
//
//   lungfish_bench [--json] [--out FILE] [--frankenscript PATH] [--rss-budget S]
//                  [--lungfish PATH | --no-cli]
//                  [--benchmark_min_time=0.1] [--benchmark_filter=...]   (Google Benchmark flags)
#include "bench/cli_bench.h"
#include "bench/frankenscript_bench.h"
#include "bench/trace_files.h"
#include "bench/workloads.h"

#include "model/io/atomic_file.h"
#include "model/render/render.h"
#include "traces/replay/replay.h"

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace lungfish::bench {

namespace {

using Json = nlohmann::ordered_json;

/// One measured benchmark run: CPU seconds per iteration and the user counters.
struct Result {
  std::string name;
  double cpu_seconds = 0;  // per iteration
  double real_seconds = 0; // per iteration (manual time where the benchmark sets it)
  int64_t iterations = 0;
  std::map<std::string, double> counters;
  std::string label;
  std::string error;
};

/// Keeps every run for the table, and shows the usual console output (on stderr with --json).
class Collector : public benchmark::ConsoleReporter {
public:
  std::map<std::string, Result> results;
  void ReportRuns(const std::vector<Run> &runs) override {
    for (const Run &r : runs) {
      if (r.run_type != Run::RT_Iteration) continue;
      Result x;
      x.name = r.run_name.function_name + (r.run_name.args.empty() ? "" : "/" + r.run_name.args);
      x.iterations = static_cast<int64_t>(r.iterations);
      double n = r.iterations ? static_cast<double>(r.iterations) : 1.0;
      x.cpu_seconds = r.cpu_accumulated_time / n;
      x.real_seconds = r.real_accumulated_time / n;
      for (const auto &[k, c] : r.counters)
        x.counters[k] = c.value;
      x.label = r.report_label;
      if (r.error_occurred) x.error = r.error_message;
      results[x.name] = x;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  const Result *find(const std::string &name) const {
    auto it = results.find(name);
    return it == results.end() || !it->second.error.empty() ? nullptr : &it->second;
  }
  std::optional<double> counter(const std::string &name, const std::string &c) const {
    const Result *r = find(name);
    if (!r) return std::nullopt;
    auto it = r->counters.find(c);
    if (it == r->counters.end()) return std::nullopt;
    return it->second;
  }
};

// ---- the peak RSS of a long native replay, measured in a child process ----

struct RssPoint {
  uint64_t events = 0;
  uint64_t file_bytes = 0;
  double seconds = 0;     // CPU seconds of the child (read + replay)
  double peak_rss_mb = 0; // the child's VmHWM after exec
  bool clean = false;
};

/// Child mode: replays `path`, prints "events seconds clean peak-kB" and exits; a fresh process,
/// so nothing else of the benchmark binary's heap is counted. The parent takes the CPU time from
/// wait4.
int rss_child(const std::string &path) {
  auto t0 = std::chrono::steady_clock::now();
  std::string profile;
  auto source = traces::open_native_source(path, &profile);
  traces::ReplayOptions ro;
  ro.profile = Profile::Lungfish;
  auto report = traces::replay_stream(*source, ro, path);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // VmHWM, not the parent's ru_maxrss of the child: that would count the pages the child shared
  // with the (big) benchmark process between fork and exec; exec starts a new mm, so VmHWM is the
  // replay's own peak.
  long hwm_kb = 0;
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmHWM:", 0) == 0) hwm_kb = std::atol(line.c_str() + 6);
  std::printf("%u %.6f %d %ld\n", report.events, s, report.clean() ? 1 : 0, hwm_kb);
  return 0;
}

std::string self_exe() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("lungfish_bench") : p.string();
}

std::optional<RssPoint> rss_measure(const std::string &path) {
  int pipefd[2];
  if (pipe(pipefd) != 0) return std::nullopt;
  std::string exe = self_exe();
  pid_t pid = fork();
  if (pid < 0) return std::nullopt;
  if (pid == 0) {
    dup2(pipefd[1], STDOUT_FILENO);
    close(pipefd[0]);
    close(pipefd[1]);
    execl(exe.c_str(), exe.c_str(), "--rss-child", path.c_str(), static_cast<char *>(nullptr));
    _exit(127);
  }
  close(pipefd[1]);
  std::string out;
  char buf[256];
  for (ssize_t n; (n = read(pipefd[0], buf, sizeof buf)) > 0;)
    out.append(buf, static_cast<size_t>(n));
  close(pipefd[0]);
  int status = 0;
  struct rusage ru {};
  if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return std::nullopt;
  RssPoint p;
  int clean = 0;
  std::istringstream is(out);
  double wall = 0;
  long hwm_kb = 0;
  is >> p.events >> wall >> clean >> hwm_kb;
  p.clean = clean == 1;
  p.peak_rss_mb = static_cast<double>(hwm_kb) / 1024.0;
  // CPU time, not the child's wall clock: the machine is shared.
  p.seconds = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
              static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
  p.file_bytes = file_size(path);
  return p;
}

/// Replays bare native traces (no snapshots: 20 statements a block) of growing length while the
/// next size is predicted to fit in the budget (the replay's CPU time is extrapolated with the
/// growth exponent of the last two sizes, since it is not linear); each in a fresh child process.
std::vector<RssPoint> rss_series(double budget_seconds) {
  std::vector<RssPoint> out;
  double spent = 0;
  size_t last_blocks = 0;
  for (size_t blocks : {100u, 250u, 500u, 1000u, 2500u, 5000u, 25000u, 50000u, 500000u}) {
    if (!out.empty()) {
      double alpha = 1;
      if (out.size() >= 2 && out[out.size() - 2].seconds > 0)
        alpha = std::log(out.back().seconds / out[out.size() - 2].seconds) /
                std::log(static_cast<double>(out.back().events) /
                         static_cast<double>(out[out.size() - 2].events));
      double predicted = out.back().seconds *
                         std::pow(static_cast<double>(blocks) / static_cast<double>(last_blocks),
                                  std::max(1.0, alpha));
      if (spent + predicted > budget_seconds) break;
    }
    auto t0 = std::chrono::steady_clock::now();
    std::string path = scratch_dir() + "/long." + std::to_string(blocks) + ".trace.jsonl";
    write_native_trace(path, blocks, false);
    auto p = rss_measure(path);
    std::filesystem::remove(path);
    spent += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!p) break;
    out.push_back(*p);
    last_blocks = blocks;
  }
  return out;
}

// ---- the table ----

std::string fmt(double v, int digits = 3) {
  if (!std::isfinite(v)) return "-";
  char buf[64];
  double a = std::fabs(v);
  if (a != 0 && (a >= 1e6 || a < 1e-2))
    std::snprintf(buf, sizeof buf, "%.*e", digits - 1, v);
  else
    std::snprintf(buf, sizeof buf, "%.*g", digits + 1, v);
  return buf;
}

struct Row {
  std::string section, figure;
  double value = NAN;
  std::string unit;
  std::string target;  // "" if none
  std::string verdict; // "met", "MISSED by x", "n/a"
};

std::string verdict_at_least(double v, double target) {
  if (!std::isfinite(v)) return "not measured";
  if (v >= target) return "met";
  return "MISSED (" + fmt(target / v, 2) + "x short)";
}
std::string verdict_at_most(double v, double target) {
  if (!std::isfinite(v)) return "not measured";
  if (v <= target) return "met";
  return "MISSED (" + fmt(v / target, 2) + "x over)";
}

double opt(const std::optional<double> &v) {
  return v ? *v : NAN;
}

} // namespace

int bench_main(int argc, char **argv) {
  std::string out_path, frankenscript;
  bool json = false;
  double rss_budget = 60;
  bool cli = true, only_scaling = false;
  std::string lungfish = LUNGFISH_BINARY; // the `lungfish` of this build (the CLI section)
  std::vector<char *> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char *flag) -> std::optional<std::string> {
      std::string f = flag;
      if (a == f && i + 1 < argc) return std::string(argv[++i]);
      if (a.rfind(f + "=", 0) == 0) return a.substr(f.size() + 1);
      return std::nullopt;
    };
    if (a == "--rss-child" && i + 1 < argc) return rss_child(argv[i + 1]);
    if (a == "--json")
      json = true;
    else if (auto v = value("--out"))
      out_path = *v;
    else if (auto v = value("--frankenscript"))
      frankenscript = *v;
    else if (auto v = value("--rss-budget"))
      rss_budget = std::atof(v->c_str());
    else if (auto v = value("--lungfish"))
      lungfish = *v;
    else if (a == "--no-cli")
      cli = false;
    else if (a == "--only-scaling")
      only_scaling = true;
    else if (a == "--help" || a == "-h") {
      std::cout << "usage: lungfish_bench [--json] [--out FILE] [--frankenscript PATH] "
                   "[--rss-budget SECONDS] [--lungfish PATH | --no-cli] [--only-scaling] "
                   "[Google Benchmark flags]\n"
                   "--only-scaling: time only the campaigns at --jobs 1, 2 and all cores, and "
                   "replace that section of --out FILE, keeping the rest\n";
      return 0;
    } else
      rest.push_back(argv[i]);
  }
  if (only_scaling) return scaling_only(lungfish, out_path);
  int rargc = static_cast<int>(rest.size());
  benchmark::Initialize(&rargc, rest.data());
  if (benchmark::ReportUnrecognizedArguments(rargc, rest.data())) return 2;

  Collector collector;
  if (json) collector.SetOutputStream(&std::cerr);
  benchmark::RunSpecifiedBenchmarks(&collector);
  benchmark::Shutdown();

  std::vector<Row> rows;
  Json figures;

  // Model steps per second.
  const char *wl[] = {"local", "region", "freeze_cown"};
  for (int w = 0; w < 3; ++w) {
    auto name = [&](int c) {
      return "BM_Model/workload:" + std::to_string(w) + "/checking:" + std::to_string(c);
    };
    double off = opt(collector.counter(name(0), "statements_per_s"));
    double full = opt(collector.counter(name(1), "statements_per_s"));
    double run = opt(collector.counter(name(2), "statements_per_s"));
    double inc = opt(collector.counter(name(3), "statements_per_s"));
    double mon = opt(collector.counter(name(4), "statements_per_s"));
    double steps_off = opt(collector.counter(name(0), "steps_per_s"));
    std::string s = std::string("model: ") + wl[w];
    rows.push_back({s, "statements/s, checking off", off, "stmt/s", w == 0 ? ">= 1e7" : "",
                    w == 0 ? verdict_at_least(off, 1e7) : ""});
    rows.push_back({s, "primitives/s, checking off", steps_off, "steps/s", "", ""});
    rows.push_back({s, "statements/s, full check_state each statement", full, "stmt/s", "", ""});
    rows.push_back({s, "statements/s, incremental check each statement", inc, "stmt/s",
                    w == 1 ? ">= 1e6" : "", w == 1 ? verdict_at_least(inc, 1e6) : ""});
    rows.push_back(
        {s, "statements/s, full + I15 on a World copy (--check full)", run, "stmt/s", "", ""});
    rows.push_back(
        {s, "statements/s, the monitor as `run` (incremental + I15)", mon, "stmt/s", "", ""});
    rows.push_back({s, "slowdown full/off", off / full, "x", "", ""});
    rows.push_back({s, "slowdown incremental/off", off / inc, "x", "", ""});
    figures["model"][wl[w]] = {{"statements_per_s_off", off},
                               {"steps_per_s_off", steps_off},
                               {"statements_per_s_full", full},
                               {"statements_per_s_run", run},
                               {"statements_per_s_incremental", inc},
                               {"statements_per_s_monitor", mon},
                               {"slowdown_incremental_over_off", off / inc},
                               {"slowdown_full_over_off", off / full}};
  }

  // Checking cost as the heap grows.
  for (int kind = 0; kind < 2; ++kind) {
    std::string k = kind ? "regions" : "local";
    Json series = Json::array();
    double first = NAN, last = NAN;
    double stmt_first = NAN, stmt_last = NAN, inc_first = NAN, inc_last = NAN;
    for (int64_t n : {1000, 10000, 100000, 1000000}) {
      std::string base = "BM_HeapStatement/heap:" + std::to_string(kind) +
                         "/objects:" + std::to_string(n) + "/checked:";
      double check = opt(collector.counter(base + "1", "check_ns"));
      double stmt = opt(collector.counter(base + "0", "stmt_ns"));
      double stmt_cold = opt(collector.counter(base + "1", "stmt_ns"));
      double live = opt(collector.counter(base + "1", "live_objects"));
      double inc = opt(collector.counter(base + "2", "check_ns"));
      if (n == 1000) first = check, stmt_first = stmt, inc_first = inc;
      if (n == 1000000) last = check, stmt_last = stmt, inc_last = inc;
      rows.push_back({"heap growth: " + k,
                      "objects=" + fmt(live, 3) + ": incremental check per statement", inc, "ns",
                      "", ""});
      rows.push_back({"heap growth: " + k, "objects=" + fmt(live, 3) + ": full check per statement",
                      check, "ns", "",
                      "statement alone " + fmt(stmt, 3) + " ns (" + fmt(stmt_cold, 3) +
                          " ns right after a check)"});
      series.push_back({{"objects", n},
                        {"live_objects", live},
                        {"statement_ns", stmt},
                        {"statement_after_check_ns", stmt_cold},
                        {"full_check_ns", check},
                        {"incremental_check_ns", inc}});
    }
    rows.push_back({"heap growth: " + k, "statement alone ratio 1e6/1e3 objects",
                    stmt_last / stmt_first, "x", "flat", ""});
    rows.push_back({"heap growth: " + k, "full check ratio 1e6/1e3 objects", last / first, "x", "",
                    "linear in the heap, as expected"});
    rows.push_back({"heap growth: " + k, "incremental check ratio 1e6/1e3 objects",
                    inc_last / inc_first, "x", "<= 2", verdict_at_most(inc_last / inc_first, 2)});
    figures["heap_growth"][k] = {{"series", series},
                                 {"statement_ratio_1e6_over_1e3", stmt_last / stmt_first},
                                 {"full_check_ratio_1e6_over_1e3", last / first},
                                 {"incremental_check_ratio_1e6_over_1e3", inc_last / inc_first}};
  }

  // Random programs.
  if (collector.results.count("BM_Generate/raw:0")) {
    double gen_b = opt(collector.counter("BM_Generate/raw:0", "programs_per_s"));
    double gen_r = opt(collector.counter("BM_Generate/raw:1", "programs_per_s"));
    double run_b = opt(collector.counter("BM_RunChecked/raw:0", "programs_per_s"));
    double run_r = opt(collector.counter("BM_RunChecked/raw:1", "programs_per_s"));
    double chk_b = opt(collector.counter("BM_CheckProgram/raw:0", "programs_per_s"));
    double chk_r = opt(collector.counter("BM_CheckProgram/raw:1", "programs_per_s"));
    double both = opt(collector.counter("BM_GenerateAndCheck", "programs_per_s"));
    double stmts = opt(collector.counter("BM_GenerateAndCheck", "statements_per_s"));
    // The target counts generation and execution with the full checker, not the extra
    // properties of `check` (atomicity, determinism, round trip): 1 / (1/gen + 1/run).
    double gen_mix = 1 / (0.8 / gen_b + 0.2 / gen_r), run_mix = 1 / (0.8 / run_b + 0.2 / run_r);
    double target_figure = 1 / (1 / gen_mix + 1 / run_mix);
    rows.push_back({"random programs (20 stmts)", "generation only, biased / raw", gen_b, "prog/s",
                    "", "raw " + fmt(gen_r)});
    rows.push_back({"random programs (20 stmts)", "run + full check only, biased / raw", run_b,
                    "prog/s", "", "raw " + fmt(run_r)});
    rows.push_back({"random programs (20 stmts)", "check_program (all properties), biased / raw",
                    chk_b, "prog/s", "", "raw " + fmt(chk_r)});
    rows.push_back({"random programs (20 stmts)", "generation + full check (4:1 mix)",
                    target_figure, "prog/s", ">= 50000", verdict_at_least(target_figure, 5e4)});
    rows.push_back({"random programs (20 stmts)", "generation + check_program, as `check`", both,
                    "prog/s", "", fmt(stmts) + " stmt/s"});
    figures["random"] = {{"generate_biased_per_s", gen_b},
                         {"generate_raw_per_s", gen_r},
                         {"run_checked_biased_per_s", run_b},
                         {"run_checked_raw_per_s", run_r},
                         {"check_program_biased_per_s", chk_b},
                         {"check_program_raw_per_s", chk_r},
                         {"generate_plus_full_check_per_s", target_figure},
                         {"generate_plus_check_program_per_s", both}};
  } else {
#ifdef LUNGFISH_HAVE_GENERATORS
    rows.push_back({"random programs", "not run", NAN, "", "", "filtered out"});
#else
    rows.push_back({"random programs", "skipped", NAN, "", "", "generators/ not built"});
#endif
  }

  // Solver time per (operation, invariant) pair and its growth with the bound (issue 5).
  if (collector.find("BM_VerifyPair/induction:0/bound:0/op:0")) {
    const char *ops[] = {"drop", "store", "freeze"};
    for (int ind = 0; ind < 2; ++ind)
      for (int op = 0; op < 3; ++op) {
        auto name = [&](int b) {
          return "BM_VerifyPair/induction:" + std::to_string(ind) + "/bound:" + std::to_string(b) +
                 "/op:" + std::to_string(op);
        };
        double small = opt(collector.counter(name(0), "seconds_per_pair"));
        double big = opt(collector.counter(name(1), "seconds_per_pair"));
        std::string sec = std::string("verify: ") + (ind ? "induction" : "bmc, 2 steps");
        rows.push_back(
            {sec, std::string(ops[op]) + ": s/pair at 2 objects, 1 region", small, "s", "", ""});
        rows.push_back({sec, std::string(ops[op]) + ": s/pair at 3 objects, 2 regions", big, "s",
                        "", "growth " + fmt(big / small, 3) + "x"});
        figures["verify"][ind ? "induction" : "bmc_2_steps"][ops[op]] = {
            {"seconds_per_pair_2_1_2", small},
            {"seconds_per_pair_3_2_2", big},
            {"growth", big / small}};
      }
  }

  // Replay vs parse.
  for (int snaps = 1; snaps >= 0; --snaps) {
    std::string a = "/snapshots:" + std::to_string(snaps);
    const Result *parse = collector.find("BM_NativeParseOnly" + a);
    const Result *read = collector.find("BM_NativeRead" + a);
    const Result *replay = collector.find("BM_NativeReplay" + a);
    double ev = opt(collector.counter("BM_NativeReplay" + a, "events_per_s"));
    double ratio = parse && replay ? replay->cpu_seconds / parse->cpu_seconds : NAN;
    double read_ratio = parse && read ? read->cpu_seconds / parse->cpu_seconds : NAN;
    std::string s = snaps ? "replay: native, snapshot per event" : "replay: native, no snapshots";
    rows.push_back({s, "replay events/s", ev, "ev/s", ">= 1e6", verdict_at_least(ev, 1e6)});
    rows.push_back({s, "parse-only (nlohmann) events/s",
                    opt(collector.counter("BM_NativeParseOnly" + a, "events_per_s")), "ev/s", "",
                    ""});
    rows.push_back({s, "time replay / parse-only", ratio, "x", "<= 2", verdict_at_most(ratio, 2)});
    rows.push_back({s, "time reader / parse-only", read_ratio, "x", "", ""});
    figures["replay_native"][snaps ? "snapshots" : "bare"] = {
        {"replay_events_per_s", ev},
        {"parse_events_per_s", opt(collector.counter("BM_NativeParseOnly" + a, "events_per_s"))},
        {"replay_over_parse", ratio},
        {"reader_over_parse", read_ratio},
        {"events", opt(collector.counter("BM_NativeReplay" + a, "events"))},
        {"file_bytes", opt(collector.counter("BM_NativeReplay" + a, "file_bytes"))}};
  }
  {
    const Result *parse = collector.find("BM_MermaidParseOnly");
    const Result *replay = collector.find("BM_MermaidReplay");
    double bytes = opt(collector.counter("BM_MermaidReplay", "file_bytes"));
    double mb_replay = replay ? bytes / replay->cpu_seconds / 1e6 : NAN;
    double mb_parse = parse ? bytes / parse->cpu_seconds / 1e6 : NAN;
    double ratio = parse && replay ? replay->cpu_seconds / parse->cpu_seconds : NAN;
    rows.push_back({"replay: mermaid.md", "replay MB/s", mb_replay, "MB/s", "", ""});
    rows.push_back(
        {"replay: mermaid.md", "parse-only (MermaidReader) MB/s", mb_parse, "MB/s", "", ""});
    rows.push_back({"replay: mermaid.md", "time replay / parse-only", ratio, "x", "", ""});
    figures["replay_mermaid"] = {{"replay_mb_per_s", mb_replay},
                                 {"parse_mb_per_s", mb_parse},
                                 {"replay_over_parse", ratio},
                                 {"file_bytes", bytes}};
  }

  // Peak RSS of long replays.
  if (rss_budget > 0) {
    auto series = rss_series(rss_budget);
    Json js = Json::array();
    for (const RssPoint &p : series) {
      rows.push_back({"replay memory (native, bare)",
                      "events=" + fmt(static_cast<double>(p.events)) + ": peak RSS", p.peak_rss_mb,
                      "MB", "", fmt(p.seconds) + " s" + (p.clean ? "" : " (NOT clean)")});
      js.push_back({{"events", p.events},
                    {"file_bytes", p.file_bytes},
                    {"seconds", p.seconds},
                    {"peak_rss_mb", p.peak_rss_mb},
                    {"clean", p.clean}});
    }
    Json rss = {{"series", js}};
    if (series.size() >= 2) {
      const RssPoint &a = series[series.size() - 2], &b = series.back();
      double per_event = (b.peak_rss_mb - a.peak_rss_mb) / static_cast<double>(b.events - a.events);
      double at_1e7 = b.peak_rss_mb + per_event * (1e7 - static_cast<double>(b.events));
      double alpha = std::log(b.seconds / a.seconds) /
                     std::log(static_cast<double>(b.events) / static_cast<double>(a.events));
      double secs_1e7 = b.seconds * std::pow(1e7 / static_cast<double>(b.events), alpha);
      rows.push_back({"replay memory (native, bare)", "extrapolated peak RSS at 1e7 events", at_1e7,
                      "MB", "flat in length",
                      fmt(per_event * 1024 * 1024, 3) + " bytes/event; time ~ n^" + fmt(alpha, 2) +
                          ", ~" + fmt(secs_1e7) + " CPU s at 1e7"});
      rss["bytes_per_event"] = per_event * 1024 * 1024;
      rss["extrapolated_peak_rss_mb_1e7"] = at_1e7;
      rss["extrapolated_seconds_1e7"] = secs_1e7;
      rss["time_growth_exponent"] = alpha;
      rss["note"] = "RSS extrapolated linearly, CPU time with the growth exponent, from the two "
                    "largest sizes that fit the budget";
    }
    figures["replay_rss"] = rss;
  }

  // The commands themselves, through the binary.
  if (cli) {
    std::vector<CliFigure> cli_rows;
    figures["cli"] = measure_cli(lungfish, scratch_dir() + "/cli", cli_rows);
    figures["scaling"] = measure_scaling(lungfish, scratch_dir() + "/scaling", cli_rows);
    for (const CliFigure &f : cli_rows)
      rows.push_back({f.section, f.figure, f.value, f.unit, f.target, f.verdict});
  } else {
    rows.push_back({"cli", "skipped", NAN, "", "", "--no-cli"});
  }

  // FrankenScript side by side.
  if (frankenscript.empty()) {
    rows.push_back({"frankenscript", "skipped", NAN, "", "", "no --frankenscript PATH given"});
    figures["frankenscript"] = {{"skipped", "no --frankenscript PATH given"}};
  } else {
    Json fsj = Json::array();
    for (Workload w : {Workload::LocalChurn, Workload::RegionHeavy}) {
      SideBySide r = compare_frankenscript(frankenscript, w, 200);
      if (!r.ok) {
        rows.push_back({"frankenscript", r.workload, NAN, "", "", "failed: " + r.error});
        fsj.push_back({{"workload", r.workload}, {"error", r.error}});
        continue;
      }
      rows.push_back({"frankenscript", r.workload + ": time FS / model (checked)",
                      r.frankenscript_seconds / r.model_seconds, "x", "", ""});
      rows.push_back({"frankenscript", r.workload + ": time FS / model writing mermaid.md",
                      r.frankenscript_seconds / r.model_mermaid_seconds, "x", "", ""});
      fsj.push_back({{"workload", r.workload},
                     {"statements", r.statements},
                     {"frankenscript_seconds", r.frankenscript_seconds},
                     {"model_seconds", r.model_seconds},
                     {"model_mermaid_seconds", r.model_mermaid_seconds}});
    }
    figures["frankenscript"] = fsj;
  }

  Json all;
  all["note"] = "ratios are taken within this one run; CPU time per iteration unless marked; the "
                "machine is shared, expect 10-30% noise on absolute figures";
  all["incremental_checking"] =
      "checker/incremental/incremental.h: same verdicts as the full checker "
      "(tests/checker/incremental/incremental_test.cc)";
  all["figures"] = figures;
  Json table = Json::array();
  for (const Row &r : rows)
    table.push_back({{"section", r.section},
                     {"figure", r.figure},
                     {"value", r.value},
                     {"unit", r.unit},
                     {"target", r.target},
                     {"verdict", r.verdict}});
  all["table"] = table;
  Json raw = Json::object();
  for (const auto &[name, r] : collector.results)
    raw[name] = {{"cpu_seconds_per_iteration", r.cpu_seconds},
                 {"real_seconds_per_iteration", r.real_seconds},
                 {"iterations", r.iterations},
                 {"label", r.label},
                 {"counters", r.counters},
                 {"error", r.error}};
  all["benchmarks"] = raw;

  if (!out_path.empty()) {
    // Written next to the target and renamed, so a reader never sees half a file.
    std::string error;
    if (!write_file_atomically(out_path, all.dump(2) + "\n", error)) {
      std::cerr << "lungfish_bench: " << error << "\n";
      return 2;
    }
  }
  if (json) {
    std::cout << all.dump(2) << "\n";
  } else {
    std::string section;
    std::printf("\n%-58s %12s %-7s %-22s %s\n", "figure", "value", "unit", "target",
                "verdict / note");
    for (const Row &r : rows) {
      if (r.section != section) std::printf("-- %s\n", (section = r.section).c_str());
      std::printf("  %-56s %12s %-7s %-22s %s\n", r.figure.c_str(), fmt(r.value).c_str(),
                  r.unit.c_str(), r.target.c_str(), r.verdict.c_str());
    }
    std::printf(
        "\nincremental checks: checker/incremental/incremental.h (same verdicts as check_state, "
        "tests/checker/incremental/incremental_test.cc); full checks: check_state.\n");
    if (!out_path.empty()) std::printf("results: %s\n", out_path.c_str());
  }
  std::error_code ec;
  std::filesystem::remove_all(scratch_dir(), ec);
  return 0;
}

} // namespace lungfish::bench

int main(int argc, char **argv) {
  return lungfish::bench::bench_main(argc, argv);
}
