#include "cli/options.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <set>

#include <unistd.h>

namespace lungfish::cli {

namespace {

CLI::Validator number_at_least(double min, const std::string &what) {
  return CLI::Validator(
      [min, what](std::string &value) -> std::string {
        size_t used = 0;
        double d = 0;
        try {
          d = std::stod(value, &used);
        } catch (const std::exception &) {
          used = 0;
        }
        if (used == 0 || used != value.size() || !(d >= min))
          return "'" + value + "' is not " + what;
        return "";
      },
      ""); // no suffix in --help: the type name says it
}

/// A whole number in [min, 2^64 - 1], digits only (no sign, no exponent, no clamping).
CLI::Validator whole_number_at_least(uint64_t min) {
  return CLI::Validator(
      [min](std::string &value) -> std::string {
        const std::string what = min == 0 ? "a whole number >= 0" : "a whole number >= 1";
        if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos)
          return "'" + value + "' is not " + what;
        std::string digits = value.substr(std::min(value.find_first_not_of('0'), value.size()));
        const std::string max = "18446744073709551615";
        if (digits.size() > max.size() || (digits.size() == max.size() && digits > max))
          return "'" + value + "' is out of range (at most " + max + ")";
        if (std::stoull(value) < min) return "'" + value + "' is not " + what;
        return "";
      },
      "");
}

} // namespace

CLI::Validator whole_number_between(uint64_t min, uint64_t max) {
  CLI::Validator base = whole_number_at_least(min);
  return CLI::Validator(
      [base, min, max](std::string &value) -> std::string {
        std::string err = base(value);
        if (!err.empty()) return err;
        if (std::stoull(value) > max)
          return "'" + value + "' is out of range (" + std::to_string(min) + " to " +
                 std::to_string(max) + ")";
        return "";
      },
      "");
}

std::string output_path_problem(const std::string &path, bool directory) {
  namespace fs = std::filesystem;
  if (path.empty()) return "an empty path names no file";
  std::error_code ec;
  fs::path p(path);
  fs::file_status st = fs::status(p, ec);
  if (fs::exists(st)) {
    if (directory && !fs::is_directory(st)) return path + " exists and is not a directory";
    if (!directory && fs::is_directory(st)) return path + " is a directory";
  }
  // The deepest existing directory on the way must be a directory we may write in.
  fs::path q = directory && fs::is_directory(st) ? p : p.parent_path();
  while (!q.empty() && !fs::exists(q, ec))
    q = q.parent_path();
  if (q.empty()) q = ".";
  if (!fs::is_directory(q, ec)) return q.string() + " is not a directory";
  if (::access(q.c_str(), W_OK | X_OK) != 0)
    return "cannot write in " + q.string() + ": " + std::strerror(errno);
  return "";
}

const CLI::Validator kOutputFile(
    [](std::string &value) {
      std::string why = output_path_problem(value, false);
      return why.empty() ? why : "cannot write " + value + ": " + why;
    },
    "");
const CLI::Validator kOutputDir(
    [](std::string &value) {
      std::string why = output_path_problem(value, true);
      return why.empty() ? why : "cannot write " + value + ": " + why;
    },
    "");

const CLI::Validator kNonNegative = number_at_least(0, "a number >= 0");
const CLI::Validator kPositive = whole_number_at_least(1);
const CLI::Validator kCount = whole_number_at_least(0);

CLI::Option *add_profile_option(CLI::App &app, std::string &out) {
  return app
      .add_option("--profile", out,
                  "Runtime whose design choices the model follows: lungfish (default, the "
                  "reference), frankenscript, cpython or pep795")
      ->check(CLI::IsMember({"lungfish", "frankenscript", "cpython", "pep795"}))
      ->type_name("P");
}

std::string disable_check_help() {
  std::string rules, codes;
  std::set<std::string> seen;
  for (const RuleInfo &r : all_rules()) {
    if (!r.switchable) continue;
    rules += "\n  " + std::string(r.name) + " (" + std::string(error_code_name(r.code)) + ")";
    if (seen.insert(std::string(error_code_name(r.code))).second)
      codes += (codes.empty() ? "" : ", ") + std::string(error_code_name(r.code));
  }
  return "Switch off an ownership check (repeatable): a rule id, or an error code meaning every "
         "rule with that code. The primitive then proceeds as if its precondition held "
         "(docs/semantics.md 5). Language errors cannot be switched off.\nSwitchable codes: " +
         codes + "\nSwitchable rules:" + rules;
}

CLI::Option *add_disable_check_option(CLI::App &app, std::vector<std::string> &out) {
  CLI::Validator valid(
      [](std::string &value) {
        DisabledChecks probe;
        return probe.disable_by_name(value);
      },
      "");
  return app.add_option("--disable-check", out, disable_check_help())
      ->check(valid)
      ->type_name("RULE|CODE")
      ->take_all()
      ->allow_extra_args(false);
}

DisabledChecks to_disabled_checks(const std::vector<std::string> &names) {
  DisabledChecks d;
  for (const std::string &n : names)
    d.disable_by_name(n);
  return d;
}

Profile to_profile(const std::string &name) {
  if (name.empty()) return Profile::Lungfish;
  return parse_profile(name).value_or(Profile::Lungfish);
}

CLI::Option *add_check_option(CLI::App &app, std::string &out) {
  if (out.empty()) out = "incremental";
  return app
      .add_option("--check", out,
                  "How the invariants are checked at every statement boundary: incremental "
                  "(cost of what the step touched), full (every invariant recomputed from the "
                  "whole heap) or both (both, compared: a difference is reported as a bug of "
                  "lungfish, exit 5)")
      ->check(CLI::IsMember({"incremental", "full", "both"}))
      ->type_name("MODE")
      ->capture_default_str();
}

CheckMode to_check_mode(const std::string &name) {
  return parse_check_mode(name).value_or(CheckMode::Incremental);
}

std::string plural(uint64_t n, const std::string &noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

int not_implemented(const std::string &command) {
  std::cerr << "lungfish " << command << ": not yet implemented in this build\n";
  return kExitUsage;
}

} // namespace lungfish::cli
