#include "traces/cpython/steps.h"

#include "model/text/python_subset.h"
#include "traces/cpython/checks.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace lungfish::traces {

namespace {

bool is_identifier(const std::string &s) {
  return !s.empty() && !std::isdigit(static_cast<unsigned char>(s[0])) &&
         std::all_of(s.begin(), s.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
         });
}

/// The top-level statements of `op` (a line that starts without indentation starts one).
std::vector<std::string> top_level_chunks(const std::string &op) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= op.size()) {
    size_t end = op.find('\n', start);
    std::string l = op.substr(start, end == std::string::npos ? std::string::npos : end - start);
    bool indented = !l.empty() && (l[0] == ' ' || l[0] == '\t');
    if (out.empty() || (!indented && !l.empty()))
      out.push_back(l);
    else
      out.back() += "\n" + l;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

/// The object bound to global `name` in `s` (its synthetic frame of globals), or null.
const SnapObject *global(const Snapshot *s, const std::string &name) {
  if (!s || s->roots.empty()) return nullptr;
  const SnapObject *g = s->find(s->roots[0]);
  if (!g) return nullptr;
  for (const SnapField &f : g->fields)
    if (f.name == name) return f.target ? s->find(*f.target) : nullptr;
  return nullptr;
}

/// `x.append(v)` as `x[N] = v`, N the number of items of the list bound to global x in
/// `before` (items are fields `[N]` in the reference recordings, `N` in the recorder's); ""
/// otherwise.
std::string append_as_store(const std::string &chunk, const Snapshot *before) {
  size_t dot = chunk.find(".append(");
  if (dot == std::string::npos || chunk.back() != ')') return "";
  std::string var = chunk.substr(0, dot);
  const SnapObject *l = is_identifier(var) ? global(before, var) : nullptr;
  if (!l || l->type_name != "list") return "";
  size_t items = 0;
  for (const SnapField &f : l->fields)
    items += f.name.rfind("[", 0) == 0 ||
             (!f.name.empty() && std::all_of(f.name.begin(), f.name.end(), [](char c) {
               return std::isdigit(static_cast<unsigned char>(c));
             }));
  std::string arg = chunk.substr(dot + 8, chunk.size() - dot - 9);
  return var + "[" + std::to_string(items) + "] = " + arg;
}

/// Why a freeze in `chunk` is outside the subset although it parses: a root is a function or
/// closure (its pre-freeze hook swaps in shadow globals and cells), or the graph it reaches has
/// a class with a Python `__pre_freeze__` hook (Python code the model does not run). "" if none.
std::string freeze_outside_subset(const std::string &chunk, const Snapshot *before) {
  bool called = false;
  std::vector<std::string> names = freeze_root_names(chunk, nullptr, &called);
  if (!called || !before || before->roots.empty()) return "";
  const SnapObject *g = before->find(before->roots[0]);
  if (!g) return "";
  std::vector<std::string> todo;
  for (const std::string &n : names)
    for (const SnapField &f : g->fields)
      if (f.name == n && f.target) {
        const SnapObject *o = before->find(*f.target);
        if (o &&
            (o->kind == SnapKind::Function || o->type_name == "cell" || o->type_name == "module"))
          return "freezing a function or closure (shadow globals and cells) is outside the "
                 "Python subset";
        todo.push_back(*f.target);
      }
  std::set<std::string> seen;
  while (!todo.empty()) {
    std::string k = todo.back();
    todo.pop_back();
    const SnapObject *o = before->find(k);
    if (!o || o->frozen || !seen.insert(k).second) continue;
    for (const SnapField &f : o->fields) {
      if (o->type_name == "type" && f.name == "__pre_freeze__")
        return "the freeze reaches class " + o->label +
               ", whose Python `__pre_freeze__` hook is outside the Python subset";
      if (f.target) todo.push_back(*f.target);
    }
  }
  return "";
}

/// A model lvalue for field `name` of the object at `path`.
std::string field_path(const std::string &path, const std::string &name) {
  return path + (is_identifier(name) ? "." + name : "[\"" + name + "\"]");
}

} // namespace

std::vector<std::string> frozen_writes(const Snapshot &before, const Snapshot &after) {
  // Shortest access paths from the globals in `before` (breadth first, fields in order).
  std::map<std::string, std::string> path;
  std::vector<std::string> order;
  if (before.roots.empty()) return {};
  if (const SnapObject *g = before.find(before.roots[0]))
    for (const SnapField &f : g->fields)
      if (f.target && f.name != "__proto__" && is_identifier(f.name) && !path.count(*f.target))
        path[*f.target] = f.name, order.push_back(*f.target);
  for (size_t k = 0; k < order.size(); ++k)
    if (const SnapObject *o = before.find(order[k]))
      for (const SnapField &f : o->fields)
        if (f.target && f.name != "__proto__" && !path.count(*f.target) &&
            f.name.find_first_of("\"\\\n") == std::string::npos)
          path[*f.target] = field_path(path[order[k]], f.name), order.push_back(*f.target);
  std::vector<std::string> out;
  for (const std::string &key : order) {
    const SnapObject *b = before.find(key), *a = after.find(key);
    if (!b || !a || !b->frozen || !a->frozen || b->type_name != a->type_name) continue;
    std::map<std::string, std::optional<std::string>> was, now;
    for (const SnapField &f : b->fields)
      was[f.name] = f.target;
    for (const SnapField &f : a->fields)
      now[f.name] = f.target;
    if (was == now) continue;
    for (const auto &[name, target] : now)
      if (name != "__proto__" && (!was.count(name) || was[name] != target) &&
          name.find_first_of("\"\\\n") == std::string::npos) {
        out.push_back(field_path(path[key], name) + " = None");
        break; // one write is enough to judge the object
      }
  }
  return out;
}

PythonStepMapper::Mapped PythonStepMapper::map(const std::string &op, const Snapshot *before) {
  Mapped out;
  size_t before_lines = lines_;
  for (const std::string &chunk : top_level_chunks(op)) {
    std::string reason = freeze_outside_subset(chunk, before);
    // A list's length is the runtime's (an opaque statement may have changed it).
    std::string text = append_as_store(chunk, before);
    if (text.empty()) text = chunk;
    if (reason.empty()) {
      try {
        parse_python_subset(program_ + text + "\n", file_);
        program_ += text + "\n";
        lines_ += static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
      } catch (const InputError &e) {
        reason = "outside the Python subset: " + e.detail + " (col " + std::to_string(e.col) + ")";
      }
    }
    if (!reason.empty() && out.opaque.empty()) out.opaque = reason;
  }
  if (!out.opaque.empty()) return out;
  for (const Stmt &s : parse_python_subset(program_, file_).body) {
    if (s.loc.line <= before_lines) continue;
    // The runtime's dict exists already (materialised by an opaque statement): only read it.
    if (s.kind == StmtKind::Assign && s.target.kind == ExprKind::Field &&
        s.target.name == "__dict__" && s.target.args[0].kind == ExprKind::Var)
      if (const SnapObject *o = global(before, s.target.args[0].name);
          o && std::any_of(o->fields.begin(), o->fields.end(),
                           [](const SnapField &f) { return f.name == "__dict__"; }))
        continue;
    out.stmts.push_back(s.text);
  }
  return out;
}

std::vector<RecordedStep> python_steps_to_model(const std::vector<RecordedStep> &steps,
                                                const std::string &file) {
  PythonStepMapper mapper(file);
  std::vector<RecordedStep> out;
  const Snapshot *before = nullptr;
  for (const RecordedStep &s : steps) {
    if (s.stmt.empty()) { // no statement (the runtime died at exit): replay judges the outcome
      out.push_back(s);
      continue;
    }
    PythonStepMapper::Mapped m = mapper.map(s.stmt, before);
    const Snapshot *prev = before;
    if (s.snapshot) before = &*s.snapshot;
    if (!m.opaque.empty()) {
      RecordedStep o = s;
      o.opaque = m.opaque;
      o.message = "Line " + std::to_string(s.line) + ": " + s.stmt.substr(0, s.stmt.find('\n'));
      out.push_back(std::move(o));
      // What the statement wrote into objects frozen before it, as stores the model judges.
      if (prev && s.snapshot)
        for (const std::string &w : frozen_writes(*prev, *s.snapshot)) {
          RecordedStep x;
          x.index = s.index;
          x.file_line = s.file_line;
          x.line = s.line;
          x.stmt = w;
          x.message = "Line " + std::to_string(s.line) + ": " + w;
          x.outcome = s.outcome;
          x.snapshot = s.snapshot;
          out.push_back(std::move(x));
        }
      continue;
    }
    if (m.stmts.empty()) m.stmts.push_back("pass()");
    for (size_t k = 0; k < m.stmts.size(); ++k) {
      RecordedStep o;
      o.index = s.index;
      o.file_line = s.file_line;
      o.line = s.line;
      o.stmt = m.stmts[k];
      o.message = "Line " + std::to_string(s.line) + ": " + m.stmts[k];
      if (k + 1 == m.stmts.size()) {
        o.outcome = s.outcome;
        o.snapshot = s.snapshot;
      }
      out.push_back(std::move(o));
    }
  }
  return out;
}

namespace {
class VectorSource : public StepSource {
public:
  explicit VectorSource(std::vector<RecordedStep> steps) : steps_(std::move(steps)) {}
  bool next(RecordedStep &out) override {
    if (at_ >= steps_.size()) return false;
    out = std::move(steps_[at_++]);
    return true;
  }

private:
  std::vector<RecordedStep> steps_;
  size_t at_ = 0;
};
} // namespace

std::unique_ptr<StepSource> vector_source(std::vector<RecordedStep> steps) {
  return std::make_unique<VectorSource>(std::move(steps));
}

std::unique_ptr<StepSource> open_native_trace(const std::string &path, std::string *profile) {
  std::string header_profile;
  auto source = open_native_source(path, &header_profile);
  if (profile) *profile = header_profile;
  if (header_profile != "cpython" && header_profile != "pep795") return source;
  std::vector<RecordedStep> steps;
  for (RecordedStep st; source->next(st);)
    steps.push_back(std::move(st));
  return vector_source(python_steps_to_model(steps, path));
}

} // namespace lungfish::traces
