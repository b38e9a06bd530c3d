// A runtime snapshot as a model World: the invariants are then checked on what the runtime did.
//
// Counters come from the snapshot (rc, LRC, SBRC, dirty, status) because those are what is being
// checked; local_rc is derived from the drawn edges (it is the model's bookkeeping, never drawn).
// The call stack is the root frame's `__parent__` chain; `_stack[i]` fields are operand slots.
// Frozen SCCs (CPython) come from `scc_rep`: the representative's rc, where drawn, is the SCC's
// count, so the model's derived count (model/cpython_profile.h) equals it and I18 can judge it.
#include "traces/replay/replay.h"

#include <algorithm>
#include <map>
#include <unordered_map>

namespace lungfish::traces {

namespace {
std::optional<BuiltinProto> proto_by_label(std::string_view label) {
  static constexpr std::pair<std::string_view, BuiltinProto> table[] = {
      {"[Frame]", BuiltinProto::Frame},   {"[RegionObject]", BuiltinProto::RegionObject},
      {"[Cown]", BuiltinProto::Cown},     {"[String]", BuiltinProto::String},
      {"[Function]", BuiltinProto::Function}, {"[BytecodeFunction]", BuiltinProto::Function},
      {"[KeyIterator]", BuiltinProto::KeyIterator}};
  for (auto &[l, p] : table)
    if (l == label) return p;
  return std::nullopt;
}

ObjectKind kind_of(SnapKind k) {
  switch (k) {
    case SnapKind::String: return ObjectKind::String;
    case SnapKind::Frame: return ObjectKind::Frame;
    case SnapKind::Function: return ObjectKind::Function;
    case SnapKind::Cown: return ObjectKind::Cown;
    case SnapKind::Iterator: return ObjectKind::Iterator;
    default: return ObjectKind::Plain;
  }
}
} // namespace

World world_from_snapshot(const Snapshot &s) {
  World w;
  State &h = w.heap;
  std::unordered_map<std::string, ObjectId> ids;
  std::unordered_map<std::string, RegionId> regions;
  for (const SnapRegion &r : s.regions) regions[r.name] = h.new_region(0);
  // Objects first (globals map onto the model's own), then fields.
  for (const SnapObject &o : s.objects) {
    if (o.kind == SnapKind::None) continue;
    if (o.is_global || o.kind == SnapKind::Prototype || o.kind == SnapKind::Boolean) {
      if (o.kind == SnapKind::Boolean || o.label == "True" || o.label == "False")
        ids[o.key] = o.label == "False" || o.key == "False" ? h.false_object() : h.true_object();
      else if (auto p = proto_by_label(o.label)) ids[o.key] = h.builtin_proto(*p);
      continue; // builtin functions and other globals are not modelled
    }
    Location loc;
    switch (o.loc.kind) {
      case LocKind::Local:
        loc = Location::local(0);
        break;
      case LocKind::Region: {
        auto it = regions.find(o.loc.name);
        loc = it != regions.end() ? Location::region(it->second) : Location::local(0);
        break;
      }
      case LocKind::Imm: loc = Location::immutable(); break;
      case LocKind::Cown: loc = Location::cown(); break;
      case LocKind::Unknown: loc = Location::local(0); break;
    }
    if (o.kind == SnapKind::Cown) loc = Location::cown();
    ObjectId id = h.new_object(kind_of(o.kind), loc, 0);
    ids[o.key] = id;
    Object &ob = h.obj(id);
    if (o.status == "Released") ob.status = CownStatus::Released;
    else if (o.status == "Acquired") ob.status = CownStatus::Acquired;
    if (o.kind == SnapKind::String) ob.payload = intern(o.label);
    // Freezability matters to a later freeze, and a frozen object is not frozen again: only a
    // mutable object's is kept (a snapshot cannot say whether an EXPLICIT frozen object was a
    // root, which I19 would need).
    if (!o.frozen && o.freezable == "no") ob.freezable = Freezability::No;
    if (!o.frozen && o.freezable == "explicit") ob.freezable = Freezability::Explicit;
  }
  auto id_of = [&](const std::optional<std::string> &key) -> ObjectId {
    if (!key) return kNone;
    auto it = ids.find(*key);
    return it == ids.end() ? kNone : it->second;
  };
  // Frames and their operand slots: the root frame's __parent__ chain is the call stack.
  std::unordered_map<ObjectId, std::vector<ObjectId>> slots;
  for (const SnapObject &o : s.objects) {
    auto it = ids.find(o.key);
    if (it == ids.end() || h.is_global(it->second)) continue;
    ObjectId id = it->second;
    Object &ob = h.obj(id);
    for (const SnapField &f : o.fields) {
      ObjectId t = id_of(f.target);
      if (f.target && t == kNone) continue; // an edge to something not modelled
      if (f.name == "__proto__") {
        ob.proto = t;
      } else if (f.name.rfind("_stack[", 0) == 0) {
        slots[id].push_back(t);
      } else {
        h.set_field_raw(id, intern(f.name), t);
      }
    }
  }
  for (const SnapRegion &r : s.regions) {
    Region &reg = h.region(regions[r.name]);
    reg.bridge = id_of(r.bridge);
    reg.lrc = r.lrc.value_or(0);
    reg.sbrc = r.sbrc.value_or(0);
    reg.dirty = r.dirty;
    if (r.parent_kind == SnapParentKind::Region && regions.count(r.parent)) {
      reg.parent_kind = ParentKind::Region;
      reg.parent = regions[r.parent];
    } else if (r.parent_kind == SnapParentKind::Cown && ids.count(r.parent)) {
      reg.parent_kind = ParentKind::Cown;
      reg.parent = ids[r.parent];
    }
  }
  Thread main;
  std::vector<ObjectId> chain;
  if (!s.roots.empty() && ids.count(s.roots[0])) {
    Symbol parent = intern("__parent__");
    for (ObjectId f = ids[s.roots[0]]; f != kNone && chain.size() < 100000;) {
      chain.push_back(f);
      const Field *p = h.find_field(f, parent);
      f = p ? p->value : kNone;
      if (std::find(chain.begin(), chain.end(), f) != chain.end()) break;
    }
  }
  std::reverse(chain.begin(), chain.end());
  if (chain.empty() || h.obj(chain.back()).kind != ObjectKind::Frame) {
    // A snapshot without a frame root (or rooted elsewhere): an empty frame keeps the call
    // stack well formed; what it held is not known.
    ObjectId frame = h.new_object(ObjectKind::Frame, Location::local(0), 0);
    h.obj(frame).proto = h.builtin_proto(BuiltinProto::Frame);
    chain.assign(1, frame);
  }
  for (ObjectId f : chain) {
    Activation a;
    a.frame = f;
    a.stack_base = static_cast<uint32_t>(main.stack.size());
    for (ObjectId v : slots[f]) main.stack.push_back(v);
    main.calls.push_back(a);
  }
  w.threads.push_back(std::move(main));
  // Counts: rc from the runtime where drawn (that is what I16 checks), local_rc from the edges.
  for (ObjectId o = 1; o < h.object_end(); ++o)
    if (h.is_live(o) && !h.is_global(o)) h.obj(o).rc = 0;
  std::vector<uint32_t> incoming(h.object_end(), 0);
  auto count = [&](ObjectId t, bool from_local) {
    if (t == kNone || h.is_global(t)) return;
    h.obj(t).local_rc += from_local ? 1 : 0;
    incoming[t]++;
  };
  for (const Activation &a : w.threads[0].calls) incoming[a.frame]++;
  for (ObjectId o = 1; o < h.object_end(); ++o) {
    if (!h.is_live(o) || h.is_global(o)) continue;
    bool local = h.obj(o).loc.is_local();
    count(h.obj(o).proto, local);
    for (const Field &f : h.obj(o).fields) count(f.value, local);
  }
  for (ObjectId v : w.threads[0].stack) count(v, true);
  for (const SnapObject &o : s.objects) {
    auto it = ids.find(o.key);
    if (it == ids.end() || h.is_global(it->second)) continue;
    h.obj(it->second).rc = static_cast<uint32_t>(o.rc.value_or(incoming[it->second]));
  }
  // Frozen SCCs: members name their representative. Members count their incoming edges; the
  // representative's rc is set so that Σ rc − internal edges is the snapshot's count of the SCC.
  std::map<ObjectId, std::vector<ObjectId>> sccs;
  std::map<ObjectId, const SnapObject *> rep_objects;
  for (const SnapObject &o : s.objects) {
    const SnapObject *r = o.scc_rep ? s.find(*o.scc_rep) : nullptr;
    auto it = ids.find(o.key);
    if (!r || !o.frozen || !r->frozen || it == ids.end() || !ids.count(r->key)) continue;
    ObjectId m = it->second, rep = ids[r->key];
    if (h.is_global(m) || h.is_global(rep)) continue;
    sccs[rep].push_back(m);
    rep_objects[rep] = r;
  }
  if (!sccs.empty()) h.frozen_info.resize(h.object_end());
  for (auto &[rep, members] : sccs) {
    if (std::find(members.begin(), members.end(), rep) == members.end()) members.push_back(rep);
    std::vector<char> member(h.object_end(), 0);
    for (ObjectId m : members) member[m] = 1;
    uint32_t internal = 0;
    int64_t others = 0;
    for (ObjectId m : members) {
      const Object &ob = h.obj(m);
      internal += ob.proto != kNone && member[ob.proto];
      for (const Field &f : ob.fields)
        internal += f.value != kNone && member[f.value];
      if (m != rep) others += ob.rc;
      h.frozen_info[m] = FrozenInfo{ob.serial, rep, false, 0, {}};
    }
    if (const SnapObject *r = rep_objects[rep]; r->rc)
      h.obj(rep).rc = static_cast<uint32_t>(std::max<int64_t>(0, *r->rc + internal - others));
    h.frozen_info[rep].internal = internal;
    h.frozen_info[rep].members = members;
    if (internal > 0) h.cyclic_reps.push_back(rep); // only a cycle can keep an SCC alive
  }
  return w;
}

} // namespace lungfish::traces
