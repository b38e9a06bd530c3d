// Emitters: a program as FrankenScript source, and (for the cpython subset) as Python source.
#pragma once

#include "model/ast.h"

#include <optional>
#include <string>

namespace lungfish::gen {

/// FrankenScript source for a program without `when` and without an expression statement other
/// than a call (nullopt otherwise: the runtime has no `when`, and `move x.f` alone is a syntax
/// error there). The statement language is otherwise FrankenScript's, so this is the canonical
/// print; it parses back to the program.
std::optional<std::string> emit_frankenscript(const Program &p);

/// Python source for a program inside the cpython subset, nullopt outside it. Mapping:
/// `x = {}` -> `x = Obj()` (Obj a plain class defined in a prelude), `x = y`, `x = y.f`,
/// `x.f = y` / `x.f = {}` / `x.f = None`, `freeze(x)` -> `freeze(x)` (the patched CPython's
/// builtin), `drop x` -> `del x`, `drop x.f` and `x = None` as assignments of None. Anything else
/// (regions, cowns, move, strings, calls, control flow) is outside the subset. A program of
/// generate_python_program (generators/python_gen.h) is written back as its Python statements,
/// and only if they still parse to exactly the program.
std::optional<std::string> emit_python(const Program &p);

} // namespace lungfish::gen
