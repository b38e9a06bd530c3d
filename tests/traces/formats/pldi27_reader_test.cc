// What FrankenScript's pldi27 branch (behaviours) adds to its output: the scheduler's `### `
// steps in mermaid.md, and the prompts of its run log, from which the schedule is recovered.
#include "traces/formats/mermaid_reader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace lungfish::traces {
namespace {

namespace fs = std::filesystem;

const char *kScheduleStep = "### New behavior `Behavior_2` is pending\n"
                            "<div style='background: #fff'>\n"
                            "\n"
                            "```mermaid\n"
                            "%%{init: {'theme': 'neutral', 'themeVariables': { 'fontSize': "
                            "'16px' }}}%%\n"
                            "graph TD\n"
                            "  id0(Scheduler):::immutable\n"
                            "```\n"
                            "</div>\n"
                            "<div style='break-after:page'></div>\n"
                            "\n";

TEST(Pldi27Reader, SchedulerStepsAreStepsWithoutAHeap) {
  std::string text = std::string(kScheduleStep);
  text += std::string(kScheduleStep).replace(4, 36, "Current Schedule:");
  std::istringstream in(text);
  MermaidReader r(in, "<pldi27>");
  MermaidStep s;
  ASSERT_TRUE(r.next(s));
  EXPECT_EQ(s.kind, StepKind::Schedule);
  EXPECT_EQ(s.message, "New behavior `Behavior_2` is pending");
  EXPECT_EQ(s.file_line, 1u);
  EXPECT_TRUE(s.snapshot.objects.empty());
  ASSERT_TRUE(r.next(s));
  EXPECT_EQ(s.kind, StepKind::Schedule);
  EXPECT_EQ(s.message, "Current Schedule:");
  EXPECT_EQ(s.index, 2u);
  EXPECT_EQ(s.file_line, 12u);
  EXPECT_FALSE(r.next(s));
}

TEST(Pldi27Reader, MalformedSchedulerStepsAreRejectedWithTheirLine) {
  struct Case {
    std::string text;
    uint32_t line, col;
  };
  std::string good = kScheduleStep;
  auto with = [&](const std::string &from, const std::string &to) {
    std::string t = good;
    t.replace(t.find(from), from.size(), to);
    return t;
  };
  std::vector<Case> cases = {
      {with("### New behavior `Behavior_2` is pending", "### "), 1, 5}, // no heading
      {with("  id0(Scheduler)", "  id0(None)"), 7, 7},                  // another node
      {with("graph TD\n", "graph LR\n"), 6, 7},                         // the header
      {with("```\n</div>", "</div>"), 8, 1},                            // the footer
      {std::string(kScheduleStep).substr(0, 120), 5, 37},               // cut
      {with("  id0(Scheduler):::immutable\n", "  id0(Scheduler):::immutable\nid1[x]\n"), 8, 1},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.text);
    std::istringstream in(c.text);
    MermaidReader r(in, "<bad>");
    MermaidStep s;
    try {
      r.next(s);
      ADD_FAILURE() << "accepted";
    } catch (const InputError &e) {
      EXPECT_EQ(e.line, c.line) << e.what();
      EXPECT_EQ(e.col, c.col) << e.what();
    }
  }
}

std::string write_log(const std::string &text) {
  fs::path p =
      fs::temp_directory_path() / ("lungfish_pldi27_log_" + std::to_string(::getpid()) + "_" +
                                   std::to_string(std::hash<std::string>{}(text)) + ".out");
  std::ofstream(p) << text;
  return p.string();
}

TEST(Pldi27Reader, TheLogsPromptsGiveTheScheduleTheUserChose) {
  // As pldi27 prints them: the prompt `> ` has no newline, so the chosen behaviour's first line
  // (or a re-prompt after an invalid answer) follows it on the same line.
  std::string log = "Line 16: Spawning Behavior\n"
                    "\n"
                    "Available behaviors:\n"
                    "- 0: Behavior_1\n"
                    "- 1: Behavior_3\n"
                    "- 2: Behavior_4\n"
                    "> Available behaviors:\n" // an invalid answer: asked again
                    "- 0: Behavior_1\n"
                    "- 1: Behavior_3\n"
                    "- 2: Behavior_4\n"
                    "> Allocate: 0x7fbff6b02400\n"
                    "Line 7: when (c1): (Exit)\n"
                    "Available behaviors:\n" // 3 was chosen: 2 became ready, appended
                    "- 0: Behavior_1\n"
                    "- 1: Behavior_4\n"
                    "- 2: Behavior_2\n"
                    "> Allocate: 0x7fbff6b03060\n"
                    "Available behaviors:\n"
                    "- 0: Behavior_1\n"
                    "- 1: Behavior_2\n"
                    "> Allocate: 0x7fbff6b03060\n"
                    "Available behaviors:\n"
                    "- 0: Behavior_2\n"
                    "> Allocate: 0x7fbff6b01aa0\n"
                    "No memory leaks detected!\n";
  std::string path = write_log(log);
  RunSummary s = read_run_summary(path);
  fs::remove(path);
  EXPECT_TRUE(s.finished);
  ASSERT_EQ(s.prompts.size(), 4u);
  EXPECT_EQ(s.prompts[0], (std::vector<uint32_t>{1, 3, 4}));
  EXPECT_EQ(s.prompts[1], (std::vector<uint32_t>{1, 4, 2}));
  EXPECT_EQ(s.chosen, (std::vector<uint32_t>{3, 4, 1, 2}));
}

TEST(Pldi27Reader, AnUnknowableLastChoiceIsZero) {
  // The run ended (an error) in the behaviour chosen at the last prompt, which listed two.
  std::string path = write_log("Available behaviors:\n- 0: Behavior_1\n- 1: Behavior_2\n"
                               "> Error: The name x is undefined in the current frame\n");
  RunSummary s = read_run_summary(path);
  fs::remove(path);
  EXPECT_EQ(s.error_text, "The name x is undefined in the current frame");
  EXPECT_EQ(s.chosen, (std::vector<uint32_t>{0}));
  // Lines that only look like a listing are not one.
  path =
      write_log("Available behaviors:\n- 0: Behavior_x\n- Behavior_1\nNo memory leaks detected!\n");
  s = read_run_summary(path);
  fs::remove(path);
  EXPECT_TRUE(s.prompts.empty());
  EXPECT_TRUE(s.chosen.empty());
}

} // namespace
} // namespace lungfish::traces
