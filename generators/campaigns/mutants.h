// Mutation analysis (`lungfish mutants`): for every check mutant (one switchable rule disabled)
// and every rule mutant (model/rules.h all_mutants()), hunt for a program whose mutated run breaks
// an invariant while the same program under the unmutated model breaks none.
//
// Engines, in order, each only if the previous ones found nothing:
//   exhaustive: breadth-first over statement sequences of a small alphabet (variables a, b, c;
//               fields f, g, plus `value` and `__proto__`), depth 1, 2, 3, ..., states deduplicated
//               up to renaming (generators/campaigns/explore.h canonical_state);
//   random:     seeded programs of generators/program_gen.h (biased and raw families);
//   z3:         checker/verify/verify.h find_any_counterexample at a tiny bound (check mutants
//   only).
// Budgets are counted in programs, never in seconds, so a seed reproduces every number. The
// counterexample found is shrunk (fewest statements, then fewest objects) before it is reported.
#pragma once

#include "checker/monitor.h"
#include "model/ast.h"
#include "model/machine.h"
#include "model/render/render.h"
#include "model/rules.h"
#include "model/world.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace lungfish::gen {

enum class MutantKind : uint8_t { Check, Rule };

/// One mutant: a switchable rule turned off, or a rule mutant turned on.
struct MutantSpec {
  std::string name; // the rule id ("barrier.has_parent") or the mutant's name
  MutantKind kind = MutantKind::Check;
  RuleId rule{};   // kind == Check
  Mutant mutant{}; // kind == Rule
  /// The machine options of the mutated model (`on`) or of the reference model (`!on`).
  MachineOptions options(Profile profile, bool on) const;
  /// The command-line flag selecting it: `--disable-check NAME` or `--mutant NAME`.
  std::string flag() const;
};

/// Every check mutant (switchable rules in table order), then every rule mutant.
std::vector<MutantSpec> all_mutant_specs();

/// A mutant documented in docs/mutants.md as masked or redundant: why no program kills it.
struct MaskedEntry {
  std::string name;
  std::string reason;
};
/// The documented table (docs/mutants.md mirrors it; tests/generators/campaigns/mutants_test.cc
/// compares).
const std::vector<MaskedEntry> &documented_masked(Profile profile);

struct MutantOptions {
  Profile profile = Profile::Lungfish;
  uint64_t seed = 0;
  uint64_t budget_programs = 1500000; // per mutant, shared by the exhaustive and random engines
  uint64_t exhaustive_share = 60;     // percent of the budget the exhaustive engine may use
  bool use_z3 = true;                 // check mutants the other engines did not kill
  int z3_steps = 3;                   // statements of the Z3 search
  uint64_t shrink_budget = 2000;      // runs of the shrinker (not counted in `searched`)
  std::vector<std::string> only;      // hunt only these mutants (empty: all)
  /// The exhaustive engine runs only a program's last statement (and the behaviours and the end
  /// of the run), from the state its prefix reached, instead of the whole program: the same
  /// verdicts (a test compares), several times faster at depth 5 and more.
  bool incremental = true;
  CheckMode check = CheckMode::Incremental; // how every run checks the invariants (`--check`)
  std::string binary = "lungfish"; // how `reproduce` invokes lungfish (a path if not on PATH)
  unsigned jobs = 1; // mutants hunted at once (threads); the results do not depend on it
  // This run's part of the (selected) mutant list: the i-th with i % shard_count == shard_index.
  size_t shard_index = 0, shard_count = 1;
};

/// One run of a program under the invariant checker.
struct CheckedRun {
  bool broke = false; // an invariant was broken
  Outcome outcome = Outcome::Ok;
  std::vector<std::string> invariants; // broken at the failing boundary, by number ("I4", "I5")
  std::string event;                   // "Line 4: a.f = b", "end of run"
  uint32_t line = 0;
  std::string message;               // format_violation of the first
  size_t objects = 0;                // live objects (no frames, no globals) in the failing state
  World before, after;               // the states around the failing statement
  std::optional<RuleId> rejected_by; // the rule that rejected the run (outcome Rejected)
  uint32_t rejected_line = 0;
};

/// Runs `p` under `mo`, checking every state invariant at every statement boundary, I15 over
/// every statement, I20 at the end; a use of a freed object is I16. With `sentinel_line` set,
/// `*at_sentinel` receives the state when the main thread reaches that line (the exhaustive
/// search's state), before any behaviour runs.
///
/// With `resume` set, the run starts from `resume->world` at the first instruction of the
/// top-level statement on line `resume->line` instead of from the beginning: `resume->world` must
/// be the state a run of `p` (under `mo`) reaches at that statement's boundary, as the sentinel of
/// the program without it captured. The main program runs before any behaviour and every check
/// before that boundary was already made on the shorter program, so the verdict, the outcome and
/// the state at the sentinel are those of the run from scratch (the exhaustive engine's
/// `incremental` mode; a test compares the two). The reported `before`/`line` of a failure may
/// differ, so a program found this way is re-run from scratch before it is reported.
struct Resume {
  const World *world = nullptr;
  uint32_t line = 0;
};
/// Under `--check both` a disagreement of the two checkers throws CheckerBug.
CheckedRun run_checked(const Program &p, const MachineOptions &mo, uint32_t sentinel_line = 0,
                       World *at_sentinel = nullptr, bool *reached = nullptr, Resume resume = {},
                       CheckMode check = CheckMode::Incremental);

/// Thrown by run_checked when `--check both` finds the incremental and full checkers disagreeing:
/// a bug of lungfish, which no verdict about a mutant can rest on.
struct CheckerBug : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// True if `p` kills the mutant: its mutated run breaks an invariant and the mutant is to blame:
/// the reference run breaks none, and (check mutants) it is rejected by the mutant's own rule at
/// some statement whose removal leaves a program the reference model runs without a violation
/// (otherwise the violation comes from the rest of the program, merely let run on).
bool kills(const MutantSpec &spec, Profile profile, const Program &p,
           CheckMode check = CheckMode::Incremental);
/// The same criterion, given the mutated run of `p` already made.
bool to_blame(const MutantSpec &spec, Profile profile, const Program &p, const CheckedRun &mutated,
              CheckMode check = CheckMode::Incremental);

/// The result of hunting one mutant.
struct MutantResult {
  MutantSpec spec;
  std::string status;                   // "killed", "survived" or "masked"
  std::string invariant;                // the weakest invariant broken ("" if not killed)
  std::vector<std::string> also_breaks; // other invariants its counterexamples break
  std::string engine;                   // "exhaustive", "random", "z3" ("" if not killed)
  uint64_t searched = 0;                // programs run by the engines (shrinking excluded)
  uint64_t exhaustive_programs = 0, random_programs = 0;
  size_t exhaustive_depth = 0;    // deepest level the exhaustive search completed
  std::string exhaustive_bound;   // per scope: "2 variables, 1 field: depth 4; ..."
  uint64_t exhaustive_states = 0; // distinct states it reached
  std::string z3;                 // what Z3 said ("not applied", "none within 3 steps", ...)
  Program program;                // the minimal counterexample (numbered lines)
  std::string text;               // print_program
  size_t statements = 0, objects = 0;
  CheckedRun run;                    // the mutated run of `program`
  std::optional<TikzEdge> highlight; // the offending edge of the failing step, if one is new
  std::string masked_reason;         // status "masked": docs/mutants.md's reason
  double seconds = 0;                // wall clock: reported apart, never in the JSON
};

/// Hunts one mutant with every engine that applies.
MutantResult hunt_mutant(const MutantSpec &spec, const MutantOptions &o);

/// The mutants `o` selects (`only`, then the shard), in the list's order.
std::vector<MutantSpec> selected_mutants(const MutantOptions &o);

/// Hunts every selected mutant, `o.jobs` at a time; `progress(result)` after each, in the list's
/// order, on the calling thread.
std::vector<MutantResult>
hunt_mutants(const MutantOptions &o,
             const std::function<void(const MutantResult &)> &progress = {});

/// The command reproducing a killed mutant, given where its program was saved (a shell word)
/// and how to invoke lungfish.
std::string reproduce_command(const MutantResult &r, Profile profile, const std::string &file,
                              const std::string &binary = "lungfish");

/// `{"seed", "mutants": [...]}` as docs/json-output.md describes; `files[i]` is where mutant i's
/// program was saved (for `reproduce`). No timings: the object is a function of the seed.
nlohmann::json mutants_json(const std::vector<MutantResult> &results, const MutantOptions &o,
                            const std::vector<std::string> &files);

/// The edge the failing statement created that the violation is about (for the figures): a
/// reference to a freed object if there is one, else a new edge into a region or a cown, else any
/// new edge.
std::optional<TikzEdge> offending_edge(const World &before, const World &after);

} // namespace lungfish::gen
