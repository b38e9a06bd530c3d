// The Python subset of docs/semantics.md 7 as model programs (docs/cpython-profile.md).
//
// Each Python statement becomes zero or more statements of the model's language, all carrying the
// Python line; immutable literals (int, str, tuples of literals) become None, the model's frozen
// value, so an attribute holding 1 is an edge to nothing, as in the recorder's snapshots:
//
//   class C: (def __init__(self, p…): self.a = p …)  ->  C = {}            (the class object)
//   class D(C):                     ->  D = {}; D.__proto__ = C   (C's __init__ if D has none)
//   x = C(a, …)                     ->  x = create(C); x.a = a; …          (__init__ inlined)
//   x = [a, b]  /  x = {"k": v}     ->  x = {}; x["0"] = a; x["1"] = b  /  x = {}; x["k"] = v
//   nested: x.f = [C(y), {"k": []}] ->  x.f = {}; x.f["0"] = create(C); x.f["0"].a = y; …
//                                       (each object built where it is stored)
//   {1, "a"}, set()                 ->  x = {}    (a set of immutable values: no items drawn)
//   x.append(e), x.extend([e, …]), x.insert(len, e)  ->  x["<len>"] = e …  (lengths tracked)
//   d.update({k: e, …})             ->  d["k"] = e …
//   x.a = y, x[k] = y, x = y.a, x = y[k], x = y, x = None, x = 1  ->  the same store or load
//   x.__dict__, vars(x), dir(x)     ->  x.__dict__ = {}   (materialises x's dict, once; the dict
//                                       object has no fields: the entries stay x's own fields)
//   y = x.__dict__, y = vars(x)     ->  the same, then y = x.__dict__
//   del x                           ->  drop x
//   freeze(a, b, …)                 ->  freeze(a, b, …)  (several roots: cpython/pep795 profiles)
//   set_freezable(x, FREEZABLE_NO)  ->  set_freezable(x, "no")            (yes, no, explicit)
//   import …, from … import …, pass ->  nothing
#pragma once

#include "model/ast.h"
#include "model/text/program_text.h"

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace lungfish {

/// What a recording knows that the text does not, from line `from_line` on: the number of items
/// of the list a global names (nullopt: not a list), for `append`, `extend` and `insert`; whether
/// a global names a dict, for `update`.
struct PythonRuntimeFacts {
  uint32_t from_line = 1;
  std::function<std::optional<size_t>(const std::string &global)> list_length;
  std::function<bool(const std::string &global)> is_dict;
};

/// Parses a Python program of the subset; throws InputError (file:line:col) outside it.
Program parse_python_subset(std::string_view text, const std::string &file = "<string>",
                            const PythonRuntimeFacts *facts = nullptr);

/// Reads and parses a Python file; throws InputError (line 0) if it cannot be read.
Program parse_python_subset_file(const std::string &path);

/// Python source for a model program inside the subset's image, nullopt outside it: `x = {}`
/// becomes `x = Obj()` (a prelude defines `class Obj`), `x = create(C)` becomes `x = C()`,
/// index stores with name keys become attribute stores, `drop x` becomes `del x`, freezability
/// strings become FREEZABLE_* names. (generators/emit.h has gen::emit_python for generated
/// programs; this one also covers set_freezable, several roots and create.)
std::optional<std::string> emit_python_subset(const Program &p);

} // namespace lungfish
