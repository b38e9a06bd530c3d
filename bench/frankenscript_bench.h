// FrankenScript side by side (`--frankenscript PATH`): a workload run by the real runtime
// (`PATH build prog.frank --out prog.md`) and by the model, checked as `run` checks and writing the
// same mermaid.md; wall-clock times.
#pragma once

#include "bench/workloads.h"

#include <cstdint>
#include <string>

namespace lungfish::bench {

/// One workload through both.
struct SideBySide {
  std::string workload;
  uint64_t statements = 0;
  double frankenscript_seconds = 0; // `PATH build prog.frank --out prog.md`, wall clock
  double model_seconds = 0;         // the model alone, checking on (as `lungfish run`)
  double model_mermaid_seconds = 0; // the model writing the same mermaid.md, as FS must
  bool ok = false;
  std::string error;
};

/// Runs `blocks` blocks of workload `w` through FrankenScript at `fs` and through the model.
SideBySide compare_frankenscript(const std::string &fs, Workload w, size_t blocks);

} // namespace lungfish::bench
