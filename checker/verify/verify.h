// Bounded verification of the rules with Z3 (`lungfish verify`, docs/verification.md).
//
// The ownership core of the `lungfish` profile is encoded over a symbolic heap of at most N
// objects, R regions, F field names and V frame variables (checker/verify/encoding.h): one LOCAL,
// no calls, no behaviours, no prototypes, exact counters. Each statement form of the program
// language (x = {}, x = Region(), x = y, x = y.f, drop x, z = move y.f, x.f = y, freeze, close,
// is_closed, merge, dissolve, Cown) is a transition relation: its checks, then its effect, then
// the collection. Modes:
//   bmc:       every state reachable from the empty heap in <= K statements satisfies every
//              invariant; per (operation, invariant): a trace whose last statement is the
//              operation and whose last state is the first to break the invariant, or unsat.
//   induction: Inv(s) /\ Step(s, op, s') /\ -Inv_i(s'); a counterexample to induction is
//              classified (reachable within K, or not) and retried with auxiliary invariants.
// Every counterexample is decoded into a program and replayed through the executable model,
// which must break the same invariant; otherwise it is reported as an encoding bug.
#pragma once

#include "checker/invariants.h"
#include "model/rules.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace lungfish {

/// The scope of the symbolic heap.
struct Bound {
  int objects = 3, regions = 2, fields = 2, vars = 3;
};

struct VerifyOptions {
  Bound bound;
  int steps = 3;
  bool induction = false;
  double solver_timeout = 60; // seconds per query; 0 = none
  DisabledChecks disabled;
  std::string dump_smt; // directory; empty = none
  /// Restricts the run to these operations / invariants (names); empty = all.
  std::vector<std::string> only_ops, only_invariants;
  /// Operations verified at once (threads, one Z3 context each); the report does not depend on
  /// it (timings aside).
  unsigned jobs = 1;
};

struct VerifyResult;
/// Called after each query (progress lines); with jobs > 1 from the worker threads, one call at
/// a time.
using VerifyProgress = std::function<void(const VerifyResult &)>;

/// A decoded counterexample: the statements after the variable prelude.
struct VerifyCounterexample {
  std::vector<std::string> statements;
  std::string program;   // full text, prelude included
  std::string invariant; // the invariant the encoding says is broken
  bool replayed = false; // the model, run on `program`, breaks that invariant
  std::string replay;    // what the model did ("breaks I14 at statement 3", "rejected: ...")
  std::string pre_state; // induction: the symbolic pre-state, printed
};

/// Proved; a counterexample; unknown (the solver gave up: a timeout); vacuous (the operation is
/// enabled on no state within the bound, so nothing about it is claimed either way).
enum class Verdict : uint8_t { Proved, Counterexample, Unknown, Vacuous };
std::string_view verdict_name(Verdict v);

struct VerifyResult {
  std::string op, invariant;
  Verdict verdict = Verdict::Unknown;
  double seconds = 0;
  std::optional<VerifyCounterexample> counterexample;
  /// induction: "proved", "proved with auxiliary invariants", "not reachable within K", ...
  std::string classification;
};

struct VerifyReport {
  VerifyOptions options;
  std::vector<VerifyResult> results;
  /// Each operation's vacuity check: Inv(s) /\ Step(s, op, s') is satisfiable.
  std::vector<std::pair<std::string, Verdict>> vacuity;
  /// Encoding bugs found (a counterexample the model does not reproduce).
  std::vector<std::string> encoding_bugs;
  double seconds = 0;
};

/// The names of the encoded operations (`new`, `region`, ...) and invariants (`I1`, ...), in the
/// order of the report; what `only_ops` and `only_invariants` accept.
std::vector<std::string> verify_operation_names();
std::vector<std::string> verify_invariant_names();

/// Runs the whole verification (bmc or induction) and the vacuity checks.
VerifyReport run_verify(const VerifyOptions &options, const VerifyProgress &progress = {});

/// For --disable-check: the shortest trace (by statements, up to `steps`) breaking any invariant
/// under the disabled checks, decoded and replayed; nullopt if none (the check is masked within
/// the bound) or unknown (`unknown` set). If a shorter length was unknown, `replay` says so.
std::optional<VerifyCounterexample> find_any_counterexample(const VerifyOptions &options,
                                                            bool *unknown = nullptr);

/// The vacuity check of one operation ("proved" = satisfiable).
Verdict check_vacuity(const VerifyOptions &options, const std::string &op);

/// Cross-check with the model: every program over the given statement forms up to `depth`
/// statements is run through the machine; each executed statement's pre- and post-state
/// (abstracted) must be exactly what the encoding's transition gives (or both reject).
/// Returns the mismatches (empty = agreement) and counts the (state, statement) pairs checked.
/// With checks switched off, both sides run without them.
std::vector<std::string> cross_check(const Bound &bound, int depth, size_t *pairs_checked,
                                     const std::vector<std::string> &alphabet = {},
                                     const DisabledChecks &off = {});

/// The cross-check on given programs (one statement of the bound's alphabet per line).
std::vector<std::string> cross_check_programs(const Bound &bound,
                                              const std::vector<std::string> &programs,
                                              const DisabledChecks &off, size_t *pairs_checked);

/// The statement alphabet used by cross_check for a bound (every op, every argument).
std::vector<std::string> statement_alphabet(const Bound &bound);

/// Replays a program through the model; true if after its last statement (none rejected)
/// `invariant` is broken. `what` says what happened.
bool replay_breaks(const std::string &program, const std::string &invariant,
                   const DisabledChecks &disabled, std::string *what);

/// Text table (op x invariant) and JSON of a report.
std::string format_report_text(const VerifyReport &r);
std::string format_report_json(const VerifyReport &r);

} // namespace lungfish
