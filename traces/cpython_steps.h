// Recorded Python statements (the recorder's native traces, runtime "cpython") as model steps.
#pragma once

#include "traces/replay.h"

#include <memory>
#include <string>
#include <vector>

namespace lungfish::traces {

/// Rebuilds the recorded Python program from the steps' statements and lines, maps it through
/// the subset parser (model/python_subset.h) and returns one recorded step per model statement:
/// a Python statement that becomes several model statements gives several steps, the last one
/// carrying the runtime's outcome and snapshot; one that becomes none (an import) gives a
/// `pass()` step so its snapshot is still compared. Throws InputError outside the subset.
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
