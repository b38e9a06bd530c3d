// The cpython campaign's generator (python_gen.h): Python text drawn over an abstract heap.
#include "generators/python_gen.h"

#include "generators/rng.h"
#include "model/text/program_text.h"
#include "model/text/python_subset.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <set>
#include <vector>

namespace lungfish::gen {

namespace {

enum class Kind { Inst, List, Dict, Class, DictView };

/// An object of the generator's abstract heap: what Python and the model both see of it.
struct AObj {
  Kind kind = Kind::Inst;
  std::vector<std::pair<std::string, int>> fields; // in order; -1: None or an immutable value
  int proto = -1;                                  // an instance's class, a class's base
  int status = 0;                                  // freezability: 0 unset or yes, 1 no, 2 explicit
  bool frozen = false;
  int dict = -1;   // an instance's materialised dict
  std::string cls; // an instance's class name
  // Fields a refused store named: the subset parser, which does not know what is frozen, takes
  // the store as done, so the program never reads them again (its text would mean something
  // else to the parser than to Python).
  std::set<std::string> stale;
  int *field(const std::string &name) {
    for (auto &[n, v] : fields)
      if (n == name) return &v;
    return nullptr;
  }
};

// Globals are never named like an attribute: freezing a class freezes its methods, and a
// method's frozen globals are the globals named in its code, attribute names included
// (notes/cpython-immutability.md 7.4: Pair.__init__ would freeze globals `a` and `b`).
const std::vector<std::string> kVars = {"u", "v", "w", "x", "y", "z", "p", "q", "r"};
const std::vector<std::string> kAttrs = {"f", "g", "next"};
const std::vector<std::string> kKeys = {"k", "m", "n"};

class PyGen {
public:
  explicit PyGen(uint64_t seed) : rng_(seed) {}

  /// The whole program's text; `starts` gets each statement's first line and text.
  std::string run(size_t n);
  std::vector<std::pair<uint32_t, std::string>> starts;
  std::map<std::string, size_t> features;

private:
  Rng rng_;
  std::vector<AObj> heap_;
  std::map<std::string, int> vars_; // bound globals; -1: None
  std::map<std::string, int> classes_;
  uint32_t line_ = 1;
  std::string text_;

  void add(const std::string &stmt, const std::string &feature) {
    starts.emplace_back(line_, stmt);
    text_ += stmt + "\n";
    line_ += static_cast<uint32_t>(std::count(stmt.begin(), stmt.end(), '\n')) + 1;
    if (!feature.empty()) ++features[feature];
  }
  int alloc(Kind k) {
    heap_.push_back(AObj{});
    heap_.back().kind = k;
    return static_cast<int>(heap_.size()) - 1;
  }
  /// A bound variable whose object satisfies `ok` (-1 objects never), or nullopt.
  std::optional<std::string> var_where(const std::function<bool(const AObj &)> &ok) {
    std::vector<std::string> c;
    for (const auto &[v, o] : vars_)
      if (o >= 0 && ok(heap_[static_cast<size_t>(o)])) c.push_back(v);
    if (c.empty()) return std::nullopt;
    return rng_.pick(c);
  }
  std::string fresh_or_any_var() { return rng_.pick(kVars); }
  /// The objects reachable from `o` (fields, class, base, materialised dict).
  std::set<int> reach(int o, bool stop_at_frozen) const;
  std::string value(int depth, int *obj);
  std::string container(bool list, int depth, int *obj);
  std::set<std::string> used_; // the variables the current right-hand side reads
  std::string instance(int depth, int *obj);
  bool usable_value(int o) const {
    return o < 0 || heap_[static_cast<size_t>(o)].kind != Kind::DictView;
  }

  void s_new();
  void s_attr_store();
  void s_item_store();
  void s_method();
  void s_read();
  void s_freeze();
  void s_set_freezable();
  void s_dict_read();
  void s_drop();
};

std::set<int> PyGen::reach(int o, bool stop_at_frozen) const {
  std::set<int> seen;
  std::vector<int> todo{o};
  while (!todo.empty()) {
    int x = todo.back();
    todo.pop_back();
    if (x < 0 || seen.count(x)) continue;
    const AObj &a = heap_[static_cast<size_t>(x)];
    if (stop_at_frozen && a.frozen) continue;
    seen.insert(x);
    for (const auto &[n, v] : a.fields)
      todo.push_back(v);
    todo.push_back(a.proto);
    todo.push_back(a.dict);
  }
  return seen;
}

// An instance of one of the classes; its arguments built as values.
std::string PyGen::instance(int depth, int *obj) {
  size_t which = rng_.below(3);
  std::string cls = which == 0 ? "Node" : which == 1 ? "Pair" : "Leaf";
  int o = alloc(Kind::Inst);
  heap_[static_cast<size_t>(o)].proto = classes_[cls];
  heap_[static_cast<size_t>(o)].cls = cls;
  std::string text = cls + "(";
  if (cls == "Pair") {
    int x, y;
    std::string a = value(depth + 1, &x);
    std::string b = value(depth + 1, &y);
    heap_[static_cast<size_t>(o)].fields = {{"a", x}, {"b", y}};
    text += a + ", " + b;
  }
  *obj = o;
  return text + ")";
}

// A list or dict literal of up to two items.
std::string PyGen::container(bool list, int depth, int *obj) {
  int o = alloc(list ? Kind::List : Kind::Dict);
  size_t n = rng_.below(3);
  std::string t = list ? "[" : "{";
  for (size_t i = 0; i < n; ++i) {
    int x;
    std::string key = list ? std::to_string(i) : kKeys[i];
    t += (i ? ", " : "") + (list ? "" : "\"" + key + "\": ") + value(depth + 1, &x);
    heap_[static_cast<size_t>(o)].fields.emplace_back(key, x);
  }
  if (depth > 0) ++features["nested literal"];
  *obj = o;
  return t + (list ? "]" : "}");
}

// A right-hand side: None, a literal, a variable (biased to objects), or, while shallow, a list,
// dict or instance built there.
std::string PyGen::value(int depth, int *obj) {
  *obj = -1;
  unsigned nest = depth < 2 ? 6u : 0u;
  size_t k = rng_.weighted({2, 1, 10, nest, nest, nest});
  switch (k) {
    case 0:
      return "None";
    case 1:
      return rng_.chance(1, 2) ? std::to_string(rng_.below(10)) : "\"s\"";
    case 2: {
      auto v = var_where([](const AObj &a) { return a.kind != Kind::DictView; });
      if (!v) return "None";
      *obj = vars_[*v];
      used_.insert(*v);
      return *v;
    }
    case 3:
      return container(true, depth, obj);
    case 4:
      return container(false, depth, obj);
    default:
      return instance(depth, obj);
  }
}

void PyGen::s_new() {
  used_.clear();
  int o;
  std::string rhs;
  size_t k = rng_.weighted({4, 3, 3});
  if (k == 0) {
    rhs = instance(0, &o);
    ++features["instance"];
  } else {
    rhs = container(k == 1, 0, &o);
    ++features[k == 1 ? "list literal" : "dict literal"];
  }
  // The target may not be read on the right (it is overwritten before the items are stored).
  std::vector<std::string> free;
  for (const std::string &v : kVars)
    if (!used_.count(v)) free.push_back(v);
  if (free.empty()) return s_drop();
  std::string v = rng_.pick(free);
  vars_[v] = o;
  add(v + " = " + rhs, "");
}

// `x.f = E` on an instance, biased to close a cycle back to x.
void PyGen::s_attr_store() {
  auto x = var_where([](const AObj &a) { return a.kind == Kind::Inst; });
  if (!x) return s_new();
  int xo = vars_[*x];
  std::string attr = rng_.pick(kAttrs);
  AObj &target = heap_[static_cast<size_t>(xo)];
  if (target.cls == "Pair" && rng_.chance(1, 2)) attr = rng_.chance(1, 2) ? "a" : "b";
  int o = -1;
  std::string rhs;
  // A cycle: a variable whose object reaches x.
  std::vector<std::string> back;
  for (const auto &[v, vo] : vars_)
    if (vo >= 0 && usable_value(vo) && reach(vo, false).count(xo)) back.push_back(v);
  if (!back.empty() && rng_.chance(1, 2)) {
    rhs = rng_.pick(back);
    o = vars_[rhs];
    ++features["cycle store"];
  } else {
    rhs = value(1, &o);
  }
  AObj &t = heap_[static_cast<size_t>(xo)];
  if (t.frozen) {
    ++features["write into a frozen object"];
    t.stale.insert(attr);
  } else if (int *f = t.field(attr)) {
    *f = o;
  } else {
    t.fields.emplace_back(attr, o);
  }
  add(*x + "." + attr + " = " + rhs, "attribute store");
}

void PyGen::s_item_store() {
  auto x = var_where([](const AObj &a) {
    return (a.kind == Kind::List && !a.fields.empty()) || a.kind == Kind::Dict;
  });
  if (!x) return s_attr_store();
  int xo = vars_[*x];
  bool list = heap_[static_cast<size_t>(xo)].kind == Kind::List;
  std::string key = list ? std::to_string(rng_.below(heap_[static_cast<size_t>(xo)].fields.size()))
                         : rng_.pick(kKeys);
  int o;
  std::string rhs;
  std::vector<std::string> back;
  for (const auto &[v, vo] : vars_)
    if (vo >= 0 && usable_value(vo) && reach(vo, false).count(xo)) back.push_back(v);
  if (!back.empty() && rng_.chance(1, 2)) {
    rhs = rng_.pick(back);
    o = vars_[rhs];
    ++features["cycle store"];
  } else {
    rhs = value(1, &o);
  }
  AObj &t = heap_[static_cast<size_t>(xo)];
  if (t.frozen) {
    ++features["write into a frozen object"];
    t.stale.insert(key);
  } else if (int *f = t.field(key)) {
    *f = o;
  } else {
    t.fields.emplace_back(key, o);
  }
  add(*x + "[" + (list ? key : "\"" + key + "\"") + "] = " + rhs, "item store");
}

void PyGen::s_method() {
  auto x = var_where([](const AObj &a) { return a.kind == Kind::List || a.kind == Kind::Dict; });
  if (!x) return s_new();
  int xo = vars_[*x];
  bool list = heap_[static_cast<size_t>(xo)].kind == Kind::List;
  bool frozen = heap_[static_cast<size_t>(xo)].frozen;
  std::vector<std::pair<std::string, int>> added;
  std::string text;
  if (list) {
    bool many = rng_.chance(1, 3);
    size_t n = many ? 1 + rng_.below(2) : 1;
    size_t len = heap_[static_cast<size_t>(xo)].fields.size();
    std::string args;
    for (size_t i = 0; i < n; ++i) {
      int o;
      args += (i ? ", " : "") + value(1, &o);
      added.emplace_back(std::to_string(len + i), o);
    }
    text = *x + (many ? ".extend([" + args + "])" : ".append(" + args + ")");
  } else {
    std::string key = rng_.pick(kKeys);
    int o;
    std::string v = value(1, &o);
    added.emplace_back(key, o);
    text = *x + ".update({\"" + key + "\": " + v + "})";
  }
  AObj &t = heap_[static_cast<size_t>(xo)];
  if (frozen) {
    ++features["write into a frozen object"];
    for (const auto &[k, o] : added)
      t.stale.insert(k);
  } else {
    for (const auto &[k, o] : added)
      if (int *f = t.field(k))
        *f = o;
      else
        t.fields.emplace_back(k, o);
  }
  add(text, "append, extend, update");
}

void PyGen::s_read() {
  auto x = var_where([](const AObj &a) {
    return a.kind != Kind::Class && a.kind != Kind::DictView && !a.fields.empty();
  });
  if (!x) return s_new();
  AObj &a = heap_[static_cast<size_t>(vars_[*x])];
  std::vector<std::pair<std::string, int>> readable;
  for (const auto &f : a.fields)
    if (!a.stale.count(f.first)) readable.push_back(f);
  if (readable.empty()) return s_new();
  const auto &[name, o] = readable[rng_.below(readable.size())];
  std::string v = fresh_or_any_var();
  std::string read = a.kind == Kind::Inst   ? *x + "." + name
                     : a.kind == Kind::List ? *x + "[" + name + "]"
                                            : *x + "[\"" + name + "\"]";
  vars_[v] = o;
  add(v + " = " + read, "read");
}

void PyGen::s_freeze() {
  std::vector<std::string> roots;
  size_t n = rng_.chance(2, 5) ? 2 + rng_.below(2) : 1;
  for (size_t i = 0; i < n; ++i)
    if (auto v = var_where([](const AObj &a) { return a.kind != Kind::DictView; }))
      if (std::find(roots.begin(), roots.end(), *v) == roots.end()) roots.push_back(*v);
  if (roots.empty()) return s_new();
  std::set<int> root_objs, all;
  for (const std::string &r : roots) {
    root_objs.insert(vars_[r]);
    for (int o : reach(vars_[r], true))
      all.insert(o);
  }
  bool fails = std::any_of(all.begin(), all.end(), [&](int o) {
    const AObj &a = heap_[static_cast<size_t>(o)];
    return a.status == 1 || (a.status == 2 && !root_objs.count(o));
  });
  std::string text = "freeze(";
  for (size_t i = 0; i < roots.size(); ++i)
    text += (i ? ", " : "") + roots[i];
  add(text + ")", roots.size() > 1 ? "multi-root freeze" : "freeze (one root)");
  if (fails) {
    ++features["failing freeze"];
    return;
  }
  for (int o : all)
    heap_[static_cast<size_t>(o)].frozen = true;
  // A cycle of several newly frozen objects: one of them reaches itself through another.
  for (int o : all) {
    const AObj &a = heap_[static_cast<size_t>(o)];
    bool cycle = false;
    for (const auto &[n, v] : a.fields)
      if (v >= 0 && v != o && all.count(v) && reach(v, false).count(o)) cycle = true;
    if (cycle) {
      ++features["frozen cycle of 2+ objects"];
      break;
    }
  }
}

void PyGen::s_set_freezable() {
  auto x = var_where(
      [](const AObj &a) { return !a.frozen && a.kind != Kind::DictView && a.kind != Kind::Class; });
  if (!x) return s_new();
  size_t k = rng_.weighted({3, 3, 2});
  heap_[static_cast<size_t>(vars_[*x])].status = k == 0 ? 1 : k == 1 ? 2 : 0;
  const char *s = k == 0 ? "FREEZABLE_NO" : k == 1 ? "FREEZABLE_EXPLICIT" : "FREEZABLE_YES";
  add("set_freezable(" + *x + ", " + s + ")", "set_freezable");
}

void PyGen::s_dict_read() {
  // Not frozen (the model would write the new dict into it), not yet read (a second read makes
  // no model statement, and the statement would vanish from the program).
  auto x = var_where([](const AObj &a) { return a.kind == Kind::Inst && !a.frozen && a.dict < 0; });
  if (!x) return s_new();
  int xo = vars_[*x];
  if (heap_[static_cast<size_t>(xo)].dict < 0) {
    int d = alloc(Kind::DictView);
    heap_[static_cast<size_t>(xo)].dict = d;
  }
  // Read, not bound: a dict that outlives its instance holds the instance's attributes in
  // CPython, where the model's dict object has no fields (docs/cpython-profile.md).
  add(rng_.chance(1, 2) ? "vars(" + *x + ")" : *x + ".__dict__", "materialised dict");
}

void PyGen::s_drop() {
  if (vars_.empty()) return s_new();
  std::vector<std::string> names;
  for (const auto &[v, o] : vars_)
    names.push_back(v);
  std::string v = rng_.pick(names);
  if (rng_.chance(1, 2)) {
    vars_.erase(v);
    add("del " + v, "del, None");
  } else {
    vars_[v] = -1;
    add(v + " = None", "del, None");
  }
}

std::string PyGen::run(size_t n) {
  add("class Node:\n    pass", "");
  add("class Pair:\n    def __init__(self, a, b):\n        self.a = a\n        self.b = b", "");
  add("class Leaf(Node):\n    pass", "");
  classes_["Node"] = alloc(Kind::Class);
  classes_["Pair"] = alloc(Kind::Class);
  classes_["Leaf"] = alloc(Kind::Class);
  heap_[static_cast<size_t>(classes_["Leaf"])].proto = classes_["Node"];
  for (size_t i = 0; i < n; ++i) {
    switch (rng_.weighted({14, 14, 7, 6, 5, 10, 5, 4, 4})) {
      case 0:
        s_new();
        break;
      case 1:
        s_attr_store();
        break;
      case 2:
        s_item_store();
        break;
      case 3:
        s_method();
        break;
      case 4:
        s_read();
        break;
      case 5:
        s_freeze();
        break;
      case 6:
        s_set_freezable();
        break;
      case 7:
        s_dict_read();
        break;
      default:
        s_drop();
        break;
    }
  }
  return text_;
}

} // namespace

Program generate_python_program(uint64_t seed, size_t statements) {
  PyGen g(seed);
  std::string text = g.run(statements);
  Program p = parse_python_subset(text, kGeneratedPython);
  // Each model statement carries the Python statement it comes from (by its first line).
  std::map<uint32_t, std::string> by_line(g.starts.begin(), g.starts.end());
  for (Stmt &s : p.body) {
    auto it = by_line.upper_bound(s.loc.line);
    s.text = std::prev(it)->second;
  }
  p.file = kGeneratedPython;
  return p;
}

size_t python_statements(const Program &p) {
  if (p.file != kGeneratedPython) return p.body.size();
  size_t n = 0;
  for (size_t i = 0; i < p.body.size(); ++i)
    n += i == 0 || p.body[i].loc.line != p.body[i - 1].loc.line ||
         p.body[i].text != p.body[i - 1].text;
  return n;
}

std::map<std::string, size_t> python_features(uint64_t seed, size_t statements) {
  PyGen g(seed);
  g.run(statements);
  return g.features;
}

} // namespace lungfish::gen
