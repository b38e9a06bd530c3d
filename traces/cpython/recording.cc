#include "traces/cpython/recording.h"

#include "traces/formats/json_util.h"

#include <fstream>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace lungfish::traces {

namespace {

using detail::Json;
using detail::JsonCursor;
using detail::JsonProblem;

constexpr std::string_view kFormat = "pyrona-heap-trace/v1";
constexpr std::string_view kGlobalsKey = "<globals>";

SnapKind kind_of_type(std::string_view t) {
  if (t == "str") return SnapKind::String;
  if (t == "bool") return SnapKind::Boolean;
  if (t == "NoneType") return SnapKind::None;
  if (t == "type") return SnapKind::Prototype;
  if (t == "frame") return SnapKind::Frame;
  if (t == "function" || t == "builtin_function_or_method" || t == "method" ||
      t == "method_descriptor" || t == "wrapper_descriptor" || t == "method-wrapper")
    return SnapKind::Function;
  return SnapKind::Object;
}

bool direct_reference(const std::string &kind, const std::string &field) {
  // Items, keys, set elements, attributes, cell contents, a function's own slots, a bound
  // method's and an object's class are references the node holds itself; class attributes and
  // bases go through the class's dict and tuples.
  return kind == "item" || kind == "key" || kind == "elem" || kind == "attr" || kind == "cell" ||
         kind == "func" || kind == "method" || field == "__class__";
}

Snapshot snapshot_from(const JsonCursor &c,
                       std::unordered_map<std::string, CpythonNodeExtra> &extra) {
  if (!c.value().is_object()) c.fail("a snapshot must be an object");
  Snapshot s;
  auto nodes = c.required("nodes");
  nodes.expect_array();
  if (auto t = c.member("truncated")) t->boolean();
  // Pass 1: ids, so that edges may point forwards.
  std::unordered_map<std::string, size_t> ids; // id -> node index
  std::unordered_set<std::string> none_ids;
  for (size_t i = 0; i < nodes.size(); ++i) {
    auto n = nodes.at(i);
    if (!n.value().is_object()) n.fail("a node must be an object");
    auto idc = n.required("id");
    std::string id = idc.string();
    if (id.empty() || id == kGlobalsKey) idc.fail("bad node id");
    if (!ids.emplace(id, i).second) idc.fail("duplicate node id `" + id + "`");
    if (n.required("type").string() == "NoneType") none_ids.insert(id);
  }
  auto target = [&](const JsonCursor &t) -> std::optional<std::string> {
    if (t.is_null()) return std::nullopt;
    std::string k = t.string();
    if (!ids.count(k)) t.fail("reference to unknown node `" + k + "`");
    if (none_ids.count(k)) return std::nullopt;
    return k;
  };
  SnapObject frame;
  frame.key = kGlobalsKey;
  frame.kind = SnapKind::Frame;
  frame.label = "<globals>";
  auto roots = c.required("roots");
  roots.expect_array();
  std::unordered_set<std::string> root_names;
  for (size_t i = 0; i < roots.size(); ++i) {
    auto r = roots.at(i);
    auto name = r.required("name");
    std::string nm = name.string();
    if (!root_names.insert(nm).second) name.fail("duplicate root `" + nm + "`");
    frame.fields.push_back({nm, target(r.required("target"))});
  }
  s.objects.push_back(std::move(frame));
  s.roots.push_back(std::string(kGlobalsKey));
  for (size_t i = 0; i < nodes.size(); ++i) {
    auto n = nodes.at(i);
    SnapObject o;
    o.key = n.required("id").string();
    if (none_ids.count(o.key)) continue;
    o.type_name = n.required("type").string();
    o.kind = kind_of_type(o.type_name);
    o.label = n.string_or("repr", "");
    o.frozen = n.required("frozen").boolean();
    o.loc = {o.frozen ? LocKind::Imm : LocKind::Local, ""};
    o.is_global = n.boolean_or("immortal", false);
    if (auto m = n.member("refcnt_field")) o.refcnt = m->integer(INT64_MIN, INT64_MAX);
    if (auto m = n.member("scc_rep"); m && !m->is_null()) o.scc_rep = m->string();
    if (auto m = n.member("scc_members"); m && !m->is_null()) {
      m->expect_array();
      for (size_t j = 0; j < m->size(); ++j)
        o.scc_members.push_back(m->at(j).string());
    }
    o.leaf = n.string_or("leaf", "");
    CpythonNodeExtra &x = extra[o.key];
    if (auto m = n.member("get_freezable"); m && !m->is_null())
      x.freezable = m->value().is_string() ? m->string() : m->value().dump();
    x.dict_materialised = n.boolean_or("dict_materialised", false);
    if (auto m = n.member("gc_referents"); m && !m->is_null()) {
      m->expect_array();
      for (size_t j = 0; j < m->size(); ++j)
        x.referents.push_back(m->at(j).string());
    }
    auto edges = n.required("edges");
    edges.expect_array();
    std::unordered_set<std::string> names;
    size_t inline_count = 0;
    for (size_t j = 0; j < edges.size(); ++j) {
      auto e = edges.at(j);
      if (!e.value().is_object()) e.fail("an edge must be an object");
      auto fc = e.required("field");
      std::string name = fc.string();
      std::string kind = e.required("kind").string();
      if (auto t = target(e.required("target")); t && direct_reference(kind, name))
        x.direct_edges.push_back(*t);
      if (name == "?inline") name = "?inline#" + std::to_string(inline_count++);
      if (!names.insert(name).second) fc.fail("duplicate field `" + name + "`");
      o.fields.push_back({std::move(name), target(e.required("target"))});
    }
    s.objects.push_back(std::move(o));
  }
  return s;
}

CpythonStep step_from(const JsonCursor &c, size_t position) {
  if (!c.value().is_object()) c.fail("a step must be an object");
  CpythonStep st;
  auto idx = c.required("index");
  st.index = static_cast<uint32_t>(idx.integer(0, UINT32_MAX));
  if (st.index != position) idx.fail("step index out of sequence");
  st.op = c.required("op").string();
  auto oc = c.required("outcome");
  std::string outcome = oc.string();
  if (outcome != "ok" && outcome != "error") oc.fail("outcome must be \"ok\" or \"error\"");
  st.ok = outcome == "ok";
  if (!st.ok) {
    auto e = c.required("error");
    if (!e.value().is_object()) e.fail("`error` must be an object");
    st.error_type = e.required("type").string();
    if (st.error_type.empty()) e.required("type").fail("empty error type");
    st.error_message = e.string_or("message", "");
  } else if (auto e = c.member("error"); e && !e->is_null()) {
    e->fail("`error` on a step whose outcome is ok");
  }
  if (auto p = c.member("printed"); p && !p->is_null())
    st.printed = p->value().is_string() ? p->string() : p->value().dump();
  if (auto d = c.member("duration_us"); d && !d->value().is_number()) d->fail("expected a number");
  if (auto b = c.member("snapshot_before"); b && !b->is_null())
    st.before = snapshot_from(*b, st.before_extra);
  if (auto a = c.member("snapshot_after"); a && !a->is_null())
    st.after = snapshot_from(*a, st.after_extra);
  return st;
}

} // namespace

CpythonRecording parse_cpython_recording(std::string_view text, const std::string &file) {
  Json doc = detail::parse_json(text, file, 1);
  try {
    JsonCursor c(doc, {});
    if (!doc.is_object()) c.fail("a recording must be a JSON object");
    auto f = c.required("format");
    if (f.string() != kFormat)
      f.fail("unsupported format (expected `" + std::string(kFormat) + "`)");
    CpythonRecording r;
    r.program = c.required("program").string();
    r.description = c.string_or("description", "");
    auto steps = c.required("steps");
    steps.expect_array();
    for (size_t i = 0; i < steps.size(); ++i)
      r.steps.push_back(step_from(steps.at(i), i));
    return r;
  } catch (const JsonProblem &p) {
    throw detail::located_error(file, text, 1, p);
  }
}

CpythonRecording read_cpython_recording(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, 0, "cannot open file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_cpython_recording(ss.str(), path);
}

} // namespace lungfish::traces
