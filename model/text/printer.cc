// Printing programs and expressions in canonical source form (docs/program-format.md).
#include "model/text/program_lexer.h"
#include "model/text/program_text.h"

#include <algorithm>

namespace lungfish {
namespace {

/// True if `s` can be written after '.' ([0-9A-Za-z_]+).
bool is_word(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return text::is_word_char(c); });
}

void print_to(std::string &out, const Expr &e);

void print_args(std::string &out, const std::vector<Expr> &args, size_t from) {
  out += '(';
  for (size_t i = from; i < args.size(); ++i) {
    if (i > from) out += ", ";
    print_to(out, args[i]);
  }
  out += ')';
}

/// `.name`, or `["name"]` when the name is not a word (best effort: it then re-parses as Index).
void print_member(std::string &out, const std::string &name) {
  if (is_word(name)) {
    out += '.';
    out += name;
  } else {
    out += "[\"" + name + "\"]";
  }
}

/// Prints the first argument of a Field/Index/Method/Move, or nothing if it is missing.
void print_arg0(std::string &out, const Expr &e) {
  if (!e.args.empty()) print_to(out, e.args[0]);
}

void print_to(std::string &out, const Expr &e) {
  switch (e.kind) {
    case ExprKind::None:
      out += "None";
      return;
    case ExprKind::True:
      out += "True";
      return;
    case ExprKind::False:
      out += "False";
      return;
    case ExprKind::NewObject:
      out += "{}";
      return;
    case ExprKind::String:
      out += '"' + e.name + '"';
      return;
    case ExprKind::Var:
      out += e.name;
      return;
    case ExprKind::Field:
      print_arg0(out, e);
      print_member(out, e.name);
      return;
    case ExprKind::Index:
      print_arg0(out, e);
      out += '[';
      if (e.args.size() > 1) print_to(out, e.args[1]);
      out += ']';
      return;
    case ExprKind::Move:
      out += "move ";
      print_arg0(out, e);
      return;
    case ExprKind::Call:
      out += e.name;
      print_args(out, e.args, 0);
      return;
    case ExprKind::Method:
      print_arg0(out, e);
      print_member(out, e.name);
      print_args(out, e.args, 1);
      return;
    case ExprKind::Eq:
    case ExprKind::Ne:
      print_arg0(out, e);
      out += e.kind == ExprKind::Eq ? " == " : " != ";
      if (e.args.size() > 1) print_to(out, e.args[1]);
      return;
  }
}

/// A condition: `e == True` is printed as the shorter `e`, which parses back to it.
std::string print_condition(const Expr &c) {
  if (c.kind == ExprKind::Eq && c.args.size() == 2 && c.args[1].kind == ExprKind::True) {
    switch (c.args[0].kind) {
      case ExprKind::Var:
      case ExprKind::Field:
      case ExprKind::Index:
      case ExprKind::None:
      case ExprKind::True:
      case ExprKind::False:
      case ExprKind::Call:
      case ExprKind::Method:
        return print_expr(c.args[0]);
      default:
        break;
    }
  }
  return print_expr(c);
}

std::string join(const std::vector<std::string> &names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i)
    out += (i ? ", " : "") + names[i];
  return out;
}

/// The statement's line without indentation (for compound statements: the header with ':').
std::string statement_line(const Stmt &s) {
  switch (s.kind) {
    case StmtKind::Assign:
      if (s.is_drop) return "drop " + print_expr(s.target);
      return print_expr(s.target) + " = " + print_expr(s.value);
    case StmtKind::Expr:
      return print_expr(s.value);
    case StmtKind::If:
      return "if " + print_condition(s.value) + ":";
    case StmtKind::While:
      return "while " + print_condition(s.value) + ":";
    case StmtKind::For: {
      std::string k = s.params.size() > 0 ? s.params[0] : "",
                  v = s.params.size() > 1 ? s.params[1] : "";
      return "for " + k + ", " + v + " in " + print_expr(s.target) + ":";
    }
    case StmtKind::Def:
      return "def " + s.name + "(" + join(s.params) + "):";
    case StmtKind::Return:
      return s.has_value ? "return " + print_expr(s.value) : "return";
    case StmtKind::When:
      return "when (" + join(s.params) + "):";
  }
  return "";
}

bool is_compound(StmtKind k) {
  return k == StmtKind::If || k == StmtKind::While || k == StmtKind::For || k == StmtKind::Def ||
         k == StmtKind::When;
}

void print_block(std::string &out, const std::vector<Stmt> &body, size_t level) {
  for (const Stmt &s : body) {
    std::string indent(level * 4, ' ');
    out += indent + statement_line(s) + "\n";
    print_block(out, s.body, level + 1);
    if (s.kind == StmtKind::If && s.has_else) {
      out += indent + "else:\n";
      print_block(out, s.orelse, level + 1);
    }
  }
}

void assign_texts(std::vector<Stmt> &body) {
  for (Stmt &s : body) {
    s.text = statement_line(s);
    if (is_compound(s.kind)) {
      s.text = s.text.substr(0, s.text.find(':') + 1); // FrankenScript cuts at the first ':'
    } else {
      size_t end = s.text.find_last_not_of(']'); // and drops closing brackets at the end
      s.text.resize(end == std::string::npos ? 0 : end + 1);
    }
    assign_texts(s.body);
    assign_texts(s.orelse);
  }
}

} // namespace

std::string print_program(const Program &p) {
  std::string out;
  print_block(out, p.body, 0);
  return out;
}

std::string print_expr(const Expr &e) {
  std::string out;
  print_to(out, e);
  return out;
}

namespace {
void number_expr(Expr &e, uint32_t line) {
  e.loc = SourceLoc{line, 1};
  for (Expr &a : e.args)
    number_expr(a, line);
}
} // namespace

void number_statement(Stmt &s, uint32_t &line) {
  s.loc = SourceLoc{++line, 1};
  number_expr(s.target, line);
  number_expr(s.value, line);
  for (Stmt &b : s.body)
    number_statement(b, line);
  if (s.kind == StmtKind::If && s.has_else) {
    ++line; // `else:`
    for (Stmt &b : s.orelse)
      number_statement(b, line);
  }
}

void number_program_lines(Program &p) {
  uint32_t line = 0;
  for (Stmt &s : p.body)
    number_statement(s, line);
}

void assign_statement_texts(Program &p) {
  assign_texts(p.body);
}

bool is_builtin_name(std::string_view name) {
  static constexpr std::string_view names[] = {
      "Region",      "Cown",         "create",      "freeze",
      "close",       "is_closed",    "merge",       "dissolve",
      "is_released", "pass",         "unreachable", "pragma_enable_implicit_freezing",
      "breakpoint",  "set_freezable"};
  if (std::find(std::begin(names), std::end(names), name) != std::end(names)) return true;
  return name.starts_with("mermaid_") || name.starts_with("pragma_mermaid_");
}

} // namespace lungfish
