// Model speed: statements per second on the three workloads with checking off and on, and the
// per-statement cost of the full checker as the heap grows (issue 8).
#include "bench/workloads.h"
#include "checker/incremental/incremental.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <map>

namespace lungfish::bench {

namespace {

// Blocks per program: enough statements that the fixed cost of a run (machine set-up, final
// collection) is noise, few enough that the freeze/cown workload's behaviours (which all wait
// until the main program ends) keep the heap small.
size_t blocks_for(Workload w) {
  switch (w) {
    case Workload::LocalChurn:
      return 1000;
    case Workload::RegionHeavy:
      return 500;
    case Workload::FreezeCown:
      return 100;
  }
  return 1;
}

std::shared_ptr<const CompiledProgram> workload_program(Workload w) {
  static std::map<Workload, std::shared_ptr<const CompiledProgram>> cache;
  auto &p = cache[w];
  if (!p) p = compile_text(workload_text(w, blocks_for(w)));
  return p;
}

void BM_Model(benchmark::State &state) {
  auto w = static_cast<Workload>(state.range(0));
  auto c = static_cast<Checking>(state.range(1));
  auto program = workload_program(w);
  uint64_t statements = 0, steps = 0;
  for (auto _ : state) {
    RunStats s = run_program(program, c);
    if (s.outcome != Outcome::Ok || s.violations) {
      state.SkipWithError("the workload did not run cleanly");
      return;
    }
    statements += s.statements;
    steps += s.steps;
  }
  state.counters["statements_per_s"] =
      benchmark::Counter(static_cast<double>(statements), benchmark::Counter::kIsRate);
  state.counters["steps_per_s"] =
      benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
  state.SetLabel(std::string(workload_name(w)) + "/" + std::string(checking_name(c)));
}

void model_args(benchmark::internal::Benchmark *b) {
  for (int w = 0; w < 3; ++w)
    for (int c = 0; c < 5; ++c)
      b->Args({w, c});
}
BENCHMARK(BM_Model)
    ->Apply(model_args)
    ->ArgNames({"workload", "checking"})
    ->Unit(benchmark::kMillisecond);

// Iterations per heap size: one iteration is one statement plus one full check, and the full
// check is linear in the heap, so the big heaps get few iterations (the timing is per iteration).
// LUNGFISH_BENCH_HEAP_ITERATIONS overrides the count (to profile the timed part with perf).
int64_t heap_iterations(int64_t objects, int checked) {
  if (const char *env = std::getenv("LUNGFISH_BENCH_HEAP_ITERATIONS"); env && *env)
    return std::max<int64_t>(1, std::atoll(env));
  if (checked != 1) return 20000; // statements alone and incremental checks are cheap at every size
  if (objects <= 1000) return 4000;
  if (objects <= 10000) return 1000;
  if (objects <= 100000) return 100;
  return 12;
}

// This thread's CPU time: the machine is shared, and a full check of a big heap is long enough to
// be preempted, which wall time would count.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// One iteration: execute the next constant-cost statement (`s = {}` or `drop s`), then (when
// `checked`) run the full checker on the whole heap. The unchecked variant gives the statement's
// own cost: after a full check of a big heap the caches are cold, which inflates stmt_ns there.
// Both parts are timed separately (the statement by the steady clock, being too short for the
// thread CPU clock's ~0.5 us syscall; the check in CPU time); the iteration time is their sum.
constexpr int kWarmup = 4000; // incremental variant: statements checked before timing

void BM_HeapStatement(benchmark::State &state) {
  auto kind = static_cast<HeapKind>(state.range(0));
  int64_t objects = state.range(1);
  int mode = static_cast<int>(state.range(2)); // 0 statement only, 1 full, 2 incremental
  bool checked = mode == 1;
  int64_t iterations = heap_iterations(objects, mode);
  uint32_t marker = 0;
  auto program =
      compile_text(heap_program_text(kind, static_cast<size_t>(objects),
                                     static_cast<size_t>((iterations + kWarmup) / 2 + 2), &marker));
  MachineOptions mo;
  mo.record_history = false;
  Machine m(program, mo);
  bool event = false;
  Observer observer = [&](const Machine &, const Event &) {
    event = true;
    return true;
  };
  // The prefix builds the heap, unchecked and untimed.
  while (!(event && m.last_event().line == marker)) {
    event = false;
    if (!m.step_thread(0, observer)) {
      state.SkipWithError("the heap prefix stopped");
      return;
    }
  }
  CheckContext ctx;
  IncrementalChecker incremental(ctx);
  double stmt_seconds = 0, check_seconds = 0;
  size_t violations = 0, examined = 0;
  if (mode == 2) {
    // Untimed: attach is one pass over the heap; the first checks after it fault in the pages
    // of the ghost's arrays and of the touch log (kernel page clearing dominated the first
    // 20000 iterations at 10^6 objects, 1.85 us per check, against 0.12 us once warm).
    incremental.attach(m.world());
    for (int i = 0; i < kWarmup; ++i) {
      event = false;
      while (!event)
        if (!m.step_thread(0, observer)) {
          state.SkipWithError("the warm-up ended early");
          return;
        }
      violations += incremental.check(m.world(), true).size();
    }
  }
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    event = false;
    while (!event)
      if (!m.step_thread(0, observer)) {
        state.SkipWithError("the timed suffix ended early");
        return;
      }
    auto t1 = std::chrono::steady_clock::now();
    double c = 0;
    if (mode == 2) {
      // Too short for the thread CPU clock: the steady clock, like the statement.
      violations += incremental.check(m.world(), true).size();
      c = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
      examined += incremental.last_objects_examined() + incremental.last_regions_examined();
    } else if (checked) {
      double c0 = thread_cpu_seconds();
      violations += check_state(m.world(), ctx, true).size();
      c = thread_cpu_seconds() - c0;
    }
    double s = std::chrono::duration<double>(t1 - t0).count();
    stmt_seconds += s;
    check_seconds += c;
    state.SetIterationTime(s + c);
  }
  if (violations) state.SkipWithError("the checker reported violations on the heap workload");
  auto n = static_cast<double>(state.iterations());
  state.counters["stmt_ns"] = stmt_seconds / n * 1e9;
  state.counters["check_ns"] = check_seconds / n * 1e9;
  state.counters["live_objects"] = static_cast<double>(m.heap().live_objects());
  if (mode == 2) state.counters["examined"] = static_cast<double>(examined) / n;
  state.SetLabel(std::string(kind == HeapKind::Local ? "local" : "regions") +
                 (mode == 1   ? "/full check"
                  : mode == 2 ? "/incremental check"
                              : "/statement only"));
}

// Registered one size at a time: Iterations() applies to a whole family, and each size needs
// its own count.
[[maybe_unused]] const bool heap_registered = [] {
  for (int kind = 0; kind < 2; ++kind)
    for (int64_t n : {1000, 10000, 100000, 1000000})
      for (int checked = 0; checked < 3; ++checked)
        benchmark::RegisterBenchmark("BM_HeapStatement", BM_HeapStatement)
            ->Args({kind, n, checked})
            ->ArgNames({"heap", "objects", "checked"})
            ->Iterations(heap_iterations(n, checked))
            ->UseManualTime()
            ->Unit(benchmark::kMicrosecond);
  return true;
}();

} // namespace

} // namespace lungfish::bench
