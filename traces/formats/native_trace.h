// The native trace format (docs/trace-format.md, schema docs/trace-format.schema.json): JSON
// Lines; the first line is the header {"lungfish_trace": 1, "runtime": ..., "profile": ...}, then
// one event per line. Reading is streaming: one line is parsed at a time, so memory follows the
// largest event, never the length of the trace.
//
// Every problem is an InputError at file:line:col, col being the 1-based byte offset in the line
// of the offending value (JSON syntax errors: the byte where the parser stopped; semantic errors:
// the value found by json_util's path scanner).
#pragma once

#include "model/text/program_text.h"
#include "traces/snapshot.h"

#include <nlohmann/json.hpp>

#include <istream>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace lungfish::traces {

struct TraceHeader {
  int version = 1;
  std::string runtime;           // "frankenscript", "cpython", "lungfish", ...
  std::string profile;           // a profile name (rules.h parse_profile)
  std::string program_file = ""; // the program the runtime ran ("" if not said)
  std::optional<std::string> program_text = std::nullopt; // its source, if the trace has it
  bool operator==(const TraceHeader &) const = default;
};

/// The operation kinds a structured `op` may name (docs/trace-format.md); replay may ignore `op`
/// and re-derive the operation from `stmt`.
bool is_known_op_kind(std::string_view kind);

/// What an event records: a statement boundary, or a behaviour's life, or the run's end.
enum class TraceEventKind : uint8_t { Statement, Spawn, Acquire, Release, End };
/// "statement", "spawn", "acquire", "release", "end".
std::string_view trace_event_kind_name(TraceEventKind k);

struct TraceEvent {
  uint64_t step = 0; // 1, 2, ... strictly increasing
  TraceEventKind event = TraceEventKind::Statement;
  uint32_t thread = 0;               // who ran it: 0 = main, k = the k-th behaviour spawned
  uint32_t behaviour = 0;            // spawn / acquire / release: which behaviour (>= 1)
  std::vector<std::string> cowns;    // spawn: the cowns' variables, in `when` order
  std::vector<std::string> captures; // spawn: the variables captured by move
  uint32_t line = 0;                 // source line (0 = none)
  std::string stmt;                  // source text of the statement ("r.f = x")
  std::string message;               // the runtime's own heading ("Line 4: r.f = x")
  std::optional<nlohmann::json> op;  // structured operation: an object with a string "kind"
  std::string outcome = "ok";        // ok | abort | leak | crash | an error code (E_...)
  std::string detail;                // the runtime's error text, if any
  std::optional<Snapshot> snapshot;  // the runtime's heap after the event
  bool operator==(const TraceEvent &) const = default;
};

/// True for "ok", "abort", "leak", "crash" and the error codes of docs/semantics.md 6.
bool is_valid_outcome(std::string_view outcome);
/// What an `end` event may say besides those: "violation" (the runtime's own checker stopped
/// it) and "limit".
bool is_valid_end_outcome(std::string_view outcome);

/// A Snapshot as JSON (the schema's "snapshot" definition).
nlohmann::ordered_json snapshot_to_json(const Snapshot &s);

class NativeTraceReader {
public:
  /// Opens a trace and reads its header; throws InputError.
  explicit NativeTraceReader(const std::string &path);
  /// Reads from a caller-owned stream; `file` names it in errors.
  NativeTraceReader(std::istream &in, const std::string &file);
  ~NativeTraceReader();
  NativeTraceReader(const NativeTraceReader &) = delete;
  NativeTraceReader &operator=(const NativeTraceReader &) = delete;

  const TraceHeader &header() const;
  /// Reads the next event into `out`; false at the end of the file. Throws InputError.
  bool next(TraceEvent &out);
  /// The file line of the event last read.
  uint32_t line() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class NativeTraceWriter {
public:
  /// Writes the header line at once.
  NativeTraceWriter(std::ostream &out, const TraceHeader &header);
  /// Appends one event line (the caller numbers the steps).
  void write(const TraceEvent &event);

private:
  std::ostream &out_;
};

/// Parses one JSON object as a Snapshot, validating references; throws InputError at
/// `file`:`line` with col computed within `text` (the line the object came from).
Snapshot parse_snapshot_json(std::string_view text, const std::string &file, uint32_t line);

} // namespace lungfish::traces
