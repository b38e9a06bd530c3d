#include "traces/formats/native_trace.h"

#include "traces/formats/json_util.h"
#include "traces/formats/line_source.h"

#include <array>
#include <unordered_set>

namespace lungfish::traces {

namespace {

using detail::Json;
using detail::JsonCursor;
using detail::JsonProblem;
using Ordered = nlohmann::ordered_json;

constexpr int64_t kMaxCounter = int64_t{1} << 40;

constexpr std::array<std::string_view, 22> kOpKinds = {
    "new_object",  "new_string", "new_region",    "new_cown", "assign", "load_field",
    "store_field", "move_var",   "move_field",    "drop",     "freeze", "close",
    "is_closed",   "merge",      "dissolve",      "call",     "return", "branch",
    "when",        "builtin",    "set_freezable", "other"};

Snapshot snapshot_from(const JsonCursor &c) {
  c.expect_object({"roots", "objects", "regions"});
  Snapshot s;
  std::vector<std::pair<JsonCursor, std::string>> refs; // (where, key) to check at the end
  std::unordered_set<std::string> keys, region_names;
  auto objects = c.required("objects");
  objects.expect_array();
  s.objects.reserve(objects.size());
  for (size_t i = 0; i < objects.size(); ++i) {
    auto oc = objects.at(i);
    oc.expect_object({"key", "kind", "loc", "fields", "rc", "status", "bridge", "global",
                      "unreachable", "label", "type", "frozen", "refcnt", "scc_rep", "scc_members",
                      "leaf", "freezable"});
    SnapObject o;
    auto kc = oc.required("key");
    o.key = kc.string();
    if (o.key.empty()) kc.fail("empty object key");
    if (!keys.insert(o.key).second) kc.fail("duplicate object key `" + o.key + "`");
    auto kind = oc.required("kind");
    auto k = parse_snap_kind(kind.string());
    if (!k) kind.fail("unknown object kind");
    o.kind = *k;
    auto loc = oc.required("loc");
    auto l = parse_location(loc.string());
    if (!l) loc.fail("malformed location");
    o.loc = *l;
    if (auto fs = oc.member("fields")) {
      fs->expect_array();
      std::unordered_set<std::string> names;
      for (size_t j = 0; j < fs->size(); ++j) {
        auto fc = fs->at(j);
        if (!fc.value().is_array() || fc.size() != 2) fc.fail("a field is [name, target|null]");
        SnapField f;
        f.name = fc.at(0).string();
        if (!names.insert(f.name).second) fc.at(0).fail("duplicate field `" + f.name + "`");
        if (!fc.at(1).is_null()) {
          f.target = fc.at(1).string();
          refs.emplace_back(fc.at(1), *f.target);
        }
        o.fields.push_back(std::move(f));
      }
    }
    if (auto m = oc.member("rc")) o.rc = m->integer(0, kMaxCounter);
    if (auto m = oc.member("status")) {
      o.status = m->string();
      if (*o.status != "Pending" && *o.status != "Released" && *o.status != "Acquired")
        m->fail("unknown cown status");
    }
    o.is_bridge = oc.boolean_or("bridge", false);
    o.is_global = oc.boolean_or("global", false);
    o.unreachable = oc.boolean_or("unreachable", false);
    o.label = oc.string_or("label", "");
    o.type_name = oc.string_or("type", "");
    o.frozen = oc.boolean_or("frozen", false);
    if (auto m = oc.member("refcnt")) o.refcnt = m->integer(0, INT64_MAX);
    if (auto m = oc.member("scc_rep")) o.scc_rep = m->string();
    if (auto m = oc.member("scc_members")) {
      m->expect_array();
      for (size_t j = 0; j < m->size(); ++j)
        o.scc_members.push_back(m->at(j).string());
    }
    o.leaf = oc.string_or("leaf", "");
    if (auto m = oc.member("freezable")) {
      o.freezable = m->string();
      if (o.freezable != "no" && o.freezable != "explicit" && o.freezable != "yes")
        m->fail("freezable is \"yes\", \"no\" or \"explicit\"");
      if (o.freezable == "yes") o.freezable.clear();
    }
    s.objects.push_back(std::move(o));
  }
  if (auto regions = c.member("regions")) {
    regions->expect_array();
    for (size_t i = 0; i < regions->size(); ++i) {
      auto rc = regions->at(i);
      rc.expect_object({"name", "bridge", "parent", "lrc", "sbrc", "dirty"});
      SnapRegion r;
      auto nc = rc.required("name");
      r.name = nc.string();
      if (r.name.empty()) nc.fail("empty region name");
      if (!region_names.insert(r.name).second) nc.fail("duplicate region `" + r.name + "`");
      if (auto b = rc.member("bridge"); b && !b->is_null()) {
        r.bridge = b->string();
        refs.emplace_back(*b, *r.bridge);
      }
      if (auto p = rc.member("parent"); p && !p->is_null()) {
        p->expect_object({"region", "cown"});
        if (p->size() != 1) p->fail("a parent is {\"region\": name} or {\"cown\": key}");
        if (auto pr = p->member("region")) {
          r.parent_kind = SnapParentKind::Region;
          r.parent = pr->string();
        } else {
          auto pc = p->required("cown");
          r.parent_kind = SnapParentKind::Cown;
          r.parent = pc.string();
          refs.emplace_back(pc, r.parent);
        }
      }
      if (auto m = rc.member("lrc")) r.lrc = m->integer(0, kMaxCounter);
      if (auto m = rc.member("sbrc")) r.sbrc = m->integer(0, kMaxCounter);
      r.dirty = rc.boolean_or("dirty", false);
      s.regions.push_back(std::move(r));
    }
    for (size_t i = 0; i < s.regions.size(); ++i)
      if (s.regions[i].parent_kind == SnapParentKind::Region &&
          !region_names.count(s.regions[i].parent))
        regions->at(i).required("parent").required("region").fail("unknown parent region");
  }
  for (size_t i = 0; i < s.objects.size(); ++i)
    if (s.objects[i].loc.kind == LocKind::Region && !region_names.count(s.objects[i].loc.name))
      objects.at(i).required("loc").fail("location names an unknown region");
  if (auto roots = c.member("roots")) {
    roots->expect_array();
    for (size_t i = 0; i < roots->size(); ++i) {
      s.roots.push_back(roots->at(i).string());
      refs.emplace_back(roots->at(i), s.roots.back());
    }
  }
  for (auto &[where, key] : refs)
    if (!keys.count(key)) where.fail("reference to unknown object `" + key + "`");
  return s;
}

std::optional<int64_t> opt_int(const JsonCursor &c, std::string_view k, int64_t lo, int64_t hi) {
  if (auto m = c.member(k)) return m->integer(lo, hi);
  return std::nullopt;
}

} // namespace

bool is_known_op_kind(std::string_view kind) {
  for (auto k : kOpKinds)
    if (k == kind) return true;
  return false;
}

bool is_valid_outcome(std::string_view o) {
  return o == "ok" || o == "abort" || o == "leak" || o == "crash" || parse_error_code(o);
}

bool is_valid_end_outcome(std::string_view o) {
  return is_valid_outcome(o) || o == "violation" || o == "limit";
}

std::string_view trace_event_kind_name(TraceEventKind k) {
  switch (k) {
    case TraceEventKind::Statement:
      return "statement";
    case TraceEventKind::Spawn:
      return "spawn";
    case TraceEventKind::Acquire:
      return "acquire";
    case TraceEventKind::Release:
      return "release";
    case TraceEventKind::End:
      return "end";
  }
  return "?";
}

nlohmann::ordered_json snapshot_to_json(const Snapshot &s) {
  Ordered objs = Ordered::array();
  for (const auto &o : s.objects) {
    Ordered j;
    j["key"] = o.key;
    j["kind"] = snap_kind_name(o.kind);
    j["loc"] = location_text(o.loc);
    Ordered fs = Ordered::array();
    for (const auto &f : o.fields)
      fs.push_back(Ordered::array({f.name, f.target ? Ordered(*f.target) : Ordered(nullptr)}));
    j["fields"] = std::move(fs);
    if (o.rc) j["rc"] = *o.rc;
    if (o.status) j["status"] = *o.status;
    if (o.is_bridge) j["bridge"] = true;
    if (o.is_global) j["global"] = true;
    if (o.unreachable) j["unreachable"] = true;
    if (!o.label.empty()) j["label"] = o.label;
    if (!o.type_name.empty()) j["type"] = o.type_name;
    if (o.frozen) j["frozen"] = true;
    if (o.refcnt) j["refcnt"] = *o.refcnt;
    if (o.scc_rep) j["scc_rep"] = *o.scc_rep;
    if (!o.scc_members.empty()) j["scc_members"] = o.scc_members;
    if (!o.leaf.empty()) j["leaf"] = o.leaf;
    if (!o.freezable.empty()) j["freezable"] = o.freezable;
    objs.push_back(std::move(j));
  }
  Ordered regs = Ordered::array();
  for (const auto &r : s.regions) {
    Ordered j;
    j["name"] = r.name;
    j["bridge"] = r.bridge ? Ordered(*r.bridge) : Ordered(nullptr);
    if (r.parent_kind == SnapParentKind::None)
      j["parent"] = nullptr;
    else
      j["parent"] = {{r.parent_kind == SnapParentKind::Region ? "region" : "cown", r.parent}};
    if (r.lrc) j["lrc"] = *r.lrc;
    if (r.sbrc) j["sbrc"] = *r.sbrc;
    if (r.dirty) j["dirty"] = true;
    regs.push_back(std::move(j));
  }
  Ordered out;
  out["roots"] = s.roots;
  out["objects"] = std::move(objs);
  out["regions"] = std::move(regs);
  return out;
}

Snapshot parse_snapshot_json(std::string_view text, const std::string &file, uint32_t line) {
  Json doc = detail::parse_json(text, file, line);
  try {
    return snapshot_from(JsonCursor(doc, {}));
  } catch (const JsonProblem &p) {
    throw detail::located_error(file, text, line, p);
  }
}

struct NativeTraceReader::Impl {
  detail::LineSource src;
  TraceHeader header;
  uint64_t last_step = 0;
  uint32_t line = 0;

  explicit Impl(const std::string &path) : src(path) { read_header(); }
  Impl(std::istream &in, const std::string &file) : src(in, file) { read_header(); }

  // Parses the current line as a JSON object; `what` runs the conversion.
  template <class F> void parse_line(std::string_view l, F &&what) {
    line = src.lineno();
    if (l.empty()) throw InputError(src.file(), line, 1, "empty line");
    Json doc = detail::parse_json(l, src.file(), line);
    try {
      JsonCursor c(doc, {});
      if (!doc.is_object()) c.fail("each line must be a JSON object");
      what(c);
    } catch (const JsonProblem &p) {
      throw detail::located_error(src.file(), l, line, p);
    }
  }

  void read_header() {
    std::string_view l;
    if (!src.next(l)) throw InputError(src.file(), 1, 1, "empty trace: missing the header line");
    parse_line(l, [&](const JsonCursor &c) {
      auto v = c.member("lungfish_trace");
      if (!v) c.fail("missing `lungfish_trace` version: not a lungfish trace header");
      if (v->integer(INT64_MIN, INT64_MAX) != 1) v->fail("unsupported trace version");
      c.expect_object({"lungfish_trace", "runtime", "profile", "program"});
      header.runtime = c.required("runtime").string();
      auto p = c.required("profile");
      header.profile = p.string();
      if (!parse_profile(header.profile)) p.fail("unknown profile `" + header.profile + "`");
      if (auto prog = c.member("program")) {
        if (!prog->value().is_object()) prog->fail("`program` must be an object");
        prog->expect_object({"file", "text"});
        header.program_file = prog->string_or("file", "");
        if (auto t = prog->member("text")) header.program_text = t->string();
      }
    });
  }

  bool next(TraceEvent &out) {
    std::string_view l;
    if (!src.next(l)) return false;
    parse_line(l, [&](const JsonCursor &c) {
      c.expect_object({"step", "event", "thread", "behaviour", "cowns", "captures", "line", "stmt",
                       "message", "op", "outcome", "detail", "snapshot"});
      out = TraceEvent{};
      auto st = c.required("step");
      out.step = static_cast<uint64_t>(st.integer(1, INT64_MAX));
      if (out.step <= last_step) st.fail("steps must increase");
      if (auto ev = c.member("event")) {
        std::string k = ev->string();
        if (k == "statement")
          out.event = TraceEventKind::Statement;
        else if (k == "spawn")
          out.event = TraceEventKind::Spawn;
        else if (k == "acquire")
          out.event = TraceEventKind::Acquire;
        else if (k == "release")
          out.event = TraceEventKind::Release;
        else if (k == "end")
          out.event = TraceEventKind::End;
        else
          ev->fail("unknown event `" + k + "`");
      }
      out.thread = static_cast<uint32_t>(opt_int(c, "thread", 0, UINT32_MAX).value_or(0));
      bool of_behaviour = out.event == TraceEventKind::Spawn ||
                          out.event == TraceEventKind::Acquire ||
                          out.event == TraceEventKind::Release;
      if (auto b = c.member("behaviour")) {
        if (!of_behaviour) b->fail("`behaviour` belongs to spawn, acquire and release events");
        out.behaviour = static_cast<uint32_t>(b->integer(1, UINT32_MAX));
      } else if (of_behaviour) {
        c.fail("`" + std::string(trace_event_kind_name(out.event)) + "` event without `behaviour`");
      }
      for (const char *name : {"cowns", "captures"})
        if (auto a = c.member(name)) {
          if (out.event != TraceEventKind::Spawn)
            a->fail("only a spawn event names its " + std::string(name));
          if (!a->value().is_array()) a->fail(std::string("`") + name + "` must be an array");
          auto &dst = std::string(name) == "cowns" ? out.cowns : out.captures;
          for (size_t k = 0; k < a->value().size(); ++k)
            dst.push_back(a->at(k).string());
        }
      out.line = static_cast<uint32_t>(opt_int(c, "line", 0, UINT32_MAX).value_or(0));
      out.stmt = c.string_or("stmt", "");
      out.message = c.string_or("message", "");
      if (auto op = c.member("op")) {
        if (!op->value().is_object()) op->fail("`op` must be an object");
        auto kind = op->member("kind");
        if (!kind) op->fail("`op` without a `kind`");
        if (!is_known_op_kind(kind->string())) kind->fail("unknown op kind");
        out.op = op->value();
      }
      if (out.event == TraceEventKind::Statement || out.event == TraceEventKind::End) {
        auto oc = c.required("outcome");
        out.outcome = oc.string();
        bool valid = out.event == TraceEventKind::End ? is_valid_end_outcome(out.outcome)
                                                      : is_valid_outcome(out.outcome);
        if (!valid) oc.fail("unknown outcome `" + out.outcome + "`");
      } else if (auto oc = c.member("outcome")) {
        out.outcome = oc->string();
        if (out.outcome != "ok") oc->fail("a behaviour event's outcome can only be `ok`");
      }
      out.detail = c.string_or("detail", "");
      if (auto sn = c.member("snapshot")) out.snapshot = snapshot_from(*sn);
      last_step = out.step;
    });
    return true;
  }
};

NativeTraceReader::NativeTraceReader(const std::string &path)
    : impl_(std::make_unique<Impl>(path)) {}
NativeTraceReader::NativeTraceReader(std::istream &in, const std::string &file)
    : impl_(std::make_unique<Impl>(in, file)) {}
NativeTraceReader::~NativeTraceReader() = default;
const TraceHeader &NativeTraceReader::header() const {
  return impl_->header;
}
bool NativeTraceReader::next(TraceEvent &out) {
  return impl_->next(out);
}
uint32_t NativeTraceReader::line() const {
  return impl_->line;
}

NativeTraceWriter::NativeTraceWriter(std::ostream &out, const TraceHeader &h) : out_(out) {
  Ordered j;
  j["lungfish_trace"] = h.version;
  j["runtime"] = h.runtime;
  j["profile"] = h.profile;
  if (!h.program_file.empty() || h.program_text) {
    Ordered p;
    if (!h.program_file.empty()) p["file"] = h.program_file;
    if (h.program_text) p["text"] = *h.program_text;
    j["program"] = std::move(p);
  }
  out_ << j.dump(-1, ' ', false, Ordered::error_handler_t::replace) << '\n';
}

void NativeTraceWriter::write(const TraceEvent &e) {
  Ordered j;
  j["step"] = e.step;
  if (e.event != TraceEventKind::Statement) j["event"] = trace_event_kind_name(e.event);
  if (e.thread) j["thread"] = e.thread;
  if (e.behaviour) j["behaviour"] = e.behaviour;
  if (e.event == TraceEventKind::Spawn) {
    j["cowns"] = e.cowns;
    j["captures"] = e.captures;
  }
  if (e.line) j["line"] = e.line;
  if (e.event == TraceEventKind::Statement || !e.stmt.empty()) j["stmt"] = e.stmt;
  if (e.event == TraceEventKind::Statement || !e.message.empty()) j["message"] = e.message;
  if (e.op) j["op"] = Ordered::parse(e.op->dump());
  j["outcome"] = e.outcome;
  if (!e.detail.empty()) j["detail"] = e.detail;
  if (e.snapshot) j["snapshot"] = snapshot_to_json(*e.snapshot);
  out_ << j.dump(-1, ' ', false, Ordered::error_handler_t::replace) << '\n';
}

} // namespace lungfish::traces
