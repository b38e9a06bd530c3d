// The cpython campaign's generator (generators/python_gen.h): programs of 10 to 30 statements
// that exercise what the issue asks for, emitted back only while they are whole Python
// statements.
#include "generators/emit.h"
#include "generators/python_gen.h"
#include "generators/rng.h"
#include "model/text/python_subset.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace lungfish::gen {
namespace {

TEST(PythonGen, ProgramsAreInTheSubsetAndEmitBackToThemselves) {
  for (uint64_t i = 0; i < 300; ++i) {
    uint64_t seed = derive_seed(11, i);
    size_t n = 10 + i % 21;
    Program p = generate_python_program(seed, n);
    EXPECT_EQ(p.file, kGeneratedPython);
    // The prelude's three classes, then n statements.
    EXPECT_EQ(python_statements(p), n + 3) << i;
    auto text = emit_python(p);
    ASSERT_TRUE(text) << i;
    EXPECT_EQ(parse_python_subset(*text, "<again>"), p) << *text;
    // The same seed gives the same program.
    EXPECT_EQ(generate_python_program(seed, n), p);
  }
}

TEST(PythonGen, WhatAShrinkerBreaksIsNotEmitted) {
  Program p = generate_python_program(derive_seed(5, 0), 20);
  // Dropping one model statement of a Python statement that made several leaves text that
  // parses to something else.
  size_t k = 0;
  while (k + 1 < p.body.size() && p.body[k].loc.line != p.body[k + 1].loc.line)
    ++k;
  ASSERT_LT(k + 1, p.body.size()) << "no Python statement made two model statements";
  Program cut = p;
  cut.body.erase(cut.body.begin() + static_cast<std::ptrdiff_t>(k) + 1);
  EXPECT_FALSE(emit_python(cut));
  // Dropping a whole Python statement that nothing later reads keeps a program: the last one.
  Program last = p;
  uint32_t line = last.body.back().loc.line;
  while (!last.body.empty() && last.body.back().loc.line == line)
    last.body.pop_back();
  EXPECT_TRUE(emit_python(last));
}

TEST(PythonGen, ACampaignExercisesWhatTheRuntimeIsAbout) {
  // Over 200 programs, every feature the campaign is for appears in many of them.
  std::map<std::string, size_t> programs_with;
  for (uint64_t i = 0; i < 200; ++i)
    for (const auto &[feature, n] : python_features(derive_seed(3, i), 20))
      programs_with[feature] += n > 0;
  for (const char *f :
       {"list literal", "dict literal", "nested literal", "instance", "multi-root freeze",
        "set_freezable", "failing freeze", "frozen cycle of 2+ objects", "materialised dict",
        "write into a frozen object", "cycle store"})
    EXPECT_GE(programs_with[f], 20u) << f;
}

} // namespace
} // namespace lungfish::gen
