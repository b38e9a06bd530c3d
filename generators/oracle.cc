#include "generators/oracle.h"

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

namespace {

// Line numbering as number_lines (generators/ast_build.cc) does it, from a given line on.
void number_expr(Expr &e, uint32_t line) {
  e.loc = SourceLoc{line, 1};
  for (Expr &a : e.args)
    number_expr(a, line);
}

void number_block(std::vector<Stmt> &body, uint32_t &line);

void number_stmt(Stmt &s, uint32_t line) {
  s.loc = SourceLoc{line, 1};
  number_expr(s.target, line);
  number_expr(s.value, line);
}

void number_block(std::vector<Stmt> &body, uint32_t &line) {
  for (Stmt &s : body) {
    number_stmt(s, ++line);
    number_block(s.body, line);
    if (s.kind == StmtKind::If && s.has_else) {
      ++line; // `else:`
      number_block(s.orelse, line);
    }
  }
}

bool has_def(const std::vector<Stmt> &body) {
  for (const Stmt &s : body)
    if (s.kind == StmtKind::Def || has_def(s.body) || has_def(s.orelse)) return true;
  return false;
}

/// `for` statements anywhere in body: each one takes the next `_iter_N` when compiled.
uint32_t count_fors(const std::vector<Stmt> &body) {
  uint32_t n = 0;
  for (const Stmt &s : body)
    n += (s.kind == StmtKind::For) + count_fors(s.body) + count_fors(s.orelse);
  return n;
}

} // namespace

PrefixOracle::PrefixOracle(Profile profile) {
  reset(profile);
}

void PrefixOracle::reset(Profile profile) {
  options_ = oracle_options(profile);
  error_.reset();
  lines_ = iterators_ = main_length_ = 0;
  functions_ = statements_ = 1;
  whens_ = 0;
  // The start (the sentinel alone: the state run_oracle({}) stops at) is the same for every
  // program of a profile: computed once per thread and profile, then copied (assigning into
  // this oracle's program and machine reuses their buffers).
  struct Start {
    CompiledProgram program;
    std::optional<Machine> machine;
  };
  thread_local std::vector<std::unique_ptr<Start>> starts;
  const size_t k = static_cast<size_t>(profile);
  if (starts.size() <= k) starts.resize(k + 1);
  if (!program_) program_ = std::make_shared<CompiledProgram>();
  if (!starts[k]) {
    *program_ = CompiledProgram{};
    program_->statements.push_back({}); // index 0: synthetic
    program_->functions.push_back(Function{"<main>", {}, {}, 1, false});
    machine_ = std::make_unique<Machine>(program_, options_);
    uint32_t lines = 0, length = 0, iterators = 0;
    bool ok = run_candidate(nullptr, *machine_, lines, length, iterators);
    rollback();
    if (!ok) { // cannot happen (`pass()` is never rejected); do not cache it
      error_ = machine_->error();
      return;
    }
    starts[k] = std::make_unique<Start>(Start{*program_, *machine_});
    return;
  }
  *program_ = starts[k]->program;
  if (machine_)
    *machine_ = *starts[k]->machine;
  else
    machine_ = std::make_unique<Machine>(*starts[k]->machine);
  machine_->set_program(program_);
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
  Machine &m = *spare_;
  uint32_t lines = 0, length = 0, iterators = 0;
  if (!run_candidate(&s, m, lines, length, iterators)) {
    error_ = m.error();
    rollback();
    return false;
  }
  machine_.swap(spare_);
  error_.reset();
  lines_ += lines;
  main_length_ += length;
  iterators_ += iterators;
  functions_ = program_->functions.size();
  statements_ = program_->statements.size();
  whens_ = program_->whens.size();
  return true;
}

void PrefixOracle::rollback() {
  CompiledProgram &p = *program_;
  p.functions.resize(functions_);
  p.functions[0].code.resize(main_length_);
  p.statements.resize(statements_);
  p.whens.resize(whens_);
}

bool PrefixOracle::run_candidate(const Stmt *s, Machine &m, uint32_t &candidate_lines,
                                 uint32_t &candidate_length, uint32_t &candidate_iterators) {
  // Number the candidate and the sentinel as number_lines numbers the whole program. The
  // candidate is copied into a reused slot (its line numbers are set on the copy). Statement
  // texts are left out: they only make the statement events' messages, which the oracle never
  // reports (the world, the completion and the rejection do not depend on them).
  std::vector<Stmt> &body = candidate_.body;
  body.resize(s ? 1 : 0);
  if (s) body[0] = *s;
  uint32_t line = lines_;
  number_block(body, line);
  candidate_lines = line - lines_;
  const uint32_t sentinel = line + 1;
  if (sentinel_.text.empty()) {
    Program p;
    p.body.push_back(s_expr(e_call("pass", {})));
    number_lines(p);
    sentinel_ = std::move(p.body[0]);
  }
  number_stmt(sentinel_, sentinel);
  candidate_iterators = count_fors(body);
  // The layout compile() gives (main: the candidate, the sentinel, Halt; then the candidate's
  // functions), built with compile_statement into a reused scratch program: no copy of the AST,
  // no allocation of a program. compile_statement gives `def` an External body, so a candidate
  // with a `def` is compiled whole.
  std::shared_ptr<const CompiledProgram> whole;
  if (has_def(body)) {
    Program p;
    p.body = {body[0], sentinel_};
    whole = compile(p);
  }
  const CompiledProgram &c = whole ? *whole : scratch_;
  if (!whole) {
    scratch_.functions.resize(1);
    scratch_.statements.resize(1);
    scratch_.whens.clear();
    scratch_.functions[0].code.clear();
    if (s) {
      compile_statement(body[0], scratch_, 0);
      scratch_.functions[0].code.pop_back(); // its Yield
    }
    // The sentinel's code, compiled once (at line 1), moved to its line.
    if (sentinel_code_.empty()) {
      CompiledProgram one;
      Stmt at_one = sentinel_;
      number_stmt(at_one, 1);
      compile_statement(at_one, one, 0);
      sentinel_code_.assign(one.functions[0].code.begin(), one.functions[0].code.end() - 1);
      sentinel_message_ = one.statements.back().message.substr(std::string("Line 1").size());
    }
    std::vector<Instr> &main = scratch_.functions[0].code;
    for (Instr in : sentinel_code_) {
      in.line = sentinel;
      if (in.op == Op::Statement) {
        in.a = static_cast<uint32_t>(scratch_.statements.size());
        scratch_.statements.push_back(
            StatementInfo{sentinel, "Line " + std::to_string(sentinel) + sentinel_message_});
      }
      main.push_back(in);
    }
    main.push_back(Instr{Op::Halt, 0, 0, 0, 0});
  }

  // Splice its code after the prefix's, with the indices a compilation of the whole program
  // would give: functions, `when`s and statements are numbered after the prefix's, main's jumps
  // are offset by the prefix's code, and `_iter_k` becomes `_iter_<prefix's loops + k>`.
  rollback();
  CompiledProgram &into = *program_;
  const uint32_t function_offset = static_cast<uint32_t>(functions_ - 1);
  const uint32_t statement_offset = static_cast<uint32_t>(statements_ - 1);
  const uint32_t when_offset = static_cast<uint32_t>(whens_);
  std::vector<std::pair<Symbol, Symbol>> iterator_names;
  std::vector<std::pair<std::string, std::string>> iterator_texts;
  if (iterators_)
    for (uint32_t k = 1; k <= candidate_iterators; ++k) {
      std::string from = "_iter_" + std::to_string(k),
                  to = "_iter_" + std::to_string(iterators_ + k);
      iterator_names.emplace_back(intern(from), intern(to));
      iterator_texts.emplace_back(" " + from, " " + to);
    }
  auto fix = [&](Instr in, bool main) {
    switch (in.op) {
      case Op::Statement:
        in.a += statement_offset;
        break;
      case Op::DefFunction:
        in.a += function_offset;
        break;
      case Op::Spawn:
        in.a += when_offset;
        break;
      case Op::Jump:
      case Op::JumpIfFalse:
        if (main) in.a += main_length_;
        break;
      case Op::LoadVar:
      case Op::StoreVar:
        for (const auto &[from, to] : iterator_names)
          if (in.a == from) {
            in.a = to;
            break;
          }
        break;
      default:
        break;
    }
    return in;
  };
  const std::vector<Instr> &main_code = c.functions[0].code;
  candidate_length = static_cast<uint32_t>(main_code.size());
  for (uint32_t i = 0; i < main_code.size(); ++i) {
    if (main_code[i].line == sentinel && candidate_length == main_code.size())
      candidate_length = i; // the sentinel's code starts here
    into.functions[0].code.push_back(fix(main_code[i], true));
  }
  for (size_t f = 1; f < c.functions.size(); ++f) {
    Function fn = c.functions[f];
    for (Instr &in : fn.code)
      in = fix(in, false);
    into.functions.push_back(std::move(fn));
  }
  for (size_t i = 1; i < c.statements.size(); ++i) {
    StatementInfo info = whole ? c.statements[i] : std::move(scratch_.statements[i]);
    for (const auto &[from, to] : iterator_texts)
      if (info.message.ends_with(from)) {
        info.message.replace(info.message.size() - from.size(), from.size(), to);
        break;
      }
    into.statements.push_back(std::move(info));
  }
  for (WhenInfo w : c.whens) {
    w.function += function_offset;
    into.whens.push_back(std::move(w));
  }

  // Run from the candidate's first instruction to the sentinel, as run_oracle's observer does.
  m.restore(0, {0, main_length_});
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
  const State &h = w_.heap;
  for (size_t guard = 0; r != kNoRegion && guard < h.region_end(); ++guard) {
    const Region &g = h.region(r);
    if (g.parent_kind != ParentKind::Region) return r;
    r = g.parent;
  }
  return r;
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
  const State &h = w_.heap;
  std::set<ObjectId> seen;
  std::set<RegionId> bridges;
  std::vector<ObjectId> todo{y};
  RegionId root_a = root(a);
  while (!todo.empty()) {
    ObjectId o = todo.back();
    todo.pop_back();
    if (o == kNone || !h.is_live(o) || !seen.insert(o).second) continue;
    Cls c = cls(o);
    if (c == Cls::Frozen || c == Cls::CownPending || c == Cls::CownReleased) continue;
    if (c == Cls::Bridge || c == Cls::Regional) {
      RegionId s = region(o);
      if (s == a) continue;
      if (c == Cls::Regional) return RuleId::PullOtherRegion;
      if (h.region(s).parent_kind != ParentKind::None || !bridges.insert(s).second)
        return RuleId::PullHasParent;
      if (s == root_a) return RuleId::PullCycle;
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
