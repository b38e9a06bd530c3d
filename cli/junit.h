// JUnit XML for CI systems (`--junit FILE` on check, enumerate, mutants, verify): one testsuite,
// one testcase per unit a campaign reports on (a program family, an invariant, a mutant, an
// (operation, invariant) pair), so a CI's test view shows what failed without parsing JSON.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace lungfish::cli {

struct JUnitCase {
  JUnitCase(std::string n, std::string s = "passed", std::string m = "", std::string d = "")
      : name(std::move(n)), status(std::move(s)), message(std::move(m)), detail(std::move(d)) {}
  std::string name;
  std::string status = "passed"; // passed, failure, error (could not decide), skipped
  std::string message;           // one line: why it failed or was skipped
  std::string detail;            // the body: the counterexample, the reproduce line
};

/// Writes `cases` as a JUnit XML testsuite named `suite` to `path` (atomically); false and
/// `error` if the file cannot be written.
bool write_junit(const std::string &path, const std::string &suite,
                 const std::vector<JUnitCase> &cases, std::string &error);

} // namespace lungfish::cli
