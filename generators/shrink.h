// Shrinking programs that keep failing: greedy delta debugging over simplifications that keep
// the program printable and well-scoped, until no simplification still fails.
#pragma once

#include "model/ast.h"

#include <cstddef>
#include <functional>
#include <set>
#include <string>

namespace lungfish::gen {

/// Names read before any assignment (in program order; def bodies see their parameters and the
/// globals assigned before the def; `when` bodies see the names assigned before them).
std::set<std::string> undefined_uses(const Program &p);

/// True if `candidate` prints and parses back to itself and reads no never-assigned name that
/// `original` did not already read.
bool well_scoped(const Program &candidate, const Program &original);

/// The size the shrinker minimises: (statements, expression nodes), compared lexicographically.
std::pair<size_t, size_t> program_size(const Program &p);

/// Shrinks `p` while `fails` holds: drops statements (chunks first), drops statements of
/// bodies, inlines variables, simplifies expressions. At most `budget` calls of `fails`.
Program shrink_program(const Program &p, const std::function<bool(const Program &)> &fails,
                       size_t budget = 5000);

} // namespace lungfish::gen
