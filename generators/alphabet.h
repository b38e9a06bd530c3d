// The exhaustive engines' statement alphabet: every statement form of the language over a few
// variables and field names, each naming variables only (explore's `enumerate` and the mutants'
// exhaustive search both walk it).
#pragma once

#include "model/ast.h"

#include <string>
#include <vector>

namespace lungfish::gen {

/// The first `n` of the variable names a, b, c (at most 3).
std::vector<std::string> alphabet_variables(size_t n);
/// The first `n` of the field names f, g, h, i, j, k2, l, m (at most 8).
std::vector<std::string> alphabet_fields(size_t n);

/// Every statement form over `vars` and `fields` (plus `value`, the cown field, and
/// `__proto__`): new objects and regions, drops, the builtins, field loads, stores and moves,
/// assignments, cowns, `for` and `when`; in a fixed order.
std::vector<Stmt> statement_alphabet(const std::vector<std::string> &vars,
                                     const std::vector<std::string> &fields);

} // namespace lungfish::gen
