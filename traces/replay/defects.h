// Classification of replay findings as the runtime defects of docs/semantics.md 9.
//
// A finding is matched against each known defect's signature: the invariant or difference it
// produces and the statement that produced it. Unmatched findings stay unclassified (a new bug,
// in the runtime or in the model, to investigate).
#pragma once

#include "model/machine.h"
#include "traces/replay/replay.h"

#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace lungfish::traces {

/// Every defect name replay can report, in docs/semantics.md 9 order.
const std::vector<std::string> &known_defects();

/// The defects of FrankenScript's behaviours (branch pldi27), in docs/differential-testing.md
/// order ("pldi27: its `when`"); the last is the model's own gap, named so that a campaign
/// groups it rather than calling it new.
namespace pldi27 {
inline constexpr std::string_view kReversed = "when binds its cowns in reverse (pldi27)";
inline constexpr std::string_view kOvertake =
    "behaviour overtakes an earlier one on its cown (pldi27)";
inline constexpr std::string_view kSelfWait = "when (c, c) waits on itself (pldi27)";
inline constexpr std::string_view kHeaderNames =
    "when acquires only the names of its header (pldi27)";
inline constexpr std::string_view kNoCaptures = "behaviour body captures no variables (pldi27)";
inline constexpr std::string_view kLateNotCown =
    "when checks its cowns only when the behaviour starts (pldi27)";
inline constexpr std::string_view kReleaseOpen = "cown released while its region is open (pldi27)";
inline constexpr std::string_view kAcquirePending =
    "behaviour starts on a cown that is not Released (pldi27)";
inline constexpr std::string_view kMainKept =
    "the model keeps main's references after main ends (model gap)";
} // namespace pldi27
const std::vector<std::string> &behaviour_defects();

/// The defect an invariant broken by the runtime's snapshot at step i shows, if any.
/// `recent` holds the latest statements, the current one last.
/// `w` is the runtime's state (the defect's signature is checked on the witness's objects).
std::optional<std::string> classify_violation(const Violation &v, const RecordedStep &step,
                                              const std::deque<std::string> &recent,
                                              const World &w);
/// The defect a snapshot difference shows, if any.
std::optional<std::string> classify_difference(const std::vector<Difference> &diffs,
                                               const RecordedStep &step,
                                               const std::vector<Violation> &violations);
/// The defect behind "the runtime accepted what the model rejects", if any; `w` is the model's
/// state at the rejection (the defect's signature is checked on the objects involved).
std::optional<std::string> classify_rejection(const std::optional<RuleError> &error,
                                              const RecordedStep &step, const World &w);
/// Edges (fields and prototypes) from objects in regions to cowns (the signature of a refused pull
/// that reaches one).
size_t region_to_cown_edges(const World &w);
/// The defect behind "the runtime rejected, with error `text`, what the model accepts", if
/// any; `before` and `after` are the model's states around the statement.
std::optional<std::string> classify_spurious(const std::string &text, const World &before,
                                             const World &after);
/// The defect behind a runtime's death (an abort with `text`, or a crash with none) in `stmt`,
/// run by `thread`, given what the model did with that statement (`model`: its rejection, if
/// any) and the model's state before it; if any.
std::optional<std::string> classify_death(const std::string &text, const std::string &stmt,
                                          const std::optional<RuleError> &model,
                                          const World &before, uint32_t thread);
/// The defect behind a runtime abort, if any.
std::optional<std::string> classify_abort(const std::string &message);

} // namespace lungfish::traces
