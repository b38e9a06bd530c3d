// Random testing speed (issue 8): programs of 20 statements per second, generation measured apart
// from execution and checking.
#ifdef LUNGFISH_HAVE_GENERATORS

#include "bench/workloads.h"

#include "generators/program_gen.h"
#include "generators/campaigns/properties.h"

#include <benchmark/benchmark.h>

#include <vector>

namespace lungfish::bench {

namespace {

constexpr size_t kProgramSize = 20;
constexpr uint64_t kPrograms = 512; // a fixed pool: the same programs every run (seeds 1..512)

gen::Family family_of(int64_t f) {
  return f ? gen::Family::Raw : gen::Family::Biased;
}

const std::vector<std::shared_ptr<const CompiledProgram>> &compiled_pool(gen::Family f) {
  static std::vector<std::shared_ptr<const CompiledProgram>> pools[2];
  auto &pool = pools[f == gen::Family::Raw];
  if (pool.empty())
    for (uint64_t seed = 1; seed <= kPrograms; ++seed)
      pool.push_back(compile(gen::generate_program(seed, kProgramSize, f)));
  return pool;
}

void counters(benchmark::State &state, uint64_t programs, uint64_t statements) {
  state.counters["programs_per_s"] =
      benchmark::Counter(static_cast<double>(programs), benchmark::Counter::kIsRate);
  state.counters["statements_per_s"] =
      benchmark::Counter(static_cast<double>(statements), benchmark::Counter::kIsRate);
}

// Generation alone (the biased family runs the model as its oracle while it generates).
void BM_Generate(benchmark::State &state) {
  gen::Family f = family_of(state.range(0));
  uint64_t seed = 0, programs = 0, statements = 0;
  for (auto _ : state) {
    Program p = gen::generate_program(++seed % kPrograms + 1, kProgramSize, f);
    statements += p.body.size();
    ++programs;
    benchmark::DoNotOptimize(p);
  }
  counters(state, programs, statements);
  state.SetLabel(std::string(gen::family_name(f)));
}
BENCHMARK(BM_Generate)->Arg(0)->Arg(1)->ArgName("raw")->Unit(benchmark::kMicrosecond);

// Execution with the full checker after every statement (check_state + I20), on programs
// generated beforehand.
void BM_RunChecked(benchmark::State &state) {
  gen::Family f = family_of(state.range(0));
  const auto &pool = compiled_pool(f);
  uint64_t i = 0, programs = 0, statements = 0;
  for (auto _ : state) {
    RunStats s = run_program(pool[i++ % pool.size()], Checking::State);
    statements += s.statements;
    ++programs;
  }
  counters(state, programs, statements);
  state.SetLabel(std::string(gen::family_name(f)));
}
BENCHMARK(BM_RunChecked)->Arg(0)->Arg(1)->ArgName("raw")->Unit(benchmark::kMicrosecond);

// Everything `lungfish check` does with one program: invariants (with I15), atomicity,
// determinism (a second run), round trip and emission (generators/campaigns/properties.h).
void BM_CheckProgram(benchmark::State &state) {
  gen::Family f = family_of(state.range(0));
  std::vector<Program> pool;
  for (uint64_t seed = 1; seed <= kPrograms; ++seed)
    pool.push_back(gen::generate_program(seed, kProgramSize, f));
  gen::CheckConfig config;
  uint64_t i = 0, programs = 0, statements = 0, failures = 0;
  for (auto _ : state) {
    const Program &p = pool[i++ % pool.size()];
    gen::ProgramResult r = gen::check_program(p, config);
    failures += r.failure.has_value();
    statements += r.statements;
    ++programs;
  }
  counters(state, programs, statements);
  state.counters["failures"] = static_cast<double>(failures);
  state.SetLabel(std::string(gen::family_name(f)));
}
BENCHMARK(BM_CheckProgram)->Arg(0)->Arg(1)->ArgName("raw")->Unit(benchmark::kMicrosecond);

// Generation and check_program together, as `lungfish check` runs them.
void BM_GenerateAndCheck(benchmark::State &state) {
  gen::CheckConfig config;
  uint64_t seed = 0, programs = 0, statements = 0;
  for (auto _ : state) {
    ++seed;
    // Every fifth program is raw, as in the campaign.
    gen::Family f = seed % 5 == 0 ? gen::Family::Raw : gen::Family::Biased;
    Program p = gen::generate_program(seed % kPrograms + 1, kProgramSize, f);
    gen::ProgramResult r = gen::check_program(p, config);
    statements += r.statements;
    ++programs;
  }
  counters(state, programs, statements);
}
BENCHMARK(BM_GenerateAndCheck)->Unit(benchmark::kMicrosecond);

} // namespace

} // namespace lungfish::bench

#endif
