// Invariants about the region forest and its counters: I4 to I11.
#include "checker/analysis.h"

#include <algorithm>

namespace lungfish::checker_detail {

namespace {

std::string num(int64_t n) {
  return std::to_string(n);
}

std::string plural(int64_t n, const char *one, const char *many) {
  return num(n) + " " + (n == 1 ? one : many);
}

bool has(const std::vector<ObjectId> &v, ObjectId o) {
  return std::find(v.begin(), v.end(), o) != v.end();
}

std::string parent_name(Analysis &a, RegionId r) {
  const Region &reg = a.heap.region(r);
  switch (reg.parent_kind) {
    case ParentKind::None:
      return "none";
    case ParentKind::Region:
      return a.region_name(reg.parent);
    case ParentKind::Cown:
      return a.name(reg.parent);
  }
  return "?";
}

/// The region's first LOCAL reference as witness objects: target, then source object.
std::vector<ObjectId> first_ref_objects(Analysis &a, RegionId r) {
  const Counts &c = a.counts();
  if (c.first_ref[r] == kNoIndex) return {};
  const LocalRef &ref = c.refs[c.first_ref[r]];
  std::vector<ObjectId> out{ref.target};
  if (ObjectId s = Analysis::source_object(ref.source)) out.push_back(s);
  return out;
}

std::string first_ref_text(Analysis &a, RegionId r) {
  const Counts &c = a.counts();
  if (c.first_ref[r] == kNoIndex) return "";
  const LocalRef &ref = c.refs[c.first_ref[r]];
  return " (" + a.source_name(ref.source) + " points to " + a.name(ref.target) + ")";
}

} // namespace

void check_region_entry(Analysis &a, Reporter &rep) {
  const State &h = a.heap;
  for (ObjectId o = 1; o < h.object_end(); ++o) {
    if (!h.obj(o).live) continue;
    RegionId r = a.region_of(o);
    if (r == kNoRegion) continue;
    for_each_edge(h, o, [&](const Source &s, ObjectId t) {
      if (!h.is_live(t)) return;
      RegionId sr = a.region_of(t);
      if (sr == kNoRegion || sr == r) return;
      const Region &reg = h.region(sr);
      if (reg.bridge != t) {
        rep.add(Invariant::I4,
                a.source_name(s) + " in " + a.region_name(r) + " references " + a.name(t) +
                    ", an object of " + a.region_name(sr) + " that is not its bridge",
                {o, t}, {r, sr});
      } else if (reg.parent_kind != ParentKind::Region || reg.parent != r) {
        rep.add(Invariant::I4,
                a.source_name(s) + " in " + a.region_name(r) + " references the bridge of " +
                    a.region_name(sr) + ", whose parent is " + parent_name(a, sr) + ", not " +
                    a.region_name(r),
                {o, t}, {r, sr});
      }
    });
  }
}

void check_single_owner(Analysis &a, Reporter &rep) {
  const State &h = a.heap;
  const RegionId nr = h.region_end();
  std::vector<uint32_t> owners(nr, 0);
  std::vector<Source> src1(nr), src2(nr);
  for (ObjectId o = 1; o < h.object_end(); ++o) {
    if (!h.obj(o).live) continue;
    RegionId from = a.region_of(o);
    for_each_edge(h, o, [&](const Source &src, ObjectId t) {
      if (!h.is_live(t)) return;
      RegionId s = a.region_of(t);
      if (s == kNoRegion || h.region(s).bridge != t) return;
      const Region &reg = h.region(s);
      bool owning = (reg.parent_kind == ParentKind::Region && from == reg.parent) ||
                    (reg.parent_kind == ParentKind::Cown && o == reg.parent);
      if (!owning) return;
      if (++owners[s] == 1)
        src1[s] = src;
      else if (owners[s] == 2)
        src2[s] = src;
    });
  }
  for (RegionId s = 1; s < nr; ++s) {
    const Region &reg = h.region(s);
    if (!reg.live || reg.parent_kind == ParentKind::None || owners[s] == 1) continue;
    // A broken parent or bridge is I6's or I7's to report; counting owners of it says nothing.
    bool parent_ok = reg.parent_kind == ParentKind::Region ? h.is_live_region(reg.parent)
                                                           : a.is_cown(reg.parent);
    if (!parent_ok || !h.is_live(reg.bridge) || a.region_of(reg.bridge) != s) continue;
    std::vector<ObjectId> objs{reg.bridge};
    std::string from;
    for (uint32_t k = 0; k < std::min<uint32_t>(owners[s], 2); ++k) {
      const Source &src = k == 0 ? src1[s] : src2[s];
      if (!has(objs, src.object)) objs.push_back(src.object);
      from += (k == 0 ? " (" : " and ") + a.source_name(src);
    }
    if (!from.empty()) from += owners[s] > 2 ? " and more)" : ")";
    std::vector<RegionId> regs{s};
    if (reg.parent_kind == ParentKind::Region) regs.push_back(reg.parent);
    rep.add(Invariant::I5,
            a.region_name(s) + " is owned by " + parent_name(a, s) + " but has " +
                plural(owners[s], "owning reference", "owning references") + " to its bridge" +
                from,
            objs, regs);
  }
}

void check_region_forest(Analysis &a, Reporter &rep) {
  const State &h = a.heap;
  const RegionId nr = h.region_end();
  auto up = [&](RegionId r) {
    const Region &reg = h.region(r);
    return reg.parent_kind == ParentKind::Region && h.is_live_region(reg.parent) ? reg.parent
                                                                                 : kNoRegion;
  };
  for (RegionId r = 1; r < nr; ++r) {
    const Region &reg = h.region(r);
    if (!reg.live) continue;
    if (reg.parent_kind == ParentKind::Region && !h.is_live_region(reg.parent))
      rep.add(Invariant::I6,
              "the parent of " + a.region_name(r) + " is region id " + num(reg.parent) +
                  ", which is not a live region",
              {}, {r});
    if (reg.parent_kind == ParentKind::Cown && !a.is_cown(reg.parent))
      rep.add(Invariant::I6,
              a.region_name(r) + " is owned by " + a.name(reg.parent) +
                  ", which is not a live cown",
              {}, {r});
  }
  // Colour walk: 1 = on the current chain, 2 = finished; meeting a 1 closes a cycle.
  std::vector<uint8_t> colour(nr, 0);
  std::vector<RegionId> chain;
  for (RegionId r = 1; r < nr; ++r) {
    if (!h.region(r).live || colour[r]) continue;
    chain.clear();
    RegionId x = r;
    for (; x != kNoRegion && colour[x] == 0; x = up(x)) {
      colour[x] = 1;
      chain.push_back(x);
    }
    if (x != kNoRegion && colour[x] == 1) {
      auto start = std::find(chain.begin(), chain.end(), x);
      std::vector<RegionId> cycle(start, chain.end());
      std::vector<ObjectId> bridges;
      std::string names;
      for (RegionId c : cycle) {
        names += (names.empty() ? "" : " -> ") + a.region_name(c);
        if (h.is_live(h.region(c).bridge)) bridges.push_back(h.region(c).bridge);
      }
      rep.add(Invariant::I6,
              "the parent relation has a cycle: " + names + " -> " + a.region_name(cycle.front()),
              bridges, cycle);
    }
    for (RegionId c : chain)
      colour[c] = 2;
  }
}

void check_bridge(Analysis &a, Reporter &rep) {
  const State &h = a.heap;
  for (RegionId r = 1; r < h.region_end(); ++r) {
    const Region &reg = h.region(r);
    if (!reg.live) continue;
    ObjectId b = reg.bridge;
    if (b == kNone) {
      rep.add(Invariant::I7, a.region_name(r) + " has no bridge", {}, {r});
    } else if (!h.is_live(b)) {
      rep.add(Invariant::I7,
              "the bridge of " + a.region_name(r) + " (id " + num(b) + ") has been freed", {}, {r});
    } else if (a.region_of(b) != r) {
      rep.add(Invariant::I7,
              "the bridge of " + a.region_name(r) + ", " + a.name_at(b) +
                  ", is not inside the region",
              {b}, {r});
    }
  }
  // FrankenScript tests "is a bridge" by the [RegionObject] prototype (docs/semantics.md 9), so in
  // its profile an object carrying that prototype is a bridge, and must be a recorded one. The
  // other profiles use the recorded bridge only, where such an object is harmless.
  if (a.ctx.profile != Profile::Frankenscript) return;
  ObjectId region_proto = h.builtin_proto(BuiltinProto::RegionObject);
  for (ObjectId o = 1; o < h.object_end(); ++o) {
    const Object &ob = h.obj(o);
    if (!ob.live || ob.proto != region_proto) continue;
    RegionId r = a.region_of(o);
    if (r != kNoRegion && h.region(r).bridge == o) continue;
    rep.add(Invariant::I7,
            a.name_at(o) + " has the [RegionObject] prototype but is not the recorded bridge of " +
                "a live region (a fake bridge)",
            {o}, r ? std::vector<RegionId>{r} : std::vector<RegionId>{});
  }
}

void check_lrc(Analysis &a, Reporter &rep) {
  const State &h = a.heap;
  const Counts &c = a.counts();
  for (RegionId r = 1; r < h.region_end(); ++r) {
    const Region &reg = h.region(r);
    if (!reg.live) continue;
    int64_t truth = c.true_lrc[r];
    if (a.dirty(r) ? reg.lrc >= truth : reg.lrc == truth) continue;
    rep.add(Invariant::I8,
            std::string(a.dirty(r) ? "dirty " : "") + "LRC of " + a.region_name(r) + " is " +
                num(reg.lrc) + " but " +
                plural(truth, "LOCAL reference points", "LOCAL references point") + " into it" +
                first_ref_text(a, r),
            first_ref_objects(a, r), {r});
  }
}

void check_sbrc(Analysis &a, Reporter &rep) {
  // Children's openness comes from recomputed counts (analysis.h), not from their counters, so a
  // child with a wrong LRC makes its parent's SBRC wrong too rather than hiding the error.
  const State &h = a.heap;
  const Forest &f = a.forest();
  for (RegionId r = 1; r < h.region_end(); ++r) {
    const Region &reg = h.region(r);
    if (!reg.live || reg.sbrc == f.sbrc[r]) continue;
    std::vector<RegionId> regs{r};
    for (uint32_t k = f.child_begin[r]; k < f.child_begin[r + 1]; ++k)
      if (f.open[f.children[k]]) regs.push_back(f.children[k]);
    rep.add(Invariant::I9,
            "SBRC of " + a.region_name(r) + " is " + num(reg.sbrc) + " but " +
                plural(f.sbrc[r], "direct child is open", "direct children are open"),
            {}, regs);
  }
}

void check_closed(Analysis &a, Reporter &rep) {
  // "Closed" here is the regions' own counters (LRC + SBRC = 0): with recomputed counts a closed
  // region has no LOCAL reference in its subtree by definition, so I10 would say nothing. With
  // counters it states the safety property: a region the runtime believes closed (and may close,
  // send or release a cown for) is not reachable from a LOCAL. With exact counters it follows
  // from I8 and I9.
  const State &h = a.heap;
  const Counts &c = a.counts();
  const Forest &f = a.forest();
  const RegionId nr = h.region_end();
  constexpr RegionId kUnset = kNoIndex, kBusy = kNoIndex - 1;
  std::vector<RegionId> nearest(nr, kUnset); // nearest counter-closed region at or above
  std::vector<RegionId> chain;
  auto closed_at_or_above = [&](RegionId d) {
    chain.clear();
    RegionId result = kNoRegion;
    for (RegionId x = d;; x = f.up[x]) {
      if (x == kNoRegion) break;
      if (nearest[x] != kUnset) {
        result = nearest[x] == kBusy ? kNoRegion : nearest[x]; // a parent cycle: I6's business
        break;
      }
      if (h.region(x).lrc + h.region(x).sbrc <= 0) {
        nearest[x] = result = x;
        break;
      }
      nearest[x] = kBusy;
      chain.push_back(x);
    }
    for (RegionId x : chain)
      nearest[x] = result;
    return result;
  };
  for (RegionId d = 1; d < nr; ++d) {
    if (!h.region(d).live || c.true_lrc[d] == 0) continue;
    RegionId closed = closed_at_or_above(d);
    if (closed == kNoRegion) continue;
    std::string what = closed == d
                           ? a.region_name(d) + ", which is closed"
                           : a.region_name(d) + ", a descendant of closed " + a.region_name(closed);
    std::vector<RegionId> regs{d};
    if (closed != d) regs.push_back(closed);
    rep.add(Invariant::I10,
            plural(c.true_lrc[d], "LOCAL reference points", "LOCAL references point") + " into " +
                what + first_ref_text(a, d),
            first_ref_objects(a, d), regs);
  }
}

void check_liveness(Analysis &a, Reporter &rep) {
  // frankenscript collects a dropped child only when LRC + SBRC = 0 (docs/semantics.md 3), so there a
  // free region with LRC 0 may live on while it has open children.
  const State &h = a.heap;
  const Forest &f = a.forest();
  bool fs = a.ctx.profile == Profile::Frankenscript;
  for (RegionId r = 1; r < h.region_end(); ++r) {
    const Region &reg = h.region(r);
    if (!reg.live || reg.parent_kind != ParentKind::None || a.semantic_lrc(r) != 0) continue;
    if (fs && f.sbrc[r] != 0) continue;
    std::vector<ObjectId> objs;
    if (h.is_live(reg.bridge)) objs.push_back(reg.bridge);
    rep.add(Invariant::I11,
            a.region_name(r) + " is free and no LOCAL reference points into it" +
                (fs ? std::string(" nor is any child open") : std::string()) + " (LRC counter " +
                num(reg.lrc) + "), so it should have been collected",
            objs, {r});
  }
}

} // namespace lungfish::checker_detail
