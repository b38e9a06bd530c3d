#include "traces/cpython/steps.h"

#include "model/text/program_text.h"
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

/// The number of items of a list (`[N]` fields in the reference recordings, `N` in the
/// recorder's).
size_t items(const SnapObject &l) {
  size_t n = 0;
  for (const SnapField &f : l.fields)
    n += f.name.rfind("[", 0) == 0 ||
         (!f.name.empty() && std::all_of(f.name.begin(), f.name.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c));
         }));
  return n;
}

/// Methods of the runtime's containers (list, dict, set, deque, array, bytearray, …) that write
/// to their receiver: on a frozen receiver each raises TypeError before it writes anything.
bool is_mutating_method(const std::string &m) {
  static const std::set<std::string> kMethods = {"append",
                                                 "extend",
                                                 "insert",
                                                 "pop",
                                                 "remove",
                                                 "clear",
                                                 "reverse",
                                                 "sort",
                                                 "update",
                                                 "setdefault",
                                                 "popitem",
                                                 "add",
                                                 "discard",
                                                 "appendleft",
                                                 "extendleft",
                                                 "popleft",
                                                 "rotate",
                                                 "byteswap",
                                                 "frombytes",
                                                 "fromlist",
                                                 "fromunicode",
                                                 "__setitem__",
                                                 "__delitem__",
                                                 "difference_update",
                                                 "intersection_update",
                                                 "symmetric_difference_update"};
  return kMethods.count(m) > 0;
}

/// A receiver `a`, `a.f`, `a[3]` or `a['k']` at the start of `text`, resolved in `before`:
/// the model path and the object; `*rest` gets what follows it.
std::optional<std::pair<std::string, const SnapObject *>>
receiver(const std::string &text, const Snapshot *before, std::string *rest) {
  size_t i = 0;
  while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_'))
    ++i;
  std::string name = text.substr(0, i);
  if (!is_identifier(name)) return std::nullopt;
  const SnapObject *o = global(before, name);
  std::string path = name;
  while (o && i < text.size() && (text[i] == '.' || text[i] == '[')) {
    std::string field;
    size_t j;
    if (text[i] == '.') {
      j = i + 1;
      while (j < text.size() &&
             (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '_'))
        ++j;
      field = text.substr(i + 1, j - i - 1);
      if (!is_identifier(field) || (j < text.size() && text[j] == '(')) break; // a method
    } else {
      j = text.find(']', i);
      if (j == std::string::npos) return std::nullopt;
      field = text.substr(i + 1, j - i - 1);
      if (field.size() >= 2 && (field[0] == '\'' || field[0] == '"') && field.back() == field[0])
        field = field.substr(1, field.size() - 2);
      else if (field.empty() || !std::all_of(field.begin(), field.end(), [](char c) {
                 return std::isdigit(static_cast<unsigned char>(c));
               }))
        break; // a slice or an expression: the receiver ends before it
      ++j;
    }
    const SnapObject *next = nullptr;
    for (const SnapField &f : o->fields)
      if (f.name == field || f.name == "[" + field + "]" || f.name == "['" + field + "']")
        next = f.target ? before->find(*f.target) : nullptr;
    if (!next || field.find_first_of("\"\\") != std::string::npos) break;
    path += "[\"" + field + "\"]";
    o = next;
    i = j;
  }
  if (!o) return std::nullopt;
  *rest = text.substr(i);
  return std::make_pair(path, o);
}

/// A write to a frozen built-in container (`x.clear()`, `del x[0]`, `x[1:3] = …`, `x += …`,
/// `d.setdefault(k, v)`, …; receivers as `receiver`) as the model store `PATH["N"] = None`, N its
/// number of fields: the model rejects it (E_IMMUTABLE) as the runtime raises TypeError, and
/// neither changes anything. "" if `chunk` is not such a write, if the receiver is not frozen in
/// `before` or is an instance of the program's classes (its methods are Python code), or if the
/// arguments call anything but the program's classes.
std::string frozen_container_write(const std::string &chunk, const Snapshot *before) {
  if (!before || chunk.find('\n') != std::string::npos) return "";
  bool is_del = chunk.rfind("del ", 0) == 0;
  std::string text = chunk, rest;
  if (is_del) { // `del R[k]`: the receiver is R, what the last subscription deletes from
    size_t open = chunk.rfind('[');
    if (open == std::string::npos || open < 4) return "";
    text = chunk.substr(4, open - 4);
  }
  auto r = receiver(text, before, &rest);
  if (is_del) rest = rest.empty() ? chunk.substr(chunk.rfind('[')) : "";
  if (!r || !r->second->frozen || r->second->type_name.empty()) return "";
  const SnapObject &o = *r->second;
  if (std::any_of(o.fields.begin(), o.fields.end(),
                  [](const SnapField &f) { return f.name == "__proto__"; }))
    return ""; // an instance of the program's classes
  bool write = false;
  if (is_del) {
    write = rest.rfind("[", 0) == 0;
  } else if (rest.rfind(".", 0) == 0) {
    size_t open = rest.find('(');
    write = open != std::string::npos && rest.back() == ')' &&
            is_mutating_method(rest.substr(1, open - 1));
  } else if (rest.rfind("[", 0) == 0) {
    size_t close = rest.find(']');
    write = close != std::string::npos &&
            rest.find_first_not_of(' ', close + 1) != std::string::npos &&
            rest[rest.find_first_not_of(' ', close + 1)] == '=' &&
            rest.compare(rest.find_first_not_of(' ', close + 1), 2, "==") != 0;
  } else {
    size_t op = rest.find_first_not_of(' ');
    write = op != std::string::npos && rest.size() > op + 1 && rest[op + 1] == '=' &&
            std::string_view("+*|&-^").find(rest[op]) != std::string_view::npos;
  }
  if (!write) return "";
  // Arguments may create the program's objects (garbage once the call fails), nothing else.
  for (size_t k = rest.find('('); k != std::string::npos; k = rest.find('(', k + 1)) {
    if (k == rest.find('(') && rest.rfind(".", 0) == 0) continue; // the method's own call
    size_t b = k;
    while (b > 0 && (std::isalnum(static_cast<unsigned char>(rest[b - 1])) || rest[b - 1] == '_'))
      --b;
    const SnapObject *callee = global(before, rest.substr(b, k - b));
    if (!callee || callee->type_name != "type") return "";
  }
  return r->first + "[\"" + std::to_string(o.fields.size()) + "\"] = None";
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
        return "the freeze reaches " + (o->label.empty() ? "a class" : "class " + o->label) +
               " whose Python `__pre_freeze__` hook is outside the Python subset";
      if (f.target) todo.push_back(*f.target);
    }
  }
  return "";
}

/// A model lvalue for field `name` of the object at `path`.
std::string field_path(const std::string &path, const std::string &name) {
  return path + (is_identifier(name) ? "." + name : "[\"" + name + "\"]");
}

/// The root variable of an lvalue or read (`x` of `x.f["k"]`), "" if none.
std::string root_var(const Expr &e) {
  const Expr *x = &e;
  while ((x->kind == ExprKind::Field || x->kind == ExprKind::Index) && !x->args.empty())
    x = &x->args[0];
  return x->kind == ExprKind::Var ? x->name : "";
}

bool reads_field(const Expr &e) {
  if (e.kind == ExprKind::Field || e.kind == ExprKind::Index) return true;
  return std::any_of(e.args.begin(), e.args.end(), reads_field);
}

/// Of the model statements of one Python statement that raised `outcome`, the one that fails
/// first in the model's order. Python evaluates the right-hand side (its reads) before it stores,
/// and builds new objects before it stores them, so: for E_IMMUTABLE, the first store into an
/// object the statement did not create (its root variable not assigned by an earlier one of
/// these statements); for another code, the first statement that reads a field; else the last.
size_t failing_statement(const std::vector<std::string> &stmts, const std::string &outcome) {
  std::set<std::string> created;
  for (size_t k = 0; k < stmts.size(); ++k) {
    Program p;
    try {
      p = parse_program(stmts[k] + "\n");
    } catch (const InputError &) {
      continue;
    }
    if (p.body.size() != 1) continue;
    const Stmt &st = p.body[0];
    if (outcome == "E_IMMUTABLE") {
      if (st.kind == StmtKind::Assign && st.target.kind != ExprKind::Var &&
          !created.count(root_var(st.target)))
        return k;
    } else if (reads_field(st.value) ||
               (st.kind == StmtKind::Assign && st.target.kind != ExprKind::Var &&
                !created.count(root_var(st.target)))) {
      return k;
    }
    if (st.kind == StmtKind::Assign && st.target.kind == ExprKind::Var)
      created.insert(st.target.name);
  }
  return stmts.empty() ? 0 : stmts.size() - 1;
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
  std::vector<std::string> chunks = top_level_chunks(op);
  // A write to a frozen container: the model judges the write, the parser never sees it (the
  // runtime refused it, so the program's abstract heap is unchanged).
  if (chunks.size() == 1)
    if (std::string w = frozen_container_write(chunks[0], before); !w.empty()) {
      out.stmts.push_back(w);
      return out;
    }
  // Lists' lengths and dicts are the runtime's (an opaque statement may have changed them).
  PythonRuntimeFacts facts;
  facts.from_line = static_cast<uint32_t>(before_lines + 1);
  facts.list_length = [&](const std::string &g) -> std::optional<size_t> {
    const SnapObject *l = global(before, g);
    if (!l || l->type_name != "list") return std::nullopt;
    return items(*l);
  };
  facts.is_dict = [&](const std::string &g) {
    const SnapObject *d = global(before, g);
    return d && d->type_name == "dict";
  };
  for (const std::string &text : chunks) {
    std::string reason = freeze_outside_subset(text, before);
    if (reason.empty()) {
      try {
        parse_python_subset(program_ + text + "\n", file_, &facts);
        program_ += text + "\n";
        lines_ += static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
      } catch (const InputError &e) {
        reason = "outside the Python subset: " + e.detail + " (col " + std::to_string(e.col) + ")";
      }
    }
    if (!reason.empty() && out.opaque.empty()) out.opaque = reason;
  }
  if (!out.opaque.empty()) return out;
  for (const Stmt &s : parse_python_subset(program_, file_, &facts).body) {
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
    // A Python statement that raised did nothing but make garbage: its model statements end at
    // the one that fails first (the runtime's snapshot after it is adopted).
    if (m.stmts.size() > 1 && s.outcome != "ok" && s.outcome != "crash" && s.outcome != "abort")
      m.stmts.resize(failing_statement(m.stmts, s.outcome) + 1);
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
