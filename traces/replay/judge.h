// Internal to traces/: what both replay drivers share — the recorded steps in a look-ahead
// window, the comparison of a recorded snapshot with the model's state, the invariants checked on
// the runtime's own snapshots, the adoption of a snapshot after a divergence, and the report with
// its honest counts (modelled, opaque, not judged).
//
// The drivers differ only in how the model reaches the next boundary: replay_text.cc compiles
// each recorded statement on its own (no program given); replay_follow.cc runs the program and
// checks that each recorded boundary is the model's next one.
#pragma once

#include "traces/replay/defects.h"
#include "traces/replay/replay.h"

#include <deque>
#include <map>
#include <set>
#include <string>

namespace lungfish::traces::detail {

/// `when (c1, c2):`, `when ():`, `when:`: a behaviour's header as FrankenScript prints it.
bool is_when_header(std::string_view stmt);
/// The names between the parentheses of a `when` header, trimmed ("a", "b.c"); empty for
/// `when ():` and `when:`.
std::vector<std::string> when_names(std::string_view header);

/// N of a `Line N: ...` message; 0 if it is not one.
uint32_t line_of(const std::string &message);

class Judge {
public:
  Judge(StepSource &source, const ReplayOptions &o, ReplayReport &report)
      : options_(o), report_(report), source_(source) {}

protected:
  const ReplayOptions options_;
  ReplayReport &report_;
  std::deque<std::string> recent_; // the latest statements, for classifying findings

  /// Step i (0-based), reading ahead as needed; nullptr past the end.
  const RecordedStep *at(size_t i);
  /// Forgets the steps before i (memory follows the look-ahead window, not the trace).
  void forget_before(size_t i);
  /// Reads step i as the current one: counts it and remembers its statement.
  const RecordedStep &enter(size_t i);

  void note(const std::string &text) { report_.notes.push_back(text); }
  /// Reports a divergence at step i; `line` (if not 0) is the program line it is about, for
  /// steps that have none (a FrankenScript `Error:` diagram).
  void divergence(size_t i, std::string kind, std::string detail,
                  std::optional<std::string> defect = std::nullopt, uint32_t line = 0);
  /// Reports a finding of the runtime's end (an abort, a crash) at step i, in statement `stmt`
  /// (a `Line N: ...` message, "" if unknown).
  void runtime_died(size_t i, const std::string &what, const std::string &stmt,
                    const std::string &abort_text, std::optional<std::string> defect);

  /// Compares step i's snapshot with `model` (as thread `thread` sees it) and checks the
  /// invariants on the runtime's snapshot; reports what differs. True if the snapshots differ
  /// (the caller adopts the runtime's state).
  bool compare(size_t i, const World &model, uint32_t thread);
  /// Checks the invariants that a snapshot decides on step i's snapshot (an opaque step).
  void check_snapshot(size_t i);
  /// Makes step i's snapshot the machine's state, keeping the function objects the runtime does
  /// not draw in the frames at the same depths.
  void adopt(size_t i, Machine &machine);

  /// The end of the run: a leak the runtime reported becomes I20.
  void finish_report();

private:
  StepSource &source_;
  std::deque<RecordedStep> window_; // steps base_ .. base_ + size - 1
  size_t base_ = 0;
  bool eof_ = false;
  bool findings_ = false;
  bool hiding_ = false;            // the program hid objects from the runtime's diagrams
  std::set<std::string> previous_; // violations at the previous step (reported once)
  std::optional<std::string> last_defect_;
  std::map<std::string, std::string> persisting_; // "I9 main.r1" -> the defect classified there
  /// Which model object each runtime object (by address) is: recorded at every compared step
  /// where both stand at the same access path. Snapshots compare up to renaming, so two
  /// objects that changed places (a `when` binding its cowns in reverse) differ only here.
  std::map<std::string, std::string> identity_;
  uint32_t scheduled_ = 0; // behaviours spawned and not ended, as recorded
  bool released_ = false;  // the previous step ended a behaviour

  /// Counts the behaviours the runtime's scheduler holds (spawned, not ended) after step s.
  void scheduler_held(const RecordedStep &s);
  /// The runtime's snapshot as a World, without the scheduler's references to cowns.
  World runtime_world(const Snapshot &snapshot) const;

  /// The differences of step i's snapshot from `model` as thread `thread` sees it, after the
  /// filters of the format, with the identity mismatches ("the runtime's object at P is the
  /// model's at Q") in `swapped`. `learn`: record the identities seen.
  std::vector<Difference> differences(size_t i, const World &model, uint32_t thread,
                                      std::vector<std::string> &swapped, bool learn);
  /// Removes from `mine` (the model's state seen from a behaviour) what only the ended main
  /// program's frame reaches.
  static void without_main(Snapshot &mine, const World &model);
  /// True if object `from` of `s` is on a cycle of objects in its own location.
  static bool on_cycle(const Snapshot &s, const std::string &from);
  /// The defect a behaviour's first snapshot shows when its differences are explained by
  /// binding the `when`'s cowns in reverse order; nullopt if they are not.
  std::optional<std::string> reversed_binding(size_t i, const World &model, uint32_t thread);
  /// True if `diffs`, at a behaviour's start, show a region of its cowns still open (LRC above
  /// 0 in the runtime, 0 in the model).
  static bool released_open(const std::vector<Difference> &diffs);
  /// True if `diffs`, at the `when` statement `header` of `thread`, are all the variables the
  /// model's new behaviour captured (moved out of the spawning frame) and the runtime kept.
  static bool kept_captures(const std::vector<Difference> &diffs, const World &model,
                            uint32_t thread, const std::string &header);

  /// Reports the violations of the runtime's world at step i not already reported.
  std::optional<std::string> report_violations(size_t i, const std::vector<Violation> &vs,
                                               const World &runtime);
  void finding(size_t i) {
    if (!findings_) report_.matched_prefix = static_cast<uint32_t>(i);
    findings_ = true;
  }
};

/// Replays without the program: each recorded statement compiled alone (replay_text.cc).
void replay_statements(StepSource &source, const ReplayOptions &o, ReplayReport &report);
/// Replays alongside `o.program`, judging what the recording leaves out (replay_follow.cc).
void replay_following(StepSource &source, const ReplayOptions &o, ReplayReport &report);

} // namespace lungfish::traces::detail
