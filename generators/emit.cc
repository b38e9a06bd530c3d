#include "generators/emit.h"

#include "generators/ast_build.h"
#include "generators/python_gen.h"
#include "model/text/program_text.h"
#include "model/text/python_subset.h"

#include <algorithm>

namespace lungfish::gen {

std::optional<std::string> emit_frankenscript(const Program &p) {
  if (has_when(p.body) || has_non_call_expression_statement(p.body)) return std::nullopt;
  return print_program(p);
}

namespace {

/// `x` or `x.f` (one level, as the Python subset's attribute assignments).
std::optional<std::string> py_lvalue(const Expr &e) {
  if (e.kind == ExprKind::Var && !is_builtin_name(e.name)) return e.name;
  if (e.kind == ExprKind::Field && e.args.size() == 1 && e.args[0].kind == ExprKind::Var &&
      e.name != "__proto__")
    return e.args[0].name + "." + e.name;
  return std::nullopt;
}

std::optional<std::string> py_value(const Expr &e) {
  switch (e.kind) {
    case ExprKind::None:
      return "None";
    case ExprKind::NewObject:
      return "Obj()";
    case ExprKind::Var:
    case ExprKind::Field:
      return py_lvalue(e);
    default:
      return std::nullopt;
  }
}

} // namespace

namespace {

/// A generated Python program (python_gen.h) back as Python: each run of model statements that
/// came from one Python statement gives that statement once; the text must parse to exactly the
/// model program (a shrunk program whose statements no longer make whole Python statements, or
/// whose statements were changed, is not one).
std::optional<std::string> emit_generated_python(const Program &p) {
  std::string header = "from immutable import freeze, set_freezable, FREEZABLE_YES, FREEZABLE_NO, "
                       "FREEZABLE_EXPLICIT\n";
  std::string body;
  for (size_t i = 0; i < p.body.size(); ++i)
    if (i == 0 || p.body[i].loc.line != p.body[i - 1].loc.line ||
        p.body[i].text != p.body[i - 1].text)
      body += p.body[i].text + "\n";
  try {
    if (!(parse_python_subset(header + body, "<emitted>") == p)) return std::nullopt;
  } catch (const InputError &) {
    return std::nullopt;
  }
  return header + body;
}

} // namespace

std::optional<std::string> emit_python(const Program &p) {
  if (p.file == kGeneratedPython) return emit_generated_python(p);
  // freeze is not a builtin of the patched CPython: it comes from its `immutable` module (on a
  // stock CPython the import fails, and the run says so).
  bool freezes = std::any_of(p.body.begin(), p.body.end(), [](const Stmt &s) {
    return s.kind == StmtKind::Expr && s.value.kind == ExprKind::Call && s.value.name == "freeze";
  });
  std::string out =
      std::string(freezes ? "from immutable import freeze\n" : "") + "class Obj:\n    pass\n\n";
  for (const Stmt &s : p.body) {
    if (s.kind == StmtKind::Assign) {
      auto target = py_lvalue(s.target);
      if (!target) return std::nullopt;
      if (s.is_drop && s.target.kind == ExprKind::Var) {
        out += "del " + *target + "\n";
        continue;
      }
      auto value = py_value(s.value);
      if (!value) return std::nullopt;
      out += *target + " = " + *value + "\n";
    } else if (s.kind == StmtKind::Expr && s.value.kind == ExprKind::Call &&
               s.value.name == "freeze" && s.value.args.size() == 1) {
      auto arg = py_lvalue(s.value.args[0]);
      if (!arg) return std::nullopt;
      out += "freeze(" + *arg + ")\n";
    } else {
      return std::nullopt;
    }
  }
  // What the subset parser refuses (e.g. `x.f = y.g` chains it does not model) would be an
  // unreadable recording for diff: the contract is "inside the subset", so check it.
  try {
    parse_python_subset(out, "<emitted>");
  } catch (const InputError &) {
    return std::nullopt;
  }
  return out;
}

} // namespace lungfish::gen
