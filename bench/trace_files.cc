#include "bench/trace_files.h"

#include "bench/workloads.h"
#include "model/render/render.h"
#include "traces/formats/native_trace.h"
#include "traces/snapshot.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

namespace lungfish::bench {

const std::string &scratch_dir() {
  static const std::string dir = [] {
    const char *tmp = std::getenv("TMPDIR");
    std::string d = std::string(tmp && *tmp ? tmp : "/tmp") + "/lungfish-bench-" +
                    std::to_string(static_cast<long>(getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

uint64_t file_size(const std::string &path) {
  std::error_code ec;
  auto n = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<uint64_t>(n);
}

namespace {

/// The statement text of event `e`: `Line N: <text>` without its prefix.
std::string statement_text(const std::string &message) {
  auto colon = message.find(": ");
  return colon == std::string::npos ? message : message.substr(colon + 2);
}

} // namespace

uint64_t write_native_trace(const std::string &path, size_t blocks, bool snapshots) {
  auto program = compile_text(workload_text(Workload::RegionHeavy, blocks));
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + path);
  traces::NativeTraceWriter writer(out, traces::TraceHeader{1, "lungfish", "lungfish"});
  MachineOptions mo;
  mo.record_history = false;
  Machine m(program, mo);
  uint64_t events = 0;
  traces::TraceEvent ev;
  m.run([&](const Machine &mm, const Event &e) {
    if (e.kind != EventKind::Statement) return true;
    ev.step = ++events;
    ev.line = e.line;
    ev.message = e.message;
    ev.stmt = statement_text(e.message);
    ev.outcome = "ok";
    if (snapshots) ev.snapshot = traces::snapshot_of(mm.world(), e.thread);
    writer.write(ev);
    return true;
  });
  return events;
}

uint64_t write_mermaid(const std::string &path, size_t blocks) {
  auto program = compile_text(workload_text(Workload::RegionHeavy, blocks));
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + path);
  MachineOptions mo;
  mo.profile = Profile::Frankenscript;
  mo.record_history = false;
  Machine m(program, mo);
  uint64_t steps = 0;
  m.run([&](const Machine &mm, const Event &e) {
    if (e.kind != EventKind::Statement) return true;
    MermaidOptions opts;
    opts.thread = e.thread;
    out << render_mermaid_step(mm.world(), e.message, opts);
    ++steps;
    return true;
  });
  return steps;
}

} // namespace lungfish::bench
