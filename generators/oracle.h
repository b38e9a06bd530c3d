// The model as an oracle for the biased generator: run a candidate program up to a sentinel at
// its end and look at the heap there (which variables hold what, regions, cowns).
#pragma once

#include "model/code.h"
#include "model/machine.h"
#include "model/rules.h"
#include "model/world.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lungfish::gen {

/// What one oracle run found.
struct OracleRun {
  bool completed = false;         // the main thread reached the sentinel: nothing was rejected
  std::optional<RuleError> error; // the rejection, if any
  World world;                    // the state at the sentinel (valid when completed)
};

/// Runs `body` followed by a sentinel `pass()` under the profile's default checks and stops at
/// the sentinel, before any behaviour runs (behaviours only run after the main program).
OracleRun run_oracle(const std::vector<Stmt> &body, Profile profile);

/// The same answer as run_oracle(body, profile), computed without re-running body's prefix:
/// `prefix_world` must be the world run_oracle(body minus its last statement) stopped at. The
/// machine adopts it and starts at the last statement's first instruction, so generating a
/// program costs linear, not quadratic, model time. Falls back to run_oracle when that
/// instruction cannot be found.
OracleRun run_oracle_after(const std::vector<Stmt> &body, const World &prefix_world,
                           Profile profile);

/// The oracle for a program built one statement at a time (the biased generator). It keeps the
/// machine stopped at the sentinel after the accepted prefix, and the prefix compiled by a
/// ProgramBuilder (model/code.h), which appends a candidate and the sentinel exactly as compiling
/// the whole program would lay them out; the candidate runs on a copy of the machine. The answer
/// and the world are those of run_oracle(prefix + candidate), at O(candidate + heap copy) per
/// candidate: nothing is re-run, re-compiled or copied per prefix statement.
class PrefixOracle {
public:
  explicit PrefixOracle(Profile profile);
  /// Back to the empty prefix, in `profile`.
  void reset(Profile profile);
  /// An oracle reset to the empty prefix, reusing one this thread released (its buffers).
  static std::unique_ptr<PrefixOracle> acquire(Profile profile);
  static void release(std::unique_ptr<PrefixOracle> oracle);
  /// Runs `s` after the accepted prefix; if it completes it joins the prefix (world() is then
  /// the state after it) and true is returned. Otherwise the prefix stays as it was.
  bool try_append(const Stmt &s);
  /// The state at the sentinel after the accepted prefix (run_oracle(prefix).world).
  const World &world() const { return machine_->world(); }
  /// The rejection of the last candidate that did not complete, if any.
  const std::optional<RuleError> &last_error() const { return error_; }

private:
  MachineOptions options_;
  ProgramBuilder builder_;               // the prefix (+ the current candidate and sentinel)
  ProgramBuilder::Mark mark_;            // the end of the accepted prefix
  ProgramBuilder::Mark after_candidate_; // the end of the last candidate run
  Stmt sentinel_;                        // `pass()`
  std::unique_ptr<Machine> machine_;     // stopped at the sentinel after the prefix
  std::unique_ptr<Machine> spare_;       // where the last candidate ran
  std::optional<RuleError> error_;

  /// Appends `s` (nullptr: none) and the sentinel after the prefix and runs them on `m`.
  bool run_candidate(const Stmt *s, Machine &m);
  static std::vector<std::unique_ptr<PrefixOracle>> &pool_for_thread();
};

/// What a variable or field holds, as the biased generator sees it.
enum class Cls : uint8_t {
  None,
  Local,    // a mutable object of the main LOCAL
  Function, // a function object (kept out of ordinary picks)
  Bridge,   // the recorded bridge of a live region
  Regional, // any other object of a region
  Frozen,
  CownPending,
  CownReleased, // Released (or Acquired, which the main program never sees)
};

/// A read-only view of a World for choosing statements.
class HeapView {
public:
  explicit HeapView(const World &w);
  /// The main program's global variables, in name order (dropped ones hold kNone).
  /// (The names are the symbol table's, which never move.)
  const std::vector<std::pair<std::string_view, ObjectId>> &vars() const { return vars_; }
  /// Variables whose value has class c.
  std::vector<std::string> vars_of(Cls c) const;
  /// The value of variable `name` (kNone if absent).
  ObjectId value(const std::string &name) const;
  Cls cls(ObjectId o) const;
  /// The region of a regional object (kNoRegion otherwise).
  RegionId region(ObjectId o) const;
  /// The parent kind of o's region (o a bridge).
  ParentKind parent_kind(ObjectId o) const;
  /// The root of a region's tree (following region parents; a cown parent ends the walk).
  RegionId root(RegionId r) const;
  bool open(RegionId r) const { return w_.heap.is_open(r); }
  /// Own field names of o whose value is not None, in name order.
  std::vector<std::string> fields(ObjectId o) const;
  /// True if fields(o) is not empty.
  bool has_fields(ObjectId o) const;
  /// The value of o's own field (kNone if absent).
  ObjectId field(ObjectId o, const std::string &name) const;
  /// What a pull of local object y into region a would meet first among the rules' cases:
  /// nullopt when it is accepted, else the rule that would reject it.
  std::optional<RuleId> pull_result(ObjectId y, RegionId a) const;
  /// True if some LOCAL object has a prototype edge into region r or one of its descendants.
  bool local_proto_into(RegionId r) const;
  /// Number of LOCAL references (variables, LOCAL fields) into region r: the LRC.
  int64_t lrc(RegionId r) const { return w_.heap.region(r).lrc; }
  const World &world() const { return w_; }

private:
  const World &w_;
  std::vector<std::pair<std::string_view, ObjectId>> vars_;
};

} // namespace lungfish::gen
