// Campaigns on every core, measured through the commands users type: `lungfish check`,
// `mutants` and `verify` at --jobs 1, 2 and the machine's cores, wall clock, one run each; the
// speed-up is the ratio of two wall clocks of this one run (docs/performance.md). Each run's
// --json report is kept and compared with the --jobs 1 report (timings aside): a speed-up with
// another report would not count.
#include "bench/cli_bench.h"
#include "bench/trace_files.h"

#include "model/io/atomic_file.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <thread>

namespace lungfish::bench {

namespace {

using Json = nlohmann::ordered_json;

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

nlohmann::json report(const std::string &path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    nlohmann::json j = nlohmann::json::parse(ss.str());
    // Timings are the only part allowed to differ.
    std::function<void(nlohmann::json &)> strip = [&](nlohmann::json &x) {
      if (x.is_object()) {
        x.erase("seconds");
        for (auto &[k, v] : x.items())
          strip(v);
      } else if (x.is_array()) {
        for (auto &v : x)
          strip(v);
      }
    };
    strip(j);
    return j;
  } catch (const std::exception &) {
    return nullptr;
  }
}

/// The 1-minute load average (the machine is shared: a speed-up needs idle cores to show).
double load_average() {
  std::ifstream in("/proc/loadavg");
  double v = -1;
  in >> v;
  return v;
}

} // namespace

Json measure_scaling(const std::string &lungfish, const std::string &dir,
                     std::vector<CliFigure> &rows) {
  std::filesystem::create_directories(dir);
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  std::vector<unsigned> jobs = {1, 2};
  if (cores > 2) jobs.push_back(cores);
  struct Campaign {
    std::string name, args;
  };
  const Campaign campaigns[] = {
      {"check", "check --seed 1 --count 200000 --save-failures " + dir + "/failures"},
      {"mutants", "mutants --budget-programs 20000 --no-z3 --out-dir " + dir + "/mutants"},
      {"verify", "verify --objects 3 --regions 2 --fields 2 --steps 3 --induction"},
  };
  Json out;
  out["cores"] = cores;
  out["load_average_before"] = load_average();
  for (const Campaign &c : campaigns) {
    Json series = Json::array();
    double base = 0;
    nlohmann::json base_report;
    bool same = true;
    for (unsigned j : jobs) {
      std::string file = dir + "/" + c.name + "-" + std::to_string(j) + ".json";
      CommandTiming t = time_command(
          {"/bin/sh", "-c",
           "exec \"$0\" " + c.args + " --jobs " + std::to_string(j) + " --json > " + file,
           lungfish});
      nlohmann::json r = report(file);
      if (j == 1) {
        base = t.wall;
        base_report = r;
      }
      same = same && r == base_report && !r.is_null();
      double speedup = base / t.wall;
      series.push_back({{"jobs", j},
                        {"wall_seconds", t.wall},
                        {"cpu_seconds", t.cpu},
                        {"exit_code", t.exit_code},
                        {"speedup", speedup}});
      if (j == 1) continue;
      double goal = 0.8 * j;
      rows.push_back({"cli: campaigns on every core (" + std::to_string(cores) + " cores)",
                      c.name + ": speed-up --jobs " + std::to_string(j) + " / --jobs 1", speedup,
                      "x", ">= " + num(goal),
                      (speedup >= goal ? std::string("met") : "MISSED") + "; wall " + num(t.wall) +
                          " s vs " + num(base) + " s; load " + num(load_average()) + "; report " +
                          (r == base_report ? "identical" : "DIFFERENT")});
    }
    out[c.name] = {{"command", "lungfish " + c.args + " --jobs J --json"},
                   {"series", series},
                   {"reports_identical", same}};
  }
  out["load_average_after"] = load_average();
  return out;
}

/// `--only-scaling`: the campaigns' speed-ups alone, written into the "scaling" figures and the
/// matching table rows of an existing results file (the other sections keep their run).
int scaling_only(const std::string &lungfish, const std::string &out_path) {
  std::vector<CliFigure> rows;
  Json scaling = measure_scaling(lungfish, scratch_dir() + "/scaling", rows);
  Json all = Json::object();
  if (!out_path.empty()) {
    std::ifstream in(out_path);
    if (in) {
      try {
        all = Json::parse(in);
      } catch (const std::exception &) {
        all = Json::object();
      }
    }
  }
  all["figures"]["scaling"] = scaling;
  Json table = Json::array();
  for (const Json &r : all.value("table", Json::array()))
    if (r.value("section", "").rfind("cli: campaigns on every core", 0) != 0) table.push_back(r);
  std::printf("%-58s %12s %-7s %-10s %s\n", "figure", "value", "unit", "target", "verdict / note");
  for (const CliFigure &f : rows) {
    table.push_back({{"section", f.section},
                     {"figure", f.figure},
                     {"value", f.value},
                     {"unit", f.unit},
                     {"target", f.target},
                     {"verdict", f.verdict}});
    std::printf("  %-56s %12s %-7s %-10s %s\n", f.figure.c_str(), num(f.value).c_str(),
                f.unit.c_str(), f.target.c_str(), f.verdict.c_str());
  }
  all["table"] = table;
  std::error_code ec;
  std::filesystem::remove_all(scratch_dir(), ec);
  if (out_path.empty()) return 0;
  std::string error;
  if (!write_file_atomically(out_path, all.dump(2) + "\n", error)) {
    std::cerr << "lungfish_bench: " << error << "\n";
    return 2;
  }
  std::printf("results: %s\n", out_path.c_str());
  return 0;
}

} // namespace lungfish::bench
