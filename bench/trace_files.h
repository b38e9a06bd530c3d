// Trace files for the replay benchmarks, written from model runs of the bench workloads: a native
// trace (JSON Lines, with or without a snapshot per event) and a FrankenScript-style mermaid.md.
#pragma once

#include <cstdint>
#include <string>

namespace lungfish::bench {

/// A scratch directory for generated files (created once per process, under $TMPDIR or /tmp).
const std::string &scratch_dir();

/// Writes a native trace of a run of the region workload with `blocks` blocks (20 statements
/// each); with `snapshots`, every event carries the model's snapshot. Returns the event count.
uint64_t write_native_trace(const std::string &path, size_t blocks, bool snapshots);

/// Writes a FrankenScript-style mermaid.md of a run of the region workload (frankenscript
/// profile, one diagram per statement). Returns the step count.
uint64_t write_mermaid(const std::string &path, size_t blocks);

/// The size of a file in bytes (0 if absent).
uint64_t file_size(const std::string &path);

} // namespace lungfish::bench
