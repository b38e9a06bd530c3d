#include "traces/snapshot.h"

#include "model/cpython_profile.h"

#include <algorithm>
#include <array>
#include <deque>
#include <map>
#include <set>

namespace lungfish::traces {

namespace {

constexpr std::array<std::string_view, 9> kKindNames = {
    "object", "string", "frame", "function", "cown", "iterator", "prototype", "boolean", "none"};

constexpr std::array<std::string_view, static_cast<size_t>(BuiltinProto::Count)> kProtoNames = {
    "[Frame]", "[RegionObject]", "[Cown]", "[String]", "[Function]", "[KeyIterator]"};

static_assert(static_cast<int>(ObjectKind::Boolean) == static_cast<int>(SnapKind::Boolean),
              "SnapKind extends ObjectKind");

std::string obj_key(const State &h, ObjectId o) {
  return "o" + std::to_string(h.obj(o).serial);
}
std::string reg_key(const State &h, RegionId r) {
  return "r" + std::to_string(h.region(r).serial);
}

// A path component: '.' and '\' are escaped so that joined paths stay unambiguous.
void append_component(std::string &path, std::string_view field) {
  path += '.';
  for (char c : field) {
    if (c == '.' || c == '\\') path += '\\';
    path += c;
  }
}

} // namespace

std::string_view snap_kind_name(SnapKind k) {
  return kKindNames[static_cast<size_t>(k)];
}

std::optional<SnapKind> parse_snap_kind(std::string_view s) {
  for (size_t i = 0; i < kKindNames.size(); ++i)
    if (kKindNames[i] == s) return static_cast<SnapKind>(i);
  return std::nullopt;
}

std::string location_text(const SnapLocation &l) {
  switch (l.kind) {
    case LocKind::Local:
      return l.name.empty() ? "local" : "local:" + l.name;
    case LocKind::Region:
      return "region:" + l.name;
    case LocKind::Imm:
      return "imm";
    case LocKind::Cown:
      return "cown";
    case LocKind::Unknown:
      return "unknown";
  }
  return "unknown";
}

std::optional<SnapLocation> parse_location(std::string_view s) {
  if (s == "local") return SnapLocation{LocKind::Local, ""};
  if (s == "imm") return SnapLocation{LocKind::Imm, ""};
  if (s == "cown") return SnapLocation{LocKind::Cown, ""};
  if (s == "unknown") return SnapLocation{LocKind::Unknown, ""};
  if (s.starts_with("local:") && s.size() > 6)
    return SnapLocation{LocKind::Local, std::string(s.substr(6))};
  if (s.starts_with("region:") && s.size() > 7)
    return SnapLocation{LocKind::Region, std::string(s.substr(7))};
  return std::nullopt;
}

const SnapObject *Snapshot::find(std::string_view key) const {
  if (index_.size() != objects.size()) {
    index_.clear();
    for (uint32_t i = 0; i < objects.size(); ++i)
      index_.emplace(objects[i].key, i);
  }
  auto it = index_.find(std::string(key));
  return it == index_.end() ? nullptr : &objects[it->second];
}

const SnapRegion *Snapshot::find_region(std::string_view name) const {
  if (region_index_.size() != regions.size()) {
    region_index_.clear();
    for (uint32_t i = 0; i < regions.size(); ++i)
      region_index_.emplace(regions[i].name, i);
  }
  auto it = region_index_.find(std::string(name));
  return it == region_index_.end() ? nullptr : &regions[it->second];
}

Snapshot snapshot_of(const World &w, uint32_t thread) {
  const State &h = w.heap;
  Snapshot s;
  // Operand-stack slots belong to the frame of the activation that pushed them.
  std::unordered_map<ObjectId, std::vector<ObjectId>> stack_slots;
  for (const Thread &t : w.threads)
    for (size_t i = 0; i < t.calls.size(); ++i) {
      size_t end = i + 1 < t.calls.size() ? t.calls[i + 1].stack_base : t.stack.size();
      auto &slots = stack_slots[t.calls[i].frame];
      for (size_t k = t.calls[i].stack_base; k < end && k < t.stack.size(); ++k)
        slots.push_back(t.stack[k]);
    }
  uint32_t own_local = thread < w.threads.size() ? w.threads[thread].local : 0;
  auto target = [&](ObjectId v) -> std::optional<std::string> {
    if (v == kNone || !h.is_live(v)) return std::nullopt;
    return obj_key(h, v);
  };
  for (ObjectId o = 1; o < h.object_end(); ++o) {
    if (!h.is_live(o)) continue;
    const Object &ob = h.obj(o);
    SnapObject so;
    so.key = obj_key(h, o);
    so.kind = static_cast<SnapKind>(ob.kind); // the enums share their first eight values
    switch (ob.loc.kind) {
      case LocationKind::Local:
        so.loc = {LocKind::Local, ob.loc.index == own_local ? "" : std::to_string(ob.loc.index)};
        break;
      case LocationKind::Region:
        so.loc = {LocKind::Region, reg_key(h, ob.loc.index)};
        break;
      case LocationKind::Immutable:
        so.loc = {LocKind::Imm, ""};
        break;
      case LocationKind::Cown:
        so.loc = {LocKind::Cown, ""};
        break;
    }
    if (ob.proto != kNone) so.fields.push_back({"__proto__", target(ob.proto)});
    for (const Field &f : ob.fields)
      so.fields.push_back({symbol_name(f.name), target(f.value)});
    if (auto it = stack_slots.find(o); it != stack_slots.end())
      for (size_t k = 0; k < it->second.size(); ++k)
        so.fields.push_back({"_stack[" + std::to_string(k) + "]", target(it->second[k])});
    so.rc = ob.rc;
    // A frozen SCC (cpython/pep795) is counted on its representative, as CPython does after a
    // freeze: the references from outside the SCC; a member's own count is not shown.
    if (const FrozenInfo *fi = h.frozen_info_of(o); fi && !fi->members.empty() && fi->rep == o)
      so.rc = scc_count(h, o);
    else if (fi && fi->rep != o && h.frozen_info_of(fi->rep))
      so.rc.reset();
    if (ob.kind == ObjectKind::Cown) so.status = std::string(cown_status_name(ob.status));
    so.is_bridge = h.is_bridge(o);
    so.is_global = h.is_global(o);
    so.frozen = ob.loc.is_immutable();
    switch (ob.kind) {
      case ObjectKind::String:
        so.label = symbol_name(ob.payload);
        break;
      case ObjectKind::Prototype:
        so.label = ob.payload < kProtoNames.size() ? std::string(kProtoNames[ob.payload]) : so.key;
        break;
      case ObjectKind::Boolean:
        so.label = ob.payload ? "True" : "False";
        break;
      default:
        so.label = so.key;
    }
    s.objects.push_back(std::move(so));
  }
  for (RegionId r = 1; r < h.region_end(); ++r) {
    if (!h.is_live_region(r)) continue;
    const Region &rg = h.region(r);
    SnapRegion sr;
    sr.name = reg_key(h, r);
    sr.bridge = target(rg.bridge);
    switch (rg.parent_kind) {
      case ParentKind::None:
        break;
      case ParentKind::Region:
        sr.parent_kind = SnapParentKind::Region;
        sr.parent = reg_key(h, rg.parent);
        break;
      case ParentKind::Cown:
        sr.parent_kind = SnapParentKind::Cown;
        sr.parent = obj_key(h, rg.parent);
        break;
    }
    sr.lrc = rg.lrc;
    sr.sbrc = rg.sbrc;
    sr.dirty = rg.dirty;
    s.regions.push_back(std::move(sr));
  }
  if (thread < w.threads.size() && !w.threads[thread].calls.empty())
    if (auto k = target(w.threads[thread].calls.back().frame)) s.roots.push_back(*k);
  return s;
}

// ---- canonicalisation ----

namespace {

bool excluded(const SnapObject &o, const CompareOptions &opt) {
  return opt.ignore_functions && o.kind == SnapKind::Function;
}

// Breadth-first naming from `start` (already named); fields in name order.
void bfs_names(const Snapshot &s, const CompareOptions &opt, const SnapObject *start,
               std::unordered_map<std::string, std::string> &names) {
  std::deque<const SnapObject *> queue{start};
  std::vector<const SnapField *> order;
  while (!queue.empty()) {
    const SnapObject *u = queue.front();
    queue.pop_front();
    if (u->is_global) continue; // constants: leaves
    order.clear();
    for (const auto &f : u->fields)
      order.push_back(&f);
    std::sort(order.begin(), order.end(),
              [](const SnapField *a, const SnapField *b) { return a->name < b->name; });
    const std::string &base = names.at(u->key);
    for (const SnapField *f : order) {
      if (!f->target) continue;
      const SnapObject *v = s.find(*f->target);
      if (!v || excluded(*v, opt) || names.count(v->key)) continue;
      std::string name = base;
      append_component(name, f->name);
      names.emplace(v->key, std::move(name));
      queue.push_back(v);
    }
  }
}

} // namespace

std::unordered_map<std::string, std::string> canonical_names(const Snapshot &s,
                                                             const CompareOptions &opt) {
  std::unordered_map<std::string, std::string> names;
  for (const auto &o : s.objects)
    if (o.is_global && !excluded(o, opt))
      names.emplace(o.key, "@" + (o.label.empty() ? o.key : o.label));
  if (!s.roots.empty())
    if (const SnapObject *root = s.find(s.roots.front()); root && !names.count(root->key)) {
      names.emplace(root->key, "frame");
      bfs_names(s, opt, root, names);
    }
  if (opt.compare_unreachable) {
    std::vector<const SnapObject *> rest;
    for (const auto &o : s.objects)
      if (!names.count(o.key) && !excluded(o, opt)) rest.push_back(&o);
    std::sort(rest.begin(), rest.end(),
              [](const SnapObject *a, const SnapObject *b) { return a->key < b->key; });
    for (const SnapObject *o : rest)
      if (!names.count(o->key)) {
        names.emplace(o->key, "?" + o->key);
        bfs_names(s, opt, o, names);
      }
  }
  return names;
}

std::string_view diff_kind_name(DiffKind k) {
  static constexpr std::array<std::string_view, 13> kNames = {
      "missing_object", "extra_object", "kind",   "field",    "rc",     "lrc",
      "sbrc",           "dirty",        "status", "location", "parent", "missing_region",
      "extra_region"};
  return kNames[static_cast<size_t>(k)];
}

namespace {

// One side of a comparison, with every key replaced by its canonical name.
struct Canon {
  std::unordered_map<std::string, std::string> names;
  std::map<std::string, const SnapObject *> objects;         // name -> object
  std::unordered_map<std::string, std::string> region_names; // region name -> canonical
  std::map<std::string, const SnapRegion *> regions;         // canonical -> region
  size_t unnamed = 0; // live objects not reached (and not excluded)

  Canon(const Snapshot &s, const CompareOptions &opt) : names(canonical_names(s, opt)) {
    for (const auto &o : s.objects) {
      auto it = names.find(o.key);
      if (it != names.end())
        objects.emplace(it->second, &o);
      else if (!excluded(o, opt) && !o.is_global)
        ++unnamed;
    }
    // A region is named after its bridge, else after its smallest named member.
    std::unordered_map<std::string, std::string> smallest_member;
    for (const auto &[name, o] : objects)
      if (o->loc.kind == LocKind::Region) smallest_member.emplace(o->loc.name, name);
    for (const auto &r : s.regions) {
      std::string canon;
      if (r.bridge && names.count(*r.bridge))
        canon = "{" + names.at(*r.bridge) + "}";
      else if (auto it = smallest_member.find(r.name); it != smallest_member.end())
        canon = "{~" + it->second + "}";
      else
        continue; // nothing of it is reachable
      region_names.emplace(r.name, canon);
      regions.emplace(canon, &r);
    }
  }

  std::string target(const std::optional<std::string> &key) const {
    if (!key) return "None";
    auto it = names.find(*key);
    return it == names.end() ? "<unnamed>" : it->second;
  }
  std::string location(const SnapLocation &l) const {
    if (l.kind != LocKind::Region) return location_text(l);
    auto it = region_names.find(l.name);
    return "region " + (it == region_names.end() ? std::string("<unnamed>") : it->second);
  }
  std::string parent(const SnapRegion &r) const {
    switch (r.parent_kind) {
      case SnapParentKind::None:
        return "none";
      case SnapParentKind::Region: {
        auto it = region_names.find(r.parent);
        return "region " + (it == region_names.end() ? std::string("<unnamed>") : it->second);
      }
      case SnapParentKind::Cown:
        return "cown " + target(r.parent);
    }
    return "none";
  }
  // Fields whose target is an excluded object are hidden on both sides.
  std::map<std::string, std::string> fields(const SnapObject &o, const Snapshot &s,
                                            const CompareOptions &opt) const {
    std::map<std::string, std::string> out;
    for (const auto &f : o.fields) {
      if (f.target)
        if (const SnapObject *t = s.find(*f.target); t && excluded(*t, opt)) continue;
      out.emplace(f.name, target(f.target));
    }
    return out;
  }
};

std::string opt_text(const std::optional<int64_t> &v) {
  return v ? std::to_string(*v) : "";
}

} // namespace

std::vector<Difference> compare_snapshots(const Snapshot &exp, const Snapshot &act,
                                          const CompareOptions &opt) {
  Canon a(exp, opt), b(act, opt);
  std::vector<Difference> out;
  auto add = [&](DiffKind k, const std::string &path, std::string e, std::string x) {
    out.push_back({k, path, std::move(e), std::move(x)});
  };
  for (const auto &[name, eo] : a.objects) {
    if (opt.ignore_globals && eo->is_global) continue;
    auto it = b.objects.find(name);
    if (it == b.objects.end()) {
      add(DiffKind::MissingObject, name, std::string(snap_kind_name(eo->kind)), "");
      continue;
    }
    const SnapObject *ao = it->second;
    if (eo->kind != ao->kind)
      add(DiffKind::Kind, name, std::string(snap_kind_name(eo->kind)),
          std::string(snap_kind_name(ao->kind)));
    if (std::string l1 = a.location(eo->loc), l2 = b.location(ao->loc); l1 != l2)
      add(DiffKind::Location, name, l1, l2);
    bool frame = eo->kind == SnapKind::Frame || ao->kind == SnapKind::Frame;
    if (eo->rc && ao->rc && *eo->rc != *ao->rc && (opt.compare_frame_rc || !frame))
      add(DiffKind::Rc, name, opt_text(eo->rc), opt_text(ao->rc));
    if (eo->status != ao->status)
      add(DiffKind::Status, name, eo->status.value_or(""), ao->status.value_or(""));
    auto fe = a.fields(*eo, exp, opt), fa = b.fields(*ao, act, opt);
    std::set<std::string> keys;
    for (auto &[k, _] : fe)
      keys.insert(k);
    for (auto &[k, _] : fa)
      keys.insert(k);
    for (const auto &k : keys) {
      auto x = fe.find(k), y = fa.find(k);
      std::string ev = x == fe.end() ? "" : x->second, av = y == fa.end() ? "" : y->second;
      if (x == fe.end() || y == fa.end() || ev != av) {
        std::string path = name;
        append_component(path, k);
        add(DiffKind::Field, path, ev, av);
      }
    }
  }
  for (const auto &[name, ao] : b.objects)
    if (!(opt.ignore_globals && ao->is_global) && !a.objects.count(name))
      add(DiffKind::ExtraObject, name, "", std::string(snap_kind_name(ao->kind)));
  if (!opt.compare_unreachable && a.unnamed != b.unnamed)
    add(a.unnamed > b.unnamed ? DiffKind::MissingObject : DiffKind::ExtraObject, "<unreachable>",
        std::to_string(a.unnamed), std::to_string(b.unnamed));

  for (const auto &[name, er] : a.regions) {
    auto it = b.regions.find(name);
    if (it == b.regions.end()) {
      add(DiffKind::MissingRegion, name, er->name, "");
      continue;
    }
    const SnapRegion *ar = it->second;
    if (er->lrc && ar->lrc && *er->lrc != *ar->lrc &&
        !(opt.dirty_lrc_upper_bound && ar->dirty && *ar->lrc > *er->lrc))
      add(DiffKind::Lrc, name, opt_text(er->lrc), opt_text(ar->lrc));
    if (er->sbrc && ar->sbrc && *er->sbrc != *ar->sbrc)
      add(DiffKind::Sbrc, name, opt_text(er->sbrc), opt_text(ar->sbrc));
    if (er->dirty != ar->dirty)
      add(DiffKind::Dirty, name, er->dirty ? "dirty" : "clean", ar->dirty ? "dirty" : "clean");
    if (std::string p1 = a.parent(*er), p2 = b.parent(*ar); p1 != p2)
      add(DiffKind::Parent, name, p1, p2);
  }
  for (const auto &[name, ar] : b.regions)
    if (!a.regions.count(name)) add(DiffKind::ExtraRegion, name, "", ar->name);
  return out;
}

} // namespace lungfish::traces
