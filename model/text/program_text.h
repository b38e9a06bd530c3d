// Reading and writing the program text (docs/program-format.md).
#pragma once

#include "model/ast.h"

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace lungfish {

/// A located problem in some input: `file:line:col: message`.
struct InputError : std::runtime_error {
  std::string file;
  uint32_t line, col;
  std::string detail;
  InputError(std::string file_, uint32_t line_, uint32_t col_, std::string detail_)
      : std::runtime_error(file_ + ":" + std::to_string(line_) + ":" + std::to_string(col_) + ": " +
                           detail_),
        file(std::move(file_)), line(line_), col(col_), detail(std::move(detail_)) {}
};

/// Parses program text; throws InputError (file:line:col, what was expected) on malformed input.
Program parse_program(std::string_view text, const std::string &file = "<string>");

/// Reads a source file whole; throws InputError (line 0) if it cannot be read.
std::string read_source_file(const std::string &path);

/// Reads and parses a file; throws InputError (line 0) if it cannot be read.
Program parse_program_file(const std::string &path);

/// Prints a program in canonical form; parse_program(print_program(p)) == p.
std::string print_program(const Program &p);

/// Prints one expression in source form.
std::string print_expr(const Expr &e);

/// Fills in `text` of every statement from its printed form (for generated programs).
void assign_statement_texts(Program &p);

/// Numbers statement s (its expressions, its body and an `else:` line) as the printed program
/// puts it after line `line`; `line` becomes its last line.
void number_statement(Stmt &s, uint32_t &line);
/// Numbers every statement of p as print_program lays it out (line 1 first).
void number_program_lines(Program &p);

/// Names that FrankenScript and the model resolve as builtins when no variable shadows them.
bool is_builtin_name(std::string_view name);

} // namespace lungfish
