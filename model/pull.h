// The pull of the write barrier as data (docs/semantics.md 3.1): what `a.f = y` with y in a LOCAL
// would move, freeze and adopt, and every check it fails, in the order the model raises them.
// The machine's pull (model/barrier.cc) raises the failures of this plan and then applies it;
// the generator asks the same plan whether a store would succeed. One walk, written once.
#pragma once

#include "model/rules.h"
#include "model/state.h"

#include <unordered_set>
#include <vector>

namespace lungfish {

/// The root of r's region tree: follow live region parents until there are none.
RegionId tree_root(const State &h, RegionId r);

struct PullPlan {
  /// One failed check: the object where the walk met it and the region it concerns.
  struct Failure {
    RuleId rule;
    ObjectId at;
    RegionId region;
    bool claimed;       // PullHasParent: the region was already reached by this pull
    size_t dead_before; // how many of `dead` the walk met before this failure
  };
  std::vector<ObjectId> pulled;      // y and the LOCAL objects it reaches, in visiting order
  std::unordered_set<ObjectId> seen; // the same, as a set
  std::vector<ObjectId> to_freeze;   // regional objects implicit freezing freezes (frankenscript)
  std::vector<RegionId> children;    // free regions whose bridges the pull reaches: adopted by a
  std::vector<Failure> failures;     // in the order of the walk
  std::vector<ObjectId> dead;        // freed objects the walk met (a dangling reference)
};

/// The plan of pulling y (in a LOCAL) into region a. The walk is FrankenScript's DFS: the
/// prototype first, then the fields from the last to the first. Pure: `h` is not changed.
PullPlan plan_pull(const State &h, ObjectId y, RegionId a, bool implicit_freezing);

} // namespace lungfish
