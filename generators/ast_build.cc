#include "generators/ast_build.h"

#include "model/text/program_text.h"

namespace lungfish::gen {

Expr e_none() {
  return Expr{ExprKind::None, "", {}, {}};
}
Expr e_new() {
  return Expr{ExprKind::NewObject, "", {}, {}};
}
Expr e_str(const std::string &text) {
  return Expr{ExprKind::String, text, {}, {}};
}
Expr e_var(const std::string &name) {
  return Expr{ExprKind::Var, name, {}, {}};
}
Expr e_field(Expr base, const std::string &field) {
  return Expr{ExprKind::Field, field, {std::move(base)}, {}};
}
Expr e_index(Expr base, Expr key) {
  return Expr{ExprKind::Index, "", {std::move(base), std::move(key)}, {}};
}
Expr e_move(Expr lvalue) {
  return Expr{ExprKind::Move, "", {std::move(lvalue)}, {}};
}
Expr e_call(const std::string &name, std::vector<Expr> args) {
  return Expr{ExprKind::Call, name, std::move(args), {}};
}

Stmt s_assign(Expr target, Expr value) {
  Stmt s;
  s.kind = StmtKind::Assign;
  s.target = std::move(target);
  s.value = std::move(value);
  return s;
}
Stmt s_drop(Expr target) {
  Stmt s = s_assign(std::move(target), e_none());
  s.is_drop = true;
  return s;
}
Stmt s_expr(Expr value) {
  Stmt s;
  s.kind = StmtKind::Expr;
  s.value = std::move(value);
  return s;
}
Stmt s_def(const std::string &name, std::vector<std::string> params, std::vector<Stmt> body) {
  Stmt s;
  s.kind = StmtKind::Def;
  s.name = name;
  s.params = std::move(params);
  s.body = std::move(body);
  return s;
}
Stmt s_return(Expr value) {
  Stmt s;
  s.kind = StmtKind::Return;
  s.has_value = true;
  s.value = std::move(value);
  return s;
}
Stmt s_when(std::vector<std::string> cowns, std::vector<Stmt> body) {
  Stmt s;
  s.kind = StmtKind::When;
  s.params = std::move(cowns);
  s.body = std::move(body);
  return s;
}
Stmt s_for(const std::string &key, const std::string &value, Expr target, std::vector<Stmt> body) {
  Stmt s;
  s.kind = StmtKind::For;
  s.params = {key, value};
  s.target = std::move(target);
  s.body = std::move(body);
  return s;
}

void number_lines(Program &p) {
  number_program_lines(p);
  assign_statement_texts(p);
}

size_t count_statements(const std::vector<Stmt> &body) {
  size_t n = 0;
  for (const Stmt &s : body)
    n += 1 + count_statements(s.body) + count_statements(s.orelse);
  return n;
}

bool has_when(const std::vector<Stmt> &body) {
  for (const Stmt &s : body)
    if (s.kind == StmtKind::When || has_when(s.body) || has_when(s.orelse)) return true;
  return false;
}

bool has_non_call_expression_statement(const std::vector<Stmt> &body) {
  for (const Stmt &s : body)
    if ((s.kind == StmtKind::Expr && s.value.kind != ExprKind::Call &&
         s.value.kind != ExprKind::Method) ||
        has_non_call_expression_statement(s.body) || has_non_call_expression_statement(s.orelse))
      return true;
  return false;
}

} // namespace lungfish::gen
