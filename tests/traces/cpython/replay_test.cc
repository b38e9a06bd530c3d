// Replay of the four reference CPython recordings (../shared/corpus/cpython/) under the cpython
// profile, one test each: the verdict replay computes must be the one docs/cpython-profile.md
// explains (clean, with the listed opaque steps, each named in a note with its reason). Then the
// checks of traces/cpython/checks.h on copies of the recordings with one planted runtime defect
// each, so that a clean verdict cannot come from checks that never fire.
#include "tests/traces/trace_test_util.h"
#include "traces/cpython/checks.h"
#include "traces/cpython/replay.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <sys/wait.h>
#include <vector>

namespace lungfish::traces {
namespace {

std::string reference(const std::string &name) {
  return test::corpus_dir() + "/cpython/" + name;
}

ReplayReport replay(const std::string &path) {
  ReplayOptions o;
  o.profile = Profile::Cpython;
  return replay_cpython_recording(path, o);
}

/// The recording steps replay treated as opaque: its notes name the events ("event E is opaque
/// to the model (...)"), the recording's source says which step each event is.
std::set<uint32_t> opaque_steps(const ReplayReport &r) {
  CpythonRecordingSource source(read_cpython_recording(r.trace), r.trace);
  std::map<uint32_t, uint32_t> step_of;
  for (const auto &o : source.opaque())
    step_of[o.event] = o.step;
  std::set<uint32_t> out;
  for (const std::string &n : r.notes)
    if (n.rfind("event ", 0) == 0 && n.find(" is opaque to the model") != n.npos) {
      uint32_t event = static_cast<uint32_t>(std::stoul(n.substr(6)));
      EXPECT_TRUE(step_of.count(event)) << n;
      out.insert(step_of[event]);
    }
  EXPECT_EQ(r.opaque, out.size());
  return out;
}

void expect_verdict(const std::string &file, const std::set<uint32_t> &opaque,
                    const std::vector<std::string> &reasons) {
  const std::string path = reference(file);
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no " << path;
  ReplayReport r = replay(path);
  EXPECT_TRUE(r.clean()) << report_to_text(r);
  EXPECT_FALSE(r.limited);
  EXPECT_EQ(r.matched_prefix, r.events);
  EXPECT_EQ(opaque_steps(r), opaque) << report_to_text(r);
  for (const std::string &reason : reasons) {
    bool named = false;
    for (const std::string &n : r.notes)
      named = named || n.find(reason) != std::string::npos;
    EXPECT_TRUE(named) << "no note says `" << reason << "`\n" << report_to_text(r);
  }
}

TEST(CpythonReplay, DeepFreezeDictIsClean) {
  // 4: nested subscription; 5: is_frozen (freezes as a side effect). The nested literal of step
  // 0 is modelled: its objects built where they are stored.
  expect_verdict("01_deep_freeze_dict.json", {4, 5}, {"outside the Python subset"});
}

TEST(CpythonReplay, CycleSccAndClassIsClean) {
  // Every step modelled: step 0 (the class, its instances and the cycle in one op, an instance
  // built inside a call's argument) gives 12 model statements.
  expect_verdict("02_cycle_scc_and_class.json", {}, {});
}

TEST(CpythonReplay, FreezabilityRollbackHooksIsClean) {
  // 7: a tuple holding a list; 8: is_frozen; 10: freeze(box) runs Hooked's __pre_freeze__;
  // 11, 13, 14: SharedField (12, freeze(holder), is in the subset). Step 9, the class with a
  // __pre_freeze__ method, is modelled (a method is a function object replay does not compare).
  expect_verdict("03_freezability_rollback_hooks.json", {7, 8, 10, 11, 13, 14},
                 {"`__pre_freeze__` hook"});
}

TEST(CpythonReplay, FunctionsClosuresGlobalsIsClean) {
  // 0: functions and closures; 1, 5: freezing a function; 3, 4, 6: calls
  const std::string path = reference("04_functions_closures_globals.json");
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no " << path;
  ReplayReport r = replay(path);
  EXPECT_TRUE(r.clean()) << report_to_text(r);
  std::set<uint32_t> opaque = opaque_steps(r);
  EXPECT_TRUE(opaque.count(1) && opaque.count(5)) << report_to_text(r);
  bool named = false;
  for (const std::string &n : r.notes)
    named = named || n.find("freezing a function or closure") != std::string::npos;
  EXPECT_TRUE(named) << report_to_text(r);
}

// The command: exit 0 on the four recordings, 1 on a finding, 2 with file:line:col on bad input.
int run_replay(const std::string &file, std::string *err = nullptr) {
  auto errfile = std::filesystem::temp_directory_path() / "lungfish_cpython_cli.err";
  std::string cmd = std::string(LUNGFISH_BINARY) + " replay --format cpython '" + file +
                    "' > /dev/null 2> '" + errfile.string() + "'";
  int status = std::system(cmd.c_str());
  if (err) {
    std::ifstream in(errfile);
    err->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::filesystem::remove(errfile);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(CpythonReplay, CommandExitCodes) {
  if (!std::filesystem::exists(LUNGFISH_BINARY)) GTEST_SKIP() << "no " << LUNGFISH_BINARY;
  for (const std::string &f : test::files_with_suffix(test::corpus_dir() + "/cpython", ".json")) {
    SCOPED_TRACE(f);
    EXPECT_EQ(run_replay(f), 0);
  }
  for (const std::string &f :
       test::files_with_suffix(test::inputs_dir() + "/cpython/bad", ".json")) {
    SCOPED_TRACE(f);
    std::string err;
    EXPECT_EQ(run_replay(f, &err), 2);
    EXPECT_EQ(err.rfind(f + ":", 0), 0u) << err; // file:line:col: message
  }
}

// ---- planted runtime defects ----

using Json = nlohmann::json;

Json load(const std::string &file) {
  std::ifstream in(reference(file));
  return Json::parse(in);
}

ReplayReport replay_json(const Json &j, const std::string &name) {
  auto path = std::filesystem::temp_directory_path() / ("lungfish_cpython_" + name + ".json");
  std::ofstream(path) << j.dump(1);
  ReplayReport r = replay(path.string());
  std::filesystem::remove(path);
  return r;
}

Json &node(Json &snapshot, const std::string &root) {
  std::string id;
  for (auto &r : snapshot["roots"])
    if (r["name"] == root) id = r["target"];
  for (auto &n : snapshot["nodes"])
    if (n["id"] == id) return n;
  throw std::runtime_error("no root " + root);
}

bool has_violation(const ReplayReport &r, Invariant inv, const std::string &text) {
  for (const ReplayViolation &v : r.violations)
    if (v.violation.invariant == inv && v.violation.message.find(text) != std::string::npos)
      return true;
  return false;
}

#define NEED(file)                                                                                 \
  if (!std::filesystem::exists(reference(file))) GTEST_SKIP() << "no " << reference(file)

TEST(CpythonChecks, UndercountedSccAfterMaterialisedDictIsTheKnownDefect) {
  NEED("02_cycle_scc_and_class.json");
  Json j = load("02_cycle_scc_and_class.json");
  Json &after = j["steps"][1]["snapshot_after"];
  node(after, "a")["refcnt_field"] = 1; // roots a and b point into the SCC {a, b}
  node(after, "b")["dict_materialised"] = true;
  ReplayReport r = replay_json(j, "undercount");
  ASSERT_TRUE(has_violation(r, Invariant::I18, "is 1 (tracer references included)"))
      << report_to_text(r);
  EXPECT_EQ(r.violations.front().event, 13u); // step 1 is event 13 (step 0 is 12 events)
  EXPECT_EQ(r.defects(), std::vector<std::string>{kCpythonMaterialisedDictDefect});
}

TEST(CpythonChecks, AMaterialisedDictIsAnObjectOfTheInstance) {
  // Recording 02 with `a.__dict__` read before the freeze: the recording marks a's dict as
  // materialised from then on; the model makes it an object of a, frozen with it: clean.
  NEED("02_cycle_scc_and_class.json");
  Json j = load("02_cycle_scc_and_class.json");
  j["steps"][1]["op"] = "a.__dict__\nfreeze(a)";
  for (size_t k = 1; k < j["steps"].size(); ++k) {
    node(j["steps"][k]["snapshot_after"], "a")["dict_materialised"] = true;
    if (k > 1) node(j["steps"][k]["snapshot_before"], "a")["dict_materialised"] = true;
  }
  ReplayReport r = replay_json(j, "dict_read");
  EXPECT_TRUE(r.clean()) << report_to_text(r);
  // The same count one short at the freeze: I18 there, classified by the read before it.
  node(j["steps"][1]["snapshot_after"], "a")["refcnt_field"] = 1;
  r = replay_json(j, "dict_read_undercount");
  EXPECT_TRUE(has_violation(r, Invariant::I18, "")) << report_to_text(r);
  EXPECT_EQ(r.defects(), std::vector<std::string>{kCpythonMaterialisedDictDefect});
}

TEST(CpythonChecks, PrintedRefcountIsAnExactCount) {
  NEED("02_cycle_scc_and_class.json");
  Json j = load("02_cycle_scc_and_class.json");
  j["steps"][5]["op"] = "c.next = a\n_out = sys.getrefcount(a)";
  j["steps"][5]["printed"] = "3"; // a, b and c.next point into {a, b}, plus the argument: 4
  ReplayReport r = replay_json(j, "getrefcount");
  EXPECT_TRUE(has_violation(r, Invariant::I18, "sys.getrefcount(a) printed 3 but 4"))
      << report_to_text(r);
  j["steps"][5]["printed"] = "4";
  EXPECT_TRUE(replay_json(j, "getrefcount_ok").violations.empty());
  // A tuple of counts, printed as a tuple: each is checked.
  j["steps"][5]["op"] = "c.next = a\n_out = (sys.getrefcount(c), sys.getrefcount(a))";
  j["steps"][5]["printed"] = "(2, 3)";
  r = replay_json(j, "getrefcount_tuple");
  EXPECT_TRUE(has_violation(r, Invariant::I18, "sys.getrefcount(a) printed 3 but 4"))
      << report_to_text(r);
  j["steps"][5]["printed"] = "(2, 4)";
  EXPECT_TRUE(replay_json(j, "getrefcount_tuple_ok").violations.empty());
}

TEST(CpythonChecks, FrozenUnfreezableObjectBreaksI19) {
  NEED("03_freezability_rollback_hooks.json");
  Json j = load("03_freezability_rollback_hooks.json");
  node(j["steps"][1]["snapshot_after"], "y")["frozen"] = true; // FREEZABLE_NO, yet frozen
  ReplayReport r = replay_json(j, "frozen_no");
  EXPECT_TRUE(has_violation(r, Invariant::I19, "freezability is NO")) << report_to_text(r);
}

TEST(CpythonChecks, ExplicitObjectFrozenWithoutBeingARootBreaksI19) {
  NEED("03_freezability_rollback_hooks.json");
  Json j = load("03_freezability_rollback_hooks.json");
  j["steps"][5]["op"] = "freeze(items)"; // the snapshot still shows y (EXPLICIT) frozen
  ReplayReport r = replay_json(j, "explicit");
  EXPECT_TRUE(has_violation(r, Invariant::I19, "without it being a root")) << report_to_text(r);
  // The model, for its part, refuses that freeze: an outcome divergence at the same step.
  ASSERT_FALSE(r.divergences.empty());
  EXPECT_EQ(r.divergences.front().kind, "outcome");
}

TEST(CpythonChecks, FailedFreezeThatLeavesFlagsSetIsADivergence) {
  NEED("03_freezability_rollback_hooks.json");
  Json j = load("03_freezability_rollback_hooks.json");
  node(j["steps"][2]["snapshot_after"], "x")["frozen"] = true; // freeze(items) raised
  ReplayReport r = replay_json(j, "atomic");
  bool found = false;
  for (const Divergence &d : r.divergences)
    found = found || d.detail.find("all-or-nothing") != std::string::npos;
  EXPECT_TRUE(found) << report_to_text(r);
}

TEST(CpythonChecks, CycleSplitOverTwoRepresentativesBreaksI18) {
  NEED("02_cycle_scc_and_class.json");
  Json j = load("02_cycle_scc_and_class.json");
  Json &after = j["steps"][1]["snapshot_after"];
  Json &b = node(after, "b");
  b["scc_rep"] = b["id"];
  b["imm_state"] = "immutable-direct-rc";
  ReplayReport r = replay_json(j, "split");
  EXPECT_TRUE(has_violation(r, Invariant::I18, "split SCC")) << report_to_text(r);
  EXPECT_TRUE(has_violation(r, Invariant::I18, "names")) << report_to_text(r);
}

TEST(CpythonChecks, InlineEdgesAreMatchedByTarget) {
  NEED("02_cycle_scc_and_class.json");
  Json j = load("02_cycle_scc_and_class.json");
  // Step 4 creates c; its `name` becomes an unnamed inline value, named again from step 5,
  // where c holds the same target under `name`.
  for (auto &e : node(j["steps"][4]["snapshot_after"], "c")["edges"])
    if (e["field"] == "name") e["field"] = "?inline";
  ReplayReport r = replay_json(j, "inline");
  EXPECT_TRUE(r.clean()) << report_to_text(r);
  // Unmatched everywhere (renamed in every snapshot): a difference, not silence.
  for (auto &st : j["steps"])
    for (auto &n : st["snapshot_after"]["nodes"])
      for (auto &e : n["edges"])
        if (e["field"] == "name" && n["type"] == "Node") e["field"] = "?inline";
  EXPECT_FALSE(replay_json(j, "inline_unmatched").clean());
}

TEST(CpythonChecks, FreezeRootNames) {
  bool all = false, called = false;
  EXPECT_EQ(freeze_root_names("freeze(items, y)", &all, &called),
            (std::vector<std::string>{"items", "y"}));
  EXPECT_TRUE(all && called);
  EXPECT_EQ(freeze_root_names("immutable.freeze(d['a'], x)", &all, &called),
            std::vector<std::string>{"x"});
  EXPECT_FALSE(all);
  EXPECT_TRUE(freeze_root_names("_out = is_frozen(d)\nunfreeze(d)", &all, &called).empty());
  EXPECT_FALSE(called);
}

} // namespace
} // namespace lungfish::traces
