#include "checker/analysis.h"

#include <algorithm>

namespace lungfish::checker_detail {

bool Analysis::dirty(RegionId r) const {
  // Only frankenscript has dirty LRCs (docs/semantics.md 3.2); elsewhere the flag relaxes nothing.
  return ctx.profile == Profile::Frankenscript && heap.region(r).dirty;
}

int64_t Analysis::semantic_lrc(RegionId r) {
  int64_t truth = counts().true_lrc[r];
  return dirty(r) ? std::max(heap.region(r).lrc, truth) : truth;
}

RegionId Analysis::region_of(ObjectId o) const {
  const Location &l = heap.obj(o).loc;
  return l.is_region() && heap.is_live_region(l.index) ? l.index : kNoRegion;
}

bool Analysis::is_cown(ObjectId o) const {
  return heap.is_live(o) && heap.obj(o).loc.kind == LocationKind::Cown;
}

const Counts &Analysis::counts() {
  if (!have_counts_) compute_counts();
  return counts_;
}

const Forest &Analysis::forest() {
  if (!have_forest_) compute_forest();
  return forest_;
}

void Analysis::compute_counts() {
  have_counts_ = true;
  const State &h = heap;
  Counts &c = counts_;
  const ObjectId n = h.object_end();
  const RegionId nr = h.region_end();
  c.in_rc.assign(n, 0);
  c.in_local.assign(n, 0);
  c.true_lrc.assign(nr, 0);
  c.first_ref.assign(nr, kNoIndex);
  c.refs.clear();
  c.dead.clear();
  c.obj_local1.assign(n, kNoIndex);
  c.obj_local2.assign(n, kNoIndex);
  c.obj_src2.assign(n, Source{});

  auto note_object_local = [&](ObjectId t, uint32_t local, const Source &s) {
    if (c.obj_local1[t] == kNoIndex) {
      c.obj_local1[t] = local;
    } else if (c.obj_local1[t] != local && c.obj_local2[t] == kNoIndex) {
      c.obj_local2[t] = local;
      c.obj_src2[t] = s;
    }
  };
  auto note_local = [&](const Source &s, uint32_t local, ObjectId t) {
    c.in_local[t]++;
    const Location &l = h.obj(t).loc;
    if (l.is_region()) {
      if (!h.is_live_region(l.index)) return;
      c.true_lrc[l.index]++;
      if (c.first_ref[l.index] == kNoIndex)
        c.first_ref[l.index] = static_cast<uint32_t>(c.refs.size());
      c.refs.push_back(LocalRef{s, local, t, l.index});
    } else if (l.is_local()) {
      note_object_local(t, local, s);
    }
  };

  for (ObjectId o = 1; o < n; ++o) {
    const Object &ob = h.obj(o);
    if (!ob.live) continue;
    for_each_edge(h, o, [&](const Source &s, ObjectId t) {
      if (!h.is_live(t)) {
        c.dead.push_back(DeadEdge{s, t});
        return;
      }
      c.in_rc[t]++;
      if (ob.loc.is_local()) note_local(s, ob.loc.index, t);
    });
  }
  for (uint32_t t = 0; t < world.threads.size(); ++t) {
    const Thread &th = world.threads[t];
    for (uint32_t i = 0; i < th.calls.size(); ++i) {
      ObjectId f = th.calls[i].frame;
      if (f == kNone) continue;
      Source s{Source::Kind::Activation, kNone, 0, t, i};
      if (!h.is_live(f)) {
        c.dead.push_back(DeadEdge{s, f});
        continue;
      }
      c.in_rc[f]++; // the thread's hold on a live frame counts in rc, not in local_rc
      if (h.obj(f).loc.is_local()) note_object_local(f, th.local, s);
    }
    for (uint32_t j = 0; j < th.stack.size(); ++j) {
      ObjectId v = th.stack[j];
      if (v == kNone) continue;
      Source s{Source::Kind::Stack, kNone, 0, t, j};
      if (!h.is_live(v)) {
        c.dead.push_back(DeadEdge{s, v});
        continue;
      }
      c.in_rc[v]++;
      note_local(s, th.local, v);
    }
  }
}

void Analysis::compute_forest() {
  have_forest_ = true;
  const State &h = heap;
  Forest &f = forest_;
  const RegionId nr = h.region_end();
  f.up.assign(nr, kNoRegion);
  for (RegionId r = 1; r < nr; ++r) {
    const Region &reg = h.region(r);
    if (reg.live && reg.parent_kind == ParentKind::Region && h.is_live_region(reg.parent))
      f.up[r] = reg.parent;
  }
  f.child_begin.assign(nr + 1, 0);
  for (RegionId r = 1; r < nr; ++r)
    if (f.up[r] != kNoRegion) f.child_begin[f.up[r] + 1]++;
  for (RegionId r = 0; r < nr; ++r)
    f.child_begin[r + 1] += f.child_begin[r];
  f.children.assign(f.child_begin[nr], kNoRegion);
  {
    std::vector<uint32_t> cursor(f.child_begin.begin(), f.child_begin.end() - 1);
    for (RegionId r = 1; r < nr; ++r)
      if (f.up[r] != kNoRegion) f.children[cursor[f.up[r]]++] = r;
  }

  // Top-down from the tops of the chains; regions never reached sit on or below a parent cycle.
  f.acyclic.assign(nr, 0);
  f.owner.assign(nr, kNone);
  f.root.assign(nr, kNoRegion);
  std::vector<RegionId> queue;
  for (RegionId r = 1; r < nr; ++r) {
    const Region &reg = h.region(r);
    if (!reg.live || f.up[r] != kNoRegion) continue;
    f.acyclic[r] = 1;
    f.root[r] = r;
    if (reg.parent_kind == ParentKind::Cown && is_cown(reg.parent)) f.owner[r] = reg.parent;
    queue.push_back(r);
  }
  for (size_t q = 0; q < queue.size(); ++q) {
    RegionId r = queue[q];
    for (uint32_t k = f.child_begin[r]; k < f.child_begin[r + 1]; ++k) {
      RegionId ch = f.children[k];
      f.acyclic[ch] = 1;
      f.root[ch] = f.root[r];
      f.owner[ch] = f.owner[r];
      queue.push_back(ch);
    }
  }
  for (RegionId r = 1; r < nr; ++r)
    if (h.region(r).live && !f.acyclic[r]) f.root[r] = r;

  // open(R) <=> some region of R's subtree has a semantic LRC > 0: mark upwards from each such
  // region, stopping at one already marked (this also terminates on parent cycles).
  f.open.assign(nr, 0);
  f.sbrc.assign(nr, 0);
  for (RegionId r = 1; r < nr; ++r) {
    if (!h.region(r).live || semantic_lrc(r) <= 0) continue;
    for (RegionId x = r; x != kNoRegion && !f.open[x]; x = f.up[x])
      f.open[x] = 1;
  }
  for (RegionId r = 1; r < nr; ++r)
    if (f.open[r] && f.up[r] != kNoRegion) f.sbrc[f.up[r]]++;
}

void Analysis::compute_paths() {
  have_paths_ = true;
  const State &h = heap;
  const ObjectId n = h.object_end();
  pred_.assign(n, kNone);
  via_.assign(n, Source{});
  reached_.assign(n, 0);
  std::vector<ObjectId> queue;
  auto reach = [&](ObjectId o, ObjectId from, const Source &s) {
    if (!h.is_live(o) || reached_[o]) return;
    reached_[o] = 1;
    pred_[o] = from;
    via_[o] = s;
    queue.push_back(o);
  };
  for (uint32_t t = 0; t < world.threads.size(); ++t) {
    const Thread &th = world.threads[t];
    for (uint32_t i = 0; i < th.calls.size(); ++i)
      reach(th.calls[i].frame, kNone, Source{Source::Kind::Activation, kNone, 0, t, i});
    for (uint32_t j = 0; j < th.stack.size(); ++j)
      reach(th.stack[j], kNone, Source{Source::Kind::Stack, kNone, 0, t, j});
  }
  for (size_t q = 0; q < queue.size(); ++q) {
    ObjectId o = queue[q];
    for_each_edge(h, o, [&](const Source &s, ObjectId t) { reach(t, o, s); });
  }
}

std::string Analysis::path(ObjectId o) {
  if (!have_paths_) compute_paths();
  if (!heap.is_live(o) || !reached_[o]) return "<unreachable>";
  std::vector<std::string> parts;
  ObjectId x = o;
  for (; pred_[x] != kNone; x = pred_[x])
    parts.push_back(via_[x].kind == Source::Kind::Proto ? std::string("__proto__")
                                                        : symbol_name(via_[x].field));
  const Source &root = via_[x];
  std::string out = thread_name(root.thread);
  if (root.kind == Source::Kind::Stack)
    out += ".stack[" + std::to_string(root.index) + "]";
  else if (root.index != 0)
    out += "@" + std::to_string(root.index); // a callee's frame
  for (auto it = parts.rbegin(); it != parts.rend(); ++it)
    out += "." + *it;
  return out;
}

std::string Analysis::name(ObjectId o) const {
  if (o == kNone) return "None";
  if (!heap.is_live(o)) return "freed object (id " + std::to_string(o) + ")";
  const Object &ob = heap.obj(o);
  if (ob.kind == ObjectKind::Boolean && heap.is_global(o)) return ob.payload ? "True" : "False";
  if (ob.kind == ObjectKind::Prototype && heap.is_global(o)) {
    static constexpr const char *kProtoNames[] = {"[Frame]",  "[RegionObject]", "[Cown]",
                                                  "[String]", "[Function]",     "[KeyIterator]"};
    if (ob.payload < std::size(kProtoNames)) return kProtoNames[ob.payload];
  }
  std::string kind =
      ob.kind == ObjectKind::Plain ? "object" : std::string(object_kind_name(ob.kind));
  return kind + " #" + std::to_string(ob.serial);
}

std::string Analysis::region_name(RegionId r) const {
  if (!heap.is_live_region(r)) return "dead region (id " + std::to_string(r) + ")";
  return "region #" + std::to_string(heap.region(r).serial);
}

std::string Analysis::where(Location l) const {
  switch (l.kind) {
    case LocationKind::Local:
      return "LOCAL " + std::to_string(l.index);
    case LocationKind::Region:
      return region_name(l.index);
    case LocationKind::Immutable:
      return "IMM";
    case LocationKind::Cown:
      return "COWN";
  }
  return "?";
}

std::string Analysis::name_at(ObjectId o) const {
  if (!heap.is_live(o)) return name(o);
  RegionId r = region_of(o);
  if (r != kNoRegion && heap.region(r).bridge == o)
    return name(o) + " (bridge of " + region_name(r) + ")";
  return name(o) + " in " + where(heap.obj(o).loc);
}

std::string Analysis::thread_name(uint32_t t) {
  return t == 0 ? std::string("main") : "behaviour" + std::to_string(t);
}

std::string Analysis::source_name(const Source &s) const {
  switch (s.kind) {
    case Source::Kind::Field:
      return "field " + symbol_name(s.field) + " of " + name(s.object);
    case Source::Kind::Proto:
      return "the prototype of " + name(s.object);
    case Source::Kind::Stack:
      return "stack slot " + std::to_string(s.index) + " of " + thread_name(s.thread);
    case Source::Kind::Activation:
      return "activation " + std::to_string(s.index) + " of " + thread_name(s.thread);
  }
  return "?";
}

void Reporter::add(Invariant inv, std::string message, std::vector<ObjectId> objects,
                   std::vector<RegionId> regions) {
  ObjectId first = kNone;
  if (!objects.empty())
    first = objects.front();
  else if (!regions.empty() && a_.heap.is_live_region(regions.front()))
    first = a_.heap.region(regions.front()).bridge;
  std::string path = a_.path(first);
  out_.push_back(Violation{inv, std::move(message),
                           Witness{std::move(objects), std::move(regions), std::move(path)}});
}

} // namespace lungfish::checker_detail
