// The checked run: one observer of the machine that every command uses.
//
//   attach(m)                   before the run (after any adopt): the incremental checker
//                               builds its ghost of m's heap and starts recording changes
//   observe(m, e) at a boundary the state invariants (I1..I17 but I15):
//                                 incremental  checker/incremental/incremental.h, costing what the step touched
//                                 full         check_state, costing the heap
//                                 both         both, compared: a difference is a bug of lungfish
//                               I15 over the statement: a region a cown owned at the previous
//                                 boundary changed parent only if the statement wrote that cown
//                                 (incremental: a record of the cown-owned regions kept up to date
//                                 from what the steps touched; full: a copy of the World)
//                 at the end    I20 (no leak), in full (once per run)
//                               the first boundary that breaks an invariant stops the run; what
//                               broke is kept as Findings with the statement's line and text
//   finish(m, outcome)          a use of a freed object that stopped the machine becomes I16
//
// Falls back to the full checker where the incremental one cannot follow (its documented limits):
// the cpython profiles, and `--schedules all`, whose branches run on copies of the machine that
// record no changes; and uses it on a heap too small for the incremental one to pay off.
#pragma once

#include "checker/incremental/incremental.h"
#include "checker/invariants.h"
#include "model/machine.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lungfish {

/// How the state invariants are checked at every boundary (`--check`).
enum class CheckMode : uint8_t { Incremental, Full, Both };
/// "incremental", "full", "both".
std::string_view check_mode_name(CheckMode m);
/// The mode named `s`, or nullopt.
std::optional<CheckMode> parse_check_mode(std::string_view s);

/// What the monitor keeps and reports.
struct MonitorOptions {
  CheckMode mode = CheckMode::Incremental;
  bool every_invariant = false; // report every invariant broken at the failing boundary
  bool keep_before = false;     // keep the World of the previous boundary (before())
  /// Incremental mode: below this many object slots the full checker is used, and the incremental
  /// one is attached at the first boundary where the heap has grown to it (the verdicts are the
  /// same). For callers whose runs are a statement or two on a small heap, where attaching costs
  /// more than it saves (mutants' resumed runs); 0: incremental from the start.
  size_t follow_from = 0;
};

/// A broken invariant, with the statement (or the end of the run) that broke it.
struct Finding {
  Violation violation;
  uint32_t line = 0;         // the statement's line (0 at the end of the run)
  uint64_t event = 0;        // 1-based index of the event (statement events, then the end)
  std::string event_message; // "Line 4: r.f = x", "end of run", "use of a freed object"
  bool freed_use = false;    // the machine stopped on a use of a freed object (I16)
};

/// A finding in words: format_violation's text, or the machine's message for a freed use.
std::string finding_text(const World &w, const Finding &f);

/// `--check both`: the two checkers did not report the same invariants at one event.
struct Disagreement {
  uint32_t line = 0;
  uint64_t event = 0;
  std::string event_message;
  std::string incremental, full; // "I8,I13", or "clean"
  /// "lungfish bug: the incremental and full checkers disagree at Line 4: ... (...)".
  std::string describe() const;
};

/// The checked run of one machine (see the file comment).
class Monitor {
public:
  /// A monitor checking under `ctx` as `options` says.
  explicit Monitor(CheckContext ctx, MonitorOptions options = {});
  ~Monitor();
  Monitor(const Monitor &) = delete;
  Monitor &operator=(const Monitor &) = delete;

  /// Starts following m's world (call before m.run and again after m.adopt).
  void attach(Machine &m);
  /// Checks at one event; false (stop the run) if an invariant broke or the checkers disagreed.
  bool observe(const Machine &m, const Event &e);
  /// An Observer calling observe (valid while the monitor lives).
  Observer observer();
  /// After the run: an Outcome::Violation with no finding is a use of a freed object (I16).
  void finish(const Machine &m, Outcome outcome);

  /// The violations at the event that stopped the run (empty if none).
  const std::vector<Finding> &findings() const { return findings_; }
  /// Set if `--check both` found the two checkers disagreeing (the run stopped there).
  const std::optional<Disagreement> &disagreement() const { return disagreement_; }
  /// keep_before: the World at the boundary before the last one observed; else null.
  const World *before() const { return keep_before_ && before_ ? &*before_ : nullptr; }
  /// Statement and end events observed.
  uint64_t events() const { return events_; }
  /// Primitives executed at the last boundary that passed (0 before the first).
  uint64_t last_step() const { return last_step_; }

private:
  CheckContext ctx_;
  MonitorOptions options_;
  IncrementalChecker incremental_;
  Machine *machine_ = nullptr;
  const World *attached_ = nullptr;
  bool following_ = false; // the incremental checker is attached to *attached_
  std::vector<Finding> findings_;
  std::optional<Disagreement> disagreement_;
  uint64_t events_ = 0, last_step_ = 0;
  // The full mode's I15 (and keep_before): the World at the previous boundary.
  std::optional<World> before_; // a World is costly to construct: only when one is kept
  bool keep_before_ = false;
  // The incremental I15: the cown-owned regions at the previous boundary, and for each cown or
  // bridge object the regions whose record names it.
  std::unordered_map<RegionId, OwnedRegion> owned_;
  std::unordered_map<ObjectId, std::vector<RegionId>> owned_by_object_;
  std::vector<RegionId> candidates_;

  bool can_follow(const Machine &m) const;
  void follow(World &w);
  void remember(const World &w);
  bool incremental_here(const Machine &m) const;
  std::vector<Violation> state_violations(const Machine &m, const Event &e, bool incremental);
  std::vector<Violation> step_violations(const Machine &m, const Event &e, bool incremental);
  void collect_candidates();
  void refresh_owned(const State &h);
  void set_owned(RegionId r, const OwnedRegion *record);
  void rebuild_owned(const World &w);
  void record(const Event &e, std::vector<Violation> v);
};

} // namespace lungfish
