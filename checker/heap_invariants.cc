// Invariants about objects and references: I1, I2, I3, I16, I17, I20.
#include "checker/analysis.h"

#include <algorithm>

namespace lungfish::checker_detail {

namespace {

std::string num(uint64_t n) {
  return std::to_string(n);
}

} // namespace

void check_location(Analysis &a, Reporter &rep) {
  const State &h = a.heap;
  const ObjectId n = h.object_end();
  const RegionId nr = h.region_end();
  std::vector<uint8_t> listed(n, 0);

  for (RegionId r = 1; r < nr; ++r) {
    const Region &reg = h.region(r);
    if (!reg.live) continue;
    uint32_t len = 0;
    // Walked by hand rather than with State::members so that a broken list cannot loop forever.
    for (ObjectId o = reg.first; o != kNone; o = h.obj(o).next) {
      if (o >= n) {
        rep.add(Invariant::I1,
                "the member list of " + a.region_name(r) + " links to id " + num(o) +
                    ", which was never allocated",
                {}, {r});
        break;
      }
      if (++len > n) {
        rep.add(Invariant::I1, "the member list of " + a.region_name(r) + " is cyclic", {o}, {r});
        break;
      }
      const Object &ob = h.obj(o);
      if (ob.live && ob.loc == Location::region(r)) {
        listed[o] = 1;
      } else {
        rep.add(Invariant::I1,
                "the member list of " + a.region_name(r) + " holds " + a.name_at(o) +
                    ", which is not located in the region",
                {o}, {r});
      }
    }
    if (len <= n && len != reg.members)
      rep.add(Invariant::I1,
              a.region_name(r) + " records " + num(reg.members) + " members but its list holds " +
                  num(len),
              {}, {r});
  }
  for (uint32_t l = 0; l < h.local_count(); ++l) {
    for (ObjectId o : h.local_members(l)) {
      const Object &ob = h.obj(o);
      if (ob.live && ob.loc == Location::local(l)) {
        listed[o] = 1;
      } else {
        rep.add(Invariant::I1,
                "the member list of LOCAL " + num(l) + " holds " + a.name_at(o) +
                    ", which is not located there",
                {o});
      }
    }
  }

  for (ObjectId o = 1; o < n; ++o) {
    const Object &ob = h.obj(o);
    if (!ob.live) continue;
    const Location &l = ob.loc;
    bool valid = true;
    if (l.is_region() && !h.is_live_region(l.index)) {
      rep.add(Invariant::I1,
              a.name(o) + " is located in region id " + num(l.index) +
                  ", which is not a live region",
              {o});
      valid = false;
    } else if (l.is_local() && l.index >= h.local_count()) {
      rep.add(Invariant::I1,
              a.name(o) + " is located in LOCAL " + num(l.index) + " but only " +
                  num(h.local_count()) + " LOCALs exist",
              {o});
      valid = false;
    }
    if ((ob.kind == ObjectKind::Cown) != (l.kind == LocationKind::Cown))
      rep.add(Invariant::I1,
              a.name(o) + " is a " + std::string(object_kind_name(ob.kind)) + " located in " +
                  a.where(l) + " (only cowns, and all cowns, are located in COWN)",
              {o});
    if (valid && (l.is_region() || l.is_local()) && !listed[o])
      rep.add(Invariant::I1,
              a.name(o) + " is located in " + a.where(l) + " but is missing from its member list",
              {o}, l.is_region() ? std::vector<RegionId>{l.index} : std::vector<RegionId>{});
  }
}

void check_deep_immutability(Analysis &a, Reporter &rep) {
  // cpython escape hatches (SharedField, InterpreterLocal) are not modelled, so none is excepted.
  const State &h = a.heap;
  for (ObjectId o = 1; o < h.object_end(); ++o) {
    const Object &ob = h.obj(o);
    if (!ob.live || !ob.loc.is_immutable()) continue;
    for_each_edge(h, o, [&](const Source &s, ObjectId t) {
      if (!h.is_live(t)) return;
      LocationKind k = h.obj(t).loc.kind;
      if (k == LocationKind::Immutable || k == LocationKind::Cown) return;
      rep.add(Invariant::I2,
              "frozen " + a.name(o) + " references mutable " + a.name_at(t) + " through " +
                  a.source_name(s),
              {o, t},
              a.region_of(t) ? std::vector<RegionId>{a.region_of(t)} : std::vector<RegionId>{});
    });
  }
}

void check_local_isolation(Analysis &a, Reporter &rep) {
  const State &h = a.heap;
  for (ObjectId o = 1; o < h.object_end(); ++o) {
    const Object &ob = h.obj(o);
    if (!ob.live) continue;
    for_each_edge(h, o, [&](const Source &s, ObjectId t) {
      if (!h.is_live(t)) return;
      const Location &tl = h.obj(t).loc;
      if (!tl.is_local() || ob.loc == tl) return;
      rep.add(Invariant::I3,
              a.source_name(s) + " (in " + a.where(ob.loc) + ") references " + a.name_at(t),
              {t, o});
    });
  }
  for (uint32_t t = 0; t < a.world.threads.size(); ++t) {
    const Thread &th = a.world.threads[t];
    const Location own = Location::local(th.local);
    for (uint32_t i = 0; i < th.calls.size(); ++i) {
      ObjectId f = th.calls[i].frame;
      if (!h.is_live(f) || h.obj(f).loc == own) continue;
      rep.add(Invariant::I3,
              Analysis::thread_name(t) + " runs in LOCAL " + num(th.local) + " but the frame of " +
                  "its activation " + num(i) + " is " + a.name_at(f),
              {f});
    }
    for (uint32_t j = 0; j < th.stack.size(); ++j) {
      ObjectId v = th.stack[j];
      if (!h.is_live(v) || !h.obj(v).loc.is_local() || h.obj(v).loc == own) continue;
      rep.add(Invariant::I3,
              "stack slot " + num(j) + " of " + Analysis::thread_name(t) + " (LOCAL " +
                  num(th.local) + ") references " + a.name_at(v),
              {v});
    }
  }
}

void check_reference_counts(Analysis &a, Reporter &rep) {
  const State &h = a.heap;
  const Counts &c = a.counts();
  for (const DeadEdge &d : c.dead) {
    ObjectId src = Analysis::source_object(d.source);
    rep.add(Invariant::I16, a.source_name(d.source) + " references " + a.name(d.target),
            src ? std::vector<ObjectId>{src} : std::vector<ObjectId>{});
  }
  // In cpython/pep795 a frozen object's count belongs to its SCC's representative (I18, not
  // modelled here), so frozen objects are skipped there.
  bool skip_frozen = a.ctx.profile == Profile::Cpython || a.ctx.profile == Profile::Pep795;
  for (ObjectId o = 1; o < h.object_end(); ++o) {
    const Object &ob = h.obj(o);
    if (!ob.live || h.is_global(o)) continue; // globals also carry the builtins table's hold
    if (skip_frozen && ob.loc.is_immutable()) continue;
    if (ob.rc != c.in_rc[o])
      rep.add(Invariant::I16,
              "rc of " + a.name_at(o) + " is " + num(ob.rc) + " but " + num(c.in_rc[o]) +
                  " references point to it",
              {o});
    if (ob.local_rc != c.in_local[o])
      rep.add(Invariant::I16,
              "local_rc of " + a.name_at(o) + " is " + num(ob.local_rc) + " but " +
                  num(c.in_local[o]) + " references from LOCAL point to it",
              {o});
  }
}

void check_behaviour_isolation(Analysis &a, Reporter &rep) {
  const State &h = a.heap;
  const Counts &c = a.counts();
  const Forest &f = a.forest();

  // Mutable LOCAL objects shared by two LOCALs (regional objects are handled per region tree).
  for (ObjectId o = 1; o < h.object_end(); ++o) {
    if (c.obj_local2[o] == kNoIndex || !h.is_live(o)) continue;
    ObjectId src = Analysis::source_object(c.obj_src2[o]);
    std::vector<ObjectId> objs{o};
    if (src) objs.push_back(src);
    rep.add(Invariant::I17,
            a.name_at(o) + " is referenced from LOCAL " + num(c.obj_local1[o]) +
                " and from LOCAL " + num(c.obj_local2[o]) + " (" + a.source_name(c.obj_src2[o]) +
                ")",
            objs);
  }

  // Two LOCALs referencing the same region tree: a tree is entered through its top, so two
  // LOCALs holding references anywhere in one tree could both reach the same objects.
  const RegionId nr = h.region_end();
  std::vector<uint32_t> first(nr, kNoIndex), second(nr, kNoIndex); // indices into c.refs
  for (uint32_t k = 0; k < c.refs.size(); ++k) {
    RegionId root = f.root[c.refs[k].region];
    if (first[root] == kNoIndex)
      first[root] = k;
    else if (second[root] == kNoIndex && c.refs[first[root]].local != c.refs[k].local)
      second[root] = k;
  }
  for (RegionId root = 1; root < nr; ++root) {
    if (second[root] == kNoIndex) continue;
    const LocalRef &x = c.refs[first[root]], &y = c.refs[second[root]];
    std::vector<RegionId> regs{x.region};
    if (y.region != x.region) regs.push_back(y.region);
    if (root != x.region && root != y.region) regs.push_back(root);
    rep.add(Invariant::I17,
            "LOCAL " + num(x.local) + " and LOCAL " + num(y.local) +
                " both reference the region tree of " + a.region_name(root) + ": " +
                a.source_name(x.source) + " points to " + a.name_at(x.target) + ", " +
                a.source_name(y.source) + " points to " + a.name_at(y.target),
            {x.target, y.target}, regs);
  }

  // A running behaviour reaches only free regions (its captures, or regions it made) and
  // regions of cowns it holds. A Pending cown cannot be acquired by anyone, so a behaviour that
  // made one may keep references into it.
  std::vector<uint32_t> running(h.local_count(), kNoIndex);
  for (uint32_t t = 1; t < a.world.threads.size(); ++t) {
    const Thread &th = a.world.threads[t];
    if (th.status == ThreadStatus::Running && th.local < running.size()) running[th.local] = t;
  }
  std::vector<uint32_t> reported(nr, kNoIndex);
  for (const LocalRef &ref : c.refs) {
    if (ref.local >= running.size() || running[ref.local] == kNoIndex) continue;
    uint32_t t = running[ref.local];
    ObjectId cown = f.owner[ref.region];
    if (!f.acyclic[ref.region] || reported[ref.region] == t) continue;
    if (cown == kNone) {
      // A free region tree must have come with the behaviour's captures or been made by it.
      RegionId root = ref.region;
      for (size_t guard = 0; guard < nr; ++guard) {
        const Region &rg = h.region(root);
        if (rg.parent_kind != ParentKind::Region || !h.is_live_region(rg.parent)) break;
        root = rg.parent;
      }
      const Thread &th = a.world.threads[t];
      uint64_t serial = h.region(root).serial;
      bool captured = std::find(th.captured_regions.begin(), th.captured_regions.end(), serial) !=
                      th.captured_regions.end();
      if (captured || serial >= th.first_own_region) continue;
      reported[ref.region] = t;
      rep.add(Invariant::I17,
              Analysis::thread_name(t) + " references " + a.name_at(ref.target) + " (through " +
                  a.source_name(ref.source) +
                  "), a region that neither came with its captures nor was made by it",
              {ref.target}, {ref.region});
      continue;
    }
    const auto &held = a.world.threads[t].cowns;
    if (std::find(held.begin(), held.end(), cown) != held.end()) continue;
    if (h.obj(cown).status == CownStatus::Pending) continue;
    reported[ref.region] = t;
    rep.add(Invariant::I17,
            Analysis::thread_name(t) + " references " + a.name_at(ref.target) + " (through " +
                a.source_name(ref.source) + "), a region owned by " + a.name(cown) + " (" +
                std::string(cown_status_name(h.obj(cown).status)) + ") that it does not hold",
            {ref.target, cown}, {ref.region});
  }
}

void check_no_leak(Analysis &a, Reporter &rep) {
  // Reachable = from the roots (frames and stack slots) along every edge, where reaching any
  // object of a live region also reaches that region's bridge (the region holds its bridge and
  // whatever the bridge reaches). Bridges are not roots of their own: a region nobody reaches
  // (FrankenScript's over-counted LRC or stale SBRC keeping it alive) is a leak, and cowns are
  // not roots either: an unreferenced live cown is a leak.
  const State &h = a.heap;
  const ObjectId n = h.object_end();
  const RegionId nr = h.region_end();
  std::vector<uint8_t> marked(n, 0), touched(nr, 0);
  std::vector<ObjectId> queue;
  auto reach = [&](ObjectId o) {
    if (!h.is_live(o) || marked[o]) return;
    marked[o] = 1;
    queue.push_back(o);
    RegionId r = a.region_of(o);
    if (r != kNoRegion && !touched[r]) {
      touched[r] = 1;
      ObjectId b = h.region(r).bridge;
      if (h.is_live(b) && !marked[b]) {
        marked[b] = 1;
        queue.push_back(b);
      }
    }
  };
  for (const Thread &th : a.world.threads) {
    for (const Activation &act : th.calls)
      reach(act.frame);
    for (ObjectId v : th.stack)
      reach(v);
  }
  for (size_t q = 0; q < queue.size(); ++q)
    for_each_edge(h, queue[q], [&](const Source &, ObjectId t) { reach(t); });

  std::vector<std::vector<ObjectId>> lost(nr); // members of unreached regions, bridge first
  for (RegionId r = 1; r < nr; ++r)
    if (h.region(r).live && !touched[r] && h.is_live(h.region(r).bridge) &&
        a.region_of(h.region(r).bridge) == r)
      lost[r].push_back(h.region(r).bridge);
  for (ObjectId o = 1; o < n; ++o) {
    RegionId r = h.obj(o).live ? a.region_of(o) : kNoRegion;
    if (r != kNoRegion && !touched[r] && o != h.region(r).bridge) lost[r].push_back(o);
  }
  for (RegionId r = 1; r < nr; ++r) {
    if (!h.region(r).live || touched[r]) continue;
    std::vector<ObjectId> &objs = lost[r];
    rep.add(Invariant::I20,
            a.region_name(r) + " and its " + num(objs.size()) +
                " objects are not reachable from any root",
            objs, {r});
  }
  for (ObjectId o = 1; o < n; ++o) {
    const Object &ob = h.obj(o);
    if (!ob.live || marked[o] || h.is_global(o)) continue;
    RegionId r = a.region_of(o);
    if (r != kNoRegion && !touched[r]) continue; // reported with its region
    rep.add(Invariant::I20,
            a.name_at(o) + " is not reachable from any root" +
                (r != kNoRegion ? std::string(" nor from its region's bridge") : std::string()),
            {o}, r != kNoRegion ? std::vector<RegionId>{r} : std::vector<RegionId>{});
  }
}

} // namespace lungfish::checker_detail
