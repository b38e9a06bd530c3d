// Replay of the reference CPython recordings (`pyrona-heap-trace/v1`, notes/cpython-immutability.md
// 6) through the model under the cpython profile (SEMANTICS.md 7, docs/cpython-profile.md).
//
// CpythonRecordingSource is a StepSource over one recording: each step's `op` (Python source,
// possibly several lines) is mapped through the subset parser (model/python_subset.h) together
// with the in-subset ops before it (list lengths are tracked across steps); the step becomes one
// recorded step per model statement, the last carrying the outcome and the normalised
// snapshot_after. An op outside the subset (functions and closures, modules, SharedField,
// InterpreterLocal, is_frozen, sub-interpreters, any other construct) is opaque: one step whose
// statement the model cannot compile, so replay resynchronises from its snapshot;
// replay_cpython_recording turns those resynchronisations into notes.
//
// Normalisation of a recorded snapshot to the model's vocabulary:
//   - edges to scalars (int, str, bool, float, None) and to tuples of scalars become None (the
//     model's literals are None);
//   - list items `[N]` become fields "N", dict items `['k']` fields "k", `__class__` becomes
//     `__proto__`; a class object (type) is an object with no fields (the model's `C = {}`);
//   - `?inline#k` edges are unnamed: named after the field that pointed to the same target in
//     the step's snapshot_before, else left as they are;
//   - raw refcounts include the tracer's references and are never compared (rc stays unset).
// Outcomes: TypeError from a freeze -> E_NOT_FREEZABLE, any other TypeError -> E_IMMUTABLE, any
// other exception of a freeze (a pre-freeze hook raised) -> E_HOOK.
#pragma once

#include "traces/cpython_recording.h"
#include "traces/replay.h"

#include <memory>
#include <set>
#include <string>
#include <vector>

namespace lungfish::traces {

/// The recording's snapshot in the model's vocabulary (see above); `before` names ?inline edges.
Snapshot normalise_cpython_snapshot(const Snapshot &s, const Snapshot *before);

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
  };
  const std::vector<Opaque> &opaque() const { return opaque_; }

private:
  std::vector<RecordedStep> steps_;
  std::vector<Opaque> opaque_;
  size_t at_ = 0;
};

/// Replays a recording file under `options` (profile cpython by default from the CLI): the
/// resynchronisations at opaque steps become notes, not divergences. Throws InputError.
ReplayReport replay_cpython_recording(const std::string &path, const ReplayOptions &options);

} // namespace lungfish::traces
