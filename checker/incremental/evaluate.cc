// The second half of checker/incremental/incremental.h: each invariant evaluated on what a step concerned
// (the first half, incremental.cc, keeps the ghost of the heap up to date). A check here only
// flags an invariant as possibly broken; IncrementalChecker::check then asks the full checker's
// function for that invariant, so a flag that turns out wrong costs time, never a wrong verdict,
// while a missed flag would be a wrong verdict (tests/checker/incremental/incremental_test.cc looks for those).
#include "checker/incremental/incremental.h"

namespace lungfish {

// ---- the invariants, on what the step concerned ----

void IncrementalChecker::check_edge(const State &h, ObjectId o, ObjectId t) {
  if (t == kNone || !h.is_live(o)) return;
  if (!h.is_live(t)) {
    flag(Invariant::I16);
    return;
  }
  const Location &ol = h.obj(o).loc, &tl = h.obj(t).loc;
  bool shareable = tl.is_immutable() || tl.kind == LocationKind::Cown;
  if (ol.is_immutable() && !shareable) flag(Invariant::I2);
  if (tl.is_local() && !(ol == tl)) flag(Invariant::I3);
  RegionId r = live_region_of(h, o), s = live_region_of(h, t);
  if (s && ol.is_local() && behaviours_) new_refs_.emplace_back(ol.index, t); // for I17
  if (r && s && s != r) {
    const Region &S = h.region(s);
    if (S.bridge != t || S.parent_kind != ParentKind::Region || S.parent != r) flag(Invariant::I4);
  }
  if (ol.kind == LocationKind::Cown && !shareable) {
    if (!s || h.region(s).bridge != t || h.region(s).parent_kind != ParentKind::Cown ||
        h.region(s).parent != o)
      flag(Invariant::I12);
  }
}

void IncrementalChecker::check_object(const World &w, ObjectId o) {
  const State &h = w.heap;
  if (o == kNone || o >= h.object_end()) return;
  const Object &ob = h.obj(o);
  if (!ob.live) {
    if (in_rc_[o] > 0) flag(Invariant::I16); // something still points to it
    return;
  }
  const Location &l = ob.loc;
  bool valid = true;
  if ((l.is_region() && !h.is_live_region(l.index)) ||
      (l.is_local() && l.index >= h.local_count())) {
    flag(Invariant::I1);
    valid = false;
  }
  if ((ob.kind == ObjectKind::Cown) != (l.kind == LocationKind::Cown)) flag(Invariant::I1);
  if (valid) check_links(h, o);
  if (!h.is_global(o) && (ob.rc != in_rc_[o] || ob.local_rc != in_local_[o])) flag(Invariant::I16);
  check_root_location(w, o);
  if (ctx_.profile == Profile::Frankenscript &&
      ob.proto == h.builtin_proto(BuiltinProto::RegionObject)) {
    RegionId r = live_region_of(h, o);
    if (!r || h.region(r).bridge != o) flag(Invariant::I7);
  }
  // I14's prototype-chain clause: a chain through a Released cown sends it to the full check.
  ObjectId x = ob.proto;
  for (size_t steps = 0; x != kNone && steps < 64 && h.is_live(x); ++steps, x = h.obj(x).proto)
    if (h.obj(x).loc.kind == LocationKind::Cown && h.obj(x).status == CownStatus::Released) {
      flag(Invariant::I14);
      break;
    }
  if (x != kNone && h.is_live(x) && h.obj(x).proto != kNone) flag(Invariant::I14); // long chain
}

// I1's membership clause around o: its list neighbours point back at it and live where it does
// (the list's length is the region's ghost member count, checked with the region).
void IncrementalChecker::check_links(const State &h, ObjectId o) {
  if (o == kNone || o >= h.object_end() || !h.obj(o).live) return;
  const Object &ob = h.obj(o);
  const Location &l = ob.loc;
  if (!(l.is_region() || l.is_local())) return;
  if ((l.is_region() && !h.is_live_region(l.index)) || (l.is_local() && l.index >= h.local_count()))
    return; // reported by check_object
  auto linked = [&](ObjectId x, bool forward) {
    if (x == kNone) return true;
    if (x >= h.object_end() || !h.obj(x).live || !(h.obj(x).loc == l)) return false;
    return forward ? h.obj(x).prev == o : h.obj(x).next == o;
  };
  ObjectId head = l.is_region() ? h.region(l.index).first : h.local_head(l.index);
  bool ok = (ob.prev == kNone ? head == o : linked(ob.prev, false)) && linked(ob.next, true);
  if (!ok) flag(Invariant::I1);
}

void IncrementalChecker::check_region(const World &w, RegionId r) {
  const State &h = w.heap;
  if (r == kNoRegion || r >= h.region_end() || !h.region(r).live) return;
  const Region &R = h.region(r);
  const GhostRegion &g = reg_[r];
  const RegionId nr = h.region_end();
  if (g.members != R.members) flag(Invariant::I1);
  // I6: the parent exists, and the chain above r ends.
  if (R.parent_kind == ParentKind::Region && !h.is_live_region(R.parent)) flag(Invariant::I6);
  if (R.parent_kind == ParentKind::Cown && !is_live_cown(h, R.parent)) flag(Invariant::I6);
  RegionId top = r;
  bool acyclic = true;
  for (size_t steps = 0;; ++steps) {
    const Region &T = h.region(top);
    if (T.parent_kind != ParentKind::Region || !h.is_live_region(T.parent)) break;
    top = T.parent;
    if (top == r || steps > nr) {
      flag(Invariant::I6);
      acyclic = false;
      break;
    }
  }
  // I7
  ObjectId b = R.bridge;
  bool bridge_ok = b != kNone && h.is_live(b) && live_region_of(h, b) == r;
  if (!bridge_ok) flag(Invariant::I7);
  // I5: exactly one owning reference to the bridge of an owned region.
  bool parent_ok =
      R.parent_kind == ParentKind::Region ? h.is_live_region(R.parent) : is_live_cown(h, R.parent);
  if (R.parent_kind != ParentKind::None && parent_ok && bridge_ok) {
    uint32_t owners = 0;
    for (ObjectId s : sources_[b]) {
      if (!h.is_live(s)) continue;
      if ((R.parent_kind == ParentKind::Region && live_region_of(h, s) == R.parent) ||
          (R.parent_kind == ParentKind::Cown && s == R.parent))
        ++owners;
    }
    if (owners != 1) flag(Invariant::I5);
  }
  // I8, I9, I10, I11 against the ghost's counts and open bits.
  int64_t t = truth(r);
  bool dirty = ctx_.profile == Profile::Frankenscript && R.dirty;
  if (dirty ? R.lrc < t : R.lrc != t) flag(Invariant::I8);
  if (R.sbrc != static_cast<int64_t>(g.open_children)) flag(Invariant::I9);
  if (R.lrc + R.sbrc <= 0 && g.topen) flag(Invariant::I10);
  if (R.parent_kind == ParentKind::None && semantic(h, r) == 0 &&
      !(ctx_.profile == Profile::Frankenscript && g.open_children != 0))
    flag(Invariant::I11);
  // I13, I14: the cown at the top of the chain.
  if (R.parent_kind == ParentKind::Cown && is_live_cown(h, R.parent) &&
      h.obj(R.parent).status == CownStatus::Released && g.open)
    flag(Invariant::I13);
  if (g.topen && acyclic) {
    const Region &T = h.region(top);
    if (T.parent_kind == ParentKind::Cown && is_live_cown(h, T.parent) &&
        h.obj(T.parent).status == CownStatus::Released)
      flag(Invariant::I14);
  }
}

void IncrementalChecker::evaluate(const World &w) {
  const State &h = w.heap;
  for (size_t k = 0; k < regs_.size(); ++k)
    if (h.is_live_region(regs_[k])) note_target(h.region(regs_[k]).bridge);
  for (size_t k = 0; k < objs_.size(); ++k)
    check_object(w, objs_[k]);
  for (ObjectId o : log_.relinked)
    check_links(h, o);
  for (const auto &[from, to] : edges_)
    check_edge(h, from, to);
  for (ObjectId t : targets_) {
    if (t == kNone || t >= sources_.size()) continue;
    for (ObjectId s : sources_[t])
      check_edge(h, s, t);
  }
  for (size_t k = 0; k < regs_.size(); ++k)
    check_region(w, regs_[k]);
  if (behaviours_) evaluate_isolation(w);
}

} // namespace lungfish
