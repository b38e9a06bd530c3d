// Reference counting, region counters, collection and cown status (docs/semantics.md 1 and 3).
//
//   inc_ref(t, src):  rc(t)+1; if src is LOCAL: local_rc(t)+1 and LRC(region(t))+1
//   dec_ref(t, src):  the reverse; an owning reference (region or cown -> child bridge) makes the
//                     child free; rc(t) = 0 frees t (not a live region's bridge) and releases its
//                     edges, with a worklist so long lists do not recurse
//   update_counters:  LRC/SBRC change; when openness (LRC + SBRC > 0) flips, SBRC of the parent
//                     changes by one, and so on upward until an ancestor's openness is unchanged
//   end of primitive: collect free regions whose LRC is 0 (whole, cycles included), then recompute
//                     the status of Pending cowns if a region closed
#include "model/cpython_profile.h"
#include "model/machine_impl.h"

#include <algorithm>

namespace lungfish {

void Machine::Impl::check_live(ObjectId o) {
  if (o != kNone && !h.obj(o).live && !m.dangling_)
    m.dangling_ = "line " + std::to_string(line()) + ": a freed object (#" +
                  std::to_string(h.obj(o).serial) + ") is still referenced and was used";
}

void Machine::Impl::inc_ref(ObjectId t, Location src) {
  if (t == kNone) return;
  Object &o = h.obj(t);
  o.rc++;
  if (src.is_local()) {
    o.local_rc++;
    if (o.live && o.loc.is_region()) update_counters(o.loc.index, +1, 0);
  }
}

std::optional<RegionId> Machine::Impl::owned_child(ObjectId t, Location src, ObjectId src_object) {
  if (!h.is_bridge(t)) return std::nullopt;
  RegionId s = h.obj(t).loc.index;
  const Region &r = h.region(s);
  if (src.is_region() && r.parent_kind == ParentKind::Region && r.parent == src.index) return s;
  if (src.kind == LocationKind::Cown && r.parent_kind == ParentKind::Cown && r.parent == src_object)
    return s;
  return std::nullopt;
}

namespace {
// Releases one edge without freeing: returns true if the target's rc reached 0.
bool release_edge(Machine::Impl &im, ObjectId t, Location src, ObjectId src_object) {
  State &h = im.h;
  Object &o = h.obj(t);
  if (!o.live) { // a dangling reference to a destroyed object goes away
    if (o.rc > 0) o.rc--;
    if (src.is_local() && o.local_rc > 0) o.local_rc--;
    if (o.rc == 0) h.recycle(t);
    return false;
  }
  o.rc--;
  if (src.is_local()) {
    o.local_rc--;
    if (o.loc.is_region()) im.update_counters(o.loc.index, -1, 0);
  } else if (auto child = im.owned_child(t, src, src_object)) {
    im.unparent(*child, im.profile_fs());
  }
  return h.obj(t).rc == 0;
}
} // namespace

void Machine::Impl::dec_ref(ObjectId t, Location src, ObjectId src_object) {
  if (t == kNone) return;
  if (release_edge(*this, t, src, src_object)) free_unreferenced(t);
}

void Machine::Impl::move_ref(ObjectId t, Location from, Location to, bool count_lrc) {
  if (t == kNone || from.is_local() == to.is_local()) return;
  Object &o = h.obj(t);
  int d = to.is_local() ? +1 : -1;
  o.local_rc += d;
  if (count_lrc && o.live && o.loc.is_region()) update_counters(o.loc.index, d, 0);
}

void Machine::Impl::free_unreferenced(ObjectId start) {
  std::vector<ObjectId> work{start};
  std::vector<Field> fields;
  while (!work.empty()) {
    ObjectId x = work.back();
    work.pop_back();
    Object &o = h.obj(x);
    if (!o.live || o.rc != 0 || h.is_bridge(x) || h.is_global(x)) continue;
    Location loc = o.loc;
    fields.swap(o.fields);
    ObjectId proto = o.proto;
    o.proto = kNone;
    h.free_object(x);
    if (proto != kNone && release_edge(*this, proto, loc, x)) work.push_back(proto);
    for (const Field &f : fields)
      if (f.value != kNone && release_edge(*this, f.value, loc, x)) work.push_back(f.value);
    fields.clear();
  }
}

namespace {
// Destroys a set of objects together (a collected region, a discarded LOCAL, the objects a
// FrankenScript freeze destroys): edges among them vanish, edges out are released, and an object
// still referenced from outside becomes a zombie (dangling references stay detectable).
void destroy_set(Machine::Impl &im, const std::vector<ObjectId> &set) {
  State &h = im.h;
  std::vector<char> dying(h.object_end(), 0);
  for (ObjectId o : set)
    dying[o] = 1;
  std::vector<ObjectId> freed;
  for (ObjectId o : set) {
    Object &ob = h.obj(o);
    Location loc = ob.loc;
    auto edges = std::move(ob.fields);
    ob.fields.clear();
    if (ob.proto != kNone) edges.push_back(Field{0, ob.proto});
    ob.proto = kNone;
    for (const Field &f : edges) {
      ObjectId t = f.value;
      if (t == kNone) continue;
      if (t < dying.size() && dying[t]) {
        h.obj(t).rc--;
        if (loc.is_local()) h.obj(t).local_rc--;
      } else if (release_edge(im, t, loc, o)) {
        freed.push_back(t);
      }
    }
  }
  for (ObjectId o : set) {
    if (h.obj(o).rc == 0)
      h.free_object(o);
    else {
      h.kill_object(o);
      im.set_dangling("line " + std::to_string(im.line()) + ": object #" +
                      std::to_string(h.obj(o).serial) + " was destroyed while still referenced");
    }
  }
  for (ObjectId t : freed)
    im.free_unreferenced(t);
}
} // namespace

void Machine::Impl::collect_region(RegionId r) {
  region_history(r, "collected");
  auto objects = h.members(r);
  // The region's own record goes first so that releasing edges out of it does not touch it.
  Region &reg = h.region(r);
  reg.bridge = kNone;
  destroy_set(*this, objects);
  h.free_region(r);
  // Children whose owning edge was not among the members' fields (mutants) become free too.
  // (read through the const State: a mutable access would record every region as changed)
  const State &ch = h;
  for (RegionId c = 1; c < ch.region_end(); ++c) {
    const Region &child = ch.region(c);
    if (child.live && child.parent_kind == ParentKind::Region && child.parent == r)
      unparent(c, profile_fs());
  }
}

void Machine::Impl::update_counters(RegionId r, int64_t dlrc, int64_t dsbrc, bool via_own_lrc) {
  RegionId cur = r;
  // Walks up stop at a repeat (a cycle only exists with barrier.cycle switched off).
  for (size_t guard = 0; guard <= h.region_end() && h.is_live_region(cur); ++guard) {
    Region &reg = h.region(cur);
    bool was_open = reg.lrc + reg.sbrc > 0;
    reg.lrc += dlrc;
    reg.sbrc += dsbrc;
    bool now_open = reg.lrc + reg.sbrc > 0;
    if (dlrc < 0 && reg.lrc <= 0 && reg.parent_kind == ParentKind::None)
      m.collect_candidates_.push_back({cur, false});
    if (was_open == now_open) return;
    if (!now_open && reg.parent_kind == ParentKind::Cown &&
        (via_own_lrc || !mutant(Mutant::CownLatchMissesDescendant)))
      m.status_dirty_ = true;
    if (reg.parent_kind != ParentKind::Region) return;
    cur = reg.parent;
    dlrc = 0;
    dsbrc = now_open ? +1 : -1;
    via_own_lrc = false;
  }
}

void Machine::Impl::set_parent_region(RegionId s, RegionId a) {
  Region &reg = h.region(s);
  // Only with barrier.has_parent or pull.has_parent switched off does s have a parent here: the
  // old parent loses the child it counted (the second owner is I5's to find, not a wrong SBRC).
  if (reg.parent_kind == ParentKind::Region && h.is_live_region(reg.parent) && h.is_open(s))
    update_counters(reg.parent, 0, -1, false);
  reg.parent_kind = ParentKind::Region;
  reg.parent = a;
  reg.parent_since_line = line();
  region_history(s, "became a child of region #" + std::to_string(h.region(a).serial));
  if (h.is_open(s) && !mutant(Mutant::SetParentNoSbrc)) update_counters(a, 0, +1, false);
}

void Machine::Impl::set_parent_cown(RegionId s, ObjectId c) {
  Region &reg = h.region(s);
  reg.parent_kind = ParentKind::Cown;
  reg.parent = c;
  reg.parent_since_line = line();
  region_history(s, "sent to a cown");
  m.status_dirty_ = true;
}

void Machine::Impl::unparent(RegionId s, bool strict_collect) {
  Region &reg = h.region(s);
  ParentKind kind = reg.parent_kind;
  uint32_t parent = reg.parent;
  reg.parent_kind = ParentKind::None;
  reg.parent = 0;
  reg.parent_since_line = line();
  region_history(s, "became free");
  if (kind == ParentKind::Region && h.is_open(s) && h.is_live_region(parent))
    update_counters(parent, 0, -1, false);
  if (kind == ParentKind::Cown) m.status_dirty_ = true;
  m.collect_candidates_.push_back({s, strict_collect});
}

void Machine::Impl::recount_dirty_regions() {
  for (RegionId r = 1; r < h.region_end(); ++r) {
    Region &reg = h.region(r);
    if (!reg.live || !reg.dirty) continue;
    int64_t exact = 0;
    for (ObjectId o = reg.first; o != kNone; o = h.obj(o).next)
      exact += h.obj(o).local_rc;
    reg.dirty = false;
    if (exact != reg.lrc) update_counters(r, exact - reg.lrc, 0);
  }
}

void Machine::Impl::end_of_primitive() {
  if (!h.cyclic_reps.empty()) collect_frozen_sccs(*this); // cpython: a frozen SCC's last reference
  while (!m.collect_candidates_.empty()) {
    auto c = m.collect_candidates_.back();
    m.collect_candidates_.pop_back();
    if (!h.is_live_region(c.region)) continue;
    const Region &reg = h.region(c.region);
    if (reg.parent_kind != ParentKind::None) continue;
    bool dead = c.strict ? reg.lrc + reg.sbrc <= 0 : reg.lrc <= 0;
    if (dead) collect_region(c.region);
  }
  if (!m.status_dirty_) return;
  m.status_dirty_ = false;
  size_t keep = 0;
  // Read through the const State: a mutable access is recorded as a change of the object (the
  // incremental checker would re-examine every cown at every status update).
  const State &ch = h;
  for (ObjectId c : m.cowns_) {
    if (!ch.is_live(c) || ch.obj(c).kind != ObjectKind::Cown) continue;
    m.cowns_[keep++] = c;
    const Object &cown = ch.obj(c);
    if (cown.status != CownStatus::Pending) continue;
    bool all_closed = true;
    // Every slot that can own a region counts, the prototype slot included (decision 21).
    auto owns_open = [&](ObjectId v) {
      if (!ch.is_bridge(v)) return false;
      RegionId r = ch.obj(v).loc.index;
      const Region &reg = ch.region(r);
      return reg.parent_kind == ParentKind::Cown && reg.parent == c && ch.is_open(r);
    };
    if (owns_open(cown.proto)) all_closed = false;
    for (const Field &f : cown.fields)
      if (owns_open(f.value)) all_closed = false;
    if (all_closed) {
      h.obj(c).status = CownStatus::Released;
      history(c, "released");
    }
  }
  m.cowns_.resize(keep);
}

void Machine::Impl::discard_local(uint32_t local) {
  destroy_set(*this, h.local_members(local));
}

} // namespace lungfish
