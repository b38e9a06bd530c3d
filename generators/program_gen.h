// Random programs in the statement language (docs/semantics.md 3), as lungfish::Program trees.
//
// Two families side by side:
//  * Biased: each statement is chosen from the heap the program has built so far (which variables
//    hold local objects, bridges, region objects, frozen objects, cowns), using the model itself
//    as the oracle, so nearly every statement is accepted; with a small probability it instead
//    picks a "risky" statement aimed at one ownership check (cross-region references, pulls of
//    graphs that reach bridges, freezing bridges, sending open regions, deep region trees ...)
//    and usually ends the program there.
//  * Raw: statements over a small pool of names with no regard for the heap; mostly rejected
//    early, which exercises the language errors.
// Generation is a pure function of (seed, size, family, profile): byte-identical programs.
#pragma once

#include "model/ast.h"
#include "model/rules.h"

#include <rapidcheck.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace lungfish::gen {

enum class Family : uint8_t { Biased, Raw };
std::string_view family_name(Family f);

/// Generates one program of 1..size top-level statements (0 gives the empty program).
Program generate_program(uint64_t seed, size_t size, Family family,
                         Profile profile = Profile::Lungfish);

/// The same generator as a RapidCheck generator (the seed comes from RapidCheck; no shrinking
/// of its own: use shrink_program, which keeps programs well-scoped).
rc::Gen<Program> gen_program(Family family, Profile profile = Profile::Lungfish);

// Internal: the two families.
Program generate_biased(uint64_t seed, size_t length, Profile profile);
Program generate_raw(uint64_t seed, size_t length);

} // namespace lungfish::gen
