// The cpython and pep795 profiles (docs/semantics.md 7): freeze with several roots, freezability,
// the self-contained check, and frozen SCCs with one counting representative each.
//
// The SCC side table lives in State (`frozen_info`, `cyclic_reps`), keyed by ObjectId. Every
// object keeps its own exact rc, as in the other profiles; the representative's count is derived
// the way CPython derives it when an SCC completes: the members' rc summed, minus the edges
// between members at freeze time. Frozen objects cannot be written, so that count stays equal to
// the references from outside the SCC (I18) unless a write check is switched off.
#pragma once

#include "model/machine.h"

#include <cstdint>

namespace lungfish {

/// True for the profiles of docs/semantics.md 7.
inline bool is_cpython_profile(Profile p) {
  return p == Profile::Cpython || p == Profile::Pep795;
}

/// `freeze(a, b, ...)`: the `argc` topmost stack slots are the roots (in argument order). Checks
/// every reached object (freezability; pep795: self-contained) before any effect, then freezes,
/// records the SCCs of the newly frozen set and releases the argument slots.
void cpython_freeze(Machine::Impl &im, uint32_t argc);

/// End of primitive: frees every frozen SCC that a cycle keeps alive and whose count reached 0.
void collect_frozen_sccs(Machine::Impl &im);

/// The count of an SCC representative: the members' rc summed minus the internal edges recorded
/// at freeze time (0 if `rep` is not a valid representative).
int64_t scc_count(const State &h, ObjectId rep);

/// Strongly connected components of `set` (edges: prototype and fields, restricted to `set`),
/// iterative Tarjan; each component lists its members, the first being the one met first.
std::vector<std::vector<ObjectId>> frozen_sccs(const State &h, const std::vector<ObjectId> &set);

} // namespace lungfish
