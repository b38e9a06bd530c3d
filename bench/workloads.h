// The programs the benchmarks run, generated as program text (docs/program-format.md) so that the
// same text can be given to a real runtime (`--frankenscript`) and to the model.
//
// Every workload is a block of statements repeated `blocks` times; a block overwrites the
// variables of the previous one, so the heap stays bounded (the old objects are collected) and a
// longer program measures more statements at the same heap size, not a bigger heap.
#pragma once

#include "checker/invariants.h"
#include "model/code.h"
#include "model/machine.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace lungfish::bench {

enum class Workload : uint8_t {
  LocalChurn,  // objects and fields in the main LOCAL only
  RegionHeavy, // regions, pulls of local graphs, nested regions, borrowed references
  FreezeCown,  // freeze, reads of frozen objects, cowns of closed regions, `when`
};
std::string_view workload_name(Workload w);

/// The program text of `blocks` repetitions of the workload's block.
std::string workload_text(Workload w, size_t blocks);
/// The workload's statements per block (top-level source lines).
size_t workload_block_lines(Workload w);

/// Where the prefix of a heap benchmark puts its objects.
enum class HeapKind : uint8_t { Local, Regions };

/// A prefix that builds about `objects` live objects (in ~sqrt(objects) chains, so that no
/// traversal is deeper than ~1000), then a `pass()` marker at line `*marker_line`, then
/// `suffix_pairs` pairs of constant-cost statements (`s = {}` / `drop s`).
std::string heap_program_text(HeapKind kind, size_t objects, size_t suffix_pairs,
                              uint32_t *marker_line);

/// Parses and compiles program text (aborts the benchmark binary on a parse error: the texts
/// are ours).
std::shared_ptr<const CompiledProgram> compile_text(const std::string &text);

/// What one run did.
struct RunStats {
  Outcome outcome = Outcome::Ok;
  uint64_t steps = 0;      // primitives
  uint64_t statements = 0; // statement events
  size_t violations = 0;
};

enum class Checking : uint8_t {
  Off,         // no observer work
  State,       // check_state (I1..I17 but I15) at every statement boundary, I20 at the end
  Run,         // as `run --check full`: check_state, I15 with a copy of the World, I20
  Incremental, // IncrementalChecker at every statement boundary, I20 at the end
  Monitor,     // as `lungfish run`: the monitor (checker/monitor.h), incremental, with I15
};
std::string_view checking_name(Checking c);

/// Runs a compiled program once under the lungfish profile with the given checking.
RunStats run_program(const std::shared_ptr<const CompiledProgram> &program, Checking checking,
                     Profile profile = Profile::Lungfish);

} // namespace lungfish::bench
