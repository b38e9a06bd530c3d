// I17 (behaviour isolation) in the incremental checker, while behaviours exist. The invariant has
// three clauses (checker/heap_invariants.cc, check_behaviour_isolation):
//   1. a mutable LOCAL object is referenced from one LOCAL only;
//   2. a region tree is referenced (LOCAL references into its regions) from one LOCAL only;
//   3. a running behaviour references only region trees it may: free ones it captured or made,
//      or ones owned by a cown it holds (or a Pending one).
// Given that they held at the previous check, what can break them in one step:
//   1. a reference from another LOCAL to a LOCAL object, which I3 forbids too: flagged with I3;
//   2. a new LOCAL reference into a tree (a new edge or stack slot, or a target relocated into a
//      region) that another LOCAL references, or a change of parent joining two trees: the tree
//      is scanned (its regions' members and the LOCALs their sources live in);
//   3. anything a running behaviour does to region trees, a behaviour starting or ending, a cown
//      changing status: the full check (behaviours are short; main runs before them).
// A flag only sends I17 to the full checker's function, so a scan that cannot decide (a cyclic
// forest) flags.
#include "checker/incremental/incremental.h"

#include <algorithm>

namespace lungfish {

// True if the tree of region r holds a LOCAL reference from a LOCAL other than `local`
// (local == kNoIndex: from two different LOCALs).
bool IncrementalChecker::tree_shared(const World &w, RegionId r, uint32_t local) {
  const State &h = w.heap;
  RegionId root = r;
  for (size_t guard = 0;; ++guard) {
    RegionId up = ghost_up(root);
    if (up == kNoRegion) break;
    root = up;
    if (guard > reg_.size()) return true; // a cycle: let the full check say
  }
  auto key = std::make_pair(root, local);
  if (std::find(scanned_.begin(), scanned_.end(), key) != scanned_.end()) return false;
  scanned_.push_back(key);
  uint32_t seen = local;
  auto other = [&](uint32_t l) {
    if (seen == UINT32_MAX) seen = l;
    return l != seen;
  };
  std::vector<RegionId> stack{root};
  for (size_t guard = 0; !stack.empty(); ++guard) {
    if (guard > reg_.size()) return true;
    RegionId x = stack.back();
    stack.pop_back();
    if (x >= h.region_end() || !h.is_live_region(x)) continue;
    for (ObjectId o = h.region(x).first; o != kNone && o < h.object_end(); o = h.obj(o).next) {
      for (ObjectId s : sources_[o])
        if (h.is_live(s) && h.obj(s).loc.is_local() && other(h.obj(s).loc.index)) return true;
      auto it = root_refs_.find(o);
      if (it == root_refs_.end()) continue;
      for (const RootRef &ref : it->second)
        if (!ref.frame && ref.thread < w.threads.size() && other(w.threads[ref.thread].local))
          return true;
    }
    for (RegionId c : reg_[x].children)
      stack.push_back(c);
  }
  return false;
}

void IncrementalChecker::evaluate_isolation(const World &w) {
  const State &h = w.heap;
  if (flags_ & (1u << static_cast<unsigned>(Invariant::I3))) flag(Invariant::I17);
  std::vector<uint32_t> running; // the LOCALs of running behaviours
  for (uint32_t t = 1; t < w.threads.size(); ++t)
    if (w.threads[t].status == ThreadStatus::Running) running.push_back(w.threads[t].local);
  // Stack slots holding a target that moved into a region are new references into it.
  for (ObjectId t : targets_) {
    auto it = root_refs_.find(t);
    if (it == root_refs_.end()) continue;
    for (const RootRef &ref : it->second)
      if (!ref.frame && ref.thread < w.threads.size())
        new_refs_.emplace_back(w.threads[ref.thread].local, t);
  }
  if (!running.empty() && !reparented_.empty()) {
    flag(Invariant::I17);
    return;
  }
  scanned_.clear();
  for (const auto &[local, o] : new_refs_) {
    if (o >= h.object_end() || !h.is_live(o)) continue;
    RegionId r = live_region_of(h, o);
    if (r == kNoRegion) continue;
    if (std::find(running.begin(), running.end(), local) != running.end() ||
        tree_shared(w, r, local)) {
      flag(Invariant::I17);
      return;
    }
  }
  for (RegionId r : reparented_)
    if (r < h.region_end() && h.is_live_region(r) && tree_shared(w, r, UINT32_MAX)) {
      flag(Invariant::I17);
      return;
    }
}

} // namespace lungfish
