// Shared naming helpers, the text listing and the JSON form of a World.
#include "model/render/render.h"
#include "model/render/util.h"

#include <algorithm>
#include <sstream>

namespace lungfish {

namespace render_detail {

std::vector<ObjectId> live_objects_by_serial(const State &h) {
  std::vector<ObjectId> out;
  for (ObjectId o = 1; o < h.object_end(); ++o)
    if (h.is_live(o)) out.push_back(o);
  std::sort(out.begin(), out.end(),
            [&](ObjectId a, ObjectId b) { return h.obj(a).serial < h.obj(b).serial; });
  return out;
}

std::vector<RegionId> live_regions_by_serial(const State &h) {
  std::vector<RegionId> out;
  for (RegionId r = 1; r < h.region_end(); ++r)
    if (h.is_live_region(r)) out.push_back(r);
  std::sort(out.begin(), out.end(),
            [&](RegionId a, RegionId b) { return h.region(a).serial < h.region(b).serial; });
  return out;
}

std::string_view proto_name(BuiltinProto p) {
  switch (p) {
    case BuiltinProto::Frame:
      return "[Frame]";
    case BuiltinProto::RegionObject:
      return "[RegionObject]";
    case BuiltinProto::Cown:
      return "[Cown]";
    case BuiltinProto::String:
      return "[String]";
    case BuiltinProto::Function:
      return "[Function]";
    case BuiltinProto::KeyIterator:
      return "[KeyIterator]";
    case BuiltinProto::Count:
      break;
  }
  return "[?]";
}

std::string location_string(const Location &l) {
  switch (l.kind) {
    case LocationKind::Local:
      return l.index == 0 ? "local" : "local:" + std::to_string(l.index);
    case LocationKind::Region:
      return "region";
    case LocationKind::Immutable:
      return "immutable";
    case LocationKind::Cown:
      return "cown";
  }
  return "?";
}

std::vector<std::pair<std::string, ObjectId>> stack_slots(const World &w, ObjectId frame) {
  std::vector<std::pair<std::string, ObjectId>> out;
  for (const Thread &t : w.threads)
    for (size_t k = 0; k < t.calls.size(); ++k) {
      if (t.calls[k].frame != frame) continue;
      size_t begin = t.calls[k].stack_base;
      size_t end = k + 1 < t.calls.size() ? t.calls[k + 1].stack_base : t.stack.size();
      for (size_t i = begin; i < end && i < t.stack.size(); ++i)
        out.emplace_back("_stack[" + std::to_string(i - begin) + "]", t.stack[i]);
    }
  return out;
}

} // namespace render_detail

using namespace render_detail;

std::string object_name(const State &h, ObjectId o) {
  if (o == kNone) return "None";
  if (!h.is_live(o)) return "<freed>";
  const Object &ob = h.obj(o);
  if (o == h.true_object()) return "True";
  if (o == h.false_object()) return "False";
  if (ob.kind == ObjectKind::Prototype && h.is_global(o))
    return std::string(proto_name(static_cast<BuiltinProto>(ob.payload)));
  return prefixed("#", ob.serial);
}

std::string region_name(const State &h, RegionId r) {
  if (r == kNoRegion) return "none";
  return prefixed("R", h.region(r).serial);
}

namespace {

std::string describe_location(const State &h, const Location &l) {
  switch (l.kind) {
    case LocationKind::Local:
      return l.index == 0 ? "LOCAL" : "LOCAL" + std::to_string(l.index);
    case LocationKind::Region:
      return region_name(h, l.index);
    case LocationKind::Immutable:
      return "IMM";
    case LocationKind::Cown:
      return "COWN";
  }
  return "?";
}

std::string describe_parent(const State &h, const Region &r) {
  switch (r.parent_kind) {
    case ParentKind::None:
      return "none";
    case ParentKind::Region:
      return region_name(h, r.parent);
    case ParentKind::Cown:
      return "cown " + object_name(h, r.parent);
  }
  return "?";
}

// `name=value` pairs of an object's fields (and a user-set prototype), in name order.
void append_fields(std::ostringstream &os, const State &h, ObjectId o, bool skip_parent) {
  const Object &ob = h.obj(o);
  if (ob.proto != kNone && !h.is_global(ob.proto)) os << " __proto__=" << object_name(h, ob.proto);
  for (const Field &f : ob.fields) {
    if (skip_parent && symbol_name(f.name) == "__parent__") continue;
    os << " " << symbol_name(f.name) << "=" << object_name(h, f.value);
  }
}

std::string object_detail(const State &h, ObjectId o) {
  const Object &ob = h.obj(o);
  std::string s(object_kind_name(ob.kind));
  if (ob.kind == ObjectKind::String) s += " \"" + symbol_name(ob.payload) + "\"";
  return s;
}

} // namespace

std::string render_text(const World &w) {
  const State &h = w.heap;
  std::ostringstream os;
  for (size_t t = 0; t < w.threads.size(); ++t) {
    const Thread &th = w.threads[t];
    const char *status = th.status == ThreadStatus::Running   ? "running"
                         : th.status == ThreadStatus::Waiting ? "waiting"
                                                              : "done";
    os << (t == 0 ? "main" : "behaviour " + std::to_string(t)) << " (" << status << ", LOCAL"
       << (th.local == 0 ? "" : std::to_string(th.local)) << ")";
    if (!th.cowns.empty()) {
      os << " holds";
      for (ObjectId c : th.cowns)
        os << " " << object_name(h, c);
    }
    os << "\n";
    for (const Activation &a : th.calls) {
      if (!h.is_live(a.frame)) continue;
      os << "  frame " << object_name(h, a.frame);
      if (a.function != 0)
        os << " (function " << a.function << ", called at line " << a.call_line << ")";
      os << ":";
      append_fields(os, h, a.frame, true);
      os << "\n";
    }
    if (!th.stack.empty()) {
      os << "  stack:";
      for (ObjectId v : th.stack)
        os << " " << object_name(h, v);
      os << "\n";
    }
  }
  os << "objects:\n";
  for (ObjectId o : live_objects_by_serial(h)) {
    const Object &ob = h.obj(o);
    if (h.is_global(o) || ob.kind == ObjectKind::Frame) continue;
    os << "  " << object_name(h, o) << " " << object_detail(h, o) << " in "
       << describe_location(h, ob.loc);
    if (h.is_bridge(o)) os << " (bridge)";
    os << " rc=" << ob.rc;
    if (ob.kind == ObjectKind::Cown) os << " " << cown_status_name(ob.status);
    append_fields(os, h, o, false);
    os << "\n";
  }
  auto regions = live_regions_by_serial(h);
  if (!regions.empty()) os << "regions:\n";
  for (RegionId r : regions) {
    const Region &rg = h.region(r);
    os << "  " << region_name(h, r) << " bridge=" << object_name(h, rg.bridge)
       << " parent=" << describe_parent(h, rg) << " lrc=" << rg.lrc << " sbrc=" << rg.sbrc
       << (h.is_open(r) ? " open" : " closed") << (rg.dirty ? " dirty" : "") << "\n";
  }
  bool header = false;
  for (ObjectId o : live_objects_by_serial(h)) {
    const Object &ob = h.obj(o);
    if (ob.kind != ObjectKind::Cown) continue;
    if (!header) os << "cowns:\n";
    header = true;
    os << "  " << object_name(h, o) << " " << cown_status_name(ob.status);
    append_fields(os, h, o, false);
    os << "\n";
  }
  return os.str();
}

namespace {

nlohmann::json id_or_null(const State &h, ObjectId o) {
  if (o == kNone || !h.is_live(o)) return nullptr;
  return h.obj(o).serial;
}

nlohmann::json location_json(const State &h, const Location &l) {
  if (l.kind == LocationKind::Region) return "region:" + std::to_string(h.region(l.index).serial);
  return location_string(l);
}

} // namespace

nlohmann::json state_to_json(const World &w) {
  const State &h = w.heap;
  nlohmann::json objects = nlohmann::json::array(), regions = nlohmann::json::array(),
                 cowns = nlohmann::json::array(), threads = nlohmann::json::array();
  for (ObjectId o : live_objects_by_serial(h)) {
    const Object &ob = h.obj(o);
    nlohmann::json fields = nlohmann::json::object();
    for (const Field &f : ob.fields)
      fields[symbol_name(f.name)] = id_or_null(h, f.value);
    nlohmann::json j = {{"id", ob.serial},
                        {"kind", object_kind_name(ob.kind)},
                        {"location", location_json(h, ob.loc)},
                        {"fields", std::move(fields)},
                        {"rc", ob.rc},
                        {"proto", id_or_null(h, ob.proto)}};
    if (h.is_global(o)) j["name"] = object_name(h, o);
    if (ob.kind == ObjectKind::String) j["name"] = symbol_name(ob.payload);
    objects.push_back(std::move(j));
    if (ob.kind == ObjectKind::Cown)
      cowns.push_back({{"id", ob.serial}, {"status", cown_status_name(ob.status)}});
  }
  for (RegionId r : live_regions_by_serial(h)) {
    const Region &rg = h.region(r);
    nlohmann::json parent = nullptr;
    if (rg.parent_kind == ParentKind::Region)
      parent = "region:" + std::to_string(h.region(rg.parent).serial);
    else if (rg.parent_kind == ParentKind::Cown && h.is_live(rg.parent))
      parent = "cown:" + std::to_string(h.obj(rg.parent).serial);
    regions.push_back({{"id", rg.serial},
                       {"bridge", id_or_null(h, rg.bridge)},
                       {"parent", parent},
                       {"lrc", rg.lrc},
                       {"sbrc", rg.sbrc},
                       {"dirty", rg.dirty}});
  }
  for (size_t t = 0; t < w.threads.size(); ++t) {
    const Thread &th = w.threads[t];
    nlohmann::json frames = nlohmann::json::array(), stack = nlohmann::json::array();
    for (const Activation &a : th.calls)
      frames.push_back(id_or_null(h, a.frame));
    for (ObjectId v : th.stack)
      stack.push_back(id_or_null(h, v));
    threads.push_back({{"id", t},
                       {"local", th.local},
                       {"status", th.status == ThreadStatus::Running   ? "running"
                                  : th.status == ThreadStatus::Waiting ? "waiting"
                                                                       : "done"},
                       {"frames", std::move(frames)},
                       {"stack", std::move(stack)}});
  }
  return {{"objects", std::move(objects)},
          {"regions", std::move(regions)},
          {"cowns", std::move(cowns)},
          {"threads", std::move(threads)}};
}

} // namespace lungfish
