// Replay of the four reference CPython recordings (../shared/corpus/cpython/) under the cpython
// profile. Each remaining difference is explained in docs/cpython-profile.md; this test pins
// them: the findings replay computes must be exactly the explained ones (kind, recording step),
// so a new difference, or an explained one going away, fails here and must be looked at.
#include "trace_test_util.h"
#include "traces/cpython_replay.h"

#include <filesystem>
#include <string>
#include <vector>

namespace lungfish::traces {
namespace {

struct Expected {
  const char *file;
  std::vector<std::pair<uint32_t, std::string>> divergences; // (event, kind)
};

TEST(CpythonReplay, ReferenceRecordingsHaveOnlyTheExplainedDifferences) {
  const std::string dir = test::corpus_dir() + "/cpython/";
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << "no " << dir;
  const Expected expected[] = {
      {"01_deep_freeze_dict.json", {}},
      {"02_cycle_scc_and_class.json", {}},
      // Step 10, freeze(box): the pre-freeze hook that raises belongs to a class defined in an
      // opaque step (methods other than __init__ are outside the subset).
      {"03_freezability_rollback_hooks.json", {{17, "outcome"}}},
      // Steps 1 and 5, freeze(read) and freeze(inc): freezing a function also freezes the
      // globals and cells its code reaches; the model's functions have no such edges.
      {"04_functions_closures_globals.json", {{2, "snapshot"}, {6, "snapshot"}}},
  };
  for (const Expected &e : expected) {
    SCOPED_TRACE(e.file);
    ReplayOptions o;
    o.profile = Profile::Cpython;
    ReplayReport r = replay_cpython_recording(dir + e.file, o);
    EXPECT_TRUE(r.violations.empty()) << report_to_text(r);
    std::vector<std::pair<uint32_t, std::string>> got;
    for (const Divergence &d : r.divergences)
      got.emplace_back(d.event, d.kind);
    EXPECT_EQ(got, e.divergences) << report_to_text(r);
    // Opaque steps are notes, never silent.
    EXPECT_FALSE(r.notes.empty());
  }
}

TEST(CpythonReplay, OpaqueStepsAreNamedInNotes) {
  const std::string file = test::corpus_dir() + "/cpython/04_functions_closures_globals.json";
  if (!std::filesystem::exists(file)) GTEST_SKIP() << "no " << file;
  ReplayOptions o;
  o.profile = Profile::Cpython;
  ReplayReport r = replay_cpython_recording(file, o);
  bool named = false;
  for (const std::string &n : r.notes)
    named = named || n.find("is outside the Python subset") != std::string::npos;
  EXPECT_TRUE(named) << report_to_text(r);
}

} // namespace
} // namespace lungfish::traces
