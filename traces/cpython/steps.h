// Recorded Python statements as model steps, the same way for every Python format: the CPython
// recorder's native traces (runtime "cpython") and the reference recordings
// (traces/cpython/replay.h).
//
//   for each recorded statement, in order:
//     read it with the subset parser together with the in-subset statements before it
//       (so classes, list lengths and materialised dicts are known)
//     fill in from the runtime's snapshot before it what the text cannot say:
//       `x.append(v)`, `extend`, `insert` store at the list's length there; `update` needs x
//       to be a dict there
//       a read of `x.__dict__` materialises x's dict only if x has none there
//       a write to a frozen built-in container (`x.clear()`, `del x[0]`, `x += …`) is the one
//       store `x["N"] = None`: the model rejects it as the runtime does
//     a statement that raised ends at the model statement that fails first (failing_statement)
//     a statement the parser refuses, or a freeze the model cannot judge, is opaque:
//       one step, no model statement, `RecordedStep::opaque` says why
#pragma once

#include "traces/replay/replay.h"

#include <memory>
#include <string>
#include <vector>

namespace lungfish::traces {

/// Maps recorded Python statements, in program order, to model statements (see above).
class PythonStepMapper {
public:
  explicit PythonStepMapper(std::string file) : file_(std::move(file)) {}

  struct Mapped {
    std::vector<std::string> stmts; // model statements, in order (none for an import)
    std::string opaque;             // non-empty: why the model cannot interpret the step
  };

  /// Maps the next recorded step: `op` is its Python source (one or more top-level statements),
  /// `before` the runtime's snapshot before it (model vocabulary or the reference recordings';
  /// null if unknown). The step is opaque if any of its statements is. The program is read as
  /// the statements in order, whatever their lines (`a = 1; b = 2` are two recorded statements).
  Mapped map(const std::string &op, const Snapshot *before);

private:
  std::string file_;
  std::string program_; // the in-subset statements so far, one after the other
  size_t lines_ = 0;    // its lines
};

/// Model stores `PATH = None`, one per object that is frozen in both snapshots (same key and
/// type) and whose fields differ between them: what a statement wrote into frozen objects. PATH
/// is a shortest access path in `before`. Any such store is rejected by the model (E_IMMUTABLE).
std::vector<std::string> frozen_writes(const Snapshot &before, const Snapshot &after);

/// The steps of a recorder trace mapped with PythonStepMapper: a Python statement that becomes
/// several model statements gives several steps, the last one carrying the runtime's outcome
/// and snapshot; one that becomes none (an import) gives a `pass()` step so its snapshot is
/// still compared; an opaque one stays one step, its Python text kept, `opaque` set, followed
/// by one step per frozen_writes of its snapshots (the runtime accepted them: the model judges
/// them, so a write into a frozen object inside an opaque statement is still found).
std::vector<RecordedStep> python_steps_to_model(const std::vector<RecordedStep> &steps,
                                                const std::string &file);

/// A StepSource over steps held in memory.
std::unique_ptr<StepSource> vector_source(std::vector<RecordedStep> steps);

/// A native trace as replay steps (`profile` gets the header's profile). A recording of Python
/// (profile cpython or pep795: the CPython recorder's output) is read whole and mapped with
/// python_steps_to_model (recordings are small; the mapping needs the whole program, e.g. for
/// list lengths); any other trace is streamed as is. What `replay` and `diff` both read.
std::unique_ptr<StepSource> open_native_trace(const std::string &path, std::string *profile);

} // namespace lungfish::traces
