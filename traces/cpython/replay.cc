#include "traces/cpython/replay.h"

#include "model/text/python_subset.h"
#include "traces/cpython/checks.h"
#include "traces/cpython/steps.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <unordered_map>

namespace lungfish::traces {

namespace {

bool is_scalar_type(const std::string &t) {
  return t == "int" || t == "str" || t == "bool" || t == "float" || t == "NoneType" ||
         t == "bytes" || t == "complex";
}

/// A literal value of the model (None): a scalar or a tuple of literals.
bool is_literal(const Snapshot &s, const std::string &key, int depth = 0) {
  const SnapObject *o = s.find(key);
  if (!o || depth > 16) return false;
  if (is_scalar_type(o->type_name)) return true;
  if (o->type_name != "tuple") return false;
  return std::all_of(o->fields.begin(), o->fields.end(), [&](const SnapField &f) {
    return !f.target || is_literal(s, *f.target, depth + 1);
  });
}

std::string field_name(const std::string &n) {
  if (n == "__class__") return "__proto__";
  if (n.size() >= 2 && n.front() == '[' && n.back() == ']') {
    std::string inner = n.substr(1, n.size() - 2);
    if (inner.size() >= 2 && (inner.front() == '\'' || inner.front() == '"') &&
        inner.back() == inner.front())
      return inner.substr(1, inner.size() - 2);
    return inner;
  }
  return n;
}

} // namespace

Snapshot with_instance_dicts(Snapshot s,
                             const std::unordered_map<std::string, CpythonNodeExtra> &extra) {
  std::vector<SnapObject> dicts;
  for (SnapObject &o : s.objects) {
    auto x = extra.find(o.key);
    if (x == extra.end() || !x->second.dict_materialised || o.kind == SnapKind::Frame ||
        std::any_of(o.fields.begin(), o.fields.end(),
                    [](const SnapField &f) { return f.name == "__dict__"; }))
      continue;
    SnapObject d;
    d.key = o.key + ".__dict__";
    d.loc = o.loc;
    d.frozen = o.frozen;
    d.type_name = "dict";
    d.label = d.key;
    o.fields.push_back({"__dict__", d.key});
    dicts.push_back(std::move(d));
  }
  if (dicts.empty()) return s;
  for (SnapObject &d : dicts)
    s.objects.push_back(std::move(d));
  s.reindex();
  return s;
}

Snapshot normalise_cpython_snapshot(const Snapshot &s, const Snapshot *before) {
  std::vector<const Snapshot *> hints;
  if (before) hints.push_back(before);
  return normalise_cpython_snapshot(s, hints);
}

Snapshot normalise_cpython_snapshot(const Snapshot &s, const std::vector<const Snapshot *> &hints) {
  Snapshot out;
  out.roots = s.roots;
  out.regions = s.regions;
  for (const SnapObject &o : s.objects) {
    if (o.kind != SnapKind::Frame && is_literal(s, o.key)) continue;
    SnapObject n = o;
    n.rc.reset();
    n.fields.clear();
    if (o.type_name == "type") {
      n.kind = SnapKind::Object; // the model's class is `C = {}`
      out.objects.push_back(std::move(n));
      continue;
    }
    std::set<std::string> used;
    for (const SnapField &f : o.fields)
      if (f.name.rfind("?inline#", 0) != 0) used.insert(field_name(f.name));
    for (const SnapField &f : o.fields) {
      SnapField m{field_name(f.name), f.target};
      if (m.target && is_literal(s, *m.target)) m.target.reset();
      // An unnamed inline value is matched by its target: the field of the same object (same
      // address and type) that holds that target in the nearest snapshot that names it.
      if (f.name.rfind("?inline#", 0) == 0 && f.target)
        for (const Snapshot *h : hints) {
          const SnapObject *b = h->find(o.key);
          if (!b || b->type_name != o.type_name) continue;
          auto named = std::find_if(b->fields.begin(), b->fields.end(), [&](const SnapField &bf) {
            return bf.target == f.target && bf.name.rfind("?inline", 0) != 0 &&
                   !used.count(field_name(bf.name));
          });
          if (named == b->fields.end()) continue;
          m.name = field_name(named->name);
          used.insert(m.name);
          break;
        }
      n.fields.push_back(std::move(m));
    }
    out.objects.push_back(std::move(n));
  }
  // Keep what the program reaches: objects only behind a class's attributes are not modelled.
  std::set<std::string> seen;
  std::vector<std::string> todo(out.roots.begin(), out.roots.end());
  while (!todo.empty()) {
    std::string k = todo.back();
    todo.pop_back();
    if (!seen.insert(k).second) continue;
    if (const SnapObject *o = out.find(k))
      for (const SnapField &f : o->fields)
        if (f.target) todo.push_back(*f.target);
  }
  std::erase_if(out.objects, [&](const SnapObject &o) { return !seen.count(o.key); });
  for (SnapObject &o : out.objects)
    if (o.kind != SnapKind::Frame && o.kind != SnapKind::String) o.kind = SnapKind::Object;
  out.reindex();
  return out;
}

std::string cpython_error_code(const std::string &exception_type, const std::string &op) {
  bool freeze = op.find("freeze(") != std::string::npos;
  if (exception_type == "TypeError") return freeze ? "E_NOT_FREEZABLE" : "E_IMMUTABLE";
  return freeze ? "E_HOOK" : "";
}

namespace {} // namespace

CpythonRecordingSource::CpythonRecordingSource(const CpythonRecording &r, const std::string &file) {
  PythonStepMapper mapper(file);
  uint32_t line = 1, event = 0;
  for (const CpythonStep &st : r.steps) {
    uint32_t lines = static_cast<uint32_t>(std::count(st.op.begin(), st.op.end(), '\n')) + 1;
    uint32_t first = line;
    line += lines;
    const Snapshot *before = st.before ? &*st.before : nullptr;
    std::optional<Snapshot> snap;
    if (st.after) {
      std::vector<const Snapshot *> hints; // for unnamed inline values: the nearest snapshots
      bool unnamed = std::any_of(st.after->objects.begin(), st.after->objects.end(), [](auto &o) {
        return std::any_of(o.fields.begin(), o.fields.end(),
                           [](auto &f) { return f.name.rfind("?inline#", 0) == 0; });
      });
      if (unnamed) {
        if (before) hints.push_back(before);
        size_t i = &st - r.steps.data();
        for (size_t d = 1; d < r.steps.size(); ++d)
          for (size_t j : {i + d, i - d})
            if (j < r.steps.size() && r.steps[j].after) hints.push_back(&*r.steps[j].after);
      }
      snap = with_instance_dicts(normalise_cpython_snapshot(*st.after, hints), st.after_extra);
    }
    std::optional<Snapshot> shown_before;
    if (before) shown_before = with_instance_dicts(*before, st.before_extra);
    PythonStepMapper::Mapped mapped = mapper.map(st.op, shown_before ? &*shown_before : nullptr);
    std::string outcome = st.ok ? "ok" : cpython_error_code(st.error_type, st.op);
    if (outcome.empty()) outcome = "E_" + st.error_type;
    if (!mapped.opaque.empty()) {
      RecordedStep m;
      m.index = ++event;
      m.line = first;
      m.stmt = st.op;
      m.message = "Line " + std::to_string(first) + ": " + st.op.substr(0, st.op.find('\n'));
      m.outcome = outcome;
      m.snapshot = snap;
      m.opaque = mapped.opaque;
      opaque_.push_back({m.index, st.index, st.op, st.ok ? "ok" : st.error_type, mapped.opaque});
      step_events_.push_back({m.index, first});
      steps_.push_back(std::move(m));
      restore_freezability(st, snap, first, event);
      continue;
    }
    std::vector<std::string> &texts = mapped.stmts;
    if (texts.empty()) texts.push_back("pass()");
    for (size_t k = 0; k < texts.size(); ++k) {
      RecordedStep m;
      m.index = ++event;
      m.line = first;
      m.stmt = texts[k];
      m.message = "Line " + std::to_string(first) + ": " + texts[k];
      if (k + 1 == texts.size()) {
        m.outcome = outcome;
        m.snapshot = snap;
        step_events_.push_back({m.index, first});
      }
      steps_.push_back(std::move(m));
    }
    if (!st.ok) restore_freezability(st, snap, first, event);
  }
}

void CpythonRecordingSource::restore_freezability(const CpythonStep &st,
                                                  const std::optional<Snapshot> &snap,
                                                  uint32_t line, uint32_t &event) {
  // After this step replay adopts the runtime's snapshot, which carries no freezability: set
  // again the NO / EXPLICIT of every mutable object the program reaches (a path from a global).
  if (!snap || snap->roots.empty()) return;
  std::map<std::string, std::string> path; // node id -> access path
  std::vector<std::string> order;
  if (const SnapObject *g = snap->find(snap->roots[0]))
    for (const SnapField &f : g->fields)
      if (f.target && !path.count(*f.target)) path[*f.target] = f.name, order.push_back(*f.target);
  for (size_t k = 0; k < order.size(); ++k) // breadth first: shortest paths
    if (const SnapObject *o = snap->find(order[k]))
      for (const SnapField &f : o->fields)
        if (f.target && !path.count(*f.target) && f.name != "__proto__" &&
            f.name.find_first_of("\"\\\n") == std::string::npos)
          path[*f.target] = path[order[k]] + "[\"" + f.name + "\"]", order.push_back(*f.target);
  for (const std::string &id : order) {
    auto x = st.after_extra.find(id);
    const SnapObject *o = snap->find(id);
    if (x == st.after_extra.end() || !o || o->frozen) continue;
    std::string f = x->second.freezable == "NO"         ? "no"
                    : x->second.freezable == "EXPLICIT" ? "explicit"
                                                        : "";
    if (f.empty()) continue;
    RecordedStep m;
    m.index = ++event;
    m.line = line;
    m.stmt = "set_freezable(" + path[id] + ", \"" + f + "\")";
    m.message = "Line " + std::to_string(line) + ": " + m.stmt;
    steps_.push_back(std::move(m));
  }
}

bool CpythonRecordingSource::next(RecordedStep &out) {
  if (at_ >= steps_.size()) return false;
  out = steps_[at_++];
  return true;
}

ReplayReport replay_cpython_recording(const std::string &path, const ReplayOptions &options) {
  CpythonRecording rec = read_cpython_recording(path);
  CpythonRecordingSource source(rec, path);
  ReplayReport report = replay_stream(source, options, path);
  // CPython raised and went on at each error step (the recorder catches per step): the run
  // itself ended normally; a crash would end the recording instead.
  report.runtime_outcome = "ok";
  // The checks on the runtime's own snapshots (traces/cpython/checks.h), opaque steps included.
  for (CpythonFinding &f : check_cpython_recording(rec)) {
    auto [event, line] = source.step_events().at(f.step);
    if (report.clean() || event - 1 < report.matched_prefix) report.matched_prefix = event - 1;
    if (f.violation) {
      ReplayViolation v;
      v.event = event;
      v.line = line;
      v.violation.invariant = f.invariant;
      v.violation.message = f.message;
      v.violation.witness.path = f.witness;
      v.rendered = std::string(invariant_name(f.invariant)) +
                   " broken by the runtime's snapshot: " + f.message;
      v.defect = f.defect;
      report.violations.push_back(std::move(v));
    } else {
      report.divergences.push_back(Divergence{event, line, f.kind, f.message, f.defect});
    }
  }
  std::stable_sort(report.divergences.begin(), report.divergences.end(),
                   [](const Divergence &a, const Divergence &b) { return a.event < b.event; });
  std::stable_sort(
      report.violations.begin(), report.violations.end(),
      [](const ReplayViolation &a, const ReplayViolation &b) { return a.event < b.event; });
  if (report.clean()) report.matched_prefix = report.events;
  return report;
}

} // namespace lungfish::traces
