// Classification of replay findings as the runtime defects of SEMANTICS.md 9.
//
// A finding is matched against each known defect's signature: the invariant or difference it
// produces and the statement that produced it. Unmatched findings stay unclassified (a new bug,
// in the runtime or in the model, to investigate).
#pragma once

#include "model/machine.h"
#include "traces/replay.h"

#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace lungfish::traces {

/// Every defect name replay can report, in SEMANTICS.md 9 order.
const std::vector<std::string> &known_defects();

/// The defect an invariant broken by the runtime's snapshot at step i shows, if any.
/// `recent` holds the latest statements, the current one last.
std::optional<std::string> classify_violation(const Violation &v, const RecordedStep &step,
                                              const std::deque<std::string> &recent);
/// The defect a snapshot difference shows, if any.
std::optional<std::string> classify_difference(const std::vector<Difference> &diffs,
                                               const RecordedStep &step,
                                               const std::vector<Violation> &violations);
/// The defect behind "the runtime accepted what the model rejects", if any; `w` is the model's
/// state at the rejection (the defect's signature is checked on the objects involved).
std::optional<std::string> classify_rejection(const std::optional<RuleError> &error,
                                              const RecordedStep &step, const World &w);
/// Edges from objects in regions to cowns (the signature of a refused pull that reaches one).
size_t region_to_cown_edges(const World &w);
/// The defect behind "the runtime rejected, with error `text`, what the model accepts", if
/// any; `cown_edges_before` is region_to_cown_edges of the state before the statement, `after`
/// the model's state after it.
std::optional<std::string> classify_spurious(const std::string &text, size_t cown_edges_before,
                                             const World &after);
/// The defect behind a runtime abort, if any.
std::optional<std::string> classify_abort(const std::string &message);

} // namespace lungfish::traces
