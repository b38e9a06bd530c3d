// Replay: a runtime's recorded run, statement by statement, through the model.
//
//   for each recorded step (a statement boundary, with the runtime's outcome and snapshot):
//     execute the step's statement in the model (recorded statements are compiled one at a time;
//       a call's body comes from the recording: `(Enter)` runs the call site up to the call, found
//       by looking ahead for the statement the call belongs to, and `return`/`(Exit)` resume it)
//     compare outcomes (error codes only) and the snapshot with the model's state up to renaming
//     check the state invariants on the runtime's snapshot (statement boundaries only)
//     on a divergence: report it, adopt the runtime's snapshot as the model's state, continue
//   classify every finding as a named runtime defect (SEMANTICS.md 9) where it is one
#pragma once

#include "checker/invariants.h"
#include "model/machine.h"
#include "traces/snapshot.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lungfish::traces {

/// One recorded statement boundary, whatever the format.
struct RecordedStep {
  uint32_t index = 0;      // 1-based event number in the trace
  uint32_t file_line = 0;  // where it starts in the trace file
  uint32_t line = 0;       // source line N of `Line N: ...`
  std::string message;     // "Line 4: r.f = x", "Error: ..."
  std::string stmt;        // the statement text without its marker
  std::string marker;      // "", "(True)", "(False)", "(Next)", "(Break)", "(Enter)", "(Exit)"
  std::string kind = "Line"; // Line, Error, Internal, Builtin, Cycles, Leak, Other
  std::string outcome = "ok"; // "ok", an error code, "abort", "leak", "crash"
  std::optional<Snapshot> snapshot;
  /// Non-empty: the model cannot interpret this statement (why, in a sentence). Replay adopts
  /// the runtime's snapshot as the model's state and checks the invariants that a snapshot
  /// decides; the event counts as opaque, not as modelled.
  std::string opaque;
};

/// A difference between the runtime and the model at one step.
struct Divergence {
  uint32_t event = 0;
  uint32_t line = 0;
  std::string kind;   // "outcome", "snapshot", "statement", "unsupported"
  std::string detail;
  std::optional<std::string> defect; // the classified runtime defect, or nullopt
};

/// An invariant broken by the runtime's own snapshot.
struct ReplayViolation {
  uint32_t event = 0;
  uint32_t line = 0;
  Violation violation;
  std::string rendered;
  std::optional<std::string> defect;
};

struct ReplayReport {
  std::string trace;
  std::string profile;
  uint32_t events = 0;
  uint32_t matched_prefix = 0; // events replayed before the first finding
  std::vector<Divergence> divergences;
  std::vector<ReplayViolation> violations;
  std::vector<std::string> notes; // e.g. "call bindings at event 7 taken from the call site"
  std::string runtime_outcome = "ok";
  bool limited = false; // stopped by --max-steps / --timeout before the end
  bool clean() const { return divergences.empty() && violations.empty(); }
  /// The defects found, each once, in order of first appearance.
  std::vector<std::string> defects() const;
};

struct ReplayOptions {
  Profile profile = Profile::Frankenscript;
  bool check_invariants = true;
  uint64_t max_steps = 0;
  double timeout_seconds = 0;
};

/// A stream of recorded steps (read lazily: replay keeps only a look-ahead window).
class StepSource {
public:
  virtual ~StepSource() = default;
  /// The next step; false at the end. Throws InputError on malformed input.
  virtual bool next(RecordedStep &out) = 0;
};

/// Opens a FrankenScript mermaid.md as a stream of steps (NAME.out beside it, if present, gives
/// the run's outcome: read `runtime_outcome()` after the stream ended).
std::unique_ptr<StepSource> open_frankenscript_source(const std::string &mermaid_path);
/// Opens a native trace as a stream of steps; `profile` gets the header's profile.
std::unique_ptr<StepSource> open_native_source(const std::string &path, std::string *profile);
/// The outcome a FrankenScript run ended with, from NAME.out beside the mermaid.md ("ok" if none).
std::string frankenscript_run_outcome(const std::string &mermaid_path,
                                      const std::string &last_error_code);

/// Replays a stream of steps through the model; memory follows the live heap and the longest
/// call body (the look-ahead for a call site), not the trace.
ReplayReport replay_stream(StepSource &source, const ReplayOptions &options,
                           const std::string &trace_name);

/// Replays recorded steps (in order) through the model.
ReplayReport replay_steps(const std::vector<RecordedStep> &steps, const ReplayOptions &options,
                          const std::string &trace_name);

/// Reads a FrankenScript mermaid.md (and NAME.out beside it, if present) into recorded steps.
std::vector<RecordedStep> read_frankenscript_steps(const std::string &mermaid_path,
                                                   std::string *runtime_outcome);

/// Reads a native trace into recorded steps; `profile` gets the header's profile.
std::vector<RecordedStep> read_native_steps(const std::string &path, std::string *profile);

/// Builds a model World from a runtime snapshot (for checking invariants on it and adopting it).
World world_from_snapshot(const Snapshot &s);

/// The FrankenScript error text of SEMANTICS.md 6 mapped to its code ("E_HAS_PARENT", ...), with
/// the context-dependent swaps; "abort" for a runtime abort; "" if unknown.
std::string frankenscript_error_code(const std::string &text, const std::string &failed_stmt);

/// JSON of a report (docs/json-output.md).
nlohmann::ordered_json report_to_json(const ReplayReport &r);
/// Text of a report, Miri-style.
std::string report_to_text(const ReplayReport &r);

} // namespace lungfish::traces
