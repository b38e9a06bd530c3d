// Replay of the reference CPython recordings (`pyrona-heap-trace/v1`, notes/cpython-immutability.md
// 6) through the model under the cpython profile (docs/semantics.md 7, docs/cpython-profile.md).
//
// CpythonRecordingSource is a StepSource over one recording: each step's `op` (Python source,
// possibly several lines) is mapped through the subset parser (model/text/python_subset.h) together
// with the in-subset ops before it (list lengths are tracked across steps); the step becomes one
// recorded step per model statement, the last carrying the outcome and the normalised
// snapshot_after. An op outside the subset (functions and closures, modules, SharedField,
// InterpreterLocal, is_frozen, sub-interpreters, any other construct; a freeze whose root is a
// function or closure, or whose graph reaches a class with a Python `__pre_freeze__` hook) is
// opaque: one step whose
// statement the model cannot compile, so replay resynchronises from its snapshot;
// replay_cpython_recording turns those resynchronisations into notes.
//
// Normalisation of a recorded snapshot to the model's vocabulary:
//   - edges to scalars (int, str, bool, float, None) and to tuples of scalars become None (the
//     model's literals are None);
//   - list items `[N]` become fields "N", dict items `['k']` fields "k", `__class__` becomes
//     `__proto__`; a class object (type) is an object with no fields (the model's `C = {}`);
//   - `?inline#k` edges are unnamed, matched by target: named after the field of the same object
//     that holds the same target in the step's snapshot_before, else in the nearest other
//     snapshot of the recording; else left as they are (then a difference, a recording artefact);
//   - raw refcounts include the tracer's references: never compared for equality here (rc stays
//     unset); traces/cpython/checks.h uses them as lower bounds only.
// Outcomes: TypeError from a freeze -> E_NOT_FREEZABLE, any other TypeError -> E_IMMUTABLE, any
// other exception of a freeze (a pre-freeze hook raised) -> E_HOOK.
#pragma once

#include "traces/cpython/recording.h"
#include "traces/replay/replay.h"

#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace lungfish::traces {

/// The recording's snapshot in the model's vocabulary (see above); `before` names ?inline edges.
Snapshot normalise_cpython_snapshot(const Snapshot &s, const Snapshot *before);
/// The same, naming each ?inline edge from the first of `hints` (snapshots, nearest first) where
/// the same object (address and type) holds the same target under a name it does not use yet.
Snapshot normalise_cpython_snapshot(const Snapshot &s, const std::vector<const Snapshot *> &hints);

/// `s` with each instance that `extra` marks `dict_materialised` given a field `__dict__` to a
/// dict object without fields (key `ID.__dict__`, frozen as the instance): how the model and
/// the CPython recorder draw a materialised instance dict (docs/cpython-profile.md).
Snapshot with_instance_dicts(Snapshot s,
                             const std::unordered_map<std::string, CpythonNodeExtra> &extra);

/// The model error code of a recorded Python exception raised by `op` ("" for other exceptions
/// outside a freeze).
std::string cpython_error_code(const std::string &exception_type, const std::string &op);

/// A StepSource over a parsed recording.
class CpythonRecordingSource : public StepSource {
public:
  explicit CpythonRecordingSource(const CpythonRecording &r, const std::string &file);
  bool next(RecordedStep &out) override;
  /// The 1-based events that are opaque steps, with their Python source and outcome.
  struct Opaque {
    uint32_t event;
    uint32_t step; // the recording's step index
    std::string op;
    std::string outcome; // "ok" or the Python exception type
    std::string reason;  // why the step is outside the subset
  };
  const std::vector<Opaque> &opaque() const { return opaque_; }
  /// Per recording step: its last event (the one carrying its snapshot) and its first line.
  const std::vector<std::pair<uint32_t, uint32_t>> &step_events() const { return step_events_; }

private:
  void restore_freezability(const CpythonStep &st, const std::optional<Snapshot> &snap,
                            uint32_t line, uint32_t &event);
  std::vector<RecordedStep> steps_;
  std::vector<Opaque> opaque_;
  std::vector<std::pair<uint32_t, uint32_t>> step_events_;
  size_t at_ = 0;
};

/// Replays a recording file under `options` (profile cpython by default from the CLI): the
/// resynchronisations at opaque steps become notes, not divergences; the checks of
/// cpython_checks.h on every step's snapshot add their findings. Throws InputError.
ReplayReport replay_cpython_recording(const std::string &path, const ReplayOptions &options);

} // namespace lungfish::traces
