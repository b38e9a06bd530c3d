#include "traces/cpython/checks.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace lungfish::traces {

const char *const kCpythonMaterialisedDictDefect =
    "SCC count too low after an instance __dict__ was materialised (I18)";
const char *const kCpythonDictTeardownDefect =
    "freeze tears its SCC down after an instance __dict__ was materialised";
const char *const kCpythonDictCrashDefect =
    "crash in or after a freeze of an instance whose __dict__ was materialised";
const char *const kCpythonUndrawnHolderGap =
    "lungfish gap: count above the references drawn (an undrawn frozen holder, I18)";
const char *const kCpythonRollbackCountDefect =
    "failed freeze leaves wrong counts behind (rollback, I16)";

namespace {

constexpr std::string_view kGlobals = "<globals>";

bool ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

bool plain_name(const std::string &s) {
  return !s.empty() && !std::isdigit(static_cast<unsigned char>(s[0])) &&
         std::all_of(s.begin(), s.end(), ident_char);
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.pop_back();
  size_t a = 0;
  while (a < s.size() && std::isspace(static_cast<unsigned char>(s[a])))
    ++a;
  return s.substr(a);
}

/// Global name -> node id in a snapshot (its synthetic frame of globals).
std::map<std::string, std::string> globals_of(const Snapshot &s) {
  std::map<std::string, std::string> out;
  if (const SnapObject *g = s.find(kGlobals))
    for (const SnapField &f : g->fields)
      if (f.target) out[f.name] = *f.target;
  return out;
}

/// "a (root `a`)" or the id alone.
std::string describe(const Snapshot &s, const std::string &id) {
  std::string names;
  for (auto &[n, t] : globals_of(s))
    if (t == id) names += (names.empty() ? "" : ", ") + std::string("`") + n + "`";
  const SnapObject *o = s.find(id);
  std::string type = o ? o->type_name : "?";
  return type + " " + id + (names.empty() ? "" : " (root " + names + ")");
}

struct StepChecker {
  const CpythonRecording &rec;
  std::vector<CpythonFinding> out;
  std::set<std::string> reported; // persisting findings, by message
  bool dict_read = false;         // some step read an instance __dict__ (vars, dir)

  void add(uint32_t step, bool violation, Invariant inv, std::string message, std::string witness,
           std::optional<std::string> defect = std::nullopt) {
    if (!reported.insert(message).second) return;
    out.push_back({step, violation, inv, violation ? "" : "snapshot", std::move(message),
                   std::move(witness), std::move(defect)});
  }

  void run() {
    for (const CpythonStep &st : rec.steps) {
      if (st.op.find("__dict__") != std::string::npos || st.op.find("vars(") != std::string::npos ||
          st.op.find("dir(") != std::string::npos)
        dict_read = true;
      if (!st.after) continue;
      freezability(st);
      atomicity(st);
      sccs(st);
      counts(st);
    }
  }

  const CpythonNodeExtra *extra(const CpythonStep &st, const std::string &id) const {
    auto it = st.after_extra.find(id);
    return it == st.after_extra.end() ? nullptr : &it->second;
  }

  bool was_frozen(const CpythonStep &st, const std::string &id) const {
    if (!st.before) return false;
    const SnapObject *b = st.before->find(id);
    return b && b->frozen && b->type_name == st.after->find(id)->type_name;
  }

  void freezability(const CpythonStep &st) { // I19
    const Snapshot &a = *st.after;
    bool all_named = true;
    std::vector<std::string> names = freeze_root_names(st.op, &all_named);
    std::set<std::string> roots;
    if (st.before) {
      auto g = globals_of(*st.before);
      for (const std::string &n : names)
        if (auto it = g.find(n); it != g.end()) roots.insert(it->second);
    }
    for (const SnapObject &o : a.objects) {
      const CpythonNodeExtra *x = extra(st, o.key);
      if (!o.frozen || !x) continue;
      if (x->freezable == "NO")
        add(st.index, true, Invariant::I19,
            describe(a, o.key) + " is frozen although its freezability is NO", describe(a, o.key));
      else if (x->freezable == "EXPLICIT" && !was_frozen(st, o.key) && !names.empty() &&
               all_named && !roots.count(o.key))
        add(st.index, true, Invariant::I19,
            describe(a, o.key) +
                " is freezable only explicitly but this step froze it without it being a root "
                "of `freeze`",
            describe(a, o.key));
    }
  }

  void atomicity(const CpythonStep &st) { // all-or-nothing frozen flags
    bool called = false;
    freeze_root_names(st.op, nullptr, &called);
    if (st.ok || !st.before || !called) return;
    std::string flipped;
    for (const SnapObject &o : st.after->objects) {
      const SnapObject *b = st.before->find(o.key);
      if (o.frozen && b && !b->frozen && b->type_name == o.type_name && !o.is_global)
        flipped += (flipped.empty() ? "" : ", ") + describe(*st.after, o.key);
    }
    if (!flipped.empty())
      add(st.index, false, Invariant::I18,
          "the freeze failed (" + st.error_type +
              ") but left objects frozen that were mutable before it (freeze is all-or-nothing "
              "for frozen flags): " +
              flipped,
          flipped);
  }

  /// Edges of a node for the SCC checks: named edges and gc_referents.
  std::vector<std::string> successors(const CpythonStep &st, const SnapObject &o) const {
    std::vector<std::string> v;
    for (const SnapField &f : o.fields)
      if (f.target) v.push_back(*f.target);
    if (const CpythonNodeExtra *x = extra(st, o.key))
      v.insert(v.end(), x->referents.begin(), x->referents.end());
    return v;
  }

  void sccs(const CpythonStep &st) { // I18 structure
    const Snapshot &a = *st.after;
    auto rep_of = [&](const SnapObject &o) { return o.scc_rep.value_or(o.key); };
    for (const SnapObject &o : a.objects) {
      if (!o.frozen || o.scc_members.empty()) continue;
      for (const std::string &m : o.scc_members) {
        const SnapObject *mo = a.find(m);
        if (!mo) continue;
        if (!mo->frozen || (mo->scc_rep && *mo->scc_rep != o.key))
          add(st.index, true, Invariant::I18,
              describe(a, o.key) + " lists " + describe(a, m) +
                  " as a member of its SCC, but that node " +
                  (!mo->frozen ? "is not frozen" : "names " + *mo->scc_rep + " as representative"),
              describe(a, o.key) + "; " + describe(a, m));
      }
      // Strongly connected through its members' edges, when all are drawn with their edges.
      bool known = std::all_of(o.scc_members.begin(), o.scc_members.end(), [&](auto &m) {
        const SnapObject *mo = a.find(m);
        return mo && mo->leaf.empty();
      });
      if (!known || o.scc_members.size() < 2) continue;
      std::set<std::string> members(o.scc_members.begin(), o.scc_members.end());
      auto edge = [&](const std::string &from, const std::string &to) {
        auto succ = successors(st, *a.find(from));
        return std::find(succ.begin(), succ.end(), to) != succ.end();
      };
      auto reach = [&](bool forward) { // from the representative, along or against the edges
        std::set<std::string> seen{o.key};
        std::vector<std::string> todo{o.key};
        while (!todo.empty()) {
          std::string k = todo.back();
          todo.pop_back();
          for (const std::string &m : members)
            if (!seen.count(m) && (forward ? edge(k, m) : edge(m, k)))
              seen.insert(m), todo.push_back(m);
        }
        return seen.size() == members.size();
      };
      if (!reach(true) || !reach(false))
        add(st.index, true, Invariant::I18,
            "the frozen SCC represented by " + describe(a, o.key) +
                " is not strongly connected through its members' edges (over-merged)",
            describe(a, o.key));
    }
    // Cycles of frozen nodes (Tarjan on the drawn frozen nodes) share one representative.
    std::vector<const SnapObject *> frozen;
    std::unordered_map<std::string, int> index, low;
    for (const SnapObject &o : a.objects)
      if (o.frozen && !o.is_global && o.scc_rep) frozen.push_back(&o);
    std::vector<std::string> stack;
    std::unordered_set<std::string> on;
    int next = 0;
    std::function<void(const SnapObject &)> visit = [&](const SnapObject &v) {
      index[v.key] = low[v.key] = next++;
      stack.push_back(v.key);
      on.insert(v.key);
      for (const std::string &t : successors(st, v)) {
        const SnapObject *w = a.find(t);
        if (!w || !w->frozen || w->is_global || !w->scc_rep) continue;
        if (!index.count(t)) {
          visit(*w);
          low[v.key] = std::min(low[v.key], low[t]);
        } else if (on.count(t)) {
          low[v.key] = std::min(low[v.key], index[t]);
        }
      }
      if (low[v.key] != index[v.key]) return;
      std::vector<std::string> comp;
      for (;;) {
        std::string k = stack.back();
        stack.pop_back();
        on.erase(k);
        comp.push_back(k);
        if (k == v.key) break;
      }
      std::set<std::string> reps;
      for (const std::string &k : comp)
        reps.insert(rep_of(*a.find(k)));
      if (reps.size() > 1) {
        std::string w;
        for (const std::string &k : comp)
          w += (w.empty() ? "" : ", ") + describe(a, k) + " -> rep " + rep_of(*a.find(k));
        add(st.index, true, Invariant::I18,
            "frozen nodes on one cycle have different SCC representatives (split SCC): " + w, w);
      }
    };
    for (const SnapObject *o : frozen)
      if (!index.count(o->key)) visit(*o);
  }

  /// Per node of the step's snapshot_after: the root bindings and direct edges into it.
  std::unordered_map<std::string, int64_t> incoming;

  void count_incoming(const CpythonStep &st) {
    incoming.clear();
    for (auto &[name, t] : globals_of(*st.after))
      ++incoming[t];
    for (auto &[id, x] : st.after_extra)
      for (const std::string &t : x.direct_edges)
        ++incoming[t];
  }

  /// The references the snapshot shows into `members` from outside them.
  int64_t shown_references(const CpythonStep &st, const std::set<std::string> &members) const {
    int64_t n = 0;
    for (const std::string &m : members) {
      if (auto it = incoming.find(m); it != incoming.end()) n += it->second;
      if (auto x = st.after_extra.find(m); x != st.after_extra.end())
        for (const std::string &t : x->second.direct_edges)
          n -= members.count(t);
    }
    return n;
  }

  bool materialised(const CpythonStep &st, const std::set<std::string> &members) const {
    for (const std::string &m : members)
      if (const CpythonNodeExtra *x = extra(st, m); x && x->dict_materialised) return true;
    return dict_read;
  }

  void counts(const CpythonStep &st) {
    const Snapshot &a = *st.after;
    count_incoming(st);
    for (const SnapObject &o : a.objects) {
      if (!o.refcnt || o.is_global || o.kind == SnapKind::Frame) continue;
      if (o.scc_rep && *o.scc_rep != o.key) continue; // a member: its own count means nothing
      std::set<std::string> members{o.key};
      members.insert(o.scc_members.begin(), o.scc_members.end());
      int64_t shown = shown_references(st, members);
      if (*o.refcnt >= shown) continue;
      bool scc = o.frozen && o.scc_rep;
      add(st.index, true, scc ? Invariant::I18 : Invariant::I16,
          std::string(scc ? "the count of the frozen SCC represented by " : "the count of ") +
              describe(a, o.key) + " is " + std::to_string(*o.refcnt) +
              " (tracer references included) but the snapshot shows " + std::to_string(shown) +
              " references into it from outside",
          describe(a, o.key),
          scc && materialised(st, members)
              ? std::optional<std::string>(kCpythonMaterialisedDictDefect)
              : std::nullopt);
    }
    // `_out = sys.getrefcount(x)`, or a tuple of such calls (`_out = (sys.getrefcount(a),
    // sys.getrefcount(b))`, printed `(3, 2)`): exact counts, each call's argument included.
    if (!st.printed) return;
    std::vector<std::string> args;
    for (size_t at = st.op.find("getrefcount("); at != std::string::npos;
         at = st.op.find("getrefcount(", at + 1)) {
      size_t close = st.op.find(')', at);
      args.push_back(trim(st.op.substr(at + 12, close == std::string::npos ? 0 : close - at - 12)));
    }
    std::vector<int64_t> printed;
    std::string text = *st.printed;
    for (char &ch : text)
      if (ch == '(' || ch == ')' || ch == ',') ch = ' ';
    std::istringstream numbers(text);
    for (std::string n; numbers >> n;) {
      try {
        size_t used = 0;
        printed.push_back(std::stoll(n, &used));
        if (used != n.size()) return;
      } catch (const std::exception &) {
        return;
      }
    }
    if (args.empty() || printed.size() != args.size()) return;
    auto g = globals_of(a);
    for (size_t k = 0; k < args.size(); ++k) {
      const std::string &arg = args[k];
      auto it = g.find(arg);
      if (!plain_name(arg) || it == g.end()) continue;
      const SnapObject *o = a.find(it->second);
      if (!o) continue;
      std::string rep = o->scc_rep.value_or(o->key);
      std::set<std::string> members{rep};
      if (const SnapObject *r = a.find(rep))
        members.insert(r->scc_members.begin(), r->scc_members.end());
      int64_t shown = shown_references(st, members) + 1;
      if (printed[k] < shown)
        add(st.index, true, o->frozen && o->scc_rep ? Invariant::I18 : Invariant::I16,
            "sys.getrefcount(" + arg + ") printed " + std::to_string(printed[k]) + " but " +
                std::to_string(shown) +
                " references are held (the snapshot's references from outside its SCC and the "
                "call's argument)",
            describe(a, o->key),
            o->frozen && o->scc_rep && materialised(st, members)
                ? std::optional<std::string>(kCpythonMaterialisedDictDefect)
                : std::nullopt);
    }
  }
};

} // namespace

std::vector<std::string> freeze_root_names(const std::string &op, bool *all_named, bool *called) {
  std::vector<std::string> names;
  bool found = false;
  if (all_named) *all_named = true;
  for (size_t at = op.find("freeze("); at != std::string::npos; at = op.find("freeze(", at + 1)) {
    if (at > 0 && ident_char(op[at - 1])) continue; // unfreeze(, deep_freeze(: other functions
    found = true;
    int depth = 0;
    std::string arg;
    for (size_t i = at + 7; i < op.size(); ++i) {
      char c = op[i];
      if ((c == ',' || c == ')') && depth == 0) {
        std::string t = trim(arg);
        if (plain_name(t))
          names.push_back(t);
        else if (all_named && !t.empty())
          *all_named = false;
        arg.clear();
        if (c == ')') break;
        continue;
      }
      if (c == '(' || c == '[' || c == '{') ++depth;
      if (c == ')' || c == ']' || c == '}') --depth;
      arg += c;
    }
  }
  if (called) *called = found;
  return names;
}

std::vector<CpythonFinding> check_cpython_recording(const CpythonRecording &r) {
  StepChecker c{r, {}, {}, false, {}};
  c.run();
  return std::move(c.out);
}

namespace {
/// An instance whose dict was materialised: its field `__dict__` holds one.
bool has_dict(const State &h, ObjectId o) {
  const Field *f = h.find_field(o, intern("__dict__"));
  return f && f->value != kNone;
}
} // namespace

std::optional<std::string> classify_cpython_death(const std::string &stmt, const World &before) {
  const State &h = before.heap;
  for (ObjectId o = 1; o < h.object_end(); ++o)
    if (h.is_live(o) && h.obj(o).loc.is_immutable() && has_dict(h, o))
      return kCpythonDictCrashDefect; // a frozen SCC with a dict: its count is short
  bool all_named = true, called = false;
  std::vector<std::string> roots = freeze_root_names(stmt, &all_named, &called);
  if (!called || before.threads.empty() || before.threads[0].calls.empty()) return std::nullopt;
  ObjectId frame = before.threads[0].calls.back().frame;
  std::vector<ObjectId> todo;
  if (all_named) {
    for (const std::string &n : roots)
      if (const Field *f = h.find_field(frame, intern(n)); f && f->value != kNone)
        todo.push_back(f->value);
  } else {
    for (const Field &f : h.obj(frame).fields) // the roots cannot be named: all the globals
      if (f.value != kNone) todo.push_back(f.value);
  }
  std::unordered_set<ObjectId> roots_set(todo.begin(), todo.end()), seen;
  while (!todo.empty()) {
    ObjectId o = todo.back();
    todo.pop_back();
    if (o == kNone || !h.is_live(o) || !h.obj(o).loc.is_local() || !seen.insert(o).second) continue;
    if (has_dict(h, o)) return kCpythonDictCrashDefect;
    for (const Field &f : h.obj(o).fields)
      todo.push_back(f.value);
  }
  // A freeze that must fail (an object of freezability no, or explicit and not a root) over a
  // graph with a cycle: its rollback leaves the cycle's counts wrong (two objects: garbage), and
  // the runtime dies reading them.
  bool fails = std::any_of(seen.begin(), seen.end(), [&](ObjectId o) {
    Freezability f = h.obj(o).freezable;
    return f == Freezability::No || (f == Freezability::Explicit && !roots_set.count(o));
  });
  if (!fails) return std::nullopt;
  for (ObjectId start : seen) { // does some object reach itself (through local objects)?
    std::vector<ObjectId> stack;
    std::unordered_set<ObjectId> visited;
    for (const Field &f : h.obj(start).fields)
      stack.push_back(f.value);
    while (!stack.empty()) {
      ObjectId o = stack.back();
      stack.pop_back();
      if (o == start) return kCpythonRollbackCountDefect;
      if (!seen.count(o) || !visited.insert(o).second) continue;
      for (const Field &f : h.obj(o).fields)
        stack.push_back(f.value);
    }
  }
  return std::nullopt;
}

std::optional<std::string> classify_cpython_scc_count_high(const Violation &v) {
  // "the count of the frozen SCC represented by X is C but N references point into the SCC ..."
  const std::string &m = v.message;
  size_t is = m.find(" is "), but = m.find(" but ");
  if (v.invariant != Invariant::I18 || is == std::string::npos || but == std::string::npos ||
      but < is)
    return std::nullopt;
  try {
    long long count = std::stoll(m.substr(is + 4)), refs = std::stoll(m.substr(but + 5));
    if (count >= (1LL << 31)) return std::nullopt; // wrapped below 0: too low
    if (count > refs) return kCpythonUndrawnHolderGap;
  } catch (const std::exception &) {
  }
  return std::nullopt;
}

std::optional<std::string> classify_cpython_count(const Violation &v, const RecordedStep &step) {
  bool called = false;
  freeze_root_names(step.stmt, nullptr, &called);
  if (v.invariant == Invariant::I16 && called && step.outcome != "ok")
    return kCpythonRollbackCountDefect;
  return std::nullopt;
}

std::optional<std::string> classify_cpython_difference(const std::vector<Difference> &diffs,
                                                       const RecordedStep &step) {
  bool called = false;
  freeze_root_names(step.stmt, nullptr, &called);
  if (!called || step.outcome != "ok") return std::nullopt;
  // An object the model froze is mutable in the runtime, and a materialised dict the model has
  // on it or below it (the freeze's SCC) is gone in the runtime (torn down: its fields cleared).
  for (const Difference &loc : diffs) {
    if (loc.kind != DiffKind::Location || loc.expected != "local" || loc.actual != "imm") continue;
    for (const Difference &f : diffs)
      if ((f.kind == DiffKind::Field || f.kind == DiffKind::ExtraObject) &&
          f.path.starts_with(loc.path + ".") && f.path.ends_with(".__dict__") &&
          f.expected.empty() && !f.actual.empty())
        return kCpythonDictTeardownDefect;
  }
  return std::nullopt;
}

} // namespace lungfish::traces
