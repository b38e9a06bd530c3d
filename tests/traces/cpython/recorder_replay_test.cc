// Replay of the CPython recorder's own recordings made on the patched runtime
// (tests/inputs/cpython/recorder/, verdicts.tsv): real Python (functions, loops, classes with
// methods and bases, nested literals, comprehensions, instance dicts) replays with opaque steps
// and exactly the findings of the table; the materialised-dict undercount of
// notes/cpython-immutability.md 7.1 is I18 at the freeze, classified as that defect.
#include "tests/traces/trace_test_util.h"
#include "traces/cpython/checks.h"
#include "traces/cpython/steps.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

namespace lungfish::traces {
namespace {

std::string dir() {
  return test::inputs_dir() + "/cpython/recorder";
}

struct Verdict {
  std::set<std::string> findings; // KIND@LINE
  std::set<std::string> defects;  // the runtime defects they are classified as
};

/// name -> expected findings and defects, from verdicts.tsv.
std::map<std::string, Verdict> verdicts() {
  std::map<std::string, Verdict> out;
  std::ifstream in(dir() + "/verdicts.tsv");
  for (std::string l; std::getline(in, l);) {
    if (l.empty() || l[0] == '#') continue;
    std::vector<std::string> cols;
    std::stringstream row(l);
    for (std::string c; std::getline(row, c, '\t');)
      cols.push_back(c);
    EXPECT_EQ(cols.size(), 3u) << l;
    cols.resize(3);
    Verdict &v = out[cols[0]];
    std::stringstream fs(cols[1]);
    for (std::string item; std::getline(fs, item, ',');)
      if (item != "clean") v.findings.insert(item);
    std::stringstream ds(cols[2]);
    for (std::string item; std::getline(ds, item, ';');)
      if (item != "-") v.defects.insert(item);
  }
  return out;
}

struct Replayed {
  ReplayReport report;
  std::set<uint32_t> opaque; // events of opaque steps
};

Replayed replay(const std::string &path) {
  std::string profile;
  std::vector<RecordedStep> steps;
  auto source = open_native_trace(path, &profile);
  for (RecordedStep s; source->next(s);)
    steps.push_back(s);
  Replayed r;
  for (size_t i = 0; i < steps.size(); ++i)
    if (!steps[i].opaque.empty()) r.opaque.insert(static_cast<uint32_t>(i + 1));
  ReplayOptions o;
  o.profile = Profile::Cpython;
  r.report = replay_steps(steps, o, path);
  return r;
}

/// What replay found, as KIND@LINE (a divergence at an opaque step would be a finding too: replay
/// adopts an opaque step's snapshot without comparing it).
std::set<std::string> findings(const Replayed &r) {
  std::set<std::string> out;
  for (const ReplayViolation &v : r.report.violations)
    out.insert(std::string(invariant_name(v.violation.invariant)) + "@" + std::to_string(v.line));
  for (const Divergence &d : r.report.divergences) {
    std::string kind = d.detail.find("E_IMMUTABLE") != std::string::npos       ? "E_IMMUTABLE"
                       : d.detail.find("runtime crashed") != std::string::npos ? "crash"
                                                                               : d.kind;
    // The difference a classified violation of the same line makes (I18's count) is its own.
    bool own = std::any_of(r.report.violations.begin(), r.report.violations.end(),
                           [&](const ReplayViolation &v) { return v.line == d.line && v.defect; });
    if (kind == "snapshot" && d.defect && own) continue;
    out.insert(kind + "@" + std::to_string(d.line));
  }
  return out;
}

TEST(CpythonRecorderReplay, EveryRecordingGivesItsVerdict) {
  auto table = verdicts();
  ASSERT_GE(table.size(), 12u);
  for (const auto &[name, expected] : table) {
    Replayed r = replay(dir() + "/" + name + ".jsonl");
    EXPECT_EQ(findings(r), expected.findings) << name << "\n" << report_to_text(r.report);
    std::vector<std::string> named = r.report.defects();
    EXPECT_EQ(std::set<std::string>(named.begin(), named.end()), expected.defects)
        << name << "\n"
        << report_to_text(r.report);
    // A row that names defects has every finding classified.
    if (!expected.defects.empty()) {
      for (const ReplayViolation &v : r.report.violations)
        EXPECT_TRUE(v.defect) << name << ": " << v.rendered;
      for (const Divergence &d : r.report.divergences)
        EXPECT_TRUE(d.defect) << name << ": " << d.detail;
    }
    EXPECT_EQ(r.report.opaque, r.opaque.size()) << name; // every opaque step counted as such
    EXPECT_EQ(r.report.modelled + r.report.opaque, r.report.events) << name;
  }
  // Every recording in the folder is in the table.
  EXPECT_EQ(test::files_with_suffix(dir(), ".jsonl").size(), table.size());
}

TEST(CpythonRecorderReplay, RealPythonIsOpaqueNotRefused) {
  // Functions and their calls among in-subset statements are opaque steps, and the statements
  // after them are modelled again.
  Replayed r = replay(dir() + "/functions.jsonl");
  EXPECT_GE(r.opaque.size(), 2u) << report_to_text(r.report);
  EXPECT_GT(r.report.modelled, 2u) << report_to_text(r.report);
  // Nested literals are modelled: every statement of nested_literals.py.
  Replayed n = replay(dir() + "/nested_literals.jsonl");
  EXPECT_EQ(n.opaque.size(), 0u) << report_to_text(n.report);
}

TEST(CpythonRecorderReplay, MaterialisedDictUndercountIsI18AtTheFreeze) {
  Replayed r = replay(dir() + "/scc_undercount_materialised_dict.jsonl");
  ASSERT_FALSE(r.report.violations.empty()) << report_to_text(r.report);
  const ReplayViolation &v = r.report.violations.front();
  EXPECT_EQ(v.violation.invariant, Invariant::I18);
  EXPECT_EQ(v.line, 10u); // freeze(a), after a.__dict__ at line 9
  EXPECT_EQ(v.defect, std::optional<std::string>(kCpythonMaterialisedDictDefect));
  EXPECT_EQ(r.report.runtime_outcome, "crash"); // the runtime died at `b = None`
}

/// The reproducer's recording up to the freeze (no crash), the freeze's snapshot changed by
/// `edit`, replayed.
Replayed replay_freeze_edited(const std::string &name,
                              const std::function<void(nlohmann::json &)> &edit) {
  std::ifstream in(dir() + "/scc_undercount_materialised_dict.jsonl");
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);)
    lines.push_back(l);
  // Line 9 of the program (`a.__dict__`) is event 6 (after the header, import, class, a, b,
  // a.next); the freeze is event 7.
  EXPECT_GE(lines.size(), 8u);
  auto freeze = nlohmann::json::parse(lines.at(7));
  EXPECT_EQ(freeze["stmt"], "freeze(a)");
  edit(freeze["snapshot"]);
  lines[7] = freeze.dump();
  std::string path = ::testing::TempDir() + "/" + name + ".jsonl";
  {
    std::ofstream out(path);
    for (size_t i = 0; i < 8; ++i)
      out << lines[i] << "\n";
  }
  return replay(path);
}

/// Adds `by` to the count of the frozen SCC's representative.
std::function<void(nlohmann::json &)> raise_count(int by) {
  return [by](nlohmann::json &snap) {
    int raised = 0;
    for (auto &o : snap["objects"])
      if (o.contains("rc") && o.contains("scc_rep") && o["scc_rep"] == o["key"])
        o["rc"] = o["rc"].get<int>() + by, ++raised;
    EXPECT_EQ(raised, 1);
  };
}

TEST(CpythonRecorderReplay, WithTheCountOneHigherTheFreezeIsClean) {
  // The count raised by the one the runtime lost: clean, so the I18 above is the count's.
  Replayed r = replay_freeze_edited("scc_fixed", raise_count(1));
  EXPECT_TRUE(r.report.clean()) << report_to_text(r.report);
}

TEST(CpythonRecorderReplay, TheDefectIsNamedOnlyWhereItsSignatureShows) {
  // Too high a count is I18 but not this defect (whose count is too low): it is named as the
  // recorder's gap (a holder it cannot draw), not as a runtime defect.
  Replayed high = replay_freeze_edited("scc_high", raise_count(2));
  ASSERT_FALSE(high.report.violations.empty()) << report_to_text(high.report);
  EXPECT_EQ(high.report.violations.front().violation.invariant, Invariant::I18);
  EXPECT_EQ(high.report.defects(), std::vector<std::string>{kCpythonUndrawnHolderGap})
      << report_to_text(high.report);
  // Too low a count with no member's dict materialised is not this defect either.
  Replayed no_dict = replay_freeze_edited("scc_no_dict", [](nlohmann::json &snap) {
    for (auto &o : snap["objects"]) {
      auto &f = o["fields"];
      for (size_t k = 0; k < f.size(); ++k)
        if (f[k][0] == "__dict__") f[k][1] = nullptr;
    }
  });
  ASSERT_FALSE(no_dict.report.violations.empty()) << report_to_text(no_dict.report);
  EXPECT_EQ(no_dict.report.violations.front().violation.invariant, Invariant::I18);
  EXPECT_EQ(std::count(no_dict.report.defects().begin(), no_dict.report.defects().end(),
                       std::string(kCpythonMaterialisedDictDefect)),
            0)
      << report_to_text(no_dict.report);
}

/// Recording `name` with the lists' counts in its trace lines `from`.. set to `rc`, replayed.
Replayed replay_list_rc(const std::string &name, size_t from, int rc) {
  std::ifstream in(dir() + "/" + name + ".jsonl");
  std::string path = ::testing::TempDir() + "/" + name + "_rc.jsonl";
  std::ofstream out(path);
  size_t k = 0;
  for (std::string l; std::getline(in, l); ++k) {
    if (k >= from) {
      auto e = nlohmann::json::parse(l);
      for (auto &o : e["snapshot"]["objects"])
        if (o.value("type", "") == "list") o["rc"] = rc;
      l = e.dump();
    }
    out << l << "\n";
  }
  out.close();
  return replay(path);
}

TEST(CpythonRecorderReplay, AFailedFreezeThatLeavesACountShortIsTheRollbackDefect) {
  // z = [z, v] with v unfreezable: freeze(z) fails (line 13), the list's count is 1 after it
  // where the global and its own item make 2 (I16), classified as the rollback defect.
  Replayed r = replay(dir() + "/failed_freeze_cycle_rollback.jsonl");
  ASSERT_EQ(r.report.violations.size(), 1u) << report_to_text(r.report);
  EXPECT_EQ(r.report.violations[0].violation.invariant, Invariant::I16);
  EXPECT_EQ(r.report.violations[0].line, 13u);
  EXPECT_EQ(r.report.violations[0].defect, std::optional<std::string>(kCpythonRollbackCountDefect));
  // With the count the freeze should have left (2, from trace line 7 on), clean.
  Replayed fixed = replay_list_rc("failed_freeze_cycle_rollback", 7, 2);
  EXPECT_TRUE(fixed.report.clean()) << report_to_text(fixed.report);
  // A count too low before any freeze (trace line 6, `z[0] = z`) is I16 but not this defect.
  Replayed early = replay_list_rc("failed_freeze_cycle_rollback", 6, 1);
  ASSERT_FALSE(early.report.violations.empty()) << report_to_text(early.report);
  EXPECT_EQ(early.report.violations[0].line, 12u);
  EXPECT_TRUE(early.report.defects().empty()) << report_to_text(early.report);
}

TEST(CpythonRecorderReplay, ASilentlyFailedFreezeIsTheTeardownOnlyWithAMaterialisedDict) {
  Replayed r = replay(dir() + "/self_cycle_dict_freeze.jsonl");
  ASSERT_FALSE(r.report.divergences.empty()) << report_to_text(r.report);
  EXPECT_EQ(r.report.divergences[0].line, 12u);
  EXPECT_EQ(r.report.divergences[0].defect, std::optional<std::string>(kCpythonDictTeardownDefect));
  // The same differences without the dict: a freeze that leaves its root mutable is a finding,
  // but not this defect.
  std::vector<Difference> diffs = {{DiffKind::Location, "frame.z", "local", "imm"}};
  RecordedStep s;
  s.stmt = "freeze(z)";
  EXPECT_EQ(classify_cpython_difference(diffs, s), std::nullopt);
  diffs.push_back({DiffKind::Field, "frame.z.__dict__", "", "frame.z.__dict__"});
  EXPECT_EQ(classify_cpython_difference(diffs, s),
            std::optional<std::string>(kCpythonDictTeardownDefect));
  s.stmt = "z.f = None"; // not a freeze
  EXPECT_EQ(classify_cpython_difference(diffs, s), std::nullopt);
}

TEST(CpythonRecorderReplay, ACrashInAFreezeIsTheDictDefectOnlyIfTheFreezeReachesADict) {
  Replayed r = replay(dir() + "/dict_freeze_crash.jsonl");
  ASSERT_EQ(r.report.divergences.size(), 1u) << report_to_text(r.report);
  EXPECT_EQ(r.report.divergences[0].line, 18u);
  EXPECT_EQ(r.report.divergences[0].defect, std::optional<std::string>(kCpythonDictCrashDefect));
  // The same crash with the `z.__dict__` statement (trace line 11) turned into `pass`: no dict,
  // so the crash stays unclassified.
  std::ifstream in(dir() + "/dict_freeze_crash.jsonl");
  std::string path = ::testing::TempDir() + "/crash_no_dict.jsonl";
  std::ofstream out(path);
  size_t k = 0;
  for (std::string l; std::getline(in, l); ++k) {
    auto e = nlohmann::json::parse(l);
    if (e.value("stmt", "") == "z.__dict__") {
      e["stmt"] = "pass";
      e["message"] = "Line 17: pass";
    }
    if (e.contains("snapshot"))
      for (auto &o : e["snapshot"]["objects"]) {
        auto &f = o["fields"];
        for (size_t j = 0; j < f.size(); ++j)
          if (f[j][0] == "__dict__") f.erase(j--);
      }
    out << e.dump() << "\n";
  }
  out.close();
  Replayed no_dict = replay(path);
  ASSERT_FALSE(no_dict.report.divergences.empty()) << report_to_text(no_dict.report);
  EXPECT_EQ(no_dict.report.divergences.back().line, 18u);
  EXPECT_EQ(no_dict.report.divergences.back().defect, std::nullopt)
      << report_to_text(no_dict.report);
}

TEST(CpythonRecorderReplay, ACrashInAFailingFreezeOverACycleIsTheRollbackDefect) {
  Replayed r = replay(dir() + "/failed_freeze_two_cycle_crash.jsonl");
  ASSERT_EQ(r.report.divergences.size(), 1u) << report_to_text(r.report);
  EXPECT_EQ(r.report.divergences[0].defect,
            std::optional<std::string>(kCpythonRollbackCountDefect));
  // Without the explicit freezability the freeze would succeed: the crash stays unclassified.
  std::ifstream in(dir() + "/failed_freeze_two_cycle_crash.jsonl");
  std::string path = ::testing::TempDir() + "/crash_freezable.jsonl";
  std::ofstream out(path);
  for (std::string l; std::getline(in, l);) {
    auto e = nlohmann::json::parse(l);
    if (e.value("stmt", "").starts_with("set_freezable(")) {
      e["stmt"] = "pass";
      e["message"] = "Line " + std::to_string(e["line"].get<int>()) + ": pass";
    }
    if (e.contains("snapshot"))
      for (auto &o : e["snapshot"]["objects"])
        o.erase("freezable");
    out << e.dump() << "\n";
  }
  out.close();
  Replayed yes = replay(path);
  ASSERT_FALSE(yes.report.divergences.empty()) << report_to_text(yes.report);
  EXPECT_EQ(yes.report.divergences.back().defect, std::nullopt) << report_to_text(yes.report);
}

RecordedStep step(uint32_t line, const std::string &stmt, std::optional<Snapshot> snap = {}) {
  RecordedStep s;
  s.index = line;
  s.line = line;
  s.stmt = stmt;
  s.snapshot = std::move(snap);
  return s;
}

TEST(PythonStepMapper, OutsideTheSubsetIsOneOpaqueStepNotAnError) {
  std::vector<RecordedStep> steps = {step(1, "a = []"), step(2, "b = [x for x in [a]]"),
                                     step(3, "def f(x):\n    return x"), step(5, "c = a"),
                                     step(6, "a.append(c)")};
  std::vector<RecordedStep> out = python_steps_to_model(steps, "p.py");
  std::vector<std::string> got;
  for (const RecordedStep &s : out)
    got.push_back(std::to_string(s.line) + (s.opaque.empty() ? " " + s.stmt : " opaque"));
  EXPECT_EQ(got, (std::vector<std::string>{"1 a = {}", "2 opaque", "3 opaque", "5 c = a",
                                           "6 a[\"0\"] = c"}));
  EXPECT_NE(out[1].opaque.find("outside the Python subset"), std::string::npos) << out[1].opaque;
  EXPECT_EQ(out[1].stmt, steps[1].stmt); // the Python text stays, for the report
}

TEST(PythonStepMapper, TheRuntimesSnapshotGivesListLengthsAndDicts) {
  // An opaque statement grew the list and materialised the dict: the runtime's snapshot before
  // the next statements says so, and the mapping follows it.
  Snapshot before;
  before.roots = {"frame"};
  before.objects = {SnapObject{}, SnapObject{}, SnapObject{}, SnapObject{}};
  before.objects[0].key = "frame";
  before.objects[0].kind = SnapKind::Frame;
  before.objects[0].fields = {{"xs", "l"}, {"n", "i"}};
  before.objects[1].key = "l";
  before.objects[1].type_name = "list";
  before.objects[1].fields = {{"0", std::nullopt}, {"1", std::nullopt}, {"2", "i"}};
  before.objects[2].key = "i";
  before.objects[2].type_name = "N";
  before.objects[2].fields = {{"__dict__", "d"}};
  before.objects[3].key = "d";
  before.objects[3].type_name = "dict";
  before.reindex();
  PythonStepMapper m("p.py");
  EXPECT_EQ(m.map("xs = []", nullptr).stmts, std::vector<std::string>{"xs = {}"});
  EXPECT_EQ(m.map("xs.append(None)", &before).stmts, std::vector<std::string>{"xs[\"3\"] = None"});
  EXPECT_EQ(m.map("v = n.__dict__", &before).stmts, std::vector<std::string>{"v = n.__dict__"});
  EXPECT_EQ(m.map("w = n.__dict__", nullptr).stmts, std::vector<std::string>{"w = n.__dict__"});
}

TEST(PythonStepMapper, WritesIntoFrozenObjectsBecomeStoresTheModelJudges) {
  Snapshot before;
  before.roots = {"frame"};
  before.objects = {SnapObject{}, SnapObject{}};
  before.objects[0].key = "frame";
  before.objects[0].kind = SnapKind::Frame;
  before.objects[0].fields = {{"ys", "l"}};
  before.objects[1].key = "l";
  before.objects[1].type_name = "list";
  before.objects[1].frozen = true;
  before.objects[1].fields = {{"0", std::nullopt}};
  before.reindex();
  Snapshot after = before;
  EXPECT_TRUE(frozen_writes(before, after).empty());
  after.objects[1].fields.push_back({"1", std::nullopt});
  after.reindex();
  EXPECT_EQ(frozen_writes(before, after), std::vector<std::string>{"ys[\"1\"] = None"});
  after.objects[1].frozen = false; // unfrozen: not a write into a frozen object
  after.reindex();
  EXPECT_TRUE(frozen_writes(before, after).empty());
}

/// A snapshot whose globals are `xs` (a frozen list of two items, one an instance `i` of the
/// program's class) and `n` (the mutable instance).
Snapshot frozen_list_snapshot() {
  Snapshot s;
  s.roots = {"frame"};
  s.objects = {SnapObject{}, SnapObject{}, SnapObject{}, SnapObject{}};
  s.objects[0].key = "frame";
  s.objects[0].kind = SnapKind::Frame;
  s.objects[0].fields = {{"xs", "l"}, {"n", "i"}, {"C", "c"}};
  s.objects[1].key = "l";
  s.objects[1].type_name = "list";
  s.objects[1].frozen = true;
  s.objects[1].fields = {{"0", std::nullopt}, {"1", "i"}};
  s.objects[2].key = "i";
  s.objects[2].type_name = "C";
  s.objects[2].fields = {{"__proto__", "c"}};
  s.objects[3].key = "c";
  s.objects[3].type_name = "type";
  s.reindex();
  return s;
}

TEST(PythonStepMapper, WritesToAFrozenContainerAreStoresTheModelRejects) {
  // Any write to a frozen built-in container raises TypeError before it writes: the model is
  // given one store into it (which it rejects, E_IMMUTABLE, changing nothing).
  Snapshot before = frozen_list_snapshot();
  for (const char *w : {"xs.clear()", "xs.pop()", "xs.sort()", "del xs[0]", "xs[0:1] = [None]",
                        "xs += [1]", "xs *= 2", "xs.append(C())", "xs.insert(0, None)"}) {
    PythonStepMapper m("p.py");
    PythonStepMapper::Mapped got = m.map(w, &before);
    EXPECT_TRUE(got.opaque.empty()) << w << ": " << got.opaque;
    EXPECT_EQ(got.stmts, std::vector<std::string>{"xs[\"2\"] = None"}) << w;
  }
  // Reads, calls of anything but the program's classes and instances of the program's classes
  // (their methods are Python code) are not writes to judge this way.
  PythonStepMapper m("p.py");
  EXPECT_FALSE(m.map("xs[1].clear()", &before).opaque.empty());
  EXPECT_FALSE(m.map("xs.append(open('f'))", &before).opaque.empty());
  EXPECT_FALSE(m.map("n.clear()", &before).opaque.empty());
  EXPECT_FALSE(m.map("xs.count(1)", &before).opaque.empty());
  Snapshot mutable_list = before;
  mutable_list.objects[1].frozen = false;
  EXPECT_FALSE(m.map("xs.clear()", &mutable_list).opaque.empty());
}

TEST(PythonStepMapper, AFailedStatementEndsAtTheModelStatementThatFails) {
  // `n.f = [n, C()]` raised TypeError (n frozen): Python builds the list, then fails the store;
  // the model's first statement is that store, so the step ends there with the runtime's code.
  std::vector<RecordedStep> steps = {step(1, "class C:\n    pass"), step(3, "n = C()"),
                                     step(4, "n.f = [n, C()]"), step(5, "m = [n.g]")};
  steps[2].outcome = "E_IMMUTABLE";
  steps[3].outcome = "E_UNDEFINED";
  std::vector<RecordedStep> out = python_steps_to_model(steps, "p.py");
  std::vector<std::string> got;
  for (const RecordedStep &s : out)
    got.push_back(std::to_string(s.line) + " " + s.stmt + " " + s.outcome);
  EXPECT_EQ(got,
            (std::vector<std::string>{"1 C = {} ok", "3 n = create(C) ok", "4 n.f = {} E_IMMUTABLE",
                                      "5 m = {} ok", "5 m[\"0\"] = n.g E_UNDEFINED"}));
}

} // namespace
} // namespace lungfish::traces
