// Differential testing: generated programs run on a real runtime, its output replayed through
// the model (docs/differential-testing.md).
//
//   for i in 0..count-1 (up to `jobs` at a time):
//     generate program i from (seed, i) (biased family, no `when`), emit it as prog.frank
//       (or prog.py), in a fresh temporary directory
//     run the command there (fork/execvp, no shell; {file} replaced by the program's path) with a
//       timeout; a signal or a timeout is a runtime crash, reported apart
//     import what it wrote (mermaid.md in its directory, else its stdout) and replay it
//     a replay with findings is a divergence, keyed by (kind, defect) of its first finding
//   for each (kind, defect) group: shrink its smallest program by re-running the runtime on
//     smaller candidates while the replay keeps a finding of the same key
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lungfish::traces {

struct DiffConfig {
  std::string runtime = "frankenscript"; // "frankenscript" or "cpython"
  std::string cmd;                       // 'COMMAND ARGS {file}', split on whitespace
  uint64_t count = 100;
  uint64_t seed = 0;
  uint64_t jobs = 1;
  size_t max_size = 12;        // top-level statements per generated program
  double timeout_seconds = 10; // per run of the runtime
  size_t shrink_budget = 300;  // runtime runs per shrunk group
  bool keep_dirs = true;       // keep the directory of each group's smallest run
  // Non-empty: every program's run is kept in KEEP/NNNNNN/ as a user has it (the program, the
  // runtime's log and its recording), and KEEP/index.tsv says what diff found in each.
  std::string keep_all;
  // Ignore what happens from the first step where the runtime stopped with an error text that
  // replay cannot map to an error code ("the runtime aborted: ..."). Off by default: a real
  // runtime's aborts are findings. The CI test turns it on because the model's own
  // `run --show mermaid` writes the model's error texts, not FrankenScript's.
  bool ignore_unmapped_errors = false;
  // Behaviours (FrankenScript's pldi27 branch): every program has a `when`, and the runtime's
  // question "which ready behaviour runs next?" is answered from `schedule.txt`, a list of
  // choices derived from the seed and the program's index, fed on its stdin (the runtime asks on
  // stdin and loops for ever at its end). Replay recovers the choices from the log.
  bool behaviours = false;
  // Output above this many bytes (stdout) kills the run, reported as a crash: a runtime prompting
  // for ever, or looping while it prints.
  uint64_t max_output_bytes = 64u << 20;
};

/// How one run of the runtime ended.
struct RuntimeRun {
  enum class End { Exited, Signaled, TimedOut, OutputCapped, ExecFailed };
  End end = End::Exited;
  int status = 0; // exit code or signal number
  std::string dir;
  std::string program_path;
  std::string stdout_text;
  bool mermaid_from_stdout = false; // no mermaid.md was written: stdout was saved as one
};

/// Runs `argv_template` (the {file} token replaced by `program_path`) in `dir` with a timeout
/// and a cap on its stdout (0: none); stdout and stderr go to files in `dir`, stdin comes from
/// `stdin_path` ("" = /dev/null). No shell.
RuntimeRun run_runtime(const std::vector<std::string> &argv_template, const std::string &dir,
                       const std::string &program_path, double timeout_seconds,
                       const std::string &stdin_path = "", uint64_t max_output_bytes = 0);

/// The answers fed to a runtime that asks which ready behaviour runs next: `count` lines of
/// choices derived from `seed`, mostly 0 and 1 (an answer past the ready list is asked again).
std::string schedule_answers(uint64_t seed, size_t count = 4096);

/// Splits --cmd on whitespace; throws std::invalid_argument if empty or without {file}.
std::vector<std::string> split_command(const std::string &cmd);

/// The first finding of a replay (by event): its kind and defect, the group key.
struct FindingKey {
  std::string kind;   // a Divergence kind, or "invariant" for a broken invariant
  std::string defect; // the classified defect, or "unclassified"
  bool operator<(const FindingKey &o) const {
    return kind != o.kind ? kind < o.kind : defect < o.defect;
  }
  bool operator==(const FindingKey &o) const = default;
};

struct DiffGroup {
  FindingKey key;
  uint64_t count = 0;       // programs with this first finding
  uint64_t first_index = 0; // the first program (by index) in the group
  std::string program;      // the smallest program found (source as run)
  size_t statements = 0;    // its top-level statements
  std::string detail;       // the finding's detail on the smallest program
  std::string reproduce;    // one command reproducing it
  uint64_t shrink_runs = 0;
};

struct DiffCrash {
  uint64_t index = 0;
  std::string reason; // "timeout after 10 s", "signal 11 (Segmentation fault)", "unreadable ..."
  std::string program;
  std::string reproduce;
  /// For the first crash (by index) of each kind of signal crash (signal and runtime message,
  /// addresses aside): the program shrunk while it still dies the same way (shrunk_reproduce is
  /// empty for the crashes that were not shrunk).
  std::string shrunk;
  size_t shrunk_statements = 0;
  uint64_t shrink_runs = 0;
  std::string shrunk_reproduce;
};

struct DiffResult {
  uint64_t seed = 0;
  uint64_t programs = 0;      // programs run
  uint64_t skipped = 0;       // indexes for which no program the runtime can run was generated
  double mean_statements = 0; // per program run (Python statements for cpython)
  std::map<std::string, uint64_t> generated; // cpython: programs with each generated feature
  std::vector<DiffGroup> groups;
  std::vector<DiffCrash> crashes;
  bool failed() const { return !groups.empty() || !crashes.empty(); }
};

/// True if `runtime` has an emitter ("frankenscript" always; "cpython" if the generators have
/// the Python emitter, which they do).
bool diff_runtime_supported(const std::string &runtime);

/// Runs a campaign. `on_seed` is called first (with the seed) so callers can print it before
/// the long part. Throws std::invalid_argument on a bad command.
DiffResult run_diff(const DiffConfig &config,
                    const std::function<void(uint64_t)> &on_seed = nullptr);

/// Text report (after the `seed=S` line) and JSON (docs/json-output.md).
std::string diff_to_text(const DiffResult &r);
nlohmann::ordered_json diff_to_json(const DiffResult &r);

} // namespace lungfish::traces
