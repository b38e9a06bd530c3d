// `lungfish paper`: the generated files are a function of the seed (byte-identical reruns), and
// the tables come from the model's own tables.
#include "generators/paper.h"

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
  o.budget_programs = 300;
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

} // namespace
} // namespace lungfish::gen
