// Reader of the reference CPython recordings, format `pyrona-heap-trace/v1`
// (notes/cpython-immutability.md 6): one JSON document with `steps[]`, each step an executed
// Python source fragment (`op`), its outcome and the heap before and after it.
//
// Mapping to a Snapshot: the roots (module globals) become the fields of one synthetic frame
// object, key "<globals>", the snapshot's root; each node keeps its address as key, `type` as
// type_name, `repr` as label, and kind from the type (str -> string, bool -> boolean, function-
// like types -> function, type -> prototype, frame -> frame, everything else -> object);
// `frozen` -> IMM, else LOCAL (these recordings have no regions); edges keep their field names,
// unnamed inline values become "?inline#0", "?inline#1", ...; references to the NoneType node
// become None (the model has no None object); immortal objects are globals (constants when
// comparing). `refcnt_field` is kept as refcnt and not as rc, since it includes the recorder's
// own references; SCC data as scc_rep / scc_members. A malformed file is an InputError at the
// offending value's line:col.
#pragma once

#include "model/text/program_text.h"
#include "traces/snapshot.h"

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lungfish::traces {

/// What a recording says about a node beyond the Snapshot (the checks of traces/cpython/checks.h).
struct CpythonNodeExtra {
  std::string freezable;                 // get_freezable: "YES", "NO", "EXPLICIT", "PROXY", ""
  bool dict_materialised = false;        // an instance whose __dict__ object exists
  std::vector<std::string> referents;    // gc_referents (tp_traverse view, unnamed)
  std::vector<std::string> direct_edges; // targets of edges that are references held by the node
};

struct CpythonStep {
  uint32_t index = 0;
  std::string op;         // Python source executed (may span lines)
  bool ok = true;         // outcome "ok" / "error"
  std::string error_type; // e.g. "TypeError" (error steps)
  std::string error_message;
  std::optional<std::string> printed;
  std::optional<Snapshot> before, after;
  std::unordered_map<std::string, CpythonNodeExtra> before_extra, after_extra; // by node id
};

struct CpythonRecording {
  std::string program, description;
  std::vector<CpythonStep> steps;
};

/// Parses a recording held in `text`; `file` names it in errors. Throws InputError.
CpythonRecording parse_cpython_recording(std::string_view text, const std::string &file);

/// Reads and parses a recording file; throws InputError (line 0 if it cannot be read).
CpythonRecording read_cpython_recording(const std::string &path);

} // namespace lungfish::traces
