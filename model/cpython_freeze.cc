// freeze(a, b, ...) under the cpython and pep795 profiles (docs/semantics.md 7), and the collection
// of frozen SCCs. The walk, region ending and relocation are the common deep freeze of freeze.cc,
// run once per root after every check has passed, so a rejected freeze changes no flag.
#include "model/cpython_profile.h"
#include "model/machine_impl.h"

#include <algorithm>

namespace lungfish {

namespace {

template <class F> void each_edge(const Object &o, F &&f) {
  if (o.proto != kNone) f(o.proto);
  for (const Field &fl : o.fields)
    if (fl.value != kNone) f(fl.value);
}

} // namespace

std::vector<std::vector<ObjectId>> frozen_sccs(const State &h, const std::vector<ObjectId> &set) {
  constexpr uint32_t kUnvisited = UINT32_MAX;
  std::vector<uint32_t> index(h.object_end(), kUnvisited), low(h.object_end(), 0);
  std::vector<char> in_set(h.object_end(), 0), on_stack(h.object_end(), 0);
  for (ObjectId o : set)
    in_set[o] = 1;
  std::vector<std::vector<ObjectId>> out;
  std::vector<ObjectId> stack;
  // Explicit DFS frames: the object and how many of its edges were looked at.
  struct Frame {
    ObjectId o;
    std::vector<ObjectId> edges;
    size_t next = 0;
  };
  uint32_t counter = 0;
  for (ObjectId start : set) {
    if (index[start] != kUnvisited) continue;
    std::vector<Frame> dfs;
    auto open = [&](ObjectId o) {
      index[o] = low[o] = counter++;
      stack.push_back(o);
      on_stack[o] = 1;
      Frame f{o, {}, 0};
      each_edge(h.obj(o), [&](ObjectId t) {
        if (t < in_set.size() && in_set[t]) f.edges.push_back(t);
      });
      dfs.push_back(std::move(f));
    };
    open(start);
    while (!dfs.empty()) {
      Frame &f = dfs.back();
      if (f.next < f.edges.size()) {
        ObjectId t = f.edges[f.next++];
        if (index[t] == kUnvisited)
          open(t);
        else if (on_stack[t])
          low[f.o] = std::min(low[f.o], index[t]);
        continue;
      }
      ObjectId o = f.o;
      dfs.pop_back();
      if (!dfs.empty()) low[dfs.back().o] = std::min(low[dfs.back().o], low[o]);
      if (low[o] != index[o]) continue;
      std::vector<ObjectId> scc;
      ObjectId x;
      do {
        x = stack.back();
        stack.pop_back();
        on_stack[x] = 0;
        scc.push_back(x);
      } while (x != o);
      std::reverse(scc.begin(), scc.end()); // the SCC's root (met first) comes first
      out.push_back(std::move(scc));
    }
  }
  return out;
}

void cpython_freeze(Machine::Impl &im, uint32_t argc) {
  State &h = im.h;
  std::vector<ObjectId> roots;
  for (uint32_t i = argc; i-- > 0;)
    roots.push_back(im.peek(i));
  // The set to freeze: everything mutable reachable from any root (classes through __proto__).
  std::vector<char> seen(h.object_end(), 0), is_root(h.object_end(), 0);
  std::vector<ObjectId> set, work;
  for (ObjectId r : roots) {
    if (h.is_frozen_or_none(r) || im.is_cown(r)) continue;
    im.check_live(r);
    is_root[r] = 1;
    if (!seen[r]) {
      seen[r] = 1;
      work.push_back(r);
    }
  }
  while (!work.empty()) {
    ObjectId o = work.back();
    work.pop_back();
    set.push_back(o);
    each_edge(h.obj(o), [&](ObjectId t) {
      if (seen[t] || h.is_frozen_or_none(t) || im.is_cown(t) || !h.obj(t).live) return;
      seen[t] = 1;
      work.push_back(t);
    });
  }
  // All-or-nothing: every check runs before any flag changes.
  for (ObjectId o : set) {
    Freezability f = h.obj(o).freezable;
    if (f == Freezability::No)
      im.check_failed(RuleId::FreezeNotFreezable,
                      "Cannot freeze " + im.m.describe(o) + ": its freezability is no", {o});
    else if (f == Freezability::Explicit && !is_root[o])
      im.check_failed(RuleId::FreezeNotFreezable,
                      "Cannot freeze " + im.m.describe(o) +
                          ": it is freezable only explicitly, as a root of freeze(...)",
                      {o});
  }
  if (im.m.options().profile == Profile::Pep795) {
    // Self-contained: every reference to a non-root comes from inside the set.
    std::vector<uint32_t> inside(h.object_end(), 0);
    for (ObjectId o : set)
      each_edge(h.obj(o), [&](ObjectId t) {
        if (seen[t]) inside[t]++;
      });
    for (ObjectId o : set)
      if (!is_root[o] && h.obj(o).rc > inside[o])
        im.reject(RuleId::FreezeNotSelfContained,
                  "Cannot freeze: " + im.m.describe(o) +
                      " is referenced from outside the graph other than through its roots",
                  {o});
  }
  for (ObjectId r : roots)
    im.freeze(r);

  // One representative per SCC of the newly frozen set, counting references from outside it.
  if (h.frozen_info.size() < h.object_end()) h.frozen_info.resize(h.object_end());
  std::vector<ObjectId> frozen;
  for (ObjectId o : set)
    if (h.is_live(o) && h.obj(o).loc.is_immutable()) frozen.push_back(o);
  for (std::vector<ObjectId> &scc : frozen_sccs(h, frozen)) {
    ObjectId rep = scc.front();
    std::vector<char> member(h.object_end(), 0);
    for (ObjectId o : scc)
      member[o] = 1;
    uint32_t internal = 0;
    for (ObjectId o : scc) {
      each_edge(h.obj(o), [&](ObjectId t) { internal += member[t]; });
      h.frozen_info[o] = FrozenInfo{h.obj(o).serial, rep, is_root[o] != 0, 0, {}};
    }
    h.frozen_info[rep].internal = internal;
    if (internal > 0) h.cyclic_reps.push_back(rep); // only a cycle can keep an SCC alive
    h.frozen_info[rep].members = std::move(scc);
  }
  for (uint32_t i = 0; i < argc; ++i)
    im.pop_release();
}

int64_t scc_count(const State &h, ObjectId rep) {
  const FrozenInfo *info = h.frozen_info_of(rep);
  if (!info || info->rep != rep) return 0;
  int64_t sum = 0;
  for (ObjectId m : info->members)
    if (h.is_live(m)) sum += h.obj(m).rc;
  return sum - static_cast<int64_t>(info->internal);
}

void collect_frozen_sccs(Machine::Impl &im) {
  State &h = im.h;
  bool again = true;
  while (again) { // freeing one SCC may drop the last reference to another
    again = false;
    size_t keep = 0;
    std::vector<ObjectId> dead;
    for (ObjectId rep : h.cyclic_reps) {
      const FrozenInfo *info = h.frozen_info_of(rep);
      if (!info || info->rep != rep) continue;
      if (scc_count(h, rep) > 0)
        h.cyclic_reps[keep++] = rep;
      else
        dead.push_back(rep);
    }
    h.cyclic_reps.resize(keep);
    for (ObjectId rep : dead) {
      std::vector<ObjectId> members = h.frozen_info[rep].members;
      std::vector<char> dying(h.object_end(), 0);
      for (ObjectId o : members)
        dying[o] = h.is_live(o);
      std::vector<ObjectId> outside;
      for (ObjectId o : members) {
        if (!dying[o]) continue;
        im.history(o, "freed with its SCC");
        Object &ob = h.obj(o);
        std::vector<ObjectId> edges;
        each_edge(ob, [&](ObjectId t) { edges.push_back(t); });
        ob.fields.clear();
        ob.proto = kNone;
        for (ObjectId t : edges) {
          if (t < dying.size() && dying[t])
            h.obj(t).rc--;
          else
            outside.push_back(t);
        }
      }
      for (ObjectId o : members) {
        if (!dying[o]) continue;
        if (h.obj(o).rc == 0)
          h.free_object(o);
        else { // a count that undercounted: the object dies referenced (I16 reports the uses)
          h.kill_object(o);
          im.set_dangling("line " + std::to_string(im.line()) + ": object #" +
                          std::to_string(h.obj(o).serial) +
                          " was freed with its SCC while still referenced");
        }
      }
      for (ObjectId t : outside)
        im.dec_ref(t, Location::immutable());
      again = true;
    }
  }
}

} // namespace lungfish
