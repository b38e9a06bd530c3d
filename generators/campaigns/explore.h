// Exhaustive small-scope exploration (`lungfish enumerate`): breadth-first search over the states
// reachable from the empty state by single statements of a finite alphabet, up to renaming of
// objects, variables and fields, with every invariant checked in every state reached.
//
// A transition runs the state's program (the shortest one reaching it: BFS) plus one statement
// from scratch, followed by a sentinel `pass()`; the state is the heap at the sentinel (the main
// program done, behaviours not yet run), and the same run goes on through the behaviours and the
// end of the run with the invariants checked at every statement and I20 at the end.
#pragma once

#include "checker/monitor.h"
#include "model/ast.h"
#include "model/machine.h"
#include "model/rules.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace lungfish::gen {

struct ExploreOptions {
  size_t depth = 4;   // statements
  size_t objects = 3; // live objects (bridges and cowns included; frames and globals not)
  size_t regions = 2; // live regions
  size_t fields = 2;  // field names f, g, h, ... (besides `value` and `__proto__`)
  Profile profile = Profile::Lungfish;
  DisabledChecks disabled;
  ScheduleMode schedules = ScheduleMode::Default;
  CheckMode check = CheckMode::Incremental; // how the monitor checks every transition
  uint64_t max_states = 5'000'000; // a memory guard: the search stops (incomplete) beyond it
  unsigned jobs = 1;               // threads running transitions; the result does not depend on it
};

/// A state that breaks an invariant, with the shortest program reaching it.
struct ExploreViolation {
  Program program;
  std::string invariant; // "I5"
  std::string message;   // format_violation
  uint32_t line = 0;
  std::string event;
  size_t objects = 0;
  bool baseline = false; // it also happens with every check on: not caused by --disable-check
};

struct ExploreResult {
  uint64_t states = 0;      // distinct canonical states within the bound (the empty one included)
  uint64_t transitions = 0; // statement executions tried
  uint64_t rejected = 0;    // transitions rejected by a check
  uint64_t pruned = 0;      // transitions to a state over the object or region bound
  size_t depth_reached = 0; // the deepest level that produced a new state
  bool complete = true;     // false if max_states (or a checker bug) stopped the search
  std::string checker_bug;  // --check both: where the two checkers disagreed (search stopped)
  // The shortest counterexample per invariant. With checks disabled, violations that also happen
  // with every check on are marked `baseline` and the search goes on until one that does not.
  std::vector<ExploreViolation> violations;
};

/// The statement alphabet over variables a, b, c and `fields` field names.
std::vector<Stmt> statement_alphabet(size_t fields);

/// The canonical serialisation of a World: objects numbered by BFS from the frame variables,
/// minimised over permutations of the variables a, b, c and of the alphabet's field names.
std::string canonical_state(const World &w, size_t fields);

/// `progress(depth, states, done, total)`: `done` of the `total` programs of the level at
/// `depth` have had every statement of the alphabet appended; `states` found so far.
using ExploreProgress = std::function<void(size_t, uint64_t, uint64_t, uint64_t)>;

/// Runs the search, `o.jobs` transitions at a time; `progress` on the calling thread.
ExploreResult explore(const ExploreOptions &o, const ExploreProgress &progress = {});

} // namespace lungfish::gen
