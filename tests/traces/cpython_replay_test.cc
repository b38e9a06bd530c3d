// `lungfish replay --format cpython`: the four reference recordings of the patched CPython
// (../shared/corpus/cpython, notes/cpython-immutability.md 6) replayed under the cpython profile.
// Every finding is listed in kExpected with its explanation (docs/cpython-profile.md, "Replaying
// the reference recordings"); opaque steps are notes, never divergences.
#include "traces/cpython_replay.h"

#include "tests/traces/trace_test_util.h"

#include <filesystem>
#include <sstream>

namespace lungfish::traces {
namespace {

std::string cpython_corpus() {
  return std::string(LUNGFISH_SOURCE_DIR) + "/../shared/corpus/cpython";
}

ReplayOptions cpython_options() {
  ReplayOptions o;
  o.profile = Profile::Cpython;
  return o;
}

/// One expected finding: recording, event, kind, and why it is not a model or replay bug.
struct Expected {
  const char *file;
  uint32_t event;
  const char *kind; // divergence kind, or "violation"
  const char *why;
};

// clang-format off
const Expected kExpected[] = {
    {"", 0, "", ""},
};
// clang-format on

/// The opaque steps (recording step indexes) per file.
struct OpaqueSteps {
  const char *file;
  std::vector<uint32_t> steps;
};
const OpaqueSteps kOpaque[] = {
    {"", {}},
};

std::string findings_text(const ReplayReport &r) {
  std::ostringstream s;
  for (const auto &d : r.divergences)
    s << "  divergence event " << d.event << " " << d.kind << ": " << d.detail << "\n";
  for (const auto &v : r.violations)
    s << "  violation event " << v.event << ": " << v.rendered << "\n";
  for (const auto &n : r.notes)
    s << "  note: " << n << "\n";
  return s.str();
}

TEST(CpythonReplay, ReferenceRecordingsReplayWithEveryDifferenceExplained) {
  auto files = test::files_with_suffix(cpython_corpus(), ".json");
  if (files.empty()) GTEST_SKIP() << "shared CPython recordings not found at " << cpython_corpus();
  ASSERT_EQ(files.size(), 4u);
  for (const auto &f : files) {
    std::string name = std::filesystem::path(f).filename().string();
    SCOPED_TRACE(name);
    ReplayReport r = replay_cpython_recording(f, cpython_options());
    std::vector<std::pair<uint32_t, std::string>> got, want;
    for (const auto &d : r.divergences)
      got.emplace_back(d.event, d.kind);
    for (const auto &v : r.violations)
      got.emplace_back(v.event, "violation");
    for (const Expected &e : kExpected)
      if (name == e.file) want.emplace_back(e.event, e.kind);
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    EXPECT_EQ(got, want) << findings_text(r);
    CpythonRecordingSource source(read_cpython_recording(f), f);
    std::vector<uint32_t> opaque;
    for (const auto &o : source.opaque())
      opaque.push_back(o.step);
    for (const OpaqueSteps &o : kOpaque)
      if (name == o.file) EXPECT_EQ(opaque, o.steps) << findings_text(r);
    // Every opaque step is reported as a note.
    size_t notes = 0;
    for (const auto &n : r.notes)
      notes += n.find("opaque step") != std::string::npos;
    EXPECT_EQ(notes, source.opaque().size());
    std::cout << name << ":\n" << findings_text(r);
  }
}

TEST(CpythonReplay, ErrorCodesAndNormalisation) {
  EXPECT_EQ(cpython_error_code("TypeError", "d['z'] = 1"), "E_IMMUTABLE");
  EXPECT_EQ(cpython_error_code("TypeError", "freeze(items)"), "E_NOT_FREEZABLE");
  EXPECT_EQ(cpython_error_code("ValueError", "freeze(box)"), "E_HOOK");
  EXPECT_EQ(cpython_error_code("ValueError", "x = int('a')"), "");

  Snapshot s;
  s.roots = {"<globals>"};
  SnapObject g;
  g.key = "<globals>";
  g.kind = SnapKind::Frame;
  g.fields = {{"d", "0x1"}, {"n", "0x3"}};
  SnapObject d;
  d.key = "0x1";
  d.type_name = "dict";
  d.refcnt = 7;
  d.rc = 7;
  d.fields = {{"['a']", "0x2"}, {"['n']", "0x3"}, {"?inline#0", "0x2"}};
  SnapObject l;
  l.key = "0x2";
  l.type_name = "list";
  l.fields = {{"[0]", "0x3"}, {"__class__", "0x4"}};
  SnapObject i;
  i.key = "0x3";
  i.type_name = "int";
  SnapObject t;
  t.key = "0x4";
  t.type_name = "type";
  t.kind = SnapKind::Prototype;
  t.fields = {{"__init__", "0x3"}};
  s.objects = {g, d, l, i, t};
  Snapshot before = s;
  before.objects[1].fields[2].name = "x";
  Snapshot n = normalise_cpython_snapshot(s, &before);
  ASSERT_EQ(n.objects.size(), 4u); // the int is gone
  EXPECT_EQ(n.objects[0].fields[1].target, std::nullopt);
  const SnapObject *nd = n.find("0x1");
  ASSERT_TRUE(nd);
  EXPECT_FALSE(nd->rc.has_value());
  std::vector<SnapField> want = {{"a", "0x2"}, {"n", std::nullopt}, {"x", "0x2"}};
  EXPECT_EQ(nd->fields, want);
  const SnapObject *nl = n.find("0x2");
  ASSERT_TRUE(nl);
  want = {{"0", std::nullopt}, {"__proto__", "0x4"}};
  EXPECT_EQ(nl->fields, want);
  const SnapObject *nt = n.find("0x4");
  ASSERT_TRUE(nt);
  EXPECT_EQ(nt->kind, SnapKind::Object);
  EXPECT_TRUE(nt->fields.empty());
}

} // namespace
} // namespace lungfish::traces
