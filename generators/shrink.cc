#include "generators/shrink.h"

#include "generators/ast_build.h"
#include "model/text/program_text.h"

#include <algorithm>

namespace lungfish::gen {

namespace {

using Scope = std::set<std::string>;

void uses_expr(const Expr &e, const Scope &scope, std::set<std::string> &out) {
  if (e.kind == ExprKind::Var && !scope.count(e.name)) out.insert(e.name);
  if (e.kind == ExprKind::Call && !scope.count(e.name) && !is_builtin_name(e.name))
    out.insert(e.name);
  for (const Expr &a : e.args)
    uses_expr(a, scope, out);
}

/// The lvalue's reads: for `x.f = v` the base x is read; a bare variable is not.
void uses_target(const Expr &t, const Scope &scope, std::set<std::string> &out) {
  if (t.kind == ExprKind::Var) return;
  for (const Expr &a : t.args)
    uses_expr(a, scope, out);
}

void uses_block(const std::vector<Stmt> &body, Scope &scope, std::set<std::string> &out) {
  for (const Stmt &s : body) {
    switch (s.kind) {
      case StmtKind::Assign:
        uses_expr(s.value, scope, out);
        uses_target(s.target, scope, out);
        if (s.target.kind == ExprKind::Var) scope.insert(s.target.name);
        break;
      case StmtKind::Expr:
        if (s.value.kind == ExprKind::Move && !s.value.args.empty() &&
            s.value.args[0].kind == ExprKind::Var) {
          scope.insert(s.value.args[0].name); // `move y` defines an undefined y
          break;
        }
        uses_expr(s.value, scope, out);
        break;
      case StmtKind::Return:
        uses_expr(s.value, scope, out);
        break;
      case StmtKind::If:
      case StmtKind::While: {
        uses_expr(s.value, scope, out);
        Scope a = scope, b = scope;
        uses_block(s.body, a, out);
        uses_block(s.orelse, b, out);
        break;
      }
      case StmtKind::For: {
        uses_expr(s.target, scope, out);
        for (const std::string &n : s.params)
          scope.insert(n);
        Scope inner = scope;
        uses_block(s.body, inner, out);
        break;
      }
      case StmtKind::Def: {
        scope.insert(s.name);
        Scope inner = scope;
        for (const std::string &n : s.params)
          inner.insert(n);
        uses_block(s.body, inner, out);
        break;
      }
      case StmtKind::When: {
        for (const std::string &n : s.params)
          if (!scope.count(n)) out.insert(n);
        Scope inner = scope;
        uses_block(s.body, inner, out);
        break;
      }
    }
  }
}

/// Expression weight: None weighs nothing and a string more than `{}`, so that replacing a
/// value by None or a string by `{}` counts as a simplification.
size_t expr_nodes(const Expr &e) {
  size_t n = e.kind == ExprKind::None ? 0 : e.kind == ExprKind::String ? 2 : 1;
  for (const Expr &a : e.args)
    n += expr_nodes(a);
  return n;
}

size_t block_nodes(const std::vector<Stmt> &body) {
  size_t n = 0;
  for (const Stmt &s : body)
    n += expr_nodes(s.target) + expr_nodes(s.value) + block_nodes(s.body) + block_nodes(s.orelse);
  return n;
}

/// Smaller versions of an expression (each strictly fewer nodes or a simpler kind).
std::vector<Expr> simpler(const Expr &e) {
  std::vector<Expr> out;
  if (e.kind != ExprKind::None) out.push_back(e_none());
  if (e.kind == ExprKind::String) out.push_back(e_new());
  if ((e.kind == ExprKind::Move || e.kind == ExprKind::Field || e.kind == ExprKind::Index) &&
      !e.args.empty())
    out.push_back(e.args[0]);
  for (size_t i = 0; i < e.args.size(); ++i)
    for (Expr &a : simpler(e.args[i])) {
      Expr c = e;
      c.args[i] = std::move(a);
      out.push_back(std::move(c));
    }
  return out;
}

/// Replaces every read of variable `from` by `to` (a whole expression).
void substitute(Expr &e, const std::string &from, const Expr &to) {
  if (e.kind == ExprKind::Var && e.name == from) {
    e = to;
    return;
  }
  for (Expr &a : e.args)
    substitute(a, from, to);
}

size_t count_var(const Expr &e, const std::string &name) {
  size_t n = e.kind == ExprKind::Var && e.name == name;
  for (const Expr &a : e.args)
    n += count_var(a, name);
  return n;
}

bool assigns(const Stmt &s, const std::string &name) {
  if (s.kind == StmtKind::Assign && s.target.kind == ExprKind::Var) return s.target.name == name;
  if (s.kind == StmtKind::Expr && s.value.kind == ExprKind::Move && !s.value.args.empty() &&
      s.value.args[0].kind == ExprKind::Var)
    return s.value.args[0].name == name;
  return s.kind != StmtKind::Assign && s.kind != StmtKind::Expr; // be safe with compounds
}

/// Candidates for one body (the top level or a compound statement's), outermost first.
void candidates(const std::vector<Stmt> &body, const std::function<void(std::vector<Stmt>)> &emit) {
  size_t n = body.size();
  // 1. drop chunks, halves first
  for (size_t chunk = n; chunk >= 1; chunk /= 2) {
    for (size_t start = 0; start + chunk <= n; start += chunk) {
      std::vector<Stmt> c;
      c.insert(c.end(), body.begin(), body.begin() + static_cast<long>(start));
      c.insert(c.end(), body.begin() + static_cast<long>(start + chunk), body.end());
      emit(std::move(c));
    }
    if (chunk == 1) break;
  }
  // 2. inline `x = e` into the single later read of x (before x is assigned again)
  for (size_t i = 0; i < n; ++i) {
    const Stmt &s = body[i];
    if (s.kind != StmtKind::Assign || s.is_drop || s.target.kind != ExprKind::Var) continue;
    const std::string &x = s.target.name;
    size_t reads = 0, at = n;
    for (size_t j = i + 1; j < n; ++j) {
      size_t k = count_var(body[j].value, x) + count_var(body[j].target, x);
      if (k && at == n) at = j;
      reads += k;
      if (assigns(body[j], x) || !body[j].body.empty()) break;
    }
    if (reads != 1 || at == n) continue;
    // Into a target only an alias: `Region().f = y` is valid but reads badly in a paper.
    bool alias = s.value.kind == ExprKind::Var;
    if (count_var(body[at].value, x) != 1 && !alias) continue;
    std::vector<Stmt> c = body;
    substitute(c[at].value, x, s.value);
    if (alias && !(c[at].target.kind == ExprKind::Var && c[at].target.name == x))
      substitute(c[at].target, x, s.value);
    c.erase(c.begin() + static_cast<long>(i));
    emit(std::move(c));
  }
  // 3. simplify expressions, 4. shrink bodies of compound statements
  for (size_t i = 0; i < n; ++i) {
    for (Expr &v : simpler(body[i].value)) {
      std::vector<Stmt> c = body;
      c[i].value = std::move(v);
      emit(std::move(c));
    }
    if (body[i].target.kind != ExprKind::Var)
      for (Expr &t : simpler(body[i].target)) {
        std::vector<Stmt> c = body;
        c[i].target = std::move(t);
        emit(std::move(c));
      }
    if (!body[i].body.empty())
      candidates(body[i].body, [&](std::vector<Stmt> inner) {
        std::vector<Stmt> c = body;
        c[i].body = std::move(inner);
        emit(std::move(c));
      });
  }
}

} // namespace

std::set<std::string> undefined_uses(const Program &p) {
  std::set<std::string> out;
  Scope scope;
  uses_block(p.body, scope, out);
  return out;
}

bool well_scoped(const Program &candidate, const Program &original) {
  try {
    if (!(parse_program(print_program(candidate)) == candidate)) return false;
  } catch (const std::exception &) {
    return false;
  }
  std::set<std::string> allowed = undefined_uses(original);
  for (const std::string &n : undefined_uses(candidate))
    if (!allowed.count(n)) return false;
  return true;
}

std::pair<size_t, size_t> program_size(const Program &p) {
  return {count_statements(p.body), block_nodes(p.body)};
}

Program shrink_program(const Program &p, const std::function<bool(const Program &)> &fails,
                       size_t budget) {
  Program cur = p;
  size_t calls = 0;
  bool progress = true;
  while (progress && calls < budget) {
    progress = false;
    std::vector<Program> cands;
    candidates(cur.body, [&](std::vector<Stmt> body) {
      Program c;
      c.file = cur.file;
      c.body = std::move(body);
      if (program_size(c) < program_size(cur)) cands.push_back(std::move(c));
    });
    for (Program &c : cands) {
      if (calls >= budget) break;
      if (!well_scoped(c, p)) continue;
      ++calls;
      if (fails(c)) {
        cur = std::move(c);
        progress = true;
        break;
      }
    }
  }
  return cur;
}

} // namespace lungfish::gen
