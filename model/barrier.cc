// Reads, `move o.f`, and the write barrier with its pull (docs/semantics.md 3 and 3.1).
//
//   x.f = y  (x in A, y in B):
//     1. x None / frozen / Released cown        -> E_NONE_ACCESS / E_IMMUTABLE / E_OPAQUE
//     2. x a cown                                -> y None, frozen, cown or a free bridge
//     (cown_write)
//     3. y None, frozen, cown, or B = A          -> store
//     4. A = LOCAL                               -> store (LRC(B) keeps the reference)
//     5. B = LOCAL                               -> pull y's LOCAL graph into A, checked whole
//     first
//     6. y the bridge of S                       -> E_HAS_PARENT / E_CYCLE, else parent(S) := A
//     7. otherwise                               -> E_OTHER_REGION
//     8. release the old value of x.f
//
// Every function checks all its preconditions (through `fail`) before its first effect.
#include "model/machine_impl.h"

#include <algorithm>
#include <unordered_set>

namespace lungfish {

namespace {
const Symbol kProtoName = intern("__proto__");

} // namespace

void Machine::Impl::drop_below(size_t n) {
  auto &st = thread().stack;
  ObjectId top = st.back();
  st.pop_back();
  std::vector<ObjectId> released(st.end() - static_cast<ptrdiff_t>(n), st.end());
  st.resize(st.size() - n);
  st.push_back(top);
  for (auto it = released.rbegin(); it != released.rend(); ++it)
    dec_ref(*it, local());
}

Symbol Machine::Impl::key_symbol(ObjectId k, RuleId rule) {
  if (!is_string_like(k)) {
    reject(rule, "the key is not a string", {k}); // ReadBadKey / WriteBadKey: language errors
  }
  const Object &o = h.obj(k);
  if (o.kind == ObjectKind::Boolean) return intern(o.payload ? "True" : "False");
  return o.payload;
}

ObjectId Machine::Impl::read_slot(ObjectId o, Symbol name, bool proto_slot) {
  if (proto_slot) return h.obj(o).proto;
  const Field *f = h.find_field(o, name);
  return f ? f->value : kNone;
}

void Machine::Impl::store_slot(ObjectId o, Symbol name, bool proto_slot, ObjectId v) {
  Object &ob = h.obj(o);
  Location loc = ob.loc;
  move_ref(v, local(), loc);
  ObjectId old;
  if (proto_slot) {
    old = ob.proto;
    ob.proto = v;
  } else {
    Field *f = h.find_field(o, name);
    old = f ? f->value : kNone;
    h.set_field_raw(o, name, v);
  }
  dec_ref(old, loc, o);
}

void Machine::Impl::load_field(Symbol name, bool by_index) {
  ObjectId o = peek(by_index ? 1 : 0);
  check_live(o);
  if (by_index) name = key_symbol(peek(0), RuleId::ReadBadKey);
  if (o == kNone)
    reject(RuleId::ReadNoneAccess, "tried to read field `" + symbol_name(name) + "` of None");
  ObjectId value = kNone;
  bool found = false;
  if (name == kProtoName) {
    if (is_opaque_cown(o))
      check_failed(RuleId::ReadOpaque, "cannot read " + opaque_cown_text(o), {o});
    value = h.obj(o).proto;
    found = true;
  } else {
    // Reads follow the prototype chain, own fields first; a Released cown on the way is opaque.
    ObjectId p = o;
    for (size_t guard = 0; p != kNone && guard <= h.object_end(); ++guard) {
      check_live(p);
      if (is_opaque_cown(p))
        check_failed(
            RuleId::ReadOpaque,
            p == o ? "cannot read field `" + symbol_name(name) + "` of " + opaque_cown_text(p)
                   : "the prototype chain of " + m.describe(o) + " passes " + opaque_cown_text(p),
            {p});
      if (const Field *f = h.find_field(p, name)) {
        value = f->value;
        found = true;
        break;
      }
      p = h.obj(p).proto;
    }
  }
  if (!found)
    reject(RuleId::ReadUndefinedField,
           "the field `" + symbol_name(name) + "` is not defined on " + m.describe(o), {o});
  check_live(value);
  push(value);
  drop_below(by_index ? 2 : 1);
}

void Machine::Impl::swap_field(Symbol name, bool by_index) {
  ObjectId o = peek(by_index ? 1 : 0);
  check_live(o);
  if (by_index) name = key_symbol(peek(0), RuleId::WriteBadKey);
  bool proto_slot = name == kProtoName;
  if (o == kNone) reject(RuleId::MoveNoneAccess, "cannot move a field out of None");
  if (h.obj(o).loc.is_immutable())
    check_failed(RuleId::MoveImmutable, "cannot move a field out of frozen " + m.describe(o), {o});
  if (is_opaque_cown(o))
    check_failed(RuleId::MoveOpaque, "cannot move a field out of " + opaque_cown_text(o), {o});
  // Effect: the field's reference becomes a LOCAL stack slot.
  Location loc = h.obj(o).loc;
  // Whether this thread may own what it moves out: o is not behind a cown it may not touch (only
  // a switched-off check lets it be).
  bool from_own = !is_opaque_cown(o);
  if (from_own && loc.is_region()) {
    RegionId root = tree_root(loc.index);
    if (h.region(root).parent_kind == ParentKind::Cown)
      from_own = !is_opaque_cown(h.region(root).parent);
  }
  ObjectId old = read_slot(o, name, proto_slot);
  if (proto_slot)
    h.obj(o).proto = kNone;
  else
    h.set_field_raw(o, name, kNone);
  if (auto child = owned_child(old, loc, o)) {
    unparent(*child, profile_fs());
    region_history(*child, "moved out of its owner");
    // A behaviour that moves a region out of what it holds owns that region from then on, as
    // it owns the regions its captures brought (I17).
    if (m.current_thread_ != 0 && from_own)
      thread().captured_regions.push_back(h.region(*child).serial);
  }
  move_ref(old, loc, local());
  thread().stack.push_back(old);
  if (is_cown(o)) {
    m.written_cowns_.push_back(o);
    m.status_dirty_ = true;
  }
  drop_below(by_index ? 2 : 1);
}

void Machine::Impl::store_field(Symbol name, bool by_index, bool proto_slot) {
  ObjectId y = peek(0);
  ObjectId x = peek(by_index ? 2 : 1);
  check_live(x);
  check_live(y);
  if (by_index) {
    name = key_symbol(peek(1), RuleId::WriteBadKey);
    proto_slot = name == kProtoName;
  }
  barrier(x, name, proto_slot, y);
  thread().stack.pop_back(); // y's slot was consumed by the store
  if (by_index) pop_release();
  pop_release();
}

void Machine::Impl::implicit_freeze_and_store(ObjectId x, Symbol name, bool proto_slot,
                                              ObjectId y) {
  // FrankenScript releases the written value's stack slot against the region it was counted in,
  // although the freeze has just moved the value out of it (its dirty LRC is one lower than an
  // explicit freeze leaves it: tests/golden/tests__regions__implicit_freeze_1.lf).
  RegionId counted_in = h.region_of(y);
  freeze(y);
  store_slot(x, name, proto_slot, y);
  if (counted_in != kNoRegion && h.is_live_region(counted_in)) update_counters(counted_in, -1, 0);
}

RegionId Machine::Impl::tree_root(RegionId r) {
  for (size_t guard = 0; guard <= h.region_end(); ++guard) {
    const Region &reg = h.region(r);
    if (reg.parent_kind != ParentKind::Region || !h.is_live_region(reg.parent)) return r;
    r = reg.parent;
  }
  return r;
}

void Machine::Impl::barrier(ObjectId x, Symbol name, bool proto_slot, ObjectId y) {
  std::string field = proto_slot ? "__proto__" : symbol_name(name);
  if (x == kNone) reject(RuleId::WriteNoneAccess, "fields can't be set on None");
  // The prototype slot takes what create(p) takes (docs/decisions.md 20): a cown as a prototype
  // would let a field lookup reach a Released cown's contents (I14).
  if (proto_slot && y != kNone &&
      (is_string_like(y) || is_cown(y) || h.obj(y).kind == ObjectKind::Iterator))
    reject(RuleId::WriteBadProto,
           "a prototype must be None or an object that is not a string, a cown or an "
           "iterator",
           {x, y});
  const Object &xo = h.obj(x);
  if (xo.loc.is_immutable()) {
    check_failed(RuleId::WriteImmutable, "cannot mutate frozen " + m.describe(x), {x, y});
    store_slot(x, name, proto_slot, y); // check off: the edge lands in the frozen object
    return;
  }
  if (is_cown(x)) {
    if (is_opaque_cown(x))
      check_failed(RuleId::WriteOpaque,
                   "cannot write field `" + field + "` of " + opaque_cown_text(x), {x});
    cown_write(x, name, proto_slot, y);
    return;
  }
  Location a = xo.loc;
  if (h.is_frozen_or_none(y) || is_cown(y) || h.obj(y).loc == a) {
    store_slot(x, name, proto_slot, y);
    return;
  }
  if (a.is_local()) {
    store_slot(x, name, proto_slot, y);
    return;
  }
  RegionId ra = a.index;
  Location b = h.obj(y).loc;
  if (b.is_local()) {
    pull(x, name, proto_slot, y, ra);
    return;
  }
  bool implicit = profile_fs() && m.world_.implicit_freezing;
  if (h.is_bridge(y)) {
    RegionId s = b.index;
    const Region &rs = h.region(s);
    if (rs.parent_kind != ParentKind::None) {
      if (implicit) { // 3.5: the offending target is frozen and the write proceeds
        implicit_freeze_and_store(x, name, proto_slot, y);
        return;
      }
      std::string owner =
          rs.parent_kind == ParentKind::Cown ? "a cown" : m.describe_region(rs.parent);
      check_failed(RuleId::BarrierHasParent,
                   m.describe_region(s) + " already has a parent (" + owner + ", since line " +
                       std::to_string(rs.parent_since_line) + ")",
                   {x, y}, {s, ra});
    } else if (tree_root(ra) == s) {
      check_failed(RuleId::BarrierCycle,
                   "storing " + m.describe(y) + " in " + m.describe(x) +
                       " would make its region an ancestor of itself",
                   {x, y}, {s, ra});
    }
    store_slot(x, name, proto_slot, y);
    set_parent_region(s, ra);
    return;
  }
  if (implicit) {
    implicit_freeze_and_store(x, name, proto_slot, y);
    return;
  }
  check_failed(RuleId::BarrierOtherRegion,
               m.describe(y) + " is inside " + m.describe_region(b.index) +
                   " and only its bridge may be referenced from " + m.describe_region(ra),
               {x, y}, {b.index, ra});
  store_slot(x, name, proto_slot, y);
}

void Machine::Impl::cown_write(ObjectId c, Symbol name, bool proto_slot, ObjectId y) {
  RegionId s = kNoRegion;
  if (!h.is_frozen_or_none(y) && !is_cown(y)) {
    if (h.is_bridge(y)) {
      s = h.obj(y).loc.index;
      if (h.region(s).parent_kind != ParentKind::None)
        check_failed(RuleId::CownWriteNotFree,
                     "a cown can only own a free region, but " + m.describe_region(s) +
                         " has a parent",
                     {c, y}, {s});
    } else {
      check_failed(RuleId::CownWriteNotBridge,
                   m.describe(y) + " is not None, frozen, a cown or the bridge of a region",
                   {c, y});
    }
  }
  m.written_cowns_.push_back(c);
  store_slot(c, name, proto_slot, y);
  if (s != kNoRegion) set_parent_cown(s, c);
  m.status_dirty_ = true;
}

void Machine::Impl::pull(ObjectId x, Symbol name, bool proto_slot, ObjectId y, RegionId a) {
  // Check phase: FrankenScript's DFS (prototype first, then fields by descending name), the
  // whole pull checked before anything moves.
  const uint32_t my_local = h.obj(y).loc.index;
  bool implicit = profile_fs() && m.world_.implicit_freezing;
  RegionId root = tree_root(a);
  std::vector<ObjectId> pulled, to_freeze;
  std::vector<RegionId> children;
  // The objects visited so far: a set the size of the pull, not an array the size of the heap
  // (a pull per statement on a large heap would otherwise cost the heap every time).
  std::unordered_set<ObjectId> seen;
  struct Frame {
    ObjectId o;
    int next; // -1: the prototype edge; then fields from the last to the first
  };
  std::vector<Frame> dfs;
  auto visit = [&](ObjectId o) {
    seen.insert(o);
    pulled.push_back(o);
    dfs.push_back({o, -1});
  };
  visit(y);
  while (!dfs.empty()) {
    Frame &fr = dfs.back();
    const Object &o = h.obj(fr.o);
    ObjectId t;
    if (fr.next == -1) {
      t = o.proto;
      fr.next = static_cast<int>(o.fields.size());
    } else if (fr.next > 0) {
      t = o.fields[--fr.next].value;
    } else {
      dfs.pop_back();
      continue;
    }
    if (h.is_frozen_or_none(t) || is_cown(t)) continue;
    check_live(t);
    const Object &to = h.obj(t);
    if (to.loc.is_local() && to.loc.index == my_local) {
      if (!seen.count(t)) visit(t);
      continue;
    }
    if (to.loc.is_region() && to.loc.index == a) continue;
    if (to.loc.is_region() && h.is_bridge(t)) {
      RegionId s = to.loc.index;
      bool claimed = std::find(children.begin(), children.end(), s) != children.end();
      if (h.region(s).parent_kind != ParentKind::None || claimed) {
        check_failed(RuleId::PullHasParent,
                     m.describe_region(s) + " already has a parent" +
                         (claimed ? " (reached twice by this pull)" : ""),
                     {t}, {s, a});
      } else if (s == root) {
        check_failed(RuleId::PullCycle,
                     "pulling " + m.describe(y) + " would make " + m.describe_region(s) +
                         " an ancestor of itself",
                     {t}, {s, a});
      }
      if (!claimed) children.push_back(s);
      continue;
    }
    if (implicit && to.loc.is_region()) {
      to_freeze.push_back(t);
      continue;
    }
    check_failed(RuleId::PullOtherRegion,
                 m.describe(t) + ", reached from " + m.describe(y) + ", is inside " +
                     (to.loc.is_region() ? m.describe_region(to.loc.index) : "another LOCAL") +
                     " and cannot be referenced from " + m.describe_region(a),
                 {t}, {a});
    // check off: the object stays where it is
  }

  // Effect phase.
  for (ObjectId t : to_freeze)
    freeze(t);
  for (ObjectId o : pulled)
    h.relocate(o, Location::region(a));
  if (m.options().record_history && !pulled.empty()) {
    // describe_region searches the frames for an access path: once per pull, and only when a
    // history is kept (check and the oracle run without one).
    std::string what = "pulled into " + m.describe_region(a);
    for (ObjectId o : pulled)
      history(o, what);
  }
  int64_t delta_a = 0;
  Location from = Location::local(my_local), to_a = Location::region(a);
  for (ObjectId o : pulled) {
    const Object &ob = h.obj(o);
    auto each = [&](ObjectId t) {
      if (t == kNone) return;
      const Object &tt = h.obj(t);
      bool region_target = tt.live && tt.loc.is_region();
      bool was_in_a = region_target && tt.loc.index == a && !seen.count(t);
      move_ref(t, from, to_a, /*count_lrc=*/false);
      if (was_in_a) {
        delta_a -= 1; // a counted LOCAL -> A reference became internal
      } else if (region_target && h.is_bridge(t) && tt.loc.index != a) {
        RegionId s = tt.loc.index;
        if (std::find(children.begin(), children.end(), s) != children.end() &&
            !mutant(Mutant::PullKeepsChildLrc))
          update_counters(s, -1, 0); // that local edge is now the owning one
      }
      // an object of another region left in place (check off): no counter change for it
    };
    each(ob.proto);
    for (const Field &f : ob.fields)
      each(f.value);
  }
  for (RegionId s : children)
    set_parent_region(s, a);
  move_ref(y, from, to_a, /*count_lrc=*/false); // the written edge replaces y's stack slot
  for (ObjectId o : pulled)
    delta_a += h.obj(o).local_rc;
  if (mutant(Mutant::PullLrcOffByOne)) delta_a += 1;
  if (delta_a != 0) update_counters(a, delta_a, 0);
  // Store without counting y again: it is now an internal edge of A.
  Object &xo = h.obj(x);
  ObjectId old;
  if (proto_slot) {
    old = xo.proto;
    xo.proto = y;
  } else {
    Field *f = h.find_field(x, name);
    old = f ? f->value : kNone;
    h.set_field_raw(x, name, y);
  }
  dec_ref(old, to_a, x);
}

} // namespace lungfish
