// A strict, streaming reader of FrankenScript's `mermaid.md` (notes/frankenscript-output.md 4),
// and of the summary of its run log `NAME.out`.
//
// The file is a sequence of steps; each is a raw message between `<pre><code>` and
// `</code></pre>` (possibly over several lines), then a fixed header, the diagram body, six fixed
// `classDef` lines and a fixed footer. The reader holds one step at a time and reads the body
// line by line with a small state machine (no regex):
//
//   phase nodes:     node definitions `idN<shape>`, edges `idA-->|key| idB[<shape>]` each followed
//                    by its `linkStyle`, bare `idN` lines (no-ops)
//   phase regions:   `subgraph` / member `idN` / `end` + `style` lines, nesting by 2-space indents
//   phase overlays:  `class idN ...;`, `idA--> | ERROR | idB` + `linkStyle`, restyling `linkStyle`
//
// ids must be defined in order 1, 2, ... (FrankenScript numbers them in discovery order), so a
// reference to an undefined id, a gap or a redefinition is an error. Anything that does not match
// the grammar exactly throws InputError(file, line, col): the parser never guesses.
//
// Mapping to a Snapshot (docs/trace-format.md): keys are addresses where the label has one,
// "[Frame]"-style names for prototypes, "True"/"False", and "id<N>" (per diagram) otherwise;
// location from the enclosing subgraph (LocalReg, reg0x..., ImmReg, CownReg), else IMM for
// `(..):::immutable` and COWN for `[[..]]`; region = subgraph `reg0x<R>` named by that id, its
// bridge the trapezoid member with an `lrc=` line, its parent the enclosing `reg` subgraph, or the
// cown whose `value` edge points at the bridge. After `pragma_mermaid_draw_regions_nested(False)`
// (regions drawn flat) the parent is taken from an owning edge out of another region instead.
#pragma once

#include "model/text/program_text.h"
#include "traces/snapshot.h"

#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lungfish::traces {

/// Schedule: a scheduler step (`### New behavior `Behavior_K` is ready`, `### Current Schedule:`)
/// of a FrankenScript with behaviours; its message is the heading, it has no heap.
enum class StepKind : uint8_t {
  Line,
  Error,
  Internal,
  Builtin,
  Cycles,
  Leak,
  MergeSame,
  Schedule,
  Other
};
/// "Line", "Error", ...
std::string_view step_kind_name(StepKind k);

enum class FlowMarker : uint8_t { None, True, False, Next, Break, Enter, Exit };
/// "", "(True)", "(False)", ...
std::string_view flow_marker_text(FlowMarker m);
/// The marker a `Line N: ...` message ends in (" (True)", ...); None if it ends in none.
FlowMarker flow_marker_of(std::string_view message);

/// One diagram of a mermaid.md.
struct MermaidStep {
  uint32_t index = 0;     // 1-based position in the file
  uint32_t file_line = 0; // line of its `<pre><code>`
  std::string message;    // raw, newlines kept
  StepKind kind = StepKind::Other;
  uint32_t line = 0; // Line steps: N
  std::string stmt;  // Line steps: the statement text without the marker ("if x: ")
  FlowMarker marker = FlowMarker::None;
  bool flat_regions = false;           // drawn after pragma_mermaid_draw_regions_nested(False)
  bool error_target_is_bridge = false; // an error edge (`| ERROR |`, or restyled red) points at
                                       // a bridge
  Snapshot snapshot;
};

class MermaidReader {
public:
  /// Opens a mermaid.md; throws InputError(path, 0, 0) if it cannot be read.
  explicit MermaidReader(const std::string &path);
  /// Reads from a caller-owned stream; `file` names it in errors.
  MermaidReader(std::istream &in, const std::string &file);
  ~MermaidReader();
  MermaidReader(const MermaidReader &) = delete;
  MermaidReader &operator=(const MermaidReader &) = delete;

  /// Parses the next step into `out`; false at a clean end of file. Throws InputError.
  bool next(MermaidStep &out);

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Reads every step of a mermaid.md (convenience for tests and small files).
std::vector<MermaidStep> read_mermaid_file(const std::string &path);

/// What a FrankenScript run ended with, from its log: the raw log of `frankenscript build P >
/// LOG 2>&1`, or the same with the three `###` header lines the shared corpus adds (program,
/// `exit_code=N`, a separator).
struct RunSummary {
  std::string program;          // from `### program: ...`; "" in a raw log
  std::optional<int> exit_code; // from `### exit_code=N`; unknown in a raw log
  std::string error_text;       // the `Error: ...` text (several lines possible), without "Error: "
  bool leak = false;            // "Memory leak detected!"
  bool abort = false;           // an assertion, `terminate called`, an abort or a fatal signal
  std::string abort_text;       // the line that says so ("" if only the exit code does)
  bool finished = false;        // the runtime reached its end-of-run leak check
  bool truncated = false;       // the log's last line has no newline (cut by a crash)
  /// A FrankenScript with behaviours asks on stdin which ready behaviour runs next, printing
  /// `Available behaviors:`, `- I: Behavior_K` lines and a `> ` prompt: one entry per choice made
  /// (a prompt repeated after an invalid answer is one), the K of each listed behaviour in order.
  std::vector<std::vector<uint32_t>> prompts;
  /// The behaviour chosen at each prompt, recovered from the lists: the one listed at a prompt
  /// and not at the next (the chosen one leaves the ready list, new ones are only added); at the
  /// last prompt, the only one listed. 0 where the log cannot tell (the last prompt listed
  /// several and the run ended in the chosen behaviour).
  std::vector<uint32_t> chosen;
  /// Ended without an error, an abort or the end-of-run check: killed (a signal) or cut short.
  bool crashed() const { return !finished && !abort && error_text.empty(); }
};

/// Parses a run log (raw, or with the corpus header); throws InputError for a malformed header
/// or an unreadable file.
RunSummary read_run_summary(const std::string &path);

} // namespace lungfish::traces
