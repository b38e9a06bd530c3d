#include "traces/cpython_replay.h"

#include "model/python_subset.h"

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

Snapshot normalise_cpython_snapshot(const Snapshot &s, const Snapshot *before) {
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
    for (const SnapField &f : o.fields) {
      SnapField m{field_name(f.name), f.target};
      if (m.target && is_literal(s, *m.target)) m.target.reset();
      if (m.name.rfind("?inline#", 0) == 0 && before && f.target)
        if (const SnapObject *b = before->find(o.key))
          for (const SnapField &bf : b->fields)
            if (bf.target == f.target && bf.name.rfind("?inline", 0) != 0) {
              m.name = field_name(bf.name);
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

namespace {

/// The top-level statements of `op` (a line that starts without indentation starts one), each
/// with its 0-based first line in `op`.
std::vector<std::pair<uint32_t, std::string>> top_level_chunks(const std::string &op) {
  std::vector<std::pair<uint32_t, std::string>> out;
  size_t start = 0;
  for (uint32_t n = 0; start <= op.size(); ++n) {
    size_t end = op.find('\n', start);
    std::string l = op.substr(start, end == std::string::npos ? std::string::npos : end - start);
    bool indented = !l.empty() && (l[0] == ' ' || l[0] == '\t');
    if (out.empty() || (!indented && !l.empty()))
      out.emplace_back(n, l);
    else
      out.back().second += "\n" + l;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

/// `x.append(v)` as `x[N] = v`, N the number of items of the list bound to global x in
/// `before` (the subset parser only knows the lengths of lists it saw built); "" otherwise.
std::string append_as_store(const std::string &chunk, const Snapshot *before) {
  size_t dot = chunk.find(".append(");
  if (!before || before->roots.empty() || dot == std::string::npos || chunk.back() != ')')
    return "";
  std::string var = chunk.substr(0, dot);
  if (var.empty() || !std::all_of(var.begin(), var.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
      }))
    return "";
  const SnapObject *g = before->find(before->roots[0]);
  if (!g) return "";
  for (const SnapField &f : g->fields) {
    if (f.name != var || !f.target) continue;
    const SnapObject *l = before->find(*f.target);
    if (!l || l->type_name != "list") return "";
    size_t items = 0;
    for (const SnapField &lf : l->fields)
      items += lf.name.rfind("[", 0) == 0;
    std::string arg = chunk.substr(dot + 8, chunk.size() - dot - 9);
    return var + "[" + std::to_string(items) + "] = " + arg;
  }
  return "";
}

bool parses(const std::string &text, const std::string &file) {
  try {
    parse_python_subset(text, file);
    return true;
  } catch (const std::exception &) {
    return false;
  }
}

} // namespace

CpythonRecordingSource::CpythonRecordingSource(const CpythonRecording &r, const std::string &file) {
  std::string prefix; // the in-subset statements so far, each at its line
  uint32_t line = 1, event = 0;
  for (const CpythonStep &st : r.steps) {
    uint32_t lines = static_cast<uint32_t>(std::count(st.op.begin(), st.op.end(), '\n')) + 1;
    uint32_t first = line, last = line + lines - 1;
    line += lines;
    const Snapshot *before = st.before ? &*st.before : nullptr;
    std::optional<Snapshot> snap;
    if (st.after) snap = normalise_cpython_snapshot(*st.after, before);
    // Each top-level statement joins the prefix if the subset parser accepts it there.
    std::string text = prefix;
    uint32_t at = 0; // lines of `op` placed so far
    bool opaque = false;
    for (auto &[offset, chunk] : top_level_chunks(st.op)) {
      text += std::string(offset - at, '\n');
      at = offset + static_cast<uint32_t>(std::count(chunk.begin(), chunk.end(), '\n')) + 1;
      if (parses(text + chunk + "\n", file)) {
        text += chunk + "\n";
      } else if (std::string a = append_as_store(chunk, before);
                 !a.empty() && parses(text + a + "\n", file)) {
        text += a + "\n";
      } else {
        opaque = true;
        text += std::string(at - offset, '\n');
      }
    }
    text += std::string(lines - at, '\n');
    prefix = text;
    std::vector<std::string> texts;
    if (!opaque) {
      Program p = parse_python_subset(prefix, file);
      for (const Stmt &s : p.body)
        if (s.loc.line >= first && s.loc.line <= last) texts.push_back(s.text);
    }
    if (opaque) {
      RecordedStep m;
      m.index = ++event;
      m.line = first;
      m.stmt = "?opaque " + std::to_string(st.index); // no model statement: replay resyncs
      m.message = "Line " + std::to_string(first) + ": " + m.stmt;
      m.snapshot = snap; // the outcome stays ok: the model cannot run the step
      opaque_.push_back({m.index, st.index, st.op, st.ok ? "ok" : st.error_type});
      steps_.push_back(std::move(m));
      continue;
    }
    if (texts.empty()) texts.push_back("pass()");
    std::string outcome = st.ok ? "ok" : cpython_error_code(st.error_type, st.op);
    if (outcome.empty()) outcome = "E_" + st.error_type;
    for (size_t k = 0; k < texts.size(); ++k) {
      RecordedStep m;
      m.index = ++event;
      m.line = first;
      m.stmt = texts[k];
      m.message = "Line " + std::to_string(first) + ": " + texts[k];
      if (k + 1 == texts.size()) {
        m.outcome = outcome;
        m.snapshot = snap;
      }
      steps_.push_back(std::move(m));
    }
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
  std::map<uint32_t, const CpythonRecordingSource::Opaque *> opaque;
  for (const auto &o : source.opaque())
    opaque[o.event] = &o;
  std::vector<Divergence> kept;
  for (Divergence &d : report.divergences) {
    auto it = opaque.find(d.event);
    if (it != opaque.end() && d.kind == "unsupported") {
      std::string op = it->second->op;
      std::replace(op.begin(), op.end(), '\n', ';');
      report.notes.push_back("event " + std::to_string(d.event) + " (step " +
                             std::to_string(it->second->step) + "): `" + op +
                             "` is outside the Python subset (outcome " + it->second->outcome +
                             "); opaque step, the model resynchronised from its snapshot");
      continue;
    }
    kept.push_back(std::move(d));
  }
  report.divergences = std::move(kept);
  if (report.clean()) report.matched_prefix = report.events;
  return report;
}

} // namespace lungfish::traces
