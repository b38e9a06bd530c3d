// Deep freeze (docs/semantics.md 3.2).
//
//   walk from x through fields and prototypes, stopping at None, frozen objects and cowns;
//   every object met becomes IMM (LOCAL ones, and regional ones through borrowed references);
//   a bridge met ends its region:
//     its parent loses it from SBRC (if open); the objects the walk did not reach
//       lungfish:      move to LOCAL if reachable from LOCAL (their owned children become free,
//                      LRC+1), else are collected
//       frankenscript: are destroyed (even when still referenced: a defect that replay reports)
//   a region that only lost some objects:
//       lungfish:      LRC(R) -= the LOCAL references into the frozen objects (exact)
//       frankenscript: LRC(R) unchanged, R marked dirty (recounted by close/is_closed/the end)
#include "model/machine_impl.h"

#include <algorithm>
#include <utility>

namespace lungfish {

namespace {
void for_each_edge(const Object &o, auto &&f) {
  if (o.proto != kNone) f(o.proto);
  for (const Field &fl : o.fields)
    if (fl.value != kNone) f(fl.value);
}
} // namespace

size_t Machine::Impl::freeze(ObjectId root) {
  if (h.is_frozen_or_none(root) || is_cown(root)) return 0;
  check_live(root);
  std::vector<ObjectId> frozen;
  std::vector<char> seen(h.object_end(), 0);
  std::vector<ObjectId> work{root};
  seen[root] = 1;
  while (!work.empty()) {
    ObjectId o = work.back();
    work.pop_back();
    frozen.push_back(o);
    for_each_edge(h.obj(o), [&](ObjectId t) {
      if (seen[t] || h.is_frozen_or_none(t) || is_cown(t) || !h.obj(t).live) return;
      seen[t] = 1;
      work.push_back(t);
    });
  }

  // Which regions end (a bridge was reached) and which only lose objects.
  std::vector<RegionId> ended;
  std::vector<Location> was(frozen.size());
  for (size_t i = 0; i < frozen.size(); ++i) {
    ObjectId o = frozen[i];
    was[i] = h.obj(o).loc;
    if (h.is_bridge(o) && !mutant(Mutant::FreezeKeepsRegion)) ended.push_back(was[i].index);
  }
  std::vector<char> is_ended(h.region_end(), 0);
  for (RegionId r : ended)
    is_ended[r] = 1;

  ObjectId region_proto = h.builtin_proto(BuiltinProto::RegionObject);
  for (size_t i = 0; i < frozen.size(); ++i) {
    ObjectId o = frozen[i];
    h.relocate(o, Location::immutable());
    history(o, "frozen");
    // Edges out of a frozen LOCAL object stop being LOCAL references. Their targets are frozen
    // too (or cowns); one not relocated yet is still in its region, whose LRC loses the edge
    // (lungfish: exact) or keeps it, dirty (frankenscript: a freeze never decrements an LRC,
    // whatever order the walk met the objects in; found by diff against FrankenScript).
    if (was[i].is_local())
      for_each_edge(h.obj(o), [&](ObjectId t) {
        move_ref(t, was[i], Location::immutable(), /*count_lrc=*/!profile_fs());
      });
    if (was[i].is_region() && !is_ended[was[i].index]) {
      RegionId r = was[i].index;
      if (profile_fs())
        h.region(r).dirty = true;
      else if (h.obj(o).local_rc > 0)
        update_counters(r, -static_cast<int64_t>(h.obj(o).local_rc), 0);
    }
  }
  for (size_t i = 0; i < frozen.size(); ++i) // a frozen former bridge loses its region marker
    if (was[i].is_region() && is_ended[was[i].index] && h.obj(frozen[i]).proto == region_proto) {
      h.obj(frozen[i]).proto = kNone;
      dec_ref(region_proto, Location::immutable(), frozen[i]);
    }

  for (RegionId r : ended) {
    if (!h.is_live_region(r)) continue;
    Region &reg = h.region(r);
    region_history(r, "ended by a freeze");
    if (reg.parent_kind == ParentKind::Region && h.is_open(r))
      update_counters(reg.parent, 0, -1, false);
    if (reg.parent_kind == ParentKind::Cown) m.status_dirty_ = true;
    reg.parent_kind = ParentKind::None;
    reg.bridge = kNone;
    auto rest = h.members(r);
    std::vector<ObjectId> keep;
    if (!profile_fs()) {
      // The unreached objects that LOCAL still reaches move to LOCAL; the others are garbage.
      std::vector<char> in_rest(h.object_end(), 0), kept(h.object_end(), 0);
      for (ObjectId o : rest)
        in_rest[o] = 1;
      std::vector<ObjectId> stack;
      for (ObjectId o : rest)
        if (h.obj(o).local_rc > 0) {
          kept[o] = 1;
          stack.push_back(o);
        }
      while (!stack.empty()) {
        ObjectId o = stack.back();
        stack.pop_back();
        keep.push_back(o);
        for_each_edge(h.obj(o), [&](ObjectId t) {
          if (t < in_rest.size() && in_rest[t] && !kept[t]) {
            kept[t] = 1;
            stack.push_back(t);
          }
        });
      }
    }
    // Children owned by objects that stay mutable become free: the owning edge is now LOCAL.
    // (found through the const State: a mutable access would record every region as changed)
    for (RegionId c = 1; c < h.region_end(); ++c) {
      const Region &found = std::as_const(h).region(c);
      if (found.live && found.parent_kind == ParentKind::Region && found.parent == r) {
        Region &child = h.region(c);
        child.parent_kind = ParentKind::None;
        child.parent = 0;
        child.parent_since_line = line();
        m.collect_candidates_.push_back({c, profile_fs()});
      }
    }
    for (ObjectId o : keep)
      h.relocate(o, local());
    for (ObjectId o : keep)
      for_each_edge(h.obj(o), [&](ObjectId t) { move_ref(t, Location::region(r), local()); });
    // What is left is destroyed with the region (dangling references become zombies: I16).
    if (h.region(r).members > 0)
      collect_region(r);
    else
      h.free_region(r);
  }
  m.status_dirty_ = true;
  return frozen.size();
}

} // namespace lungfish
