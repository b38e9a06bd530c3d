#include "checker/incremental/incremental.h"

#include <algorithm>

namespace lungfish {

namespace {

template <class T> void remove_one(std::vector<T> &v, T x) {
  auto it = std::find(v.begin(), v.end(), x);
  if (it == v.end()) return;
  *it = v.back();
  v.pop_back();
}

bool same_names(const std::vector<Field> &a, const std::vector<Field> &b) {
  if (a.size() != b.size()) return false;
  for (size_t k = 0; k < a.size(); ++k)
    if (a[k].name != b[k].name) return false;
  return true;
}

} // namespace

RegionId IncrementalChecker::live_region_of(const State &h, ObjectId o) {
  const Location &l = h.obj(o).loc;
  return l.is_region() && h.is_live_region(l.index) ? l.index : kNoRegion;
}

bool IncrementalChecker::is_live_cown(const State &h, ObjectId o) {
  return h.is_live(o) && h.obj(o).loc.kind == LocationKind::Cown;
}

bool IncrementalChecker::full_only() const {
  return ctx_.profile == Profile::Cpython || ctx_.profile == Profile::Pep795;
}

void IncrementalChecker::detach() {
  if (heap_ && heap_->touch_log() == &log_) heap_->set_touch_log(nullptr);
  heap_ = nullptr;
}

void IncrementalChecker::grow(const State &h) {
  size_t n = h.object_end(), nr = h.region_end();
  if (obj_.size() < n) {
    obj_.resize(n);
    in_rc_.resize(n, 0);
    in_local_.resize(n, 0);
    sources_.resize(n);
    obj_mark_.resize(n, 0);
    target_mark_.resize(n, 0);
  }
  if (reg_.size() < nr) {
    reg_.resize(nr);
    reg_mark_.resize(nr, 0);
  }
}

void IncrementalChecker::note_object(ObjectId o) {
  if (o == kNone || o >= obj_mark_.size()) return;
  if (!obj_mark_[o]) {
    obj_mark_[o] = 1;
    objs_.push_back(o);
  }
  RegionId r = ghost_region_of(o);
  if (r != kNoRegion) note_region(r);
}

void IncrementalChecker::note_target(ObjectId o) {
  if (o == kNone || o >= target_mark_.size() || target_mark_[o]) return;
  target_mark_[o] = 1;
  targets_.push_back(o);
}

void IncrementalChecker::note_region(RegionId r) {
  if (r == kNoRegion || r >= reg_mark_.size() || reg_mark_[r]) return;
  reg_mark_[r] = 1;
  regs_.push_back(r);
}

void IncrementalChecker::clear_marks() {
  for (ObjectId o : objs_)
    obj_mark_[o] = 0;
  for (ObjectId o : targets_)
    target_mark_[o] = 0;
  for (RegionId r : regs_)
    reg_mark_[r] = 0;
  objs_.clear();
  targets_.clear();
  regs_.clear();
  edges_.clear();
}

RegionId IncrementalChecker::ghost_region_of(ObjectId o) const {
  const GhostObject &g = obj_[o];
  return g.live && g.loc.is_region() && g.loc.index < reg_.size() && reg_[g.loc.index].live &&
                 reg_[g.loc.index].serial == g.region_serial
             ? g.loc.index
             : kNoRegion;
}

// ---- the ghost's edge counts ----

void IncrementalChecker::add_edge(ObjectId from, ObjectId to) {
  if (to == kNone || to >= obj_.size()) return;
  in_rc_[to]++;
  if (obj_[from].loc.is_local()) {
    in_local_[to]++;
    if (RegionId r = ghost_region_of(to)) {
      reg_[r].true_lrc++;
      note_region(r);
    }
  }
  if (tracked(obj_[to])) sources_[to].push_back(from);
  note_object(to);
}

void IncrementalChecker::remove_edge(ObjectId from, ObjectId to) {
  if (to == kNone || to >= obj_.size()) return;
  in_rc_[to]--;
  if (obj_[from].loc.is_local()) {
    in_local_[to]--;
    if (RegionId r = ghost_region_of(to)) {
      reg_[r].true_lrc--;
      note_region(r);
    }
  }
  if (tracked(obj_[to])) remove_one(sources_[to], from);
  note_object(to);
}

// Phase 1 for a touched object: takes back the edges that are gone (all of them if the object
// moved, died or changed shape: then the copy is cleared and put_edges adds every edge again,
// which also re-checks a moved object's own edges), against the old locations.
void IncrementalChecker::take_back_edges(const State &h, ObjectId o) {
  GhostObject &g = obj_[o];
  const Object &ob = h.obj(o);
  bool moved = g.live != ob.live || (ob.live && !(g.loc == ob.loc));
  if (moved || !same_names(g.fields, ob.fields)) {
    if (g.proto) remove_edge(o, g.proto);
    for (const Field &f : g.fields)
      if (f.value) remove_edge(o, f.value);
    g.proto = kNone;
    g.fields.clear();
    return;
  }
  if (g.proto != ob.proto && g.proto) remove_edge(o, g.proto);
  for (size_t k = 0; k < g.fields.size(); ++k)
    if (g.fields[k].value != ob.fields[k].value && g.fields[k].value)
      remove_edge(o, g.fields[k].value);
}

// Phase 2: liveness, location and cown status.
void IncrementalChecker::relocate(const State &h, ObjectId o) {
  GhostObject &g = obj_[o];
  const Object &ob = h.obj(o);
  note_object(o);
  bool was_cown = g.live && g.loc.kind == LocationKind::Cown;
  if (g.live != ob.live || (ob.live && !(g.loc == ob.loc))) {
    if (RegionId r = ghost_region_of(o)) {
      reg_[r].true_lrc -= in_local_[o];
      reg_[r].members--;
      note_region(r);
    }
    g.live = ob.live;
    g.loc = ob.live ? ob.loc : Location{};
    g.region_serial = g.loc.is_region() && g.loc.index < reg_.size() ? reg_[g.loc.index].serial : 0;
    if (RegionId r = ghost_region_of(o)) {
      reg_[r].true_lrc += in_local_[o];
      reg_[r].members++;
      note_region(r);
    }
    if (!tracked(g)) sources_[o].clear(); // frozen or a cown: its incoming edges are never wrong
    note_target(o);
    note_object(o);
  }
  bool is_cown = g.live && g.loc.kind == LocationKind::Cown;
  if ((was_cown || is_cown) && (was_cown != is_cown || g.status != ob.status)) {
    if (is_cown && ob.status == CownStatus::Released && g.status != CownStatus::Released)
      flag(Invariant::I14);                // the prototype-chain clause is not incremental
    if (behaviours_) flag(Invariant::I17); // which behaviour may reach what changed
    g.status = ob.status;
    auto it = cown_children_.find(o);
    if (it != cown_children_.end())
      for (RegionId r : it->second)
        note_region(r);
  }
}

// Phase 3: the edges that are new (all of them after take_back_edges cleared the copy).
void IncrementalChecker::put_edges(const State &h, ObjectId o) {
  GhostObject &g = obj_[o];
  const Object &ob = h.obj(o);
  if (!ob.live) return;
  bool all = g.fields.empty() && g.proto == kNone;
  if (all) {
    if (ob.proto) {
      add_edge(o, ob.proto);
      edges_.emplace_back(o, ob.proto);
    }
    for (const Field &f : ob.fields)
      if (f.value) {
        add_edge(o, f.value);
        edges_.emplace_back(o, f.value);
      }
    g.fields = ob.fields;
    g.proto = ob.proto;
    return;
  }
  if (g.proto != ob.proto) {
    if (ob.proto) {
      add_edge(o, ob.proto);
      edges_.emplace_back(o, ob.proto);
    }
    g.proto = ob.proto;
  }
  for (size_t k = 0; k < g.fields.size(); ++k)
    if (g.fields[k].value != ob.fields[k].value) {
      if (ObjectId t = ob.fields[k].value) {
        add_edge(o, t);
        edges_.emplace_back(o, t);
      }
      g.fields[k].value = ob.fields[k].value;
    }
}

// ---- the ghost's region forest ----

RegionId IncrementalChecker::ghost_up(RegionId r) const {
  const GhostRegion &g = reg_[r];
  return g.parent_kind == ParentKind::Region && g.parent < reg_.size() && reg_[g.parent].live
             ? g.parent
             : kNoRegion;
}

void IncrementalChecker::count_open(RegionId r, int sign) {
  GhostRegion &g = reg_[r];
  if (sign < 0) {
    RegionId p = g.counted_in;
    if (p != kNoRegion && reg_[p].live && reg_[p].serial == g.counted_serial) {
      reg_[p].open_children -= g.open;
      reg_[p].topen_children -= g.topen;
      work_.push_back(p);
    }
    g.counted_in = kNoRegion;
    return;
  }
  RegionId p = ghost_up(r);
  if (p == kNoRegion) return;
  reg_[p].open_children += g.open;
  reg_[p].topen_children += g.topen;
  g.counted_in = p;
  g.counted_serial = reg_[p].serial;
  work_.push_back(p);
}

void IncrementalChecker::unlink_child(RegionId r) {
  GhostRegion &g = reg_[r];
  if (g.parent_kind == ParentKind::Region && g.parent < reg_.size())
    remove_one(reg_[g.parent].children, r);
  if (g.parent_kind == ParentKind::Cown) {
    auto it = cown_children_.find(g.parent);
    if (it != cown_children_.end()) {
      remove_one(it->second, r);
      if (it->second.empty()) cown_children_.erase(it);
    }
  }
}

void IncrementalChecker::link_child(RegionId r) {
  GhostRegion &g = reg_[r];
  if (g.parent_kind == ParentKind::Region && g.parent < reg_.size())
    reg_[g.parent].children.push_back(r);
  if (g.parent_kind == ParentKind::Cown) cown_children_[g.parent].push_back(r);
}

// Before relocations: a region that died or whose slot was reused starts over.
void IncrementalChecker::region_lifetime(const State &h, RegionId r) {
  GhostRegion &g = reg_[r];
  const Region &R = h.region(r);
  note_region(r);
  if (g.live && (!R.live || g.serial != R.serial)) {
    count_open(r, -1);
    unlink_child(r);
    for (RegionId c : g.children)
      note_region(c); // their parent is gone (I6)
    note_target(g.bridge);
    g = GhostRegion{};
  }
  if (R.live && !g.live) {
    g.live = true;
    g.serial = R.serial;
  }
}

// After relocations: parent and bridge.
void IncrementalChecker::region_links(const State &h, RegionId r) {
  GhostRegion &g = reg_[r];
  const Region &R = h.region(r);
  if (!R.live) return;
  if (g.parent_kind != R.parent_kind || g.parent != R.parent) {
    if (behaviours_) reparented_.push_back(r);
    count_open(r, -1);
    unlink_child(r);
    g.parent_kind = R.parent_kind;
    g.parent = R.parent;
    link_child(r);
    count_open(r, +1);
    note_target(R.bridge); // the owning edge into the bridge changed meaning (I4, I5, I12)
  }
  if (g.bridge != R.bridge) {
    note_target(g.bridge);
    note_target(R.bridge);
    note_object(g.bridge); // a former bridge may now be a fake one (I7)
    g.bridge = R.bridge;
  }
  work_.push_back(r);
}

int64_t IncrementalChecker::semantic(const State &h, RegionId r) const {
  int64_t t = truth(r);
  if (ctx_.profile == Profile::Frankenscript && h.region(r).dirty)
    return std::max(h.region(r).lrc, t);
  return t;
}

// Recomputes the open bits of the regions in work_ and of every ancestor whose bits change.
void IncrementalChecker::settle(const State &h) {
  size_t guard = 16 * (reg_.size() + work_.size()) + 64;
  while (!work_.empty() && guard-- > 0) {
    RegionId r = work_.back();
    work_.pop_back();
    if (r == kNoRegion || r >= reg_.size()) continue;
    note_region(r);
    GhostRegion &g = reg_[r];
    if (!g.live) continue;
    bool open = semantic(h, r) > 0 || g.open_children > 0;
    bool topen = truth(r) > 0 || g.topen_children > 0;
    if (open == g.open && topen == g.topen) continue;
    count_open(r, -1);
    g.open = open;
    g.topen = topen;
    count_open(r, +1);
  }
  work_.clear();
}

// ---- roots ----

// Adds (sign +1) or takes back (-1) one root reference to o: an activation's frame or a stack
// slot of `thread`. A slot is a LOCAL reference, counted in the LRC of the region o is in.
void IncrementalChecker::add_root(ObjectId o, uint32_t thread, bool frame, int sign) {
  if (o == kNone || o >= obj_.size()) return;
  in_rc_[o] += sign;
  if (!frame) {
    in_local_[o] += sign;
    if (RegionId r = ghost_region_of(o)) {
      reg_[r].true_lrc += sign;
      note_region(r);
    }
  }
  note_object(o);
  auto entry = sign > 0 ? root_refs_.try_emplace(o).first : root_refs_.find(o);
  if (entry == root_refs_.end()) return;
  std::vector<RootRef> &refs = entry->second;
  auto it = std::find_if(refs.begin(), refs.end(),
                         [&](const RootRef &x) { return x.thread == thread && x.frame == frame; });
  if (sign > 0) {
    if (it == refs.end())
      refs.push_back(RootRef{thread, frame, 1});
    else
      it->count++;
  } else if (it != refs.end() && --it->count == 0) {
    *it = refs.back();
    refs.pop_back();
    if (refs.empty()) root_refs_.erase(entry);
  }
}

void IncrementalChecker::update_roots(const World &w) {
  if (thread_roots_.size() < w.threads.size()) thread_roots_.resize(w.threads.size());
  // A behaviour that starts (or ends) changes what I17 allows: checked in full then.
  if (thread_status_.size() < w.threads.size())
    thread_status_.resize(w.threads.size(), ThreadStatus::Waiting);
  for (uint32_t t = 1; t < w.threads.size(); ++t)
    if (thread_status_[t] != w.threads[t].status) {
      thread_status_[t] = w.threads[t].status;
      if (behaviours_) flag(Invariant::I17);
    }
  for (uint32_t t = 0; t < thread_roots_.size(); ++t) {
    static const Thread kNoThread;
    const Thread &th = t < w.threads.size() ? w.threads[t] : kNoThread;
    // From the top down to the first slot that is the same; everything below it is taken to be
    // unchanged. That holds unless, between two checks, a thread popped below that slot and
    // pushed back other values under an equal one (the same object on top again; a frame id
    // reused at the same depth with a different one under it). The counts of those objects are
    // then off until that level is popped again (the stale slot is taken back then): their I16
    // or I8 check falls back to the full checker meanwhile, which gives the verdict; no such
    // sequence has been seen at statement boundaries.
    auto sync = [&](std::vector<ObjectId> &old, size_t n, auto at, bool frame) {
      size_t k = std::min(old.size(), n);
      while (k > 0 && old[k - 1] != at(k - 1))
        --k;
      for (size_t i = k; i < old.size(); ++i)
        add_root(old[i], t, frame, -1);
      old.resize(k);
      for (size_t i = k; i < n; ++i) {
        old.push_back(at(i));
        add_root(old.back(), t, frame, +1);
        if (behaviours_ && !frame && old.back() != kNone)
          new_refs_.emplace_back(th.local, old.back());
      }
    };
    sync(
        thread_roots_[t].frames, th.calls.size(), [&](size_t i) { return th.calls[i].frame; },
        true);
    sync(
        thread_roots_[t].slots, th.stack.size(), [&](size_t i) { return th.stack[i]; }, false);
  }
}

// I3 for a root: a frame lives in its thread's LOCAL, and a LOCAL object on a thread's stack too.
void IncrementalChecker::check_root_location(const World &w, ObjectId o) {
  auto it = root_refs_.find(o);
  if (it == root_refs_.end() || !w.heap.is_live(o)) return;
  const Location &l = w.heap.obj(o).loc;
  for (const RootRef &ref : it->second) {
    if (ref.thread >= w.threads.size()) continue;
    Location own = Location::local(w.threads[ref.thread].local);
    if (ref.frame ? !(l == own) : (l.is_local() && !(l == own))) flag(Invariant::I3);
  }
}

// ---- attach / check ----

void IncrementalChecker::attach(World &w) {
  detach();
  const State &h = w.heap;
  obj_.clear();
  reg_.clear();
  in_rc_.clear();
  in_local_.clear();
  sources_.clear();
  obj_mark_.clear();
  target_mark_.clear();
  reg_mark_.clear();
  cown_children_.clear();
  thread_roots_.clear();
  root_refs_.clear();
  thread_status_.clear();
  behaviours_ = w.threads.size() > 1;
  objs_.clear();
  targets_.clear();
  regs_.clear();
  edges_.clear();
  work_.clear();
  log_.clear();
  if (full_only()) return;
  grow(h);
  for (RegionId r = 1; r < h.region_end(); ++r)
    region_lifetime(h, r);
  for (ObjectId o = 1; o < h.object_end(); ++o)
    relocate(h, o);
  for (ObjectId o = 1; o < h.object_end(); ++o)
    put_edges(h, o);
  for (RegionId r = 1; r < h.region_end(); ++r)
    region_links(h, r);
  update_roots(w);
  settle(h);
  clear_marks();
  flags_ = 0;
  heap_ = &w.heap;
  w.heap.set_touch_log(&log_);
}

std::vector<Violation> IncrementalChecker::check(const World &w, bool first_only) {
  if (full_only() || !heap_) return check_state(w, ctx_, first_only);
  const State &h = w.heap;
  grow(h);
  flags_ = 0;
  behaviours_ = w.threads.size() > 1;
  new_refs_.clear();
  reparented_.clear();
  auto valid_object = [&](ObjectId o) { return o != kNone && o < obj_.size(); };
  auto valid_region = [&](RegionId r) { return r != kNoRegion && r < reg_.size(); };
  for (ObjectId o : log_.objects)
    if (valid_object(o)) take_back_edges(h, o);
  for (RegionId r : log_.regions)
    if (valid_region(r)) region_lifetime(h, r);
  for (ObjectId o : log_.objects)
    if (valid_object(o)) relocate(h, o);
  for (ObjectId o : log_.objects)
    if (valid_object(o)) put_edges(h, o);
  for (RegionId r : log_.regions)
    if (valid_region(r)) region_links(h, r);
  update_roots(w);
  for (size_t k = 0; k < regs_.size(); ++k)
    work_.push_back(regs_[k]);
  settle(h);
  evaluate(w);
  last_objects_ = objs_.size() + targets_.size() + log_.relinked.size();
  last_regions_ = regs_.size();
  log_.clear();
  clear_marks();
  if (!flags_) return {};
  return check_selected(w, ctx_, flags_, first_only);
}

} // namespace lungfish
