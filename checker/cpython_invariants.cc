// The invariants of the cpython and pep795 profiles (docs/semantics.md 4, 7): I18 frozen SCC counts
// and I19 freezability. Both read the SCC side table that model/cpython_freeze.cc keeps in State;
// I18 recomputes the references from outside each SCC from the edges, never from the counters.
#include "checker/analysis.h"
#include "model/cpython_profile.h"

namespace lungfish::checker_detail {

void check_frozen_scc_counts(Analysis &a, Reporter &r) { // I18
  const State &h = a.heap;
  if (h.frozen_info.empty()) return;
  const Counts &c = a.counts();
  std::vector<char> member(h.object_end(), 0);
  for (ObjectId rep = 1; rep < h.object_end(); ++rep) {
    const FrozenInfo *info = h.frozen_info_of(rep);
    if (!info) continue;
    if (info->rep != rep) {
      // A member whose representative is gone can never be counted again.
      if (!h.frozen_info_of(info->rep) || h.frozen_info[info->rep].rep != info->rep)
        r.add(Invariant::I18,
              a.name(rep) + " belongs to a frozen SCC whose representative no longer exists",
              {rep});
      continue;
    }
    for (ObjectId m : info->members) member[m] = 1;
    int64_t outside = 0;
    for (ObjectId m : info->members) {
      if (!h.is_live(m)) continue;
      outside += c.in_rc[m];
      for_each_edge(h, m, [&](const Source &, ObjectId t) { outside -= member[t]; });
    }
    for (ObjectId m : info->members) member[m] = 0;
    int64_t count = scc_count(h, rep);
    if (count != outside)
      r.add(Invariant::I18,
            "the count of the frozen SCC represented by " + a.name(rep) + " is " +
                std::to_string(count) + " but " + std::to_string(outside) +
                " references point into the SCC from outside it",
            info->members);
  }
}

void check_freezability(Analysis &a, Reporter &r) { // I19
  const State &h = a.heap;
  for (ObjectId o = 1; o < h.object_end(); ++o) {
    if (!h.is_live(o) || !h.obj(o).loc.is_immutable()) continue;
    Freezability f = h.obj(o).freezable;
    if (f == Freezability::No)
      r.add(Invariant::I19, a.name(o) + " is frozen although its freezability is no", {o});
    else if (f == Freezability::Explicit) {
      const FrozenInfo *info = h.frozen_info_of(o);
      if (!info || !info->root)
        r.add(Invariant::I19,
              a.name(o) + " is freezable only explicitly but was frozen without being a root "
                          "of the freeze",
              {o});
    }
  }
}

} // namespace lungfish::checker_detail
