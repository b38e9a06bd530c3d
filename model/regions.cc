// The builtins of regions and cowns (docs/semantics.md 3.3, 3.4): Region(), Cown(v), create(p),
// close, is_closed, merge, dissolve, is_released, and spawning a behaviour.
//
// Builtins receive their arguments as LOCAL operand-stack slots, so "the argument's reference is
// released first" (close, is_closed, merge) is literally popping that slot.
#include "model/cpython_profile.h"
#include "model/machine_impl.h"

#include <algorithm>

namespace lungfish {

void Machine::Impl::builtin(Builtin b, uint32_t argc, bool wants, Symbol name) {
  static constexpr int kArity[] = {0, 1, 1, 1, 1, 1, 2, 1, 1, 0, 0, 0, -1, 2};
  static constexpr bool kHasValue[] = {true,  true, true,  false, true,  true,  false,
                                       false, true, false, false, false, false, false};
  static_assert(std::size(kArity) == static_cast<size_t>(Builtin::Count));
  int arity = kArity[static_cast<size_t>(b)];
  bool cpython = is_cpython_profile(m.options_.profile);
  if (b == Builtin::Freeze && cpython && argc >= 1) arity = -1; // freeze(a, b, ...): n >= 1 roots
  if (arity >= 0 && static_cast<uint32_t>(arity) != argc)
    reject(RuleId::CallArity, symbol_name(name) + " takes " + std::to_string(arity) +
                                  " argument(s), " + std::to_string(argc) + " given");
  bool has_value = kHasValue[static_cast<size_t>(b)];
  if (wants && !has_value)
    reject(RuleId::CallNoValue, symbol_name(name) + "(...) returns no value");
  switch (b) {
    case Builtin::Region:
      region_new(wants);
      break;
    case Builtin::Cown:
      cown_new(wants);
      break;
    case Builtin::Create:
      create(wants);
      break;
    case Builtin::Freeze: {
      if (cpython) {
        cpython_freeze(*this, argc);
        break;
      }
      freeze(peek(0));
      pop_release();
      break;
    }
    case Builtin::Close:
      close(wants);
      break;
    case Builtin::IsClosed:
      is_closed(wants);
      break;
    case Builtin::Merge:
      merge();
      break;
    case Builtin::Dissolve:
      dissolve();
      break;
    case Builtin::IsReleased:
      is_released(wants);
      break;
    case Builtin::Pass:
      break;
    case Builtin::Unreachable:
      reject(RuleId::Unreachable, "unreachable() was executed");
      break;
    case Builtin::PragmaImplicitFreezing:
      m.world_.implicit_freezing = true;
      break;
    case Builtin::Display:
      for (uint32_t i = 0; i < argc; ++i)
        pop_release();
      break;
    case Builtin::SetFreezable:
      set_freezable();
      break;
    case Builtin::Count:
      break;
  }
}

void Machine::Impl::region_new(bool wants) {
  RegionId r = h.new_region(line());
  ObjectId bridge = h.new_object(ObjectKind::Plain, Location::region(r), line());
  h.region(r).bridge = bridge;
  h.obj(bridge).proto = h.builtin_proto(BuiltinProto::RegionObject);
  inc_ref(h.obj(bridge).proto, Location::region(r));
  region_history(r, "created");
  history(bridge, "created as the bridge of a new region");
  push(bridge);
  if (!wants) pop_release();
}

void Machine::Impl::cown_new(bool wants) {
  ObjectId v = peek(0);
  check_live(v);
  RegionId s = kNoRegion;
  if (!h.is_frozen_or_none(v) && !is_cown(v)) {
    if (h.is_bridge(v)) {
      s = h.obj(v).loc.index;
      if (h.region(s).parent_kind != ParentKind::None)
        check_failed(RuleId::CownNotFree,
                     "a cown can only be created from a free region, but " + m.describe_region(s) +
                         " has a parent",
                     {v}, {s});
    } else {
      check_failed(RuleId::CownNotBridge,
                   m.describe(v) + " is not None, frozen, a cown or the bridge of a region", {v});
    }
  }
  ObjectId c = h.new_object(ObjectKind::Cown, Location::cown(), line());
  h.obj(c).payload = m.current_thread_; // the thread that made it (is_opaque_cown)
  m.cowns_.push_back(c);
  h.obj(c).proto = h.builtin_proto(BuiltinProto::Cown);
  inc_ref(h.obj(c).proto, Location::cown());
  // The argument's slot becomes the cown's `value` before the status is computed.
  move_ref(v, local(), Location::cown());
  h.set_field_raw(c, intern("value"), v);
  thread().stack.pop_back();
  if (s != kNoRegion) set_parent_cown(s, c);
  h.obj(c).status = (s != kNoRegion && h.is_open(s)) ? CownStatus::Pending : CownStatus::Released;
  if (m.options().record_history) // describe_region searches the heap for an access path
    history(c, s != kNoRegion ? "created owning " + m.describe_region(s) : "created");
  push(c);
  if (!wants) pop_release();
}

void Machine::Impl::create(bool wants) {
  ObjectId p = peek(0);
  check_live(p);
  // create(None) makes an object without a prototype, as FrankenScript does (decision 25).
  if (p != kNone && (is_string_like(p) || is_cown(p) || h.obj(p).kind == ObjectKind::Iterator))
    reject(RuleId::CreateBadProto,
           "create() needs None or an object prototype that is not a string, a cown or an "
           "iterator",
           {p});
  ObjectId o = h.new_object(ObjectKind::Plain, local(), line());
  h.obj(o).proto = p; // the argument's slot becomes the prototype edge (LOCAL to LOCAL source)
  thread().stack.pop_back();
  history(o, "created");
  push(o);
  if (!wants) pop_release();
}

namespace {
// R and, if `with_descendants`, every region below it.
std::vector<char> region_and_descendants(const State &h, RegionId r, bool with_descendants) {
  std::vector<char> in(h.region_end(), 0);
  in[r] = 1;
  if (!with_descendants) return in;
  for (bool grew = true; grew;) {
    grew = false;
    for (RegionId c = 1; c < h.region_end(); ++c) {
      const Region &reg = h.region(c);
      if (reg.live && !in[c] && reg.parent_kind == ParentKind::Region && reg.parent < in.size() &&
          in[reg.parent]) {
        in[c] = 1;
        grew = true;
      }
    }
  }
  return in;
}
} // namespace

template <typename F> void Machine::Impl::for_each_local_reference(F &&f) {
  for (Thread &t : m.world_.threads) {
    if (t.status == ThreadStatus::Done) continue;
    for (ObjectId &slot : t.stack)
      f(kNone, Symbol{0}, false, slot, t.local);
    for (ObjectId o : h.local_members(t.local)) {
      if (!h.is_live(o)) continue;
      Object &ob = h.obj(o);
      f(o, Symbol{0}, true, ob.proto, t.local);
      for (Field &fl : ob.fields)
        f(o, fl.name, false, fl.value, t.local);
    }
  }
}

void Machine::Impl::close(bool wants) {
  ObjectId r = peek(0);
  check_live(r);
  if (!h.is_bridge(r))
    reject(RuleId::CloseNotBridge, m.describe(r) + " is not the bridge object of a region", {r});
  RegionId reg = h.obj(r).loc.index;
  bool descendants = h.region(reg).sbrc > 0 && !mutant(Mutant::CloseSkipsDescendants);
  auto targets = region_and_descendants(h, reg, descendants);
  auto into = [&](ObjectId t) {
    return t != kNone && h.obj(t).live && h.obj(t).loc.is_region() &&
           h.obj(t).loc.index < targets.size() && targets[h.obj(t).loc.index];
  };
  bool open_after_release = h.region(reg).lrc - 1 + h.region(reg).sbrc > 0;
  std::vector<ObjectId> proto_sources;
  if (open_after_release) {
    for_each_local_reference([&](ObjectId src, Symbol, bool is_proto, ObjectId &t, uint32_t) {
      if (is_proto && into(t)) proto_sources.push_back(src);
    });
    if (!proto_sources.empty())
      check_failed(RuleId::CloseProto,
                   "can't close " + m.describe_region(reg) + ": " + m.describe(proto_sources[0]) +
                       " has it as its prototype",
                   proto_sources, {reg});
  }
  pop_release();
  if (!h.is_live_region(reg)) {
    if (wants) push(h.true_object());
    return;
  }
  if (h.is_open(reg) && profile_fs()) recount_dirty_regions();
  if (h.is_open(reg)) {
    region_history(reg, "closed");
    std::vector<std::pair<ObjectId, Symbol>> fields;
    std::vector<ObjectId *> slots;
    std::vector<ObjectId> protos;
    for_each_local_reference([&](ObjectId src, Symbol name, bool is_proto, ObjectId &t, uint32_t) {
      if (!into(t)) return;
      if (is_proto)
        protos.push_back(src);
      else if (src == kNone)
        slots.push_back(&t);
      else
        fields.emplace_back(src, name);
    });
    for (ObjectId *slot : slots) {
      ObjectId t = *slot;
      *slot = kNone;
      dec_ref(t, local());
    }
    for (auto [src, name] : fields) {
      if (!h.is_live(src)) continue;
      Field *f = h.find_field(src, name);
      if (!f || !into(f->value)) continue;
      ObjectId t = f->value;
      // A `for` over the region loses its object: if keys were left, its next turn fails
      // (decision 26), so the iterator remembers that.
      if (h.obj(src).kind == ObjectKind::Iterator && name == intern("source"))
        for (const Field &k : h.obj(t).fields)
          if (h.obj(src).payload == 0 || compare_symbols(k.name, h.obj(src).payload) > 0) {
            h.obj(src).payload = kIteratorSourceClosed;
            break;
          }
      f->value = kNone;
      dec_ref(t, h.obj(src).loc, src);
    }
    // close.proto switched off: the prototype edges stay, but the region is closed regardless.
    for (ObjectId src : protos)
      if (h.is_live(src) && into(h.obj(src).proto))
        update_counters(h.obj(h.obj(src).proto).loc.index, -1, 0);
  }
  if (wants) push(h.true_object());
}

void Machine::Impl::is_closed(bool wants) {
  ObjectId r = peek(0);
  check_live(r);
  if (!h.is_bridge(r))
    reject(RuleId::IsClosedNotBridge, m.describe(r) + " is not the bridge object of a region", {r});
  RegionId reg = h.obj(r).loc.index;
  pop_release();
  bool closed = true;
  if (h.is_live_region(reg)) {
    if (profile_fs() && h.is_open(reg) && (h.region(reg).dirty || h.region(reg).sbrc != 0))
      recount_dirty_regions();
    closed = !h.is_live_region(reg) || !h.is_open(reg);
  }
  if (wants) push(closed ? h.true_object() : h.false_object());
}

void Machine::Impl::merge() {
  ObjectId src = peek(1), sink = peek(0);
  check_live(src);
  check_live(sink);
  if (!h.is_bridge(src))
    reject(RuleId::MergeSourceNotRegion, "source " + m.describe(src) + " is not a region", {src});
  if (!h.is_bridge(sink))
    reject(RuleId::MergeSinkNotRegion, "sink " + m.describe(sink) + " is not a region", {sink});
  RegionId s = h.obj(src).loc.index, k = h.obj(sink).loc.index;
  const Region &rs = h.region(s);
  if (s != k && !(rs.parent_kind == ParentKind::Region && rs.parent == k))
    check_failed(RuleId::MergeNotParent,
                 "sink " + m.describe_region(k) + " is not the parent of " + m.describe_region(s),
                 {src, sink}, {s, k});
  pop_release();
  pop_release();
  if (s == k || !h.is_live_region(s) || !h.is_live_region(k)) return;
  Region &from = h.region(s);
  bool src_open = h.is_open(s);
  ParentKind old_kind = from.parent_kind;
  uint32_t old_parent = from.parent;
  // With merge.not_parent off the source may hang below another region or a cown.
  if (old_kind == ParentKind::Region && old_parent != k && src_open)
    update_counters(old_parent, 0, -1, false);
  if (old_kind == ParentKind::Cown) m.status_dirty_ = true;
  ObjectId old_bridge = from.bridge;
  int64_t lrc = from.lrc, sbrc = from.sbrc;
  bool dirty = from.dirty;
  if (m.options().record_history) region_history(s, "merged into " + m.describe_region(k));
  for (ObjectId o : h.members(s))
    h.relocate(o, Location::region(k));
  if (!mutant(Mutant::MergeKeepsChildren))
    for (RegionId c = 1; c < h.region_end(); ++c) {
      Region &child = h.region(c);
      if (child.live && child.parent_kind == ParentKind::Region && child.parent == s)
        child.parent = k;
    }
  from.bridge = kNone;
  h.free_region(s);
  // The old bridge becomes an ordinary object: it loses the region prototype.
  ObjectId rp = h.builtin_proto(BuiltinProto::RegionObject);
  if (h.obj(old_bridge).proto == rp) {
    h.obj(old_bridge).proto = kNone;
    dec_ref(rp, Location::region(k), old_bridge);
  }
  int64_t dsbrc = sbrc - ((src_open && old_kind == ParentKind::Region && old_parent == k) ? 1 : 0);
  h.region(k).dirty |= dirty;
  update_counters(k, lrc, dsbrc);
}

void Machine::Impl::dissolve() {
  ObjectId r = peek(0);
  check_live(r);
  if (!h.is_bridge(r)) reject(RuleId::DissolveNotRegion, m.describe(r) + " is not a region", {r});
  RegionId reg = h.obj(r).loc.index;
  if (h.region(reg).parent_kind != ParentKind::None)
    check_failed(RuleId::DissolveChild,
                 "can't dissolve " + m.describe_region(reg) + ": it is the child of another", {r},
                 {reg});
  pop_release();
  if (!h.is_live_region(reg)) return;
  Region &rr = h.region(reg);
  if (rr.parent_kind == ParentKind::Region && h.is_open(reg))
    update_counters(rr.parent, 0, -1, false);
  if (rr.parent_kind == ParentKind::Cown) m.status_dirty_ = true;
  region_history(reg, "dissolved");
  ObjectId bridge = rr.bridge;
  auto objects = h.members(reg);
  rr.bridge = kNone;
  for (ObjectId o : objects)
    h.relocate(o, local());
  // Children become free: their owning edge is now a LOCAL reference.
  std::vector<char> child(h.region_end(), 0);
  for (RegionId c = 1; c < h.region_end(); ++c) {
    Region &cr = h.region(c);
    if (cr.live && cr.parent_kind == ParentKind::Region && cr.parent == reg) {
      cr.parent_kind = ParentKind::None;
      cr.parent = 0;
      cr.parent_since_line = line();
      child[c] = 1;
      m.collect_candidates_.push_back({c, false});
    }
  }
  h.free_region(reg);
  for (ObjectId o : objects) {
    auto each = [&](ObjectId t) {
      if (t == kNone) return;
      bool child_bridge = h.is_bridge(t) && child[h.obj(t).loc.index];
      move_ref(t, Location::region(reg), local(),
               !(child_bridge && mutant(Mutant::DissolveNoChildLrc)));
    };
    each(h.obj(o).proto);
    for (const Field &f : h.obj(o).fields)
      each(f.value);
  }
  ObjectId rp = h.builtin_proto(BuiltinProto::RegionObject);
  if (h.obj(bridge).proto == rp) {
    h.obj(bridge).proto = kNone;
    dec_ref(rp, local(), bridge);
  }
}

void Machine::Impl::is_released(bool wants) {
  ObjectId c = peek(0);
  check_live(c);
  if (!is_cown(c)) reject(RuleId::IsReleasedNotCown, "the given object is not a cown", {c});
  bool released = h.obj(c).status == CownStatus::Released;
  pop_release();
  if (wants) push(released ? h.true_object() : h.false_object());
}

void Machine::Impl::set_freezable() {
  ObjectId o = peek(1), s = peek(0);
  if (o != kNone && is_string_like(s)) {
    const std::string &text = symbol_name(h.obj(s).payload);
    Freezability f = text == "no"         ? Freezability::No
                     : text == "explicit" ? Freezability::Explicit
                                          : Freezability::Yes;
    h.obj(o).freezable = f;
  }
  pop_release();
  pop_release();
}

void Machine::Impl::spawn(const WhenInfo &w) {
  ObjectId spawner = frame();
  std::vector<ObjectId> cowns;
  for (Symbol c : w.cowns) {
    const Field *f = h.find_field(spawner, c);
    if (!f)
      reject(RuleId::ReadUndefinedName,
             "The name " + symbol_name(c) + " is undefined in the current frame");
    if (!is_cown(f->value))
      reject(RuleId::WhenNotCown, symbol_name(c) + " is not a cown", {f->value});
    cowns.push_back(f->value);
  }
  std::vector<std::pair<Symbol, ObjectId>> captures;
  for (Symbol name : w.captures) {
    const Field *f = h.find_field(spawner, name);
    if (!f) continue; // not a variable here: a builtin, or defined inside the body
    ObjectId v = f->value;
    bool ok = h.is_frozen_or_none(v) || is_cown(v);
    if (!ok && h.is_bridge(v)) {
      const Region &r = h.region(h.obj(v).loc.index);
      ok = r.parent_kind == ParentKind::None && r.lrc == 1 && r.sbrc == 0;
    }
    if (!ok)
      check_failed(RuleId::WhenSendOpen,
                   "the behaviour captures " + symbol_name(name) + " = " + m.describe(v) +
                       ", which is not frozen, a cown, or a region closed once moved",
                   {v});
    captures.emplace_back(name, v);
  }
  // Effect: a new thread with its own LOCAL; captured variables are moved into its frame.
  uint32_t local_index = h.add_local();
  Thread t;
  t.local = local_index;
  t.status = ThreadStatus::Waiting;
  t.cowns = cowns;
  t.spawn_line = line();
  t.spawned_by = m.current_thread_;
  t.first_own_region = h.next_region_serial();
  for (auto &[name, v] : captures)
    if (h.is_bridge(v)) t.captured_regions.push_back(h.region(h.obj(v).loc.index).serial);
  ObjectId frame_obj = h.new_object(ObjectKind::Frame, Location::local(local_index), line());
  h.obj(frame_obj).rc = 1; // held by the behaviour's call stack
  h.obj(frame_obj).proto = h.builtin_proto(BuiltinProto::Frame);
  inc_ref(h.obj(frame_obj).proto, Location::local(local_index));
  for (size_t i = 0; i < cowns.size(); ++i) {
    h.set_field_raw(frame_obj, w.cowns[i], cowns[i]);
    inc_ref(cowns[i], Location::local(local_index));
  }
  for (auto [name, v] : captures) {
    h.set_field_raw(spawner, name, kNone);
    h.set_field_raw(frame_obj, name, v);
    if (h.is_bridge(v)) region_history(h.obj(v).loc.index, "sent to a behaviour");
  }
  Activation act;
  act.frame = frame_obj;
  act.function = w.function;
  act.call_line = line();
  t.calls.push_back(act);
  m.world_.threads.push_back(std::move(t));
}

} // namespace lungfish
