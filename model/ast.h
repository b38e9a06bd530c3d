// The program text as a tree: FrankenScript's statement language plus `when`.
//
//   program   := stmt*
//   stmt      := lvalue '=' expr | expr | 'drop' lvalue | 'move' lvalue
//              | 'if' cond ':' block ['else' ':' block] | 'while' cond ':' block
//              | 'for' id ',' id 'in' lvalue ':' block | 'def' id '(' ids ')' ':' block
//              | 'return' [expr] | 'when' '(' ids ')' ':' block
//   expr      := '{}' | '"s"' | 'None' | lvalue | 'move' lvalue | call | method | expr ('=='|'!=') expr
//   lvalue    := id | lvalue '.' id | lvalue '[' key ']'
//
// Values are plain structs (copyable, comparable) so that generators can build and shrink
// programs and printing/re-parsing can be tested for identity.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lungfish {

/// A position in a source file (1-based line and column; 0 means "synthetic").
struct SourceLoc {
  uint32_t line = 0;
  uint32_t col = 0;
  bool operator==(const SourceLoc &) const = default;
};

enum class ExprKind : uint8_t {
  None,      // None
  True,      // True (a frozen global; FrankenScript resolves the name)
  False,     // False
  NewObject, // {}
  String,    // "text"          text in `name`
  Var,       // x               name in `name`
  Field,     // e.f             args[0] = e, field in `name`
  Index,     // e[k]            args[0] = e, args[1] = k
  Move,      // move lv         args[0] = lvalue (Var, Field or Index)
  Call,      // f(a, b)         callee name in `name`, args = arguments (builtins are calls too)
  Method,    // e.m(a, b)       args[0] = e (receiver), method name in `name`, args[1..] = arguments
  Eq,        // a == b          args[0], args[1]
  Ne,        // a != b
};

/// An expression; `loc` is where it starts in the source.
struct Expr {
  ExprKind kind = ExprKind::None;
  std::string name;
  std::vector<Expr> args;
  SourceLoc loc;
  bool operator==(const Expr &o) const {
    return kind == o.kind && name == o.name && args == o.args;
  } // locations are ignored: printing and re-parsing moves them
};

enum class StmtKind : uint8_t {
  Assign, // target = value                 (`drop lv` is Assign of None with `is_drop`)
  Expr,   // value                          (a call, a method call or `move lv` as a statement)
  If,     // if cond: body else: orelse     (cond is Eq/Ne; `if e:` is parsed as `e == True`)
  While,  // while cond: body
  For,    // for key, value in target: body (names in `params[0]`, `params[1]`)
  Def,    // def name(params): body
  Return, // return [value]                 (`has_value`)
  When,   // when (params): body            (params = the cown variables)
};

/// A statement. `text` is its source text as FrankenScript prints it in `Line N: <text>`
/// (for compound statements: the header up to and including ':').
struct Stmt {
  StmtKind kind = StmtKind::Expr;
  SourceLoc loc;
  std::string text;
  Expr target;                     // Assign: the lvalue; For: the iterated lvalue
  Expr value;                      // Assign/Expr/Return: the expression; If/While: the condition
  bool is_drop = false;            // Assign written as `drop lv`
  bool has_value = false;          // Return with an expression
  std::string name;                // Def: function name
  std::vector<std::string> params; // Def: parameters; For: {key, value}; When: cown names
  std::vector<Stmt> body;
  std::vector<Stmt> orelse; // If: else branch (empty when absent)
  bool has_else = false;
  bool operator==(const Stmt &o) const {
    return kind == o.kind && target == o.target && value == o.value && is_drop == o.is_drop &&
           has_value == o.has_value && name == o.name && params == o.params && body == o.body &&
           orelse == o.orelse && has_else == o.has_else;
  } // text and locations are ignored
};

/// A parsed program.
struct Program {
  std::string file; // for messages; "<string>" when parsed from memory
  std::vector<Stmt> body;
  bool operator==(const Program &o) const { return body == o.body; }
};

} // namespace lungfish
