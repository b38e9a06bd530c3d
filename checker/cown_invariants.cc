// Invariants about cowns: I12, I13, I14 and the step invariant I15.
#include "checker/analysis.h"

#include <algorithm>

namespace lungfish::checker_detail {

namespace {

std::string num(int64_t n) {
  return std::to_string(n);
}

std::string references(int64_t n) {
  return num(n) + (n == 1 ? " LOCAL reference points" : " LOCAL references point");
}

} // namespace

void check_cown_contents(Analysis &a, Reporter &rep) {
  const State &h = a.heap;
  for (ObjectId c = 1; c < h.object_end(); ++c) {
    const Object &ob = h.obj(c);
    if (!ob.live || ob.loc.kind != LocationKind::Cown) continue;
    for_each_edge(h, c, [&](const Source &s, ObjectId t) {
      if (!h.is_live(t)) return;
      const Location &tl = h.obj(t).loc;
      if (tl.is_immutable() || tl.kind == LocationKind::Cown) return;
      RegionId r = a.region_of(t);
      std::string what;
      if (r == kNoRegion) {
        what = a.name_at(t) + ", which is neither frozen, a cown nor a bridge";
      } else {
        const Region &reg = h.region(r);
        if (reg.bridge != t)
          what = a.name(t) + ", an object of " + a.region_name(r) + " that is not its bridge";
        else if (reg.parent_kind == ParentKind::Cown && reg.parent == c)
          return;
        else
          what = "the bridge of " + a.region_name(r) + ", a region it does not own";
      }
      rep.add(Invariant::I12, a.source_name(s) + " holds " + what, {c, t},
              r ? std::vector<RegionId>{r} : std::vector<RegionId>{});
    });
  }
}

void check_release(Analysis &a, Reporter &rep) {
  // Openness is the recomputed one (analysis.h): a Released cown's regions must really be
  // closed, whatever their counters say.
  const State &h = a.heap;
  const Forest &f = a.forest();
  const Counts &c = a.counts();
  const RegionId nr = h.region_end();
  for (RegionId r = 1; r < nr; ++r) {
    const Region &reg = h.region(r);
    if (!reg.live || reg.parent_kind != ParentKind::Cown || !a.is_cown(reg.parent)) continue;
    ObjectId cown = reg.parent;
    if (h.obj(cown).status != CownStatus::Released || !f.open[r]) continue;
    // Descend through open children to a region that is open by its own LRC.
    RegionId d = r;
    for (uint32_t steps = 0; a.semantic_lrc(d) == 0 && steps < nr; ++steps) {
      RegionId next = kNoRegion;
      for (uint32_t k = f.child_begin[d]; k < f.child_begin[d + 1] && !next; ++k)
        if (f.open[f.children[k]]) next = f.children[k];
      if (next == kNoRegion) break;
      d = next;
    }
    std::vector<ObjectId> objs{cown};
    std::vector<RegionId> regs{r};
    if (d != r) regs.push_back(d);
    std::string why;
    if (c.first_ref[d] != kNoIndex) {
      const LocalRef &ref = c.refs[c.first_ref[d]];
      objs.push_back(ref.target);
      why = references(c.true_lrc[d]) + " into " + a.region_name(d) + " (" +
            a.source_name(ref.source) + " points to " + a.name(ref.target) + ")";
    } else {
      why = "the dirty LRC of " + a.region_name(d) + " is " + num(h.region(d).lrc);
    }
    rep.add(Invariant::I13,
            a.name(cown) + " is Released but " + a.region_name(r) +
                ", which it owns, is open: " + why,
            objs, regs);
  }
}

void check_opacity(Analysis &a, Reporter &rep) {
  const State &h = a.heap;
  const Forest &f = a.forest();
  const Counts &c = a.counts();
  for (RegionId d = 1; d < h.region_end(); ++d) {
    if (!h.region(d).live || c.first_ref[d] == kNoIndex || !f.acyclic[d]) continue;
    ObjectId cown = f.owner[d];
    if (cown == kNone || h.obj(cown).status != CownStatus::Released) continue;
    const LocalRef &ref = c.refs[c.first_ref[d]];
    std::vector<ObjectId> objs{ref.target};
    if (ObjectId s = Analysis::source_object(ref.source)) objs.push_back(s);
    objs.push_back(cown);
    rep.add(Invariant::I14,
            references(c.true_lrc[d]) + " into " + a.region_name(d) + ", which Released " +
                a.name(cown) + " owns (" + a.source_name(ref.source) + " points to " +
                a.name(ref.target) + ")",
            objs, {d});
  }

  // The first Released cown on the prototype chain starting at an object, memoised; a cycle of
  // prototypes counts as passing through none.
  const ObjectId n = h.object_end();
  constexpr ObjectId kUnset = kNoIndex, kBusy = kNoIndex - 1;
  std::vector<ObjectId> memo(n, kUnset);
  std::vector<ObjectId> chain;
  auto released_on_chain = [&](ObjectId start) {
    chain.clear();
    ObjectId result = kNone;
    for (ObjectId x = start;; x = h.obj(x).proto) {
      if (!h.is_live(x)) break;
      if (memo[x] != kUnset) {
        result = memo[x] == kBusy ? kNone : memo[x];
        break;
      }
      if (h.obj(x).loc.kind == LocationKind::Cown && h.obj(x).status == CownStatus::Released) {
        memo[x] = result = x;
        break;
      }
      memo[x] = kBusy;
      chain.push_back(x);
    }
    for (ObjectId x : chain)
      memo[x] = result;
    return result;
  };
  for (ObjectId o = 1; o < n; ++o) {
    const Object &ob = h.obj(o);
    if (!ob.live || !ob.loc.is_local() || ob.proto == kNone) continue;
    ObjectId cown = released_on_chain(ob.proto);
    if (cown == kNone) continue;
    rep.add(Invariant::I14,
            "the prototype chain of " + a.name_at(o) + " passes through Released " + a.name(cown),
            {o, cown});
  }
}

} // namespace lungfish::checker_detail

namespace lungfish {

using checker_detail::Analysis;

std::vector<OwnedRegion> owned_regions(const World &w) {
  std::vector<OwnedRegion> out;
  const State &h = w.heap;
  for (RegionId r = 1; r < h.region_end(); ++r)
    if (h.is_live_region(r) && h.region(r).parent_kind == ParentKind::Cown)
      out.push_back(owned_region(h, r));
  return out;
}

OwnedRegion owned_region(const State &h, RegionId r) {
  const Region &R = h.region(r);
  auto serial = [&](ObjectId o) { return h.is_live(o) ? h.obj(o).serial : 0; };
  return OwnedRegion{r, R.serial, R.parent, serial(R.parent), R.bridge, serial(R.bridge)};
}

std::vector<Violation> check_statement_ownership(const std::vector<OwnedRegion> &before,
                                                 const World &after,
                                                 const std::vector<ObjectId> &written,
                                                 const CheckContext &c) {
  // Allowed without a write to the cown: the cown itself was collected (it released its fields),
  // or the region ended because it was frozen (freeze follows borrowed references into regions
  // of Pending cowns, docs/semantics.md 3.2). Ids are recycled, so identity is checked by serial.
  std::vector<Violation> out;
  Analysis a(after, c);
  checker_detail::Reporter rep(a, out);
  const State &h = after.heap;
  auto same_object = [&](ObjectId o, uint64_t serial) {
    return serial != 0 && h.is_live(o) && h.obj(o).serial == serial;
  };
  for (const OwnedRegion &old : before) {
    RegionId r = old.region;
    ObjectId cown = old.cown;
    bool alive = h.is_live_region(r) && h.region(r).serial == old.serial;
    if (alive && h.region(r).parent_kind == ParentKind::Cown && h.region(r).parent == cown)
      continue;
    if (std::find(written.begin(), written.end(), cown) != written.end() ||
        !same_object(cown, old.cown_serial))
      continue;
    std::string became;
    std::vector<RegionId> regs;
    if (alive) {
      regs.push_back(r);
      const Region &now = h.region(r);
      switch (now.parent_kind) {
        case ParentKind::None:
          became = "became free";
          break;
        case ParentKind::Region:
          became = "was re-parented to " + a.region_name(now.parent);
          break;
        case ParentKind::Cown:
          became = "was handed to " + a.name(now.parent);
          break;
      }
    } else if (!same_object(old.bridge, old.bridge_serial)) {
      became = "was collected";
    } else {
      const Location &l = h.obj(old.bridge).loc;
      if (l.is_immutable()) continue; // frozen
      if (l.is_region()) {
        became = "was merged into " + a.where(l);
        regs.push_back(l.index);
      } else {
        became = "was dissolved into " + a.where(l);
      }
    }
    std::string by = "the primitive wrote no cown";
    for (size_t k = 0; k < written.size(); ++k)
      by = (k == 0 ? "the primitive wrote " : by + (k + 1 == written.size() ? " and " : ", ")) +
           a.name(written[k]);
    std::vector<ObjectId> objs{cown};
    if (same_object(old.bridge, old.bridge_serial)) objs.push_back(old.bridge);
    rep.add(Invariant::I15,
            "region #" + std::to_string(old.serial) + ", owned by " + a.name(cown) + ", " + became +
                ", but " + by,
            objs, regs);
  }
  return out;
}

std::vector<Violation> check_cown_ownership(const World &before, const World &after,
                                            ObjectId wrote_cown, const CheckContext &c) {
  std::vector<ObjectId> written;
  if (wrote_cown != kNone) written.push_back(wrote_cown);
  return check_statement_ownership(owned_regions(before), after, written, c);
}

} // namespace lungfish
