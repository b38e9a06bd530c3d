// emit_python_subset: a model program in the image of the Python subset, back to Python.
#include "model/text/python_subset.h"

#include <set>

namespace lungfish {

namespace {

bool is_identifier(const std::string &s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

// A value: None, a variable, v.f or v["k"] (as v.k or v["k"]); nullopt otherwise.
std::optional<std::string> value(const Expr &e) {
  switch (e.kind) {
    case ExprKind::None: return "None";
    case ExprKind::Var: return e.name;
    case ExprKind::Field:
      if (e.args[0].kind != ExprKind::Var) return std::nullopt;
      return e.args[0].name + "." + e.name;
    case ExprKind::Index:
      if (e.args[0].kind != ExprKind::Var || e.args[1].kind != ExprKind::String)
        return std::nullopt;
      if (is_identifier(e.args[1].name)) return e.args[0].name + "." + e.args[1].name;
      return std::nullopt;
    default: return std::nullopt;
  }
}

} // namespace

std::optional<std::string> emit_python_subset(const Program &p) {
  std::string body;
  bool uses_obj = false, uses_freezable = false;
  for (const Stmt &s : p.body) {
    if (s.kind == StmtKind::Assign) {
      if (s.is_drop) {
        if (s.target.kind != ExprKind::Var) return std::nullopt;
        body += "del " + s.target.name + "\n";
        continue;
      }
      auto target = value(s.target);
      if (!target || *target == "None") return std::nullopt;
      if (s.target.kind == ExprKind::Field && s.target.name == "__dict__") {
        // The subset's image of a read that materialises an instance's dict.
        if (s.value.kind != ExprKind::NewObject) return std::nullopt;
        body += *target + "\n";
        continue;
      }
      std::string rhs;
      if (s.value.kind == ExprKind::NewObject) {
        rhs = "Obj()";
        uses_obj = true;
      } else if (s.value.kind == ExprKind::Call && s.value.name == "create" &&
                 s.value.args.size() == 1 && s.value.args[0].kind == ExprKind::Var) {
        rhs = s.value.args[0].name + "()";
      } else if (auto v = value(s.value)) {
        rhs = *v;
      } else {
        return std::nullopt;
      }
      body += *target + " = " + rhs + "\n";
    } else if (s.kind == StmtKind::Expr && s.value.kind == ExprKind::Call &&
               s.value.name == "freeze" && !s.value.args.empty()) {
      std::string args;
      for (const Expr &a : s.value.args) {
        if (a.kind != ExprKind::Var) return std::nullopt;
        args += (args.empty() ? "" : ", ") + a.name;
      }
      body += "freeze(" + args + ")\n";
    } else if (s.kind == StmtKind::Expr && s.value.kind == ExprKind::Call &&
               s.value.name == "set_freezable" && s.value.args.size() == 2 &&
               s.value.args[0].kind == ExprKind::Var &&
               s.value.args[1].kind == ExprKind::String) {
      const std::string &st = s.value.args[1].name;
      if (st != "yes" && st != "no" && st != "explicit") return std::nullopt;
      std::string upper = st == "yes" ? "YES" : st == "no" ? "NO" : "EXPLICIT";
      body += "set_freezable(" + s.value.args[0].name + ", FREEZABLE_" + upper + ")\n";
      uses_freezable = true;
    } else {
      return std::nullopt;
    }
  }
  std::string out = "from immutable import freeze";
  if (uses_freezable)
    out += ", set_freezable, FREEZABLE_YES, FREEZABLE_NO, FREEZABLE_EXPLICIT";
  out += "\n";
  if (uses_obj) out += "class Obj:\n    pass\n";
  return out + body;
}

} // namespace lungfish
