// Solver time (issue 5): seconds per (operation, invariant) pair of `lungfish verify`, and how it
// grows with the bound. One benchmark per (mode, bound, operation): a single `run_verify`
// restricted to that operation, its time divided by the pairs it decided. The operations are
// one constant-cost primitive (drop), the write barrier with its pull (store) and a deep one
// (freeze); the bounds are the tests' tiny scope and the next one up.
#include "checker/verify/verify.h"

#include <benchmark/benchmark.h>

#include <string>

namespace lungfish::bench {

namespace {

const char *const kOps[] = {"drop", "store", "freeze"};
const Bound kBounds[] = {{2, 1, 2, 2}, {3, 2, 2, 3}};

void BM_VerifyPair(benchmark::State &state) {
  bool induction = state.range(0) != 0;
  const Bound &bound = kBounds[state.range(1)];
  std::string op = kOps[state.range(2)];
  VerifyOptions o;
  o.bound = bound;
  o.steps = 2;
  o.induction = induction;
  o.solver_timeout = 600;
  o.only_ops = {op};
  size_t pairs = 0, unknown = 0;
  for (auto _ : state) {
    VerifyReport r = run_verify(o);
    pairs += r.results.size();
    for (const VerifyResult &x : r.results)
      unknown += x.verdict == Verdict::Unknown;
  }
  if (pairs == 0) {
    state.SkipWithError("no pair decided");
    return;
  }
  state.counters["pairs"] = static_cast<double>(pairs) / static_cast<double>(state.iterations());
  state.counters["unknown"] = static_cast<double>(unknown);
  state.counters["seconds_per_pair"] = benchmark::Counter(
      static_cast<double>(pairs), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.SetLabel(std::string(induction ? "induction" : "bmc, 2 steps") + "/" + op + "/objects " +
                 std::to_string(bound.objects));
}

[[maybe_unused]] const bool verify_registered = [] {
  for (int induction = 0; induction < 2; ++induction)
    for (int b = 0; b < 2; ++b)
      for (int op = 0; op < 3; ++op)
        benchmark::RegisterBenchmark("BM_VerifyPair", BM_VerifyPair)
            ->Args({induction, b, op})
            ->ArgNames({"induction", "bound", "op"})
            ->Iterations(1) // seconds per query: one run is the measurement
            ->Unit(benchmark::kSecond);
  return true;
}();

} // namespace

} // namespace lungfish::bench
