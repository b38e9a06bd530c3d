// Python programs for `diff --runtime cpython`: what the patched CPython's ownership rules are
// about, in the Python subset (docs/cpython-profile.md), 10–30 statements each.
//
//   a prelude: class Node (no __init__), class Pair (__init__ sets a and b), class Leaf(Node)
//   then statements drawn with weights, over a pool of variables, from:
//     instances, lists and dicts, nested ([Node(), [v]], {"k": Pair(v, None)})
//     attribute and item stores (biased to close cycles through instances, lists and dicts)
//     append, extend, update; reads of fields and items
//     freeze of one root or of several; set_freezable NO / EXPLICIT / YES
//     reading an instance's dict (`vars(v)`, `v.__dict__`, `w = vars(v)`)
//     del, rebinding to None
//   The generator runs the program on a small abstract heap of its own (objects, fields,
//   freezability, frozen flags, a freeze's all-or-nothing check) so that it only writes what
//   Python and the model mean alike: items that exist, attributes of instances, no field of
//   None, no dict of a frozen instance. Writes into frozen objects and failing freezes are
//   generated on purpose (run the recorder with --keep-going so that the program goes on).
//
// The result is the model program the subset parser makes of the Python text, each model
// statement's `text` being the Python statement it comes from, and `file` kGeneratedPython:
// gen::emit_python writes such a program back statement by statement and checks that the text
// parses to the same model program (so a shrunk program is emitted only if it is still one).
#pragma once

#include "model/ast.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace lungfish::gen {

/// Program::file of a generated Python program.
inline constexpr const char *kGeneratedPython = "<generated python>";

/// A Python program of about `statements` statements after the prelude (see above), as the
/// model program of its text.
Program generate_python_program(uint64_t seed, size_t statements);

/// The number of Python statements of a generated program (its prelude included); for other
/// programs, the number of model statements.
size_t python_statements(const Program &p);

/// What generate_python_program(seed, statements) exercises, by feature ("list literal",
/// "multi-root freeze", "failing freeze", "frozen cycle of 2+ objects", …): the number of its
/// statements of each, from the generator's own abstract run; for diff's report of what a
/// campaign generated.
std::map<std::string, size_t> python_features(uint64_t seed, size_t statements);

} // namespace lungfish::gen
