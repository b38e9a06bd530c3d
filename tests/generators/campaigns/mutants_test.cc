// `lungfish mutants`: the mutant list, the kill criterion, determinism, the documented masked
// table, and the reproduce command (run through the real binary).
#include "generators/campaigns/mutants.h"

#include "model/text/program_text.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <sys/wait.h>

namespace lungfish::gen {
namespace {

MutantOptions small(uint64_t budget = 20000) {
  MutantOptions o;
  o.budget_programs = budget;
  o.use_z3 = false; // Z3 is exercised by `lungfish mutants` itself; too slow for a unit test
  o.check = CheckMode::Both; // every run cross-checks the two checkers (CheckerBug if not)
  return o;
}

MutantSpec spec(const std::string &name) {
  for (const MutantSpec &s : all_mutant_specs())
    if (s.name == name) return s;
  ADD_FAILURE() << "no mutant " << name;
  return {};
}

TEST(Mutants, EverySwitchableRuleAndEveryRuleMutantIsAMutant) {
  std::set<std::string> names;
  for (const MutantSpec &s : all_mutant_specs())
    EXPECT_TRUE(names.insert(s.name).second);
  for (const RuleInfo &r : all_rules())
    EXPECT_EQ(names.count(std::string(r.name)), r.switchable ? 1u : 0u) << r.name;
  for (const MutantInfo &m : all_mutants())
    EXPECT_EQ(names.count(std::string(m.name)), 1u);
}

TEST(Mutants, AKillNeedsTheReferenceModelToKeepEveryInvariant) {
  Program p = parse_program("a = Region()\nb = Region()\na.f = b\na.g = b\n");
  EXPECT_TRUE(kills(spec("barrier.has_parent"), Profile::Lungfish, p));
  // The same program does not involve the cycle check: the mutant is not to blame.
  EXPECT_FALSE(kills(spec("barrier.cycle"), Profile::Lungfish, p));
}

TEST(Mutants, TheExhaustiveEngineFindsAOneStatementKill) {
  MutantResult r = hunt_mutant(spec("cown.not_bridge"), small());
  ASSERT_EQ(r.status, "killed");
  EXPECT_EQ(r.engine, "exhaustive");
  EXPECT_EQ(r.statements, 1u);
  EXPECT_TRUE(kills(r.spec, Profile::Lungfish, parse_program(r.text)));
  EXPECT_EQ(r.run.invariants.front(), r.invariant);
}

TEST(Mutants, KilledMutantsComeWithAShrunkProgramAndTheFailingStep) {
  // (barrier.has_parent needs a larger budget than small(): see docs/mutants.md)
  for (const char *name : {"write.immutable", "set_parent.no_sbrc"}) {
    MutantResult r = hunt_mutant(spec(name), small());
    ASSERT_EQ(r.status, "killed") << name;
    EXPECT_LE(r.statements, 4u) << name << "\n" << r.text;
    EXPECT_TRUE(kills(r.spec, Profile::Lungfish, parse_program(r.text))) << name;
    EXPECT_FALSE(r.run.event.empty());
    EXPECT_FALSE(r.run.after == r.run.before) << name;
  }
}

TEST(Mutants, AWriteIntoAFrozenObjectIsTheHighlightedEdge) {
  Program p = parse_program("a = {}\nfreeze(a)\nb = {}\na.f = b\n");
  CheckedRun r = run_checked(p, spec("write.immutable").options(Profile::Lungfish, true));
  ASSERT_TRUE(r.broke);
  EXPECT_EQ(r.line, 4u);
  std::optional<TikzEdge> e = offending_edge(r.before, r.after);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->field, "f");
  EXPECT_TRUE(r.after.heap.obj(e->source).loc.is_immutable());
}

TEST(Mutants, TheSameSeedGivesTheSameReport) {
  MutantOptions o = small(1500);
  o.seed = 7;
  o.only = {"dissolve.child", "move.immutable", "close.skips_descendants"};
  nlohmann::json a = mutants_json(hunt_mutants(o), o, {});
  nlohmann::json b = mutants_json(hunt_mutants(o), o, {});
  EXPECT_EQ(a.dump(), b.dump());
  EXPECT_EQ(a["mutants"].size(), 3u);
}

TEST(Mutants, KillsFoundAtASmallBudgetNameTheWeakestInvariant) {
  // Kills the exhaustive engine finds at depth 4 or 5 of the small scope (docs/mutants.md has the
  // whole table): the same invariant, program length and engine as the default budget reports.
  struct Expected {
    const char *name, *invariant;
    size_t statements;
  };
  for (Expected e :
       {Expected{"barrier.has_parent", "I5", 4}, Expected{"barrier.cycle", "I6", 4},
        Expected{"move.opaque", "I17", 5}, Expected{"close.proto", "I16", 4},
        Expected{"freeze.keeps_region", "I7", 3}, Expected{"pull.keeps_child_lrc", "I8", 5}}) {
    MutantResult r = hunt_mutant(spec(e.name), small(80000));
    ASSERT_EQ(r.status, "killed") << e.name;
    EXPECT_EQ(r.engine, "exhaustive") << e.name;
    EXPECT_EQ(r.invariant, e.invariant) << e.name << "\n" << r.text;
    EXPECT_EQ(r.statements, e.statements) << e.name << "\n" << r.text;
    EXPECT_TRUE(kills(r.spec, Profile::Lungfish, parse_program(r.text))) << e.name;
  }
}

TEST(Mutants, ResumingFromThePrefixStateGivesTheSameReport) {
  MutantOptions o = small(30000);
  o.only = {"barrier.has_parent", "pull.lrc_off_by_one", "move.immutable", "when.send_open"};
  MutantOptions scratch = o;
  scratch.incremental = false;
  EXPECT_EQ(mutants_json(hunt_mutants(o), o, {}).dump(),
            mutants_json(hunt_mutants(scratch), o, {}).dump());
}

TEST(Mutants, OnlyTheDocumentedMutantsAreReportedMasked) {
  // At any budget a mutant nothing kills is masked exactly when docs/mutants.md documents it.
  MutantOptions o = small(400);
  std::set<std::string> masked, survived, documented;
  for (const MutantResult &r : hunt_mutants(o)) {
    if (r.status == "masked") masked.insert(r.spec.name);
    if (r.status == "survived") survived.insert(r.spec.name);
  }
  for (const MaskedEntry &m : documented_masked(Profile::Lungfish))
    documented.insert(m.name);
  EXPECT_EQ(masked, documented);
  for (const std::string &s : survived)
    EXPECT_EQ(documented.count(s), 0u) << s;
}

TEST(Mutants, DocumentedMaskedMutantsAreNotKilled) {
  MutantOptions o = small(2000);
  for (const MaskedEntry &m : documented_masked(Profile::Lungfish)) {
    MutantResult r = hunt_mutant(spec(m.name), o);
    EXPECT_EQ(r.status, "masked") << m.name << "\n" << r.text;
    EXPECT_FALSE(r.masked_reason.empty());
  }
}

TEST(Mutants, DocsListTheSameMaskedMutants) {
  std::ifstream in(std::string(LUNGFISH_SOURCE_DIR) + "/docs/mutants.md");
  ASSERT_TRUE(in) << "docs/mutants.md";
  std::stringstream ss;
  ss << in.rdbuf();
  std::string doc = ss.str();
  size_t start = doc.find("## Masked");
  ASSERT_NE(start, std::string::npos);
  size_t end = doc.find("\n## ", start + 1);
  std::string section = doc.substr(start, end == std::string::npos ? end : end - start);
  std::set<std::string> listed;
  std::istringstream lines(section);
  for (std::string l; std::getline(lines, l);)
    if (l.rfind("| `", 0) == 0) listed.insert(l.substr(3, l.find('`', 3) - 3));
  std::set<std::string> table;
  for (const MaskedEntry &m : documented_masked(Profile::Lungfish))
    table.insert(m.name);
  EXPECT_EQ(listed, table);
}

TEST(Mutants, TheReproduceCommandReproducesARuleMutant) {
  MutantResult r = hunt_mutant(spec("pull.lrc_off_by_one"), small());
  ASSERT_EQ(r.status, "killed");
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "lungfish_mutants_test";
  std::filesystem::create_directories(dir);
  std::string file = (dir / "m.lf").string();
  std::ofstream(file) << r.text;
  std::string cmd = reproduce_command(r, Profile::Lungfish, file);
  ASSERT_EQ(cmd.rfind("lungfish ", 0), 0u);
  std::string with_binary = std::string(LUNGFISH_BINARY) + cmd.substr(8) + " > /dev/null";
  int status = std::system(with_binary.c_str());
  EXPECT_EQ(WEXITSTATUS(status), 1) << with_binary; // a violation
  std::string reference = std::string(LUNGFISH_BINARY) + " run " + file + " > /dev/null";
  status = std::system(reference.c_str());
  EXPECT_EQ(WEXITSTATUS(status), 0) << reference;
}

} // namespace
} // namespace lungfish::gen
