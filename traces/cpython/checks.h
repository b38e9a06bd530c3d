// Checks of a reference CPython recording against the cpython profile's rules, on the runtime's
// own snapshots (docs/semantics.md 4 and 7, notes/cpython-immutability.md 8). They run on every
// step, opaque ones included, because they need nothing from the model's run:
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
/// The same defect when the count reaches 0 inside the freeze: the runtime tears the SCC down at
/// once (its objects mutable again, their attributes cleared) where the model freezes it.
extern const char *const kCpythonDictTeardownDefect;
/// The same defect when the runtime dies in the freeze (or in the snapshot right after it).
extern const char *const kCpythonDictCrashDefect;
/// A failed freeze (`undo_freeze`) leaves counts wrong: it restores the counts of completed SCCs
/// but not of the objects still pending (an edge to a pending object already took one off its
/// count), so a list on a cycle the freeze entered before it failed is left one short; with a
/// materialised instance dict on the cycle, the dict is left one high (I16).
extern const char *const kCpythonRollbackCountDefect;

/// Not a runtime defect but a lungfish gap, named so that it is not mistaken for one: a frozen
/// SCC's count above the references the recorder draws. Frozen objects are not tracked by the
/// cycle collector, so gc.get_referrers cannot see a frozen holder that only uncollected cyclic
/// garbage keeps alive (an unreachable cycle still holding a frozen dict that holds the SCC).
extern const char *const kCpythonUndrawnHolderGap;
/// I18 with the count above the references drawn: kCpythonUndrawnHolderGap.
std::optional<std::string> classify_cpython_scc_count_high(const Violation &v);

/// The runtime died in `stmt`: the materialised-dict defect if `stmt` is a freeze whose graph in
/// the model's state `before` (from its roots through fields, not into frozen objects) reaches an
/// instance whose dict was materialised (its field `__dict__` set), or if some frozen instance
/// already has one (the torn-down SCC is freed later).
std::optional<std::string> classify_cpython_death(const std::string &stmt, const World &before);
/// I16 broken by the runtime's snapshot of a freeze that failed (`outcome` not ok): the rollback
/// defect.
std::optional<std::string> classify_cpython_count(const Violation &v, const RecordedStep &step);
/// A freeze statement after which the model has an object frozen that the runtime shows mutable,
/// and a materialised `__dict__` at or below it that the runtime no longer shows: the SCC was
/// torn down inside the freeze.
std::optional<std::string> classify_cpython_difference(const std::vector<Difference> &diffs,
                                                       const RecordedStep &step);

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
