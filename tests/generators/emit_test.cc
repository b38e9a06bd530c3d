// Emitters: FrankenScript source (parses back), Python source for the cpython subset.
#include <gtest/gtest.h>

#include "generators/ast_build.h"
#include "generators/emit.h"
#include "generators/program_gen.h"
#include "generators/rng.h"
#include "model/text/program_text.h"

using namespace lungfish;
using namespace lungfish::gen;

TEST(Emit, FrankenScriptParsesBackAndIsReproducible) {
  for (uint64_t i = 0; i < 200; ++i) {
    Program p = generate_program(derive_seed(11, i), 20, Family::Biased);
    auto fs = emit_frankenscript(p);
    if (!fs) continue; // has `when`
    EXPECT_TRUE(parse_program(*fs) == p);
    EXPECT_EQ(*fs, *emit_frankenscript(generate_program(derive_seed(11, i), 20, Family::Biased)));
    EXPECT_EQ(fs->find("when"), std::string::npos);
  }
}

TEST(Emit, FrankenScriptRefusesWhen) {
  Program p = parse_program("c = Cown(None)\nwhen (c):\n    pass()\n");
  EXPECT_FALSE(emit_frankenscript(p).has_value());
}

// FrankenScript's grammar has no expression statement but calls: `move x.f` alone is refused,
// `y = move x.f` and calls are not.
TEST(Emit, FrankenScriptRefusesBareMove) {
  EXPECT_FALSE(emit_frankenscript(parse_program("x = {}\nmove x.f\n")).has_value());
  EXPECT_FALSE(
      emit_frankenscript(parse_program("x = {}\nif x == None:\n    move x\n")).has_value());
  EXPECT_TRUE(emit_frankenscript(parse_program("x = {}\ny = move x.f\npass()\n")).has_value());
}

// Under the frankenscript profile the biased generator keeps every moved value (no bare move),
// so every program without `when` can be run by the runtime; other profiles still make them.
TEST(Emit, FrankenScriptProfileProgramsAreAllEmittable) {
  size_t emitted = 0, bare_elsewhere = 0;
  for (uint64_t i = 0; i < 300; ++i) {
    Program p = generate_program(derive_seed(12, i), 20, Family::Biased, Profile::Frankenscript);
    EXPECT_FALSE(has_non_call_expression_statement(p.body)) << print_program(p);
    emitted += emit_frankenscript(p).has_value();
    Program q = generate_program(derive_seed(12, i), 20, Family::Biased, Profile::Lungfish);
    bare_elsewhere += has_non_call_expression_statement(q.body);
  }
  EXPECT_GT(emitted, 200u);
  EXPECT_GT(bare_elsewhere, 0u);
}

TEST(Emit, PythonSubset) {
  Program p = parse_program("x = {}\ny = {}\nx.f = y\ny.g = x\nfreeze(x)\nz = x.f\ndrop y\n");
  auto py = emit_python(p);
  ASSERT_TRUE(py.has_value());
  EXPECT_EQ(*py, "from immutable import freeze\nclass Obj:\n    pass\n\nx = Obj()\ny = Obj()\n"
                 "x.f = y\ny.g = x\nfreeze(x)\nz = x.f\ndel y\n");
}

TEST(Emit, PythonRefusesWhatIsOutsideTheSubset) {
  for (const char *src : {"r = Region()\n", "x = {}\nmove x\n", "c = Cown(None)\n", "x = \"s\"\n",
                          "x = {}\nx.__proto__ = x\n", "def f():\n    pass()\n"})
    EXPECT_FALSE(emit_python(parse_program(src)).has_value()) << src;
}
