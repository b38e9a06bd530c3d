#include "generators/oracle.h"

#include "model/pull.h"

#include "generators/ast_build.h"
#include "model/code.h"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

namespace lungfish::gen {

namespace {

/// Runs the machine until the main program's statement at line `sentinel` (at top level) and
/// keeps the world there; behaviours, which run after the main program, never start.
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
  mo.max_steps = 100000;     // generated programs are short; a guard against loops
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

OracleRun run_oracle_after(const std::vector<Stmt> &body, const World &prefix_world,
                           Profile profile) {
  if (body.empty()) return run_oracle(body, profile);
  Program p;
  p.body = body;
  p.body.push_back(s_expr(e_call("pass", {})));
  number_lines(p);
  uint32_t sentinel = p.body.back().loc.line;
  uint32_t start_line = p.body[body.size() - 1].loc.line;
  auto compiled = compile(p);
  // The last statement's code follows the prefix's in the top-level function; its instructions
  // carry its line, which no other top-level statement has.
  const std::vector<Instr> &code = compiled->functions[0].code;
  std::optional<uint32_t> pc;
  for (uint32_t i = 0; i < code.size() && !pc; ++i)
    if (code[i].line == start_line) pc = i;
  if (!pc) return run_oracle(body, profile);
  Machine m(compiled, oracle_options(profile));
  m.adopt(prefix_world);
  m.restore(0, {0, *pc});
  return run_to_sentinel(m, sentinel);
}

PrefixOracle::PrefixOracle(Profile profile) {
  Program p;
  p.body.push_back(s_expr(e_call("pass", {})));
  sentinel_ = std::move(p.body[0]);
  reset(profile);
}

void PrefixOracle::reset(Profile profile) {
  options_ = oracle_options(profile);
  error_.reset();
  builder_.clear();
  mark_ = builder_.mark();
  // The start (the sentinel alone: the state run_oracle({}) stops at) is the same for every
  // program of a profile: computed once per thread and profile, then copied (assigning into
  // this oracle's machine reuses its buffers).
  thread_local std::vector<std::unique_ptr<Machine>> starts;
  const size_t k = static_cast<size_t>(profile);
  if (starts.size() <= k) starts.resize(k + 1);
  if (!starts[k]) {
    machine_ = std::make_unique<Machine>(builder_.program(), options_);
    bool ok = run_candidate(nullptr, *machine_);
    builder_.rollback(mark_);
    if (!ok) { // cannot happen (`pass()` is never rejected); do not cache it
      error_ = machine_->error();
      return;
    }
    starts[k] = std::make_unique<Machine>(*machine_);
    return;
  }
  if (machine_)
    *machine_ = *starts[k];
  else
    machine_ = std::make_unique<Machine>(*starts[k]);
  machine_->set_program(builder_.program());
}

std::unique_ptr<PrefixOracle> PrefixOracle::acquire(Profile profile) {
  std::vector<std::unique_ptr<PrefixOracle>> &pool = pool_for_thread();
  if (pool.empty()) return std::make_unique<PrefixOracle>(profile);
  std::unique_ptr<PrefixOracle> o = std::move(pool.back());
  pool.pop_back();
  o->reset(profile);
  return o;
}

void PrefixOracle::release(std::unique_ptr<PrefixOracle> oracle) {
  std::vector<std::unique_ptr<PrefixOracle>> &pool = pool_for_thread();
  if (oracle && pool.size() < 4) pool.push_back(std::move(oracle));
}

std::vector<std::unique_ptr<PrefixOracle>> &PrefixOracle::pool_for_thread() {
  thread_local std::vector<std::unique_ptr<PrefixOracle>> pool;
  return pool;
}

bool PrefixOracle::try_append(const Stmt &s) {
  // The one copy of the heap a candidate costs; assigning into the spare machine reuses the
  // buffers of the heap it held.
  if (spare_)
    *spare_ = *machine_;
  else
    spare_ = std::make_unique<Machine>(*machine_);
  if (!run_candidate(&s, *spare_)) {
    error_ = spare_->error();
    builder_.rollback(mark_);
    return false;
  }
  machine_.swap(spare_);
  mark_ = after_candidate_;
  error_.reset();
  return true;
}

bool PrefixOracle::run_candidate(const Stmt *s, Machine &m) {
  // The program is the accepted prefix, the candidate, then the sentinel: the builder compiles
  // and numbers them as compile() would the whole program; the machine, stopped after the
  // prefix, goes on from the candidate's first instruction to the sentinel's boundary.
  builder_.rollback(mark_);
  uint32_t start = static_cast<uint32_t>(mark_.main_length);
  if (s) builder_.append(*s);
  after_candidate_ = builder_.mark();
  builder_.append(sentinel_);
  const uint32_t sentinel = builder_.lines();
  m.restore(0, {0, start});
  Event event;
  for (;;) {
    if (m.run_until_pause(0, event) != Machine::Pause::Statement) return false;
    if (event.line == sentinel && m.world().threads[0].calls.size() == 1) return true;
  }
}

HeapView::HeapView(const World &w) : w_(w) {
  if (w.threads.empty() || w.threads[0].calls.empty()) return;
  ObjectId frame = w.threads[0].calls.front().frame;
  if (!w.heap.is_live(frame)) return;
  for (const Field &f : w.heap.obj(frame).fields) {
    const std::string &name = symbol_name(f.name);
    // `_iter_N` (a for loop's iterator) and `return` are the compiler's, not the program's
    if (name.empty() || name[0] == '_' || name == "return") continue;
    vars_.emplace_back(name, f.value);
  }
  // Frames keep their fields in name order already (State::set_field_raw).
  if (!std::is_sorted(vars_.begin(), vars_.end())) std::sort(vars_.begin(), vars_.end());
}

std::vector<std::string> HeapView::vars_of(Cls c) const {
  std::vector<std::string> out;
  for (const auto &[name, v] : vars_)
    if (cls(v) == c) out.emplace_back(name);
  return out;
}

ObjectId HeapView::value(const std::string &name) const {
  for (const auto &[n, v] : vars_)
    if (n == name) return v;
  return kNone;
}

Cls HeapView::cls(ObjectId o) const {
  const State &h = w_.heap;
  if (o == kNone || !h.is_live(o)) return Cls::None;
  const Object &ob = h.obj(o);
  if (ob.kind == ObjectKind::Cown)
    return ob.status == CownStatus::Pending ? Cls::CownPending : Cls::CownReleased;
  if (ob.loc.is_immutable()) return Cls::Frozen;
  if (ob.kind == ObjectKind::Function) return Cls::Function;
  if (ob.loc.is_region()) return h.is_bridge(o) ? Cls::Bridge : Cls::Regional;
  return Cls::Local;
}

RegionId HeapView::region(ObjectId o) const {
  if (o == kNone || !w_.heap.is_live(o)) return kNoRegion;
  return w_.heap.region_of(o);
}

ParentKind HeapView::parent_kind(ObjectId o) const {
  RegionId r = region(o);
  return r == kNoRegion ? ParentKind::None : w_.heap.region(r).parent_kind;
}

RegionId HeapView::root(RegionId r) const {
  return r == kNoRegion ? r : tree_root(w_.heap, r);
}

std::vector<std::string> HeapView::fields(ObjectId o) const {
  std::vector<std::string> out;
  if (o == kNone || !w_.heap.is_live(o)) return out;
  for (const Field &f : w_.heap.obj(o).fields)
    if (f.value != kNone) out.push_back(symbol_name(f.name));
  return out;
}

bool HeapView::has_fields(ObjectId o) const {
  if (o == kNone || !w_.heap.is_live(o)) return false;
  for (const Field &f : w_.heap.obj(o).fields)
    if (f.value != kNone) return true;
  return false;
}

ObjectId HeapView::field(ObjectId o, const std::string &name) const {
  if (o == kNone || !w_.heap.is_live(o)) return kNone;
  const Field *f = w_.heap.find_field(o, intern(name));
  return f ? f->value : kNone;
}

std::optional<RuleId> HeapView::pull_result(ObjectId y, RegionId a) const {
  // The model's own plan: the generator offers a value only if the machine would accept it.
  PullPlan plan = plan_pull(w_.heap, y, a, /*implicit_freezing=*/false);
  if (plan.failures.empty()) return std::nullopt;
  return plan.failures.front().rule;
}

bool HeapView::local_proto_into(RegionId r) const {
  const State &h = w_.heap;
  for (ObjectId o = 1; o < h.object_end(); ++o) {
    if (!h.is_live(o) || !h.obj(o).loc.is_local()) continue;
    RegionId t = region(h.obj(o).proto);
    for (size_t guard = 0; t != kNoRegion && guard < h.region_end(); ++guard) {
      if (t == r) return true;
      if (h.region(t).parent_kind != ParentKind::Region) break;
      t = h.region(t).parent;
    }
  }
  return false;
}

} // namespace lungfish::gen
