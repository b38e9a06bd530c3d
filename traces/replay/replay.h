// Replay: a runtime's recorded run, statement by statement, through the model.
//
//   for each recorded step (a statement boundary, with the runtime's outcome and snapshot):
//     execute the step's statement in the model (recorded statements are compiled one at a time;
//       a call's body comes from the recording: `(Enter)` runs the call site up to the call, found
//       by looking ahead for the statement the call belongs to, and `return`/`(Exit)` resume it)
//     compare outcomes (error codes only) and the snapshot with the model's state up to renaming
//     check the state invariants on the runtime's snapshot (statement boundaries only)
//     on a divergence: report it, adopt the runtime's snapshot as the model's state, continue
//   classify every finding as a named runtime defect (docs/semantics.md 9) where it is one
#pragma once

#include "checker/invariants.h"
#include "model/code.h"
#include "model/machine.h"
#include "traces/formats/mermaid_reader.h"
#include "traces/snapshot.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lungfish::traces {

/// What a recorded step is.
enum class RecordedKind : uint8_t {
  Statement, // a statement boundary (`Line N: ...`), with the runtime's outcome and snapshot
  Error,     // the runtime reported an error in a statement it does not record (`Error: ...`)
  Note,      // a diagram that is no statement boundary (`Internal:`, `Builtin:`, cycles found)
  Leak,      // the runtime's end-of-run leak report
  Spawn,     // a `when` spawned behaviour `behaviour` (thread = the spawner)
  Acquire,   // behaviour `behaviour` acquired its cowns and starts (thread = it)
  Release,   // behaviour `behaviour` ended and released its cowns
  End,       // the run ended (`outcome`: ok, leak, violation, limit, or an error code)
};
/// "statement", "error", "note", "leak", "spawn", "acquire", "release", "end".
std::string_view recorded_kind_name(RecordedKind k);

/// One recorded step, whatever the format.
struct RecordedStep {
  uint32_t index = 0;     // 1-based event number in the trace
  uint32_t file_line = 0; // where it starts in the trace file
  uint32_t line = 0;      // source line N of `Line N: ...`
  std::string message;    // "Line 4: r.f = x", "Error: ..."
  std::string stmt;       // the statement text without its marker
  FlowMarker marker = FlowMarker::None;
  RecordedKind kind = RecordedKind::Statement;
  uint32_t thread = 0;    // who ran it: 0 = the main program, k = the k-th behaviour spawned
  uint32_t behaviour = 0; // Spawn / Acquire / Release: which behaviour
  /// Acquire: the behaviours the runtime offered as ready when this one was chosen (its log's
  /// prompt), the chosen one among them; empty if not known.
  std::vector<uint32_t> ready;
  std::string outcome = "ok"; // "ok", an error code, "abort", "leak", "crash"
  std::string detail;         // the runtime's own error text, if any
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
  std::string kind; // "outcome", "snapshot", "statement", "unsupported"
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
  std::vector<std::string> inputs; // what was read: "mermaid.md (recording)", "p.out (log)", ...
  std::string profile;
  bool followed_program = false; // the model ran the program (else each recorded statement alone)
  uint32_t events = 0;
  // Every event is counted once in exactly one of these:
  uint32_t modelled = 0; // run by the model and compared (a runtime rejection the model judged)
  uint32_t opaque = 0;   // outside what the model interprets: snapshot adopted and checked
  uint32_t unjudged = 0; // neither: see unjudged_reasons
  uint32_t other = 0;    // diagrams that are no statement boundary (`Internal:`, `Builtin:`, ...)
  std::vector<std::string> unjudged_reasons; // one sentence per reason, with the events
  uint32_t matched_prefix = 0;               // events replayed before the first finding
  std::vector<Divergence> divergences;
  std::vector<ReplayViolation> violations;
  std::vector<std::string> notes; // e.g. "call bindings at event 7 taken from the call site"
  std::string runtime_outcome = "ok";
  bool limited = false; // stopped by --max-steps / --timeout before the end
  bool clean() const { return divergences.empty() && violations.empty(); }
  /// The defects found, each once, in order of first appearance.
  std::vector<std::string> defects() const;
  /// "clean: 12 of 14 events modelled, 2 opaque (snapshots checked)", "2 findings: ...", ...
  std::string verdict() const;
};

/// How the runtime's run ended, as far as its log (or a native trace's `end` event) says.
struct RuntimeEnd {
  enum class Kind : uint8_t {
    Unknown,  // nothing says (no log)
    Finished, // the run reached its end normally (possibly reporting a leak)
    Error,    // the runtime reported an error (`code`, `text`)
    Abort,    // an assertion, an uncaught exception, abort() (`text`)
    Crash,    // killed by a signal, or its log stops without saying why
    Stopped,  // the runtime stopped on purpose (its own checker, a limit): `text`
  };
  Kind kind = Kind::Unknown;
  std::string code; // Error: the error code (E_...), "" if the text is not one the model knows
  std::string text;
  bool leak = false;
  std::optional<int> exit_code;
};

struct ReplayOptions {
  Profile profile = Profile::Frankenscript;
  bool check_invariants = true;
  uint64_t max_steps = 0;
  double timeout_seconds = 0;
  /// The program the runtime ran: the model runs it alongside the recording and judges the
  /// statement the runtime failed on. nullptr: each recorded statement is compiled alone.
  std::shared_ptr<const CompiledProgram> program;
  RuntimeEnd end; // from the runtime's log, if one was read
};

/// A stream of recorded steps (read lazily: replay keeps only a look-ahead window).
class StepSource {
public:
  virtual ~StepSource() = default;
  /// The next step; false at the end. Throws InputError on malformed input.
  virtual bool next(RecordedStep &out) = 0;
  /// What the reader had to say once the stream ended ("" if nothing), e.g. a cut last diagram.
  virtual std::string end_note() const { return ""; }
};

/// Opens a FrankenScript mermaid.md as a stream of steps. With `tolerate_cut` (the log says the
/// runtime died), an unfinished last diagram ends the stream instead of being an error.
/// `chosen`: the behaviour chosen at each of the runtime's prompts (RunSummary::chosen), which
/// says which behaviour each `(Enter)` of a `when` starts; `prompts`: the behaviours listed as
/// ready at each (RunSummary::prompts), given to the `(Enter)` as RecordedStep::ready.
std::unique_ptr<StepSource>
open_frankenscript_source(const std::string &mermaid_path, bool tolerate_cut = false,
                          std::vector<uint32_t> chosen = {},
                          std::vector<std::vector<uint32_t>> prompts = {});
/// Opens a native trace as a stream of steps; `profile` gets the header's profile.
std::unique_ptr<StepSource> open_native_source(const std::string &path, std::string *profile);
/// The outcome a FrankenScript run ended with, from NAME.out beside the mermaid.md ("ok" if none).
std::string frankenscript_run_outcome(const std::string &mermaid_path,
                                      const std::string &last_error_code);
/// How a run ended, from what its log says.
RuntimeEnd runtime_end_of(const RunSummary &s);
/// The report's runtime outcome ("ok", "leak", "abort", "crash", an error code) for a run that
/// ended as `e`; `last_error` is the code of an `Error:` step the recording has ("" if none).
std::string runtime_outcome_of(const RuntimeEnd &e, const std::string &last_error);

/// What a user hands to `replay`: the recording, and optionally the runtime's log and the
/// program. Empty fields are looked for beside the recording (replay_files).
struct ReplayFiles {
  std::string trace;            // mermaid.md, NAME.mermaid.md, a native trace, a CPython recording
  std::string format;           // "frankenscript", "native", "cpython"; "" = by the file's name
  std::string log;              // the runtime's stdout+stderr (FrankenScript: NAME.out)
  std::string program;          // the program the runtime ran
  std::string profile;          // "" = the trace header's, else the format's own
  std::optional<int> exit_code; // the runtime's exit status, when the caller saw it (diff)
};

/// The files replay will read: `f` with its empty fields filled from beside the recording
/// (NAME.mermaid.md: NAME.out or NAME.log, NAME.frank; mermaid.md: mermaid.out or mermaid.log,
/// else the only *.out / *.log there, and the .frank of the same name, else the only one; a
/// native trace: the program its header carries). Throws InputError if a named file is missing.
ReplayFiles find_replay_files(ReplayFiles f);

/// Replays a recording with everything `f` gives (find_replay_files first): the program, when
/// there is one, is followed; the log's end of run is judged. Throws InputError (file:line:col)
/// for any file that cannot be read or parsed.
ReplayReport replay_files(const ReplayFiles &f, ReplayOptions options);

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

/// The FrankenScript error text of docs/semantics.md 6 mapped to its code ("E_HAS_PARENT", ...),
/// with the context-dependent swaps; "abort" for a runtime abort; "" if unknown.
std::string frankenscript_error_code(const std::string &text, const std::string &failed_stmt);

/// JSON of a report (docs/json-output.md).
nlohmann::ordered_json report_to_json(const ReplayReport &r);
/// Text of a report, Miri-style.
std::string report_to_text(const ReplayReport &r);

} // namespace lungfish::traces
