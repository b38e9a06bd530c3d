// Replay speed against the parse floor (issue 8): a native trace replayed vs the same file only
// parsed by nlohmann (line by line), and a mermaid.md replayed vs only read by MermaidReader.
#include "bench/trace_files.h"

#include "traces/formats/mermaid_reader.h"
#include "traces/formats/native_trace.h"
#include "traces/replay/replay.h"

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <string>

namespace lungfish::bench {

namespace {

// Blocks of the region workload in the replay files (20 statements each); the snapshots make an
// event ~1-2 KB, so these files are a few MB: big enough to time, small enough for a short run.
constexpr size_t kReplayBlocks = 150;

struct Files {
  std::string native, native_bare, mermaid;
  uint64_t native_events = 0, native_bare_events = 0, mermaid_steps = 0;
};

const Files &files() {
  static const Files f = [] {
    Files x;
    x.native = scratch_dir() + "/region.trace.jsonl";
    x.native_bare = scratch_dir() + "/region.bare.trace.jsonl";
    x.mermaid = scratch_dir() + "/region.mermaid.md";
    x.native_events = write_native_trace(x.native, kReplayBlocks, true);
    x.native_bare_events = write_native_trace(x.native_bare, kReplayBlocks, false);
    x.mermaid_steps = write_mermaid(x.mermaid, kReplayBlocks);
    return x;
  }();
  return f;
}

const std::string &native_path(bool snapshots) {
  return snapshots ? files().native : files().native_bare;
}

void set_rates(benchmark::State &state, const std::string &path, uint64_t events) {
  state.SetBytesProcessed(static_cast<int64_t>(file_size(path)) * state.iterations());
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(events) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
  state.counters["events"] = static_cast<double>(events);
  state.counters["file_bytes"] = static_cast<double>(file_size(path));
}

// The parse floor: getline + nlohmann::json::parse of every line, nothing else.
void BM_NativeParseOnly(benchmark::State &state) {
  bool snapshots = state.range(0);
  const std::string &path = native_path(snapshots);
  uint64_t events = 0;
  for (auto _ : state) {
    std::ifstream in(path, std::ios::binary);
    std::string line;
    events = 0;
    while (std::getline(in, line)) {
      auto j = nlohmann::json::parse(line);
      benchmark::DoNotOptimize(j);
      ++events;
    }
    --events; // the header
  }
  set_rates(state, path, events);
  state.SetLabel(snapshots ? "snapshots" : "bare");
}
BENCHMARK(BM_NativeParseOnly)->Arg(1)->Arg(0)->ArgName("snapshots")->Unit(benchmark::kMillisecond);

// The project's reader: JSON plus validation and conversion to TraceEvent/Snapshot.
void BM_NativeRead(benchmark::State &state) {
  bool snapshots = state.range(0);
  const std::string &path = native_path(snapshots);
  uint64_t events = 0;
  for (auto _ : state) {
    traces::NativeTraceReader reader(path);
    traces::TraceEvent e;
    events = 0;
    while (reader.next(e))
      ++events;
  }
  set_rates(state, path, events);
  state.SetLabel(snapshots ? "snapshots" : "bare");
}
BENCHMARK(BM_NativeRead)->Arg(1)->Arg(0)->ArgName("snapshots")->Unit(benchmark::kMillisecond);

// The whole replay, as `lungfish replay` does it: stream the steps through the model (snapshot
// comparison and invariant checks on the runtime's snapshots included).
void BM_NativeReplay(benchmark::State &state) {
  bool snapshots = state.range(0);
  const std::string &path = native_path(snapshots);
  uint64_t events = 0;
  bool clean = true;
  for (auto _ : state) {
    std::string profile;
    auto source = traces::open_native_source(path, &profile);
    traces::ReplayOptions ro;
    ro.profile = Profile::Lungfish;
    auto report = traces::replay_stream(*source, ro, path);
    clean = clean && report.clean();
    events = report.events;
  }
  if (!clean) state.SkipWithError("the replay of the model's own trace was not clean");
  set_rates(state, path, events);
  state.SetLabel(snapshots ? "snapshots" : "bare");
}
BENCHMARK(BM_NativeReplay)->Arg(1)->Arg(0)->ArgName("snapshots")->Unit(benchmark::kMillisecond);

void BM_MermaidParseOnly(benchmark::State &state) {
  const std::string &path = files().mermaid;
  uint64_t steps = 0;
  for (auto _ : state) {
    traces::MermaidReader reader(path);
    traces::MermaidStep s;
    steps = 0;
    while (reader.next(s))
      ++steps;
  }
  set_rates(state, path, steps);
}
BENCHMARK(BM_MermaidParseOnly)->Unit(benchmark::kMillisecond);

void BM_MermaidReplay(benchmark::State &state) {
  const std::string &path = files().mermaid;
  uint64_t steps = 0;
  bool clean = true;
  for (auto _ : state) {
    auto source = traces::open_frankenscript_source(path);
    traces::ReplayOptions ro;
    ro.profile = Profile::Frankenscript;
    auto report = traces::replay_stream(*source, ro, path);
    clean = clean && report.clean();
    steps = report.events;
  }
  if (!clean) state.SkipWithError("the replay of the model's own mermaid.md was not clean");
  set_rates(state, path, steps);
}
BENCHMARK(BM_MermaidReplay)->Unit(benchmark::kMillisecond);

} // namespace

} // namespace lungfish::bench
