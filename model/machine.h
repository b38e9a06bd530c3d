// The small-step machine: runs a compiled program over a World, one primitive at a time.
//
//   run:  until every thread is done
//           pick a thread (schedule), execute its next instruction (one primitive):
//             check every precondition of the primitive (the rules, in docs/semantics.md order)
//             -> on failure: the state is as before the primitive, the run ends `rejected`
//             apply the effect; collect (rc = 0 objects, free regions with LRC 0);
//             recompute the cowns' status
//           at a statement boundary: tell the observer (it may check invariants and stop the run)
//         final collection; the observer sees the end of the run
//
// The machine knows nothing of invariants: the checker is an observer (checker/), so the model
// stays the reference and the checker can be swapped for the incremental one.
#pragma once

#include "model/ast.h"
#include "model/code.h"
#include "model/rules.h"
#include "model/world.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lungfish {

enum class ScheduleMode : uint8_t { Default, All };

/// How a run is configured.
struct MachineOptions {
  Profile profile = Profile::Lungfish;
  DisabledChecks disabled;
  MutantSet mutants;
  uint64_t max_steps = 0;     // primitives; 0 = unbounded
  double timeout_seconds = 0; // wall clock; 0 = unbounded (never used for budgets in tests)
  ScheduleMode schedules = ScheduleMode::Default;
  uint64_t max_schedules = 10000; // --schedules all: interleavings explored before `limit`
  bool record_history = true;
};

/// A dynamic check that failed: the rule, its code, where, and what it was about.
struct RuleError {
  RuleId rule;
  ErrorCode code;
  uint32_t line = 0;
  std::string message;           // in a programmer's words, naming variables and regions
  std::vector<ObjectId> objects; // the objects involved
  std::vector<RegionId> regions; // the regions involved
};

enum class EventKind : uint8_t {
  Statement, // a FrankenScript `Line N: ...` step (also control-flow steps)
  End,       // after the final collection
};

/// A statement boundary (what FrankenScript draws a diagram for).
struct Event {
  EventKind kind = EventKind::Statement;
  uint32_t line = 0;
  std::string message; // "Line 4: r.f = x", "Line 7: if x == y: (True)", ...
  uint32_t thread = 0;
  uint64_t step = 0; // primitives executed so far
  uint32_t stmt = 0; // the statement's index in CompiledProgram::statements (0 = synthetic)
  uint64_t seq = 0;  // statement events on this run's path so far, this one included (under
                     // --schedules all each schedule is a path of its own)
};

enum class Outcome : uint8_t { Ok, Rejected, Violation, Limit };
std::string_view outcome_name(Outcome o);

/// Object history kept for error reports (created, moved, frozen, sent; Miri-style).
struct HistoryEntry {
  uint64_t serial; // object serial (or region serial with `region` set)
  bool region = false;
  uint32_t line;
  std::string what; // "created", "pulled into region r1", "frozen", "sent to a cown", ...
};

class Machine;

/// Called at every statement boundary; returning false stops the run (a violation was found).
using Observer = std::function<bool(const Machine &, const Event &)>;

/// Executes one program under one configuration.
class Machine {
public:
  /// Prepares a run of `program` (compiled from `ast`); the main thread starts at its first
  /// instruction with an empty global frame.
  Machine(std::shared_ptr<const CompiledProgram> program, MachineOptions options);

  /// Runs to the end under the configured schedule. The observer sees every statement boundary
  /// and the end; if it returns false the run stops with outcome Violation.
  Outcome run(const Observer &observer = {});

  /// Executes one primitive of thread `t`; false if the run ended (rejection or end of thread).
  bool step_thread(uint32_t t, const Observer &observer);

  const World &world() const { return world_; }
  World &world() { return world_; }
  const State &heap() const { return world_.heap; }
  const MachineOptions &options() const { return options_; }
  const CompiledProgram &program() const { return *program_; }
  uint64_t steps() const { return steps_; }
  const std::optional<RuleError> &error() const { return error_; }
  const std::vector<HistoryEntry> &history() const { return history_; }
  /// The last statement event delivered.
  const Event &last_event() const { return last_event_; }
  /// The statement events on this run's path so far (Event::seq of the latest).
  uint64_t statement_events() const { return statement_events_; }
  /// The statement thread t is in: the message of the next boundary of its top activation's
  /// straight-line code ("Line 4: r.f = x"); "" if none (the thread has ended).
  std::string current_statement(uint32_t t) const;
  /// The thread that executed the latest primitive.
  uint32_t current_thread() const { return current_thread_; }
  /// Number of schedules explored (--schedules all).
  uint64_t schedules_explored() const { return schedules_explored_; }
  /// For --schedules all: the schedule (thread picks) that led to the reported outcome.
  const std::vector<uint32_t> &schedule() const { return schedule_; }
  /// Set when a primitive used or freed an object that was still referenced (a dangling
  /// reference): the run stops with outcome Violation and this message (invariant I16).
  const std::optional<std::string> &dangling() const { return dangling_; }
  /// Cowns written or moved from since the last statement boundary (for the step invariant I15).
  const std::vector<ObjectId> &written_cowns() const { return written_cowns_; }

  // ---- replay support: recorded statements are compiled and executed one at a time ----

  /// Why run_until_pause stopped.
  enum class Pause : uint8_t {
    Statement, // a statement boundary (`event` is set)
    Entered,   // a call entered an External function; the callee's frame is on top
    Yielded,   // the redirected code reached its end
    Stopped,   // a rejection (error()), a dangling reference (dangling()) or a limit
  };
  /// Replaces the program (replay appends recorded statements and functions to its own copy).
  void set_program(std::shared_ptr<const CompiledProgram> program) {
    program_ = std::move(program);
  }
  /// Points thread t's top activation at function `function`, pc 0, keeping its frame; returns
  /// the previous (function, pc) for restore().
  std::pair<uint32_t, uint32_t> redirect(uint32_t t, uint32_t function);
  /// Undoes redirect().
  void restore(uint32_t t, std::pair<uint32_t, uint32_t> saved);
  /// Runs thread t's primitives until a pause; `event` describes a Statement pause.
  Pause run_until_pause(uint32_t t, Event &event);
  /// The Return primitive on thread t's top activation (its value: the variable `return` when
  /// has_value); false if it was rejected (error()).
  bool return_from(uint32_t t, bool has_value);
  /// Replay: replaces the world with a runtime's (after a divergence), keeping the machine's
  /// activations' code positions for the frames at the same depths.
  void adopt(World w);
  /// Replay: starts behaviour k now (acquiring its cowns) if the schedule allows it: it waits,
  /// its cowns are Released, and no earlier unfinished behaviour shares one of them. False if not.
  bool start_behaviour(uint32_t k);
  /// Runs the end-of-run collection and the End event (replay calls this after the last step).
  bool finish_run(const Observer &observer) { return finish(observer); }

  /// A name for an object in a programmer's terms: the shortest access path from a frame
  /// (`r1.c`), else `object #serial`.
  std::string describe(ObjectId o) const;
  /// A name for a region: `region of r1` (by its bridge's path), else `region #serial`.
  std::string describe_region(RegionId r) const;

  // Internal: used by the primitives (model/*.cc).
  struct Impl;

private:
  friend struct Impl;
  friend struct Stepper;
  std::shared_ptr<const CompiledProgram> program_;
  MachineOptions options_;
  World world_;
  uint64_t steps_ = 0;
  std::optional<RuleError> error_;
  std::vector<HistoryEntry> history_;
  size_t history_limit_ = 8192; // compact_history() when the log grows past this
  /// Drops the history of objects and regions no longer alive (keeping the latest entries), so a
  /// long run's memory follows its live heap; amortised O(1) per entry.
  void compact_history();
  Event last_event_;
  uint64_t statement_events_ = 0;
  uint64_t schedules_explored_ = 0;
  std::vector<uint32_t> schedule_;
  std::chrono::steady_clock::time_point started_;
  bool limit_hit_ = false;
  uint32_t current_thread_ = 0;
  uint32_t current_line_ = 0;
  struct CollectCandidate {
    RegionId region;
    bool strict; // frankenscript, a dropped owning reference: collect only if LRC + SBRC = 0
  };
  std::vector<CollectCandidate> collect_candidates_;
  bool status_dirty_ = false;   // some cown's status may have to be recomputed
  std::vector<ObjectId> cowns_; // every cown created (dead ones are skipped)
  bool finished_main_ = false;
  std::optional<std::string> dangling_; // a freed object was used (reported as I16)
  std::vector<ObjectId> written_cowns_; // cowns written or moved from in the current statement

  Outcome run_default(const Observer &observer);
  Outcome run_all(const Observer &observer);
  bool finish(const Observer &observer); // final collection + End event
};

} // namespace lungfish
