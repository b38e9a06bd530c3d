// Replay: the shared FrankenScript corpus against its expected-verdict table, golden counters of
// hand-transcribed programs, the identity on the model's own traces, and corrupted traces.
#include "model/machine.h"
#include "model/text/program_text.h"
#include "traces/formats/mermaid_reader.h"
#include "traces/replay/replay.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace lungfish::traces {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = LUNGFISH_SOURCE_DIR;
const fs::path kCorpus = kSource / ".." / "shared" / "corpus" / "frankenscript";

struct Verdict {
  std::string name, verdict, runtime_outcome, reason;
};

std::vector<Verdict> read_verdicts(const fs::path &table) {
  std::vector<Verdict> out;
  std::ifstream in(table);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    Verdict v;
    std::getline(fields, v.name, '\t');
    std::getline(fields, v.verdict, '\t');
    std::getline(fields, v.runtime_outcome, '\t');
    std::getline(fields, v.reason, '\t');
    out.push_back(v);
  }
  return out;
}

ReplayReport replay_frankenscript(const fs::path &mermaid) {
  std::string outcome;
  auto steps = read_frankenscript_steps(mermaid.string(), &outcome);
  ReplayOptions o;
  o.profile = Profile::Frankenscript;
  ReplayReport r = replay_steps(steps, o, mermaid.filename().string());
  if (r.runtime_outcome == "ok") r.runtime_outcome = outcome;
  return r;
}

/// Replays every recording of `dir` listed in `verdicts` and checks the verdict and outcome.
void expect_verdicts(const fs::path &dir, const std::vector<Verdict> &verdicts) {
  for (const Verdict &v : verdicts) {
    SCOPED_TRACE(v.name + ": " + v.reason);
    ReplayReport r = replay_frankenscript(dir / (v.name + ".mermaid.md"));
    EXPECT_EQ(r.runtime_outcome, v.runtime_outcome);
    if (v.verdict == "clean") {
      EXPECT_TRUE(r.clean()) << report_to_text(r);
    } else {
      ASSERT_EQ(v.verdict.rfind("defect:", 0), 0u);
      auto defects = r.defects();
      ASSERT_FALSE(defects.empty()) << report_to_text(r);
      EXPECT_EQ(defects.front(), v.verdict.substr(7)) << report_to_text(r);
      // Every finding is classified: zero unclassified differences.
      for (const auto &d : r.divergences)
        EXPECT_TRUE(d.defect.has_value()) << d.detail;
      for (const auto &x : r.violations)
        EXPECT_TRUE(x.defect.has_value()) << x.rendered;
    }
  }
}

TEST(ReplayCorpus, AgreesWithTheExpectedVerdictTable) {
  if (!fs::exists(kCorpus)) GTEST_SKIP() << "shared corpus not found at " << kCorpus;
  auto verdicts = read_verdicts(kSource / "tests" / "traces" / "corpus_verdicts.tsv");
  ASSERT_EQ(verdicts.size(), 63u) << "one entry per shared recording";
  size_t listed = 0;
  for (const auto &entry : fs::directory_iterator(kCorpus))
    if (entry.path().string().ends_with(".mermaid.md")) ++listed;
  EXPECT_EQ(listed, verdicts.size());
  expect_verdicts(kCorpus, verdicts);
}

// FrankenScript's own tests and examples that the shared corpus does not hold, recorded here.
TEST(ReplayCorpus, FrankenScriptSuiteAgreesWithItsVerdictTable) {
  fs::path dir = kSource / "tests" / "inputs" / "mermaid" / "frankenscript-suite";
  auto verdicts = read_verdicts(dir / "verdicts.tsv");
  size_t listed = 0;
  for (const auto &entry : fs::directory_iterator(dir))
    if (entry.path().string().ends_with(".mermaid.md")) ++listed;
  ASSERT_EQ(listed, verdicts.size()) << "one entry per recording";
  ASSERT_EQ(verdicts.size(), 10u);
  expect_verdicts(dir, verdicts);
}

// The golden counter tests: each program was transcribed by hand from a recording's `Line N:`
// steps; under the frankenscript profile its state after every statement must equal the
// recording's (rc, LRC, SBRC, dirty, cown status, edges), up to renaming.
TEST(GoldenCounters, TranscribedProgramsMatchTheirRecordings) {
  if (!fs::exists(kCorpus)) GTEST_SKIP() << "shared corpus not found at " << kCorpus;
  size_t programs = 0;
  for (const auto &entry : fs::directory_iterator(kSource / "tests" / "golden")) {
    if (entry.path().extension() != ".lf") continue;
    std::string name = entry.path().stem().string();
    SCOPED_TRACE(name);
    ++programs;
    auto recording = read_mermaid_file((kCorpus / (name + ".mermaid.md")).string());
    std::vector<const MermaidStep *> lines;
    for (const auto &s : recording)
      if (s.kind == StepKind::Line) lines.push_back(&s);
    MachineOptions mo;
    mo.profile = Profile::Frankenscript;
    Machine m(compile(parse_program_file(entry.path().string())), mo);
    size_t k = 0;
    Observer obs = [&](const Machine &mm, const Event &e) {
      if (e.kind != EventKind::Statement) return true;
      EXPECT_LT(k, lines.size());
      if (k >= lines.size()) return false;
      CompareOptions co;
      co.dirty_lrc_upper_bound = false; // exact: the same design choices, the same counters
      auto diffs = compare_snapshots(lines[k]->snapshot, snapshot_of(mm.world(), e.thread), co);
      std::erase_if(diffs, [](const Difference &d) { // prototypes FrankenScript does not draw
        return d.kind == DiffKind::Field && d.path.ends_with(".__proto__") && d.expected.empty() &&
               d.actual.rfind("@", 0) == 0;
      });
      for (const Difference &d : diffs)
        ADD_FAILURE() << "after `" << lines[k]->message << "`: " << diff_kind_name(d.kind) << " at "
                      << d.path << ": recording " << d.expected << ", model " << d.actual;
      ++k;
      return true;
    };
    EXPECT_EQ(m.run(obs), Outcome::Ok);
    EXPECT_EQ(k, lines.size()) << "one model statement per recorded Line step";
  }
  EXPECT_GE(programs, 10u);
}

// `lungfish run --trace` writes the model's own execution; replaying it is the identity.
TEST(ReplayNative, ModelTracesReplayClean) {
  size_t traced = 0;
  for (const auto &entry : fs::directory_iterator(kSource / "examples")) {
    std::string file = entry.path().string();
    if (!file.ends_with(".lf") || file.find("when") != std::string::npos) continue;
    SCOPED_TRACE(file);
    std::string trace = (fs::temp_directory_path() / "lungfish_identity.jsonl").string();
    std::string cmd = std::string(LUNGFISH_BINARY) + " run '" + file + "' --trace '" + trace +
                      "' > /dev/null 2>&1";
    int rc = std::system(cmd.c_str());
    ASSERT_NE(rc, -1);
    std::string profile;
    auto steps = read_native_steps(trace, &profile);
    ASSERT_FALSE(steps.empty());
    ReplayOptions o;
    o.profile = parse_profile(profile).value_or(Profile::Lungfish);
    ReplayReport r = replay_steps(steps, o, file);
    EXPECT_TRUE(r.clean()) << report_to_text(r);
    ++traced;
  }
  EXPECT_GE(traced, 5u);
}

ReplayReport replay_native(const std::string &name) {
  std::string path = (kSource / "tests" / "inputs" / "native" / "replay" / name).string();
  std::string profile;
  auto steps = read_native_steps(path, &profile);
  ReplayOptions o;
  o.profile = parse_profile(profile).value_or(Profile::Lungfish);
  return replay_steps(steps, o, name);
}

bool has_violation(const ReplayReport &r, Invariant i) {
  return std::any_of(r.violations.begin(), r.violations.end(),
                     [&](const ReplayViolation &v) { return v.violation.invariant == i; });
}

TEST(ReplayNative, ShippedTracesReplayClean) {
  EXPECT_TRUE(replay_native("clean.jsonl").clean());
  EXPECT_TRUE(replay_native("rejected.jsonl").clean());
}

TEST(ReplayNative, WrongLrcIsFlaggedAsI8AndADivergence) {
  ReplayReport r = replay_native("wrong_lrc.jsonl");
  ASSERT_FALSE(r.divergences.empty());
  EXPECT_EQ(r.divergences[0].event, 5u);
  EXPECT_NE(r.divergences[0].detail.find("lrc"), std::string::npos);
  EXPECT_TRUE(has_violation(r, Invariant::I8));
  EXPECT_EQ(r.matched_prefix, 4u);
}

TEST(ReplayNative, MissingEdgeIsFlagged) {
  ReplayReport r = replay_native("missing_edge.jsonl");
  ASSERT_FALSE(r.divergences.empty());
  EXPECT_EQ(r.divergences[0].event, 3u);
  EXPECT_NE(r.divergences[0].detail.find("frame.r1.a"), std::string::npos);
  EXPECT_TRUE(has_violation(r, Invariant::I16)); // the orphaned object's rc no longer adds up
}

TEST(ReplayNative, RegionEdgeToANonBridgeBreaksI4) {
  ReplayReport r = replay_native("cross_region_edge.jsonl");
  EXPECT_TRUE(has_violation(r, Invariant::I4));
  ASSERT_FALSE(r.divergences.empty());
  EXPECT_EQ(r.divergences[0].event, 4u);
}

TEST(ReplayNative, WrongErrorCodeIsAnOutcomeDivergence) {
  ReplayReport r = replay_native("wrong_error_code.jsonl");
  ASSERT_EQ(r.divergences.size(), 1u);
  EXPECT_EQ(r.divergences[0].kind, "outcome");
  EXPECT_NE(r.divergences[0].detail.find("E_HAS_PARENT"), std::string::npos);
}

// FrankenScript's own recording, corrupted: a region's SBRC left stale after a freeze of its open
// child is classified as the known runtime defect.
/// Replays tests/inputs/mermaid/good/NAME.mermaid.md, a recording of the real FrankenScript,
/// under the frankenscript profile.
ReplayReport replay_good_recording(const std::string &name) {
  auto source = open_frankenscript_source(
      (kSource / "tests/inputs/mermaid/good" / (name + ".mermaid.md")).string());
  ReplayOptions o;
  o.profile = Profile::Frankenscript;
  return replay_stream(*source, o, name);
}

// FrankenScript (pldi2025) iterating a Released cown: `create _iter_1` succeeds, the first turn
// fails, so the loop header is never recorded. Replay reads the iterated cown from the iterator's
// `source` edge and the model makes the iterator too (decision 23): clean, not "unsupported".
TEST(ReplayFrankenScript, LoopOverAReleasedCownFailsAtItsFirstTurn) {
  ReplayReport r = replay_good_recording("for_released_cown");
  EXPECT_TRUE(r.clean()) << report_to_text(r);
  EXPECT_EQ(r.runtime_outcome, "E_OPAQUE");
  EXPECT_EQ(r.events, 3u);
}

// FrankenScript (pldi2025): freezing a LOCAL object whose prototype is inside a region leaves
// that region's LRC as it was, dirty (a freeze never decrements an LRC under the frankenscript
// profile, whichever order the walk meets the objects in). Before the fix the model took the
// frozen object's edge off the LRC (2 -> 1) and replay reported a snapshot divergence.
TEST(ReplayFrankenScript, FreezeThroughAPrototypeKeepsTheLrcDirty) {
  ReplayReport r = replay_good_recording("freeze_local_into_region");
  EXPECT_TRUE(r.clean()) << report_to_text(r);
  EXPECT_EQ(r.events, 5u);
}

// FrankenScript (pldi2025) prints its counters as size_t: after `close(c2.value)` on a dirty
// region the LRC shows as 18446744073709551615. The reader takes it as -1 (it was "unreadable
// output" before) and replay reports the broken I8, classified, not a crash of the runtime.
TEST(ReplayFrankenScript, LrcUnderflowIsReadAsNegativeAndReported) {
  ReplayReport r = replay_good_recording("lrc_underflow");
  bool negative_lrc = false;
  for (const ReplayViolation &v : r.violations)
    if (v.violation.invariant == Invariant::I8 && v.rendered.find("is -1") != std::string::npos) {
      negative_lrc = true;
      EXPECT_EQ(v.defect.value_or(""), "LRC decremented below 0 (I8)") << v.rendered;
    }
  EXPECT_TRUE(negative_lrc) << report_to_text(r);
}

TEST(ReplayDefects, StaleSbrcAfterFreezeIsClassified) {
  std::string program = "r1 = Region()\nr1.c = Region()\nx = r1.c\nfreeze(x)\n";
  MachineOptions mo;
  mo.profile = Profile::Frankenscript;
  Machine m(compile(parse_program(program)), mo);
  std::vector<RecordedStep> steps;
  Observer obs = [&](const Machine &mm, const Event &e) {
    if (e.kind != EventKind::Statement) return true;
    RecordedStep s;
    s.index = static_cast<uint32_t>(steps.size() + 1);
    s.line = e.line;
    s.message = e.message;
    s.stmt = e.message.substr(e.message.find(": ") + 2);
    s.snapshot = snapshot_of(mm.world(), e.thread);
    steps.push_back(std::move(s));
    return true;
  };
  ASSERT_EQ(m.run(obs), Outcome::Ok);
  ASSERT_EQ(steps.size(), 4u);
  // What FrankenScript records: r1 still counts its (now frozen) child as open.
  for (SnapRegion &r : steps[3].snapshot->regions)
    if (r.sbrc && *r.sbrc == 0 && r.parent_kind == SnapParentKind::None) r.sbrc = 1;
  ReplayOptions o;
  o.profile = Profile::Frankenscript;
  ReplayReport r = replay_steps(steps, o, "stale-sbrc");
  auto defects = r.defects();
  ASSERT_FALSE(defects.empty()) << report_to_text(r);
  EXPECT_EQ(defects[0], "stale SBRC after freeze (I9)");
  EXPECT_TRUE(has_violation(r, Invariant::I9));
}

} // namespace
} // namespace lungfish::traces
