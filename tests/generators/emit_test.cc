// Emitters: FrankenScript source (parses back), Python source for the cpython subset.
#include <gtest/gtest.h>

#include "generators/emit.h"
#include "generators/program_gen.h"
#include "generators/rng.h"
#include "model/program_text.h"

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

TEST(Emit, PythonSubset) {
  Program p = parse_program("x = {}\ny = {}\nx.f = y\ny.g = x\nfreeze(x)\nz = x.f\ndrop y\n");
  auto py = emit_python(p);
  ASSERT_TRUE(py.has_value());
  EXPECT_EQ(*py, "class Obj:\n    pass\n\nx = Obj()\ny = Obj()\nx.f = y\ny.g = x\nfreeze(x)\n"
                 "z = x.f\ndel y\n");
}

TEST(Emit, PythonRefusesWhatIsOutsideTheSubset) {
  for (const char *src : {"r = Region()\n", "x = {}\nmove x\n", "c = Cown(None)\n", "x = \"s\"\n",
                          "x = {}\nx.__proto__ = x\n", "def f():\n    pass()\n"})
    EXPECT_FALSE(emit_python(parse_program(src)).has_value()) << src;
}
