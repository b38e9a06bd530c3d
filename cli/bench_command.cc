// `lungfish bench`: the benchmarks of bench/, reported as ratios taken in one run.
//
// The measurements live in the lungfish_bench binary (Google Benchmark), which `bench/run` also
// runs; this command execs it so that the CLI does not link Google Benchmark and both entry points
// print the same table.
#include "cli/commands.h"
#include "cli/options.h"

#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

namespace lungfish::cli {

namespace {

struct BenchOptions {
  std::string frankenscript;
  bool json = false;
};

/// The lungfish_bench binary: $LUNGFISH_BENCH_BINARY, else beside this executable in a build tree
/// (bench/lungfish_bench) or an install (lungfish_bench); empty if none exists.
std::string find_bench_binary() {
  namespace fs = std::filesystem;
  if (const char *env = std::getenv("LUNGFISH_BENCH_BINARY"); env && *env) return env;
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  for (const fs::path &p :
       {self.parent_path() / "bench" / "lungfish_bench", self.parent_path() / "lungfish_bench"})
    if (fs::is_regular_file(p, ec) && access(p.c_str(), X_OK) == 0) return p.string();
  return "";
}

/// Execs the benchmark binary (returns only if that fails: exit 2).
int bench_command(const BenchOptions &o) {
  std::string exe = find_bench_binary();
  if (exe.empty()) {
    std::cerr << "lungfish bench: the benchmark binary lungfish_bench was not found beside this "
                 "executable (build with -DLUNGFISH_BENCH=ON and Google Benchmark installed, or "
                 "set LUNGFISH_BENCH_BINARY)\n";
    return kExitUsage;
  }
  std::vector<std::string> args{exe, "--benchmark_min_time=0.1", "--benchmark_color=false"};
  if (o.json) args.push_back("--json");
  if (!o.frankenscript.empty()) args.insert(args.end(), {"--frankenscript", o.frankenscript});
  std::vector<char *> argv;
  for (std::string &a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  std::cout.flush();
  std::cerr.flush();
  execv(exe.c_str(), argv.data());
  std::cerr << "lungfish bench: cannot run " << exe << "\n";
  return kExitUsage;
}

} // namespace

void add_bench_command(CLI::App &app, Handler &handler) {
  auto o = std::make_shared<BenchOptions>();
  CLI::App *sub = app.add_subcommand(
      "bench", "Run the benchmarks (model steps/s, replay vs parse, checking cost) as ratios "
               "taken in one run (runs the lungfish_bench binary built from bench/)");
  sub->add_option("--frankenscript", o->frankenscript,
                  "FrankenScript binary: run the same programs through it and the model and "
                  "report the ratio (skipped with a message when not given)")
      ->check(CLI::ExistingFile)
      ->type_name("PATH");
  sub->add_flag("--json", o->json, "Print one JSON object (every figure, for the paper)");
  sub->callback([o, &handler] { handler = [o] { return bench_command(*o); }; });
}

} // namespace lungfish::cli
