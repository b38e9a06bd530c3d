// Options and conventions shared by the subcommands: exit codes, validated flags.
#pragma once

#include "checker/monitor.h"
#include "model/rules.h"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace lungfish::cli {

/// Exit codes (docs/cli.md "Exit codes").
enum ExitCode : int {
  kExitOk = 0,
  kExitViolation = 1,
  kExitUsage = 2,
  kExitLimit = 3,
  kExitRejected = 4,
  kExitCheckerBug = 5, // --check both: the incremental and full checkers disagreed (a lungfish bug)
};

/// Validator for durations: a number >= 0 (fractions allowed), with a short message otherwise.
extern const CLI::Validator kNonNegative;
/// Validator for counts and seeds: a whole number in [0, 2^64 - 1], digits only; a value out of
/// range is an error, never clamped.
extern const CLI::Validator kCount;
/// Validator for counts that must be at least 1 (whole numbers).
extern const CLI::Validator kPositive;
/// Validator for a whole number in [min, max] (the range is named in the error).
CLI::Validator whole_number_between(uint64_t min, uint64_t max);
/// Validators for output paths, checked before any work: not empty, no existing file where a
/// directory is needed (or a directory where a file is), and the deepest existing directory
/// writable. The error names the path and the reason (errno of the check that failed).
extern const CLI::Validator kOutputFile;
extern const CLI::Validator kOutputDir;
/// Why an output file (or directory) cannot be made at `path`; "" if it can, as far as can be
/// told before writing.
std::string output_path_problem(const std::string &path, bool directory);

/// Adds `--profile P` (lungfish|frankenscript|cpython|pep795) storing into `out`.
CLI::Option *add_profile_option(CLI::App &app, std::string &out);
/// Adds the repeatable `--disable-check RULE|CODE`; its help lists every switchable rule id and
/// error code; unknown names and language errors are rejected at parse time.
CLI::Option *add_disable_check_option(CLI::App &app, std::vector<std::string> &out);
/// The help text of --disable-check: the switchable rule ids and codes from all_rules().
std::string disable_check_help();
/// Builds the set of switched-off checks (names already validated).
DisabledChecks to_disabled_checks(const std::vector<std::string> &names);
/// Parses a profile name already validated by add_profile_option (empty = lungfish).
Profile to_profile(const std::string &name);
/// Adds `--check incremental|full|both` (how the invariants are checked at every statement
/// boundary; checker/monitor.h) storing into `out` (default "incremental").
CLI::Option *add_check_option(CLI::App &app, std::string &out);
/// The mode named by a value validated by add_check_option.
CheckMode to_check_mode(const std::string &name);
/// "1 statement", "2 statements": a count and its noun, agreeing.
std::string plural(uint64_t n, const std::string &noun);
/// The handler of a subcommand that this build does not implement yet: says so, returns 2.
int not_implemented(const std::string &command);

} // namespace lungfish::cli
