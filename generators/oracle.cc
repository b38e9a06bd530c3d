#include "generators/oracle.h"

#include "generators/ast_build.h"
#include "model/code.h"

#include <algorithm>
#include <optional>
#include <set>

namespace lungfish::gen {

namespace {

/// Runs the machine until the main program's statement at line `sentinel` (at
/// top level) and keeps the world there; behaviours, which run after the main
/// program, never start.
OracleRun run_to_sentinel(Machine &m, uint32_t sentinel) {
  OracleRun out;
  m.run([&](const Machine &mm, const Event &e) {
    if (e.kind == EventKind::Statement && e.thread == 0 && e.line == sentinel &&
        mm.world().threads[0].calls.size() == 1) {
      out.completed = true;
      out.world = mm.world();
      return false; // stop before behaviours run
    }
    return true;
  });
  out.error = m.error();
  return out;
}

MachineOptions oracle_options(Profile profile) {
  MachineOptions mo;
  mo.profile = profile;
  mo.record_history = false; // the oracle never reports histories
  mo.max_steps = 100000; // generated programs are short; a guard against loops
  return mo;
}

} // namespace

OracleRun run_oracle(const std::vector<Stmt> &body, Profile profile) {
  Program p;
  p.body = body;
  p.body.push_back(s_expr(e_call("pass", {})));
  number_lines(p);
  uint32_t sentinel = p.body.back().loc.line;
  Machine m(compile(p), oracle_options(profile));
  return run_to_sentinel(m, sentinel);
}

OracleRun run_oracle_after(const std::vector<Stmt> &body,
                           const World &prefix_world, Profile profile) {
  if (body.empty())
    return run_oracle(body, profile);
  Program p;
  p.body = body;
  p.body.push_back(s_expr(e_call("pass", {})));
  number_lines(p);
  uint32_t sentinel = p.body.back().loc.line;
  uint32_t start_line = p.body[body.size() - 1].loc.line;
  auto compiled = compile(p);
  // The last statement's code follows the prefix's in the top-level function;
  // its instructions carry its line, which no other top-level statement has.
  const std::vector<Instr> &code = compiled->functions[0].code;
  std::optional<uint32_t> pc;
  for (uint32_t i = 0; i < code.size() && !pc; ++i)
    if (code[i].line == start_line)
      pc = i;
  if (!pc)
    return run_oracle(body, profile);
  Machine m(compiled, oracle_options(profile));
  m.adopt(prefix_world);
  m.restore(0, {0, *pc});
  return run_to_sentinel(m, sentinel);
}

HeapView::HeapView(const World &w) : w_(w) {
  if (w.threads.empty() || w.threads[0].calls.empty())
    return;
  ObjectId frame = w.threads[0].calls.front().frame;
  if (!w.heap.is_live(frame))
    return;
  for (const Field &f : w.heap.obj(frame).fields) {
    const std::string &name = symbol_name(f.name);
    // `_iter_N` (a for loop's iterator) and `return` are the compiler's, not
    // the program's
    if (name.empty() || name[0] == '_' || name == "return")
      continue;
    vars_.emplace_back(name, f.value);
  }
  std::sort(vars_.begin(), vars_.end());
}

std::vector<std::string> HeapView::vars_of(Cls c) const {
  std::vector<std::string> out;
  for (const auto &[name, v] : vars_)
    if (cls(v) == c)
      out.push_back(name);
  return out;
}

ObjectId HeapView::value(const std::string &name) const {
  for (const auto &[n, v] : vars_)
    if (n == name)
      return v;
  return kNone;
}

Cls HeapView::cls(ObjectId o) const {
  const State &h = w_.heap;
  if (o == kNone || !h.is_live(o))
    return Cls::None;
  const Object &ob = h.obj(o);
  if (ob.kind == ObjectKind::Cown)
    return ob.status == CownStatus::Pending ? Cls::CownPending
                                            : Cls::CownReleased;
  if (ob.loc.is_immutable())
    return Cls::Frozen;
  if (ob.kind == ObjectKind::Function)
    return Cls::Function;
  if (ob.loc.is_region())
    return h.is_bridge(o) ? Cls::Bridge : Cls::Regional;
  return Cls::Local;
}

RegionId HeapView::region(ObjectId o) const {
  if (o == kNone || !w_.heap.is_live(o))
    return kNoRegion;
  return w_.heap.region_of(o);
}

ParentKind HeapView::parent_kind(ObjectId o) const {
  RegionId r = region(o);
  return r == kNoRegion ? ParentKind::None : w_.heap.region(r).parent_kind;
}

RegionId HeapView::root(RegionId r) const {
  const State &h = w_.heap;
  for (size_t guard = 0; r != kNoRegion && guard < h.region_end(); ++guard) {
    const Region &g = h.region(r);
    if (g.parent_kind != ParentKind::Region)
      return r;
    r = g.parent;
  }
  return r;
}

std::vector<std::string> HeapView::fields(ObjectId o) const {
  std::vector<std::string> out;
  if (o == kNone || !w_.heap.is_live(o))
    return out;
  for (const Field &f : w_.heap.obj(o).fields)
    if (f.value != kNone)
      out.push_back(symbol_name(f.name));
  return out;
}

ObjectId HeapView::field(ObjectId o, const std::string &name) const {
  if (o == kNone || !w_.heap.is_live(o))
    return kNone;
  const Field *f = w_.heap.find_field(o, intern(name));
  return f ? f->value : kNone;
}

std::optional<RuleId> HeapView::pull_result(ObjectId y, RegionId a) const {
  const State &h = w_.heap;
  std::set<ObjectId> seen;
  std::set<RegionId> bridges;
  std::vector<ObjectId> todo{y};
  RegionId root_a = root(a);
  while (!todo.empty()) {
    ObjectId o = todo.back();
    todo.pop_back();
    if (o == kNone || !h.is_live(o) || !seen.insert(o).second)
      continue;
    Cls c = cls(o);
    if (c == Cls::Frozen || c == Cls::CownPending || c == Cls::CownReleased)
      continue;
    if (c == Cls::Bridge || c == Cls::Regional) {
      RegionId s = region(o);
      if (s == a)
        continue;
      if (c == Cls::Regional)
        return RuleId::PullOtherRegion;
      if (h.region(s).parent_kind != ParentKind::None ||
          !bridges.insert(s).second)
        return RuleId::PullHasParent;
      if (s == root_a)
        return RuleId::PullCycle;
      continue;
    }
    todo.push_back(h.obj(o).proto);
    for (const Field &f : h.obj(o).fields)
      todo.push_back(f.value);
  }
  return std::nullopt;
}

bool HeapView::local_proto_into(RegionId r) const {
  const State &h = w_.heap;
  for (ObjectId o = 1; o < h.object_end(); ++o) {
    if (!h.is_live(o) || !h.obj(o).loc.is_local())
      continue;
    RegionId t = region(h.obj(o).proto);
    for (size_t guard = 0; t != kNoRegion && guard < h.region_end(); ++guard) {
      if (t == r)
        return true;
      if (h.region(t).parent_kind != ParentKind::Region)
        break;
      t = h.region(t).parent;
    }
  }
  return false;
}

} // namespace lungfish::gen
