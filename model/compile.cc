// Compiles the AST to primitives in FrankenScript's evaluation order (see code.h).
#include "model/code.h"
#include "model/text/program_text.h"

#include <set>

namespace lungfish {

std::string_view op_name(Op op) {
  static constexpr std::string_view names[] = {
      "PushNone",  "PushTrue",  "PushFalse",   "NewObject",  "NewString",  "LoadVar",
      "LoadField", "LoadIndex", "StoreVar",    "StoreField", "StoreIndex", "StoreProto",
      "SwapVar",   "SwapField", "SwapIndex",   "Eq",         "Ne",         "JumpIfFalse",
      "Jump",      "Call",      "CallMethod",  "Return",     "Pop",        "Statement",
      "IterNew",   "IterNext",  "DefFunction", "Spawn",      "Halt",       "External",
      "Yield"};
  return names[static_cast<size_t>(op)];
}

std::optional<Builtin> find_builtin(std::string_view name) {
  static const std::pair<std::string_view, Builtin> table[] = {
      {"Region", Builtin::Region},
      {"Cown", Builtin::Cown},
      {"create", Builtin::Create},
      {"freeze", Builtin::Freeze},
      {"close", Builtin::Close},
      {"is_closed", Builtin::IsClosed},
      {"merge", Builtin::Merge},
      {"dissolve", Builtin::Dissolve},
      {"is_released", Builtin::IsReleased},
      {"pass", Builtin::Pass},
      {"unreachable", Builtin::Unreachable},
      {"pragma_enable_implicit_freezing", Builtin::PragmaImplicitFreezing},
      {"breakpoint", Builtin::Display},
      {"set_freezable", Builtin::SetFreezable},
  };
  for (auto &[n, b] : table)
    if (n == name) return b;
  if (name.starts_with("mermaid_") || name.starts_with("pragma_mermaid_")) return Builtin::Display;
  return std::nullopt;
}

namespace {

class Compiler {
public:
  explicit Compiler(CompiledProgram &out) : out_(out) {
    if (out_.statements.empty()) out_.statements.push_back({}); // index 0: synthetic
  }

  /// Replay: one statement as function `fn`'s whole code; a `def` gets an External body.
  void compile_one(const Stmt &s, uint32_t fn) {
    out_.functions[fn].code.clear();
    external_defs_ = true;
    compile_stmt(fn, s);
    emit(fn, Op::Yield, s.loc.line);
  }

  void compile_main(const Program &p) {
    out_.functions.push_back(Function{"<main>", {}, {}, 1, false});
    compile_block(0, p.body);
    emit(0, Op::Halt, 0);
  }

  /// ProgramBuilder: one more top-level statement at the end of main, before its Halt.
  uint32_t append_to_main(const Stmt &s) {
    std::vector<Instr> &main = out_.functions[0].code;
    if (!main.empty() && main.back().op == Op::Halt) main.pop_back();
    uint32_t start = here(0);
    compile_stmt(0, s);
    emit(0, Op::Halt, 0);
    return start;
  }
  uint32_t iterators() const { return iter_counter_; }
  void set_iterators(uint32_t n) { iter_counter_ = n; }

private:
  CompiledProgram &out_;
  uint32_t iter_counter_ = 0;
  bool external_defs_ = false; // replay: function bodies come from the recording

  uint32_t emit(uint32_t fn, Op op, uint32_t line, uint32_t a = 0, uint32_t b = 0, uint32_t c = 0) {
    auto &code = out_.functions[fn].code;
    code.push_back(Instr{op, a, b, c, line});
    return static_cast<uint32_t>(code.size() - 1);
  }
  uint32_t here(uint32_t fn) const { return static_cast<uint32_t>(out_.functions[fn].code.size()); }
  void patch(uint32_t fn, uint32_t at, uint32_t target) { out_.functions[fn].code[at].a = target; }

  uint32_t statement(uint32_t line, std::string message) {
    out_.statements.push_back(StatementInfo{line, std::move(message)});
    return static_cast<uint32_t>(out_.statements.size() - 1);
  }
  void emit_statement(uint32_t fn, uint32_t line, const std::string &text) {
    emit(fn, Op::Statement, line, statement(line, "Line " + std::to_string(line) + ": " + text));
  }

  void compile_expr(uint32_t fn, const Expr &e, bool wants_value = true) {
    uint32_t line = e.loc.line;
    switch (e.kind) {
      case ExprKind::None:
        emit(fn, Op::PushNone, line);
        break;
      case ExprKind::True:
        emit(fn, Op::PushTrue, line);
        break;
      case ExprKind::False:
        emit(fn, Op::PushFalse, line);
        break;
      case ExprKind::NewObject:
        emit(fn, Op::NewObject, line);
        break;
      case ExprKind::String:
        emit(fn, Op::NewString, line, intern(e.name));
        break;
      case ExprKind::Var:
        emit(fn, Op::LoadVar, line, intern(e.name));
        break;
      case ExprKind::Field:
        compile_expr(fn, e.args[0]);
        emit(fn, Op::LoadField, line, intern(e.name));
        break;
      case ExprKind::Index:
        compile_expr(fn, e.args[0]);
        compile_expr(fn, e.args[1]);
        emit(fn, Op::LoadIndex, line);
        break;
      case ExprKind::Move: {
        const Expr &lv = e.args[0];
        if (lv.kind == ExprKind::Var) {
          emit(fn, Op::SwapVar, line, intern(lv.name));
        } else if (lv.kind == ExprKind::Field) {
          compile_expr(fn, lv.args[0]);
          emit(fn, Op::SwapField, line, intern(lv.name));
        } else {
          compile_expr(fn, lv.args[0]);
          compile_expr(fn, lv.args[1]);
          emit(fn, Op::SwapIndex, line);
        }
        break;
      }
      case ExprKind::Call:
        for (const Expr &a : e.args)
          compile_expr(fn, a);
        emit(fn, Op::Call, line, intern(e.name), static_cast<uint32_t>(e.args.size()),
             wants_value ? 1 : 0);
        break;
      case ExprKind::Method:
        for (const Expr &a : e.args)
          compile_expr(fn, a);
        emit(fn, Op::CallMethod, line, intern(e.name), static_cast<uint32_t>(e.args.size()),
             wants_value ? 1 : 0);
        break;
      case ExprKind::Eq:
      case ExprKind::Ne:
        compile_expr(fn, e.args[0]);
        compile_expr(fn, e.args[1]);
        emit(fn, e.kind == ExprKind::Eq ? Op::Eq : Op::Ne, line);
        break;
    }
  }

  void compile_store(uint32_t fn, const Expr &target, const Expr &value, uint32_t line) {
    switch (target.kind) {
      case ExprKind::Var:
        compile_expr(fn, value);
        emit(fn, Op::StoreVar, line, intern(target.name));
        break;
      case ExprKind::Field:
        compile_expr(fn, target.args[0]);
        compile_expr(fn, value);
        if (target.name == "__proto__")
          emit(fn, Op::StoreProto, line);
        else
          emit(fn, Op::StoreField, line, intern(target.name));
        break;
      case ExprKind::Index:
        compile_expr(fn, target.args[0]);
        compile_expr(fn, target.args[1]);
        compile_expr(fn, value);
        emit(fn, Op::StoreIndex, line);
        break;
      default: // the parser only produces lvalues here; treat anything else as an expression
        compile_expr(fn, value);
        emit(fn, Op::Pop, line);
        break;
    }
  }

  void compile_block(uint32_t fn, const std::vector<Stmt> &body) {
    for (const Stmt &s : body)
      compile_stmt(fn, s);
  }

  std::string header(const Stmt &s) const {
    // FrankenScript prints compound statements' headers up to and including ':'.
    auto colon = s.text.find(':');
    return colon == std::string::npos ? s.text : s.text.substr(0, colon + 1);
  }

  void compile_stmt(uint32_t fn, const Stmt &s) {
    uint32_t line = s.loc.line;
    switch (s.kind) {
      case StmtKind::Assign:
        compile_store(fn, s.target, s.value, line);
        emit_statement(fn, line, s.text);
        break;
      case StmtKind::Expr:
        if (s.value.kind == ExprKind::Call || s.value.kind == ExprKind::Method) {
          compile_expr(fn, s.value, /*wants_value=*/false);
        } else {
          compile_expr(fn, s.value);
          emit(fn, Op::Pop, line);
        }
        emit_statement(fn, line, s.text);
        break;
      case StmtKind::If: {
        compile_expr(fn, s.value);
        uint32_t jump_else = emit(fn, Op::JumpIfFalse, line);
        emit_statement(fn, line, header(s) + " (True)");
        compile_block(fn, s.body);
        uint32_t jump_join = emit(fn, Op::Jump, line);
        patch(fn, jump_else, here(fn));
        emit_statement(fn, line, header(s) + " (False)");
        compile_block(fn, s.orelse);
        patch(fn, jump_join, here(fn));
        break;
      }
      case StmtKind::While: {
        uint32_t start = here(fn);
        compile_expr(fn, s.value);
        uint32_t jump_break = emit(fn, Op::JumpIfFalse, line);
        emit_statement(fn, line, header(s) + " (Next)");
        compile_block(fn, s.body);
        emit(fn, Op::Jump, line, start);
        patch(fn, jump_break, here(fn));
        emit_statement(fn, line, header(s) + " (Break)");
        break;
      }
      case StmtKind::For:
        compile_for(fn, s);
        break;
      case StmtKind::Def: {
        uint32_t index = external_defs_ ? add_external_function(out_, s.name, s.params)
                                        : compile_function(s, /*behaviour=*/false);
        emit(fn, Op::DefFunction, line, index);
        emit(fn, Op::StoreVar, line, intern(s.name));
        emit_statement(fn, line, header(s));
        break;
      }
      case StmtKind::Return:
        if (s.has_value) {
          // FrankenScript assigns the variable `return`, draws the step, then returns it.
          compile_expr(fn, s.value);
          emit(fn, Op::StoreVar, line, intern("return"));
          emit_statement(fn, line, s.text);
          emit(fn, Op::LoadVar, line, intern("return"));
          emit(fn, Op::Return, line, 1);
        } else {
          emit_statement(fn, line, s.text);
          emit(fn, Op::Return, line, 0);
        }
        break;
      case StmtKind::When: {
        WhenInfo info;
        for (const auto &c : s.params)
          info.cowns.push_back(intern(c));
        info.captures = free_variables(s);
        info.function = compile_function(s, /*behaviour=*/true);
        info.line = line;
        out_.whens.push_back(std::move(info));
        emit(fn, Op::Spawn, line, static_cast<uint32_t>(out_.whens.size() - 1));
        emit_statement(fn, line, header(s));
        break;
      }
    }
  }

  // FrankenScript's desugaring of `for k, v in o:` — an iterator variable `_iter_N` whose
  // `source` is the object, `k = next(it)` until None, `v = it.source[k]`, then synthetic drops
  // at line 1 — in its two parts, shared by the whole loop and by replay's recorded steps.

  /// `_iter_N = iter(o)`; the boundary `create _iter_N`.
  void emit_for_create(uint32_t fn, const Stmt &s, Symbol iter_sym) {
    uint32_t line = s.loc.line;
    compile_expr(fn, s.target);
    emit(fn, Op::IterNew, line);
    emit(fn, Op::StoreVar, line, iter_sym);
    emit_statement(fn, line, "create " + symbol_name(iter_sym));
  }

  /// One turn: `k = next(_iter_N)`; if a key came, `v = _iter_N.source[k]` and the boundary
  /// `(Next)`. Returns the jump to patch to where the loop ends (`k` is None).
  uint32_t emit_for_turn(uint32_t fn, const Stmt &s, Symbol iter_sym) {
    uint32_t line = s.loc.line;
    Symbol key = intern(s.params[0]), value = intern(s.params[1]);
    emit(fn, Op::LoadVar, line, iter_sym);
    emit(fn, Op::IterNext, line);
    emit(fn, Op::StoreVar, line, key);
    emit(fn, Op::LoadVar, line, key);
    emit(fn, Op::PushNone, line);
    emit(fn, Op::Ne, line);
    uint32_t jump_break = emit(fn, Op::JumpIfFalse, line);
    emit(fn, Op::LoadVar, line, iter_sym);
    emit(fn, Op::LoadField, line, intern("source"));
    emit(fn, Op::LoadVar, line, key);
    emit(fn, Op::LoadIndex, line);
    emit(fn, Op::StoreVar, line, value);
    emit_statement(fn, line, header(s) + " (Next)");
    return jump_break;
  }

public:
  /// Replay: the code of one recorded `for` step.
  void compile_for_step(const Stmt &s, ForStep step, uint32_t iter_number, uint32_t fn) {
    out_.functions[fn].code.clear();
    uint32_t line = s.loc.line;
    Symbol iter_sym = intern("_iter_" + std::to_string(iter_number));
    if (step == ForStep::Create) {
      emit_for_create(fn, s, iter_sym);
    } else {
      uint32_t jump_break = emit_for_turn(fn, s, iter_sym);
      emit(fn, Op::Yield, line);
      patch(fn, jump_break, here(fn));
      emit_statement(fn, line, header(s) + " (Break)");
    }
    emit(fn, Op::Yield, line);
  }

private:
  void compile_for(uint32_t fn, const Stmt &s) {
    uint32_t line = s.loc.line;
    Symbol iter_sym = intern("_iter_" + std::to_string(++iter_counter_));
    emit_for_create(fn, s, iter_sym);
    uint32_t start = here(fn);
    uint32_t jump_break = emit_for_turn(fn, s, iter_sym);
    compile_block(fn, s.body);
    emit(fn, Op::Jump, line, start);
    patch(fn, jump_break, here(fn));
    emit_statement(fn, line, header(s) + " (Break)");
    emit(fn, Op::PushNone, line);
    emit(fn, Op::StoreVar, line, intern(s.params[1]));
    emit_statement(fn, 1, "drop " + s.params[1]);
    emit(fn, Op::PushNone, line);
    emit(fn, Op::StoreVar, line, iter_sym);
    emit_statement(fn, 1, "drop " + symbol_name(iter_sym));
  }

  uint32_t compile_function(const Stmt &s, bool behaviour) {
    uint32_t index = static_cast<uint32_t>(out_.functions.size());
    Function f;
    f.name = behaviour ? "<when>" : s.name;
    f.line = s.loc.line;
    f.is_behaviour = behaviour;
    if (!behaviour)
      for (const auto &p : s.params)
        f.params.push_back(intern(p));
    out_.functions.push_back(std::move(f));
    uint32_t line = s.loc.line;
    if (!behaviour) emit_statement(index, line, header(s) + " (Enter)");
    compile_block(index, s.body);
    if (!behaviour) emit_statement(index, line, header(s) + " (Exit)");
    emit(index, Op::Return, line, 0);
    return index;
  }

  // The names a `when` body reads before (or without) assigning them: its captures.
  static void reads_of(const Expr &e, std::set<std::string> &out) {
    if (e.kind == ExprKind::Var) out.insert(e.name);
    if (e.kind == ExprKind::Call && !is_builtin_name(e.name)) out.insert(e.name);
    for (const Expr &a : e.args)
      reads_of(a, out);
  }
  static void reads_of(const std::vector<Stmt> &body, std::set<std::string> &out) {
    for (const Stmt &s : body) {
      if (s.kind == StmtKind::Assign && s.target.kind != ExprKind::Var) reads_of(s.target, out);
      if (s.kind == StmtKind::For) reads_of(s.target, out);
      if (s.kind != StmtKind::Def) reads_of(s.value, out);
      if (s.kind == StmtKind::When)
        for (const auto &c : s.params)
          out.insert(c);
      if (s.kind != StmtKind::Def) {
        reads_of(s.body, out);
        reads_of(s.orelse, out);
      }
    }
  }
  static std::vector<Symbol> free_variables(const Stmt &when) {
    std::set<std::string> reads;
    reads_of(when.body, reads);
    for (const auto &c : when.params)
      reads.erase(c);
    std::vector<Symbol> out;
    for (const auto &n : reads)
      out.push_back(intern(n));
    return out;
  }
};

} // namespace

uint32_t add_external_function(CompiledProgram &into, const std::string &name,
                               const std::vector<std::string> &params) {
  Function f;
  f.name = name;
  for (const auto &p : params)
    f.params.push_back(intern(p));
  f.code.push_back(Instr{Op::External, 0, 0, 0, 0});
  into.functions.push_back(std::move(f));
  return static_cast<uint32_t>(into.functions.size() - 1);
}

void compile_for_step(const Stmt &for_stmt, ForStep step, uint32_t iter, CompiledProgram &into,
                      uint32_t function) {
  if (into.statements.empty()) into.statements.push_back({});
  while (into.functions.size() <= function)
    into.functions.push_back(Function{});
  Compiler c(into);
  c.compile_for_step(for_stmt, step, iter, function);
}

void compile_statement(const Stmt &stmt, CompiledProgram &into, uint32_t function) {
  if (into.statements.empty()) into.statements.push_back({});
  while (into.functions.size() <= function)
    into.functions.push_back(Function{});
  Compiler c(into);
  c.compile_one(stmt, function);
}

struct ProgramBuilder::Impl {
  explicit Impl(CompiledProgram &p) : compiler(p) {}
  Compiler compiler;
};

ProgramBuilder::ProgramBuilder() : program_(std::make_shared<CompiledProgram>()) {
  clear();
}

ProgramBuilder::~ProgramBuilder() = default;

void ProgramBuilder::clear() {
  *program_ = CompiledProgram{};
  program_->statements.push_back({}); // index 0: synthetic
  program_->functions.push_back(Function{"<main>", {}, {Instr{Op::Halt, 0, 0, 0, 0}}, 1, false});
  impl_ = std::make_unique<Impl>(*program_);
  lines_ = 0;
}

ProgramBuilder::Mark ProgramBuilder::mark() const {
  const CompiledProgram &p = *program_;
  return Mark{p.functions[0].code.size() - 1,
              p.functions.size(),
              p.statements.size(),
              p.whens.size(),
              impl_->compiler.iterators(),
              lines_};
}

uint32_t ProgramBuilder::append(Stmt s) {
  number_statement(s, lines_);
  return impl_->compiler.append_to_main(s); // (the builder keeps no AST: the code is the program)
}

void ProgramBuilder::rollback(const Mark &m) {
  CompiledProgram &p = *program_;
  p.functions.resize(m.functions);
  p.functions[0].code.resize(m.main_length);
  p.functions[0].code.push_back(Instr{Op::Halt, 0, 0, 0, 0});
  p.statements.resize(m.statements);
  p.whens.resize(m.whens);
  impl_->compiler.set_iterators(m.iterators);
  lines_ = m.lines;
}

std::shared_ptr<const CompiledProgram> compile(const Program &program) {
  auto out = std::make_shared<CompiledProgram>();
  out->ast = program;
  Compiler c(*out);
  c.compile_main(program);
  return out;
}

} // namespace lungfish
