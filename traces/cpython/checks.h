// Checks of a reference CPython recording against the cpython profile's rules, on the runtime's
// own snapshots (docs/semantics.md 4 and 7, notes/cpython-immutability.md 8). They run on every step,
// opaque ones included, because they need nothing from the model's run:
//
//   I19 freezability: no frozen node whose get_freezable is NO; a node with EXPLICIT that this
//       step froze must be a root of the step's `freeze(...)` (roots: its plain-name arguments,
//       looked up in snapshot_before; a step whose roots cannot be named is not judged);
//   all-or-nothing: a step whose freeze raised leaves every node's frozen flag as it was;
//   I18 SCCs: every member a representative lists is frozen and names it as representative; the
//       nodes of one cycle of frozen nodes (named or gc_referents edges) share one
//       representative; a representative whose members are all drawn, with known edges, is
//       strongly connected through them;
//   counts: a raw count (refcnt_field) includes the tracer's references, so it is never compared
//       for equality; it is only a lower bound, exact in one direction: a representative's (or a
//       node outside every SCC) raw count below the references the snapshot itself shows from
//       outside its SCC (roots and the edges that are references held directly) is too low. SCC
//       members' own counts are never looked at. `_out = sys.getrefcount(x)` steps print an exact
//       count (no tracer in it): below the shown references plus the argument it is too low.
//
// A count found too low on an SCC after the program materialised an instance `__dict__`
// (`dict_materialised`, or a step reading `__dict__`, `vars(` or `dir(`) is classified as the
// runtime defect of docs/semantics.md 9 (the SCC count misses the references the dict's traversal
// counted twice).
#pragma once

#include "traces/cpython/recording.h"
#include "traces/replay/replay.h"

#include <string>
#include <vector>

namespace lungfish::traces {

/// The defect name for an SCC count that a materialised instance dict made too low.
extern const char *const kCpythonMaterialisedDictDefect;

struct CpythonFinding {
  uint32_t step = 0;     // the recording's step index
  bool violation = true; // an invariant (I16, I18, I19) or else a divergence
  Invariant invariant = Invariant::I18;
  std::string kind; // divergences: "snapshot"
  std::string message;
  std::string witness; // node ids and the root names that reach them
  std::optional<std::string> defect;
};

/// Every finding of the checks above, in step order; a finding that persists over several steps
/// is reported at the first.
std::vector<CpythonFinding> check_cpython_recording(const CpythonRecording &r);

/// The plain names passed to `freeze(...)` calls in `op`; `all_named` is false if some argument
/// is not a plain name (then the roots are not fully known); `called`: op calls freeze at all.
std::vector<std::string> freeze_root_names(const std::string &op, bool *all_named,
                                           bool *called = nullptr);

} // namespace lungfish::traces
