// `lungfish paper`: the generated files are a function of the seed (byte-identical reruns), and
// the tables come from the model's own tables.
#include "generators/paper/paper.h"

#include "generators/campaigns/mutants.h"
#include "model/machine.h"
#include "model/text/program_text.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace lungfish::gen {
namespace {

namespace fs = std::filesystem;

std::map<std::string, std::string> read_dir(const fs::path &dir) {
  std::map<std::string, std::string> out;
  for (const auto &e : fs::directory_iterator(dir)) {
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    out[e.path().filename().string()] = ss.str();
  }
  return out;
}

PaperOptions tiny(const fs::path &out) {
  PaperOptions o;
  o.out = out.string();
  o.seed = 3;
  o.budget_programs = 3000; // what CI's PDF uses: several mutants killed, so figures too
  o.use_z3 = false;
  o.verify_steps = 1;
  return o;
}

TEST(Paper, RerunningWithTheSameSeedGivesByteIdenticalFiles) {
  fs::path base = fs::temp_directory_path() / "lungfish_paper_test";
  fs::remove_all(base);
  PaperResult a = write_paper(tiny(base / "a"));
  PaperResult b = write_paper(tiny(base / "b"));
  ASSERT_EQ(a.error, "");
  ASSERT_EQ(b.error, "");
  EXPECT_EQ(a.files, b.files);
  std::map<std::string, std::string> fa = read_dir(base / "a"), fb = read_dir(base / "b");
  ASSERT_EQ(fa.size(), fb.size());
  for (const auto &[name, bytes] : fa)
    EXPECT_EQ(bytes, fb[name]) << name;
  for (const char *f : {"rules.tex", "invariants.tex", "mutants.tex", "verify.tex", "figures.tex",
                        "numbers.json", "numbers.tex", "tikz-preamble.tex"})
    EXPECT_EQ(fa.count(f), 1u) << f;
  for (const auto &[name, bytes] : fa)
    EXPECT_EQ(name.find(".tmp"), std::string::npos) << name;
  // A killed mutant's figures, in the three formats.
  for (const char *f :
       {"cown-not-bridge-before.tex", "cown-not-bridge-after.tex", "cown-not-bridge-after.mmd",
        "cown-not-bridge-after.dot", "cown-not-bridge.lf"})
    EXPECT_EQ(fa.count(f), 1u) << f;
  // A caption that promises a red edge has a figure that draws one.
  const std::string &figures = fa["figures.tex"];
  size_t promised = 0;
  for (size_t at = 0; (at = figures.find("The red edge", at)) != std::string::npos; ++at) {
    size_t input = figures.rfind("\\input{generated/", at);
    ASSERT_NE(input, std::string::npos);
    std::string after = figures.substr(input + 17, figures.find('}', input) - input - 17);
    ASSERT_EQ(fa.count(after + ".tex"), 1u) << after;
    EXPECT_NE(fa[after + ".tex"].find("\\draw[highlighted]"), std::string::npos) << after;
    ++promised;
  }
  EXPECT_GT(promised, 0u) << figures;
  fs::remove_all(base);
}

TEST(Paper, EveryRuleIsInTheRulesTable) {
  std::string t = rules_tex();
  // Line-break hints inside identifiers are layout, not content.
  for (size_t at; (at = t.find("\\allowbreak{}")) != std::string::npos;)
    t.erase(at, 13);
  for (const RuleInfo &r : all_rules()) {
    std::string code = latex_escape(error_code_name(r.code));
    EXPECT_NE(t.find(code), std::string::npos) << r.name;
  }
  EXPECT_EQ(t.find("E_"), std::string::npos) << "unescaped underscore";
}

TEST(Paper, FigureFilesHaveNoDotsInTheirStems) {
  EXPECT_EQ(file_stem("barrier.has_parent"), "barrier-has-parent");
  EXPECT_EQ(latex_escape("a_b#c%d&e$f{g}"), "a\\_b\\#c\\%d\\&e\\$f\\{g\\}");
}

TEST(Paper, VerifyTableSaysNotRunWhenNotRun) {
  PaperOptions o;
  EXPECT_NE(verify_tex(nullptr, o).find("not run"), std::string::npos);
}

/// The state after the last statement of `text` (under `mo`), and the state before it.
std::pair<World, World> last_step(const std::string &text, const MachineOptions &mo) {
  CheckedRun r = run_checked(parse_program(text), mo);
  return {r.before, r.after};
}

TEST(Paper, AReferenceToAFreedObjectIsDrawnAndHighlighted) {
  // write.immutable off: the fresh region stored into a frozen object is freed while referenced.
  MachineOptions mo;
  mo.disabled.disable(RuleId::WriteImmutable);
  auto [before, after] = last_step("a = {}\nfreeze(a)\na.f = Region()\n", mo);
  std::optional<TikzEdge> e = offending_edge(before, after);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->field, "f");
  std::string t = render_tikz(after, e);
  EXPECT_NE(t.find("\\node[freed]"), std::string::npos) << t;
  EXPECT_NE(t.find("\\draw[highlighted]"), std::string::npos) << t;
}

TEST(Paper, AnEdgeBendsAroundTheNodesBetweenItsEnds) {
  // c's edge to the cown would run straight through the region's bridge (the same row, the
  // column between): it must bend; r's edge to the bridge next to it is straight.
  World after;
  bool reached = false;
  run_checked(parse_program("c = Cown(None)\nr = Region()\npass()\n"), MachineOptions{}, 3, &after,
              &reached);
  ASSERT_TRUE(reached);
  std::string t = render_tikz(after);
  ASSERT_NE(t.find("(v0) at (0,0) {c}"), std::string::npos) << t;
  size_t c = t.find("(v0) to");
  ASSERT_NE(c, std::string::npos) << t;
  EXPECT_NE(t.substr(c, 24).find("bend"), std::string::npos) << t;
  size_t r = t.find("(v1) to");
  ASSERT_NE(r, std::string::npos) << t;
  EXPECT_EQ(t.substr(r, 9), "(v1) to (") << t;
  EXPECT_EQ(t, render_tikz(after)) << "deterministic";
}

} // namespace
} // namespace lungfish::gen
