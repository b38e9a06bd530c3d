// Invariants about cowns: I12, I13, I14 and the step invariant I15.
#include "checker/analysis.h"

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

std::vector<Violation> check_cown_ownership(const World &before, const World &after,
                                            ObjectId wrote_cown, const CheckContext &c) {
  // Allowed without a write to the cown: the cown itself was collected (it released its fields),
  // or the region ended because it was frozen (freeze follows borrowed references into regions
  // of Pending cowns, SEMANTICS.md 3.2). Ids are recycled, so identity is checked by serial.
  std::vector<Violation> out;
  Analysis a(after, c);
  checker_detail::Reporter rep(a, out);
  const State &b = before.heap, &h = after.heap;
  auto same_object = [&](ObjectId o) {
    return h.is_live(o) && b.is_live(o) && h.obj(o).serial == b.obj(o).serial;
  };
  for (RegionId r = 1; r < b.region_end(); ++r) {
    const Region &old = b.region(r);
    if (!old.live || old.parent_kind != ParentKind::Cown) continue;
    ObjectId cown = old.parent;
    bool alive = h.is_live_region(r) && h.region(r).serial == old.serial;
    if (alive && h.region(r).parent_kind == ParentKind::Cown && h.region(r).parent == cown)
      continue;
    if (wrote_cown == cown || !same_object(cown)) continue;
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
    } else if (!same_object(old.bridge)) {
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
    std::string by = wrote_cown == kNone ? "the primitive wrote no cown"
                                         : "the primitive wrote " + a.name(wrote_cown);
    std::vector<ObjectId> objs{cown};
    if (same_object(old.bridge)) objs.push_back(old.bridge);
    rep.add(Invariant::I15,
            "region #" + std::to_string(old.serial) + ", owned by " + a.name(cown) + ", " + became +
                ", but " + by,
            objs, regs);
  }
  return out;
}

} // namespace lungfish
