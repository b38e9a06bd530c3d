// Building program trees by hand: small constructors used by the generators, the shrinker and
// the enumerator, plus line numbering that matches print_program's layout.
#pragma once

#include "model/ast.h"

#include <string>
#include <vector>

namespace lungfish::gen {

Expr e_none();
Expr e_new();
Expr e_str(const std::string &text);
Expr e_var(const std::string &name);
Expr e_field(Expr base, const std::string &field);
Expr e_index(Expr base, Expr key);
Expr e_move(Expr lvalue);
Expr e_call(const std::string &name, std::vector<Expr> args);

Stmt s_assign(Expr target, Expr value);
Stmt s_drop(Expr target);
Stmt s_expr(Expr value);
Stmt s_def(const std::string &name, std::vector<std::string> params, std::vector<Stmt> body);
Stmt s_return(Expr value);
Stmt s_when(std::vector<std::string> cowns, std::vector<Stmt> body);
Stmt s_for(const std::string &key, const std::string &value, Expr target, std::vector<Stmt> body);

/// Sets every statement's line as print_program lays it out (one line each, `else:` its own)
/// and its text, so that a generated program reports the lines of its printed form.
void number_lines(Program &p);

/// The number of statements, nested ones included.
size_t count_statements(const std::vector<Stmt> &body);

/// True if the program contains a `when` anywhere.
bool has_when(const std::vector<Stmt> &body);
/// Whether some statement is an expression other than a call (`move x.f` alone): FrankenScript's
/// grammar has no such statement (probe: "unexpected move, expected a assign, ... call or method").
bool has_non_call_expression_statement(const std::vector<Stmt> &body);

} // namespace lungfish::gen
