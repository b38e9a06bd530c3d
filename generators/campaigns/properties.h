// The properties `lungfish check` tests on every program, and what one check found.
//
//  * invariants: the monitor's checked run (checker/monitor.h): the state invariants after every
//    statement event, I15 over every statement, I20 (no leak) at the end; a use of a freed
//    object is I16; under `--check both` a difference between the two checkers is a failure of
//    its own (kCheckerDisagreement), a bug of lungfish rather than of the rules;
//  * atomicity: a rejected run's state equals the state of the same run stopped just before the
//    rejected primitive (max_steps = steps - 1, outcome limit);
//  * determinism: a second run gives the same outcome, step count and state;
//  * round trip: parse(print(p)) == p;
//  * emission: the FrankenScript source parses back to p (programs without `when`).
#pragma once

#include "checker/monitor.h"
#include "model/machine.h"

#include <optional>
#include <string>

namespace lungfish::gen {

/// The property of a failure where `--check both` found the two checkers disagreeing.
inline constexpr const char *kCheckerDisagreement = "checker-disagreement";

struct CheckConfig {
  Profile profile = Profile::Lungfish;
  DisabledChecks disabled;
  CheckMode check = CheckMode::Incremental; // how the monitor checks the state invariants
  uint64_t max_steps = 200000;              // generated programs have no loops; a guard only
};

/// What failed, with everything the report prints.
struct ProgramFailure {
  std::string property;  // "invariant", "atomicity", "determinism", "round-trip", "emission"
  std::string invariant; // "I8" for invariants, else the property name
  uint32_t line = 0;
  std::string event;   // "Line 4: r.f = x", "end of run"
  std::string message; // format_violation's text, or what differed
  std::string before;  // the state before (render_text), if any
  std::string after;   // the state after
  bool same_kind(const ProgramFailure &o) const {
    return property == o.property && invariant == o.invariant;
  }
};

/// The result of checking one program.
struct ProgramResult {
  Outcome outcome = Outcome::Ok;
  uint64_t steps = 0;
  std::optional<RuleError> error;
  size_t statements = 0; // top-level statements
  size_t accepted = 0;   // top-level statements whose execution completed
  std::optional<ProgramFailure> failure;
};

/// Checks every property on one program (which need not carry source locations).
ProgramResult check_program(const Program &p, const CheckConfig &config);

/// Compact text of a World (model/render/render.h's render_text).
std::string state_text(const World &w);

} // namespace lungfish::gen
