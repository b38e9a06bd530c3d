// What `lungfish run` prints: the per-step states of --show, the native trace of --trace, and
// the final report (text or --json).
#pragma once

#include "checker/monitor.h"
#include "model/machine.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace lungfish::cli {

/// A violation found by the run's monitor, with where it was found.
using FoundViolation = Finding;

/// Prints the state after one statement event in the --show format (text|mermaid|dot|json).
void show_state(std::ostream &os, const std::string &format, const Machine &m, const Event &e);
/// Prints the state at a rejection in the --show format (mermaid: an `Error:` step).
void show_rejection(std::ostream &os, const std::string &format, const Machine &m,
                    const RuleError &err);

/// The native trace of a run (docs/trace-format.md): a header carrying the program, then one
/// event per statement with the thread that ran it and the model's snapshot, the behaviours'
/// spawns, acquisitions and releases, and the run's end; replaying it gives the run's verdict.
class NativeTraceWriter {
public:
  NativeTraceWriter();
  ~NativeTraceWriter();
  /// Opens `path` and writes the header (with the program's file and source); under
  /// `all_schedules` only the reported schedule is written, at end(). False (and a message in
  /// `error`) if the file cannot be opened.
  bool open(const std::string &path, Profile profile, const std::string &program_file,
            const std::string &program_text, bool all_schedules, std::string &error);
  /// One statement event, outcome "ok", with the state after it.
  void statement(const Machine &m, const Event &e);
  /// The end of the run: the rejection event if the run was rejected (its code, the statement),
  /// then an `end` event: ok, the code, "violation" (`detail` says which), "leak" (I20 at the
  /// end, `leak`) or "limit".
  void end(const Machine &m, Outcome outcome, const std::string &detail, bool leak);
  /// Flushes and renames the temporary file into place (written atomically).
  bool close(std::string &error);

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The text report: `FILE:LINE:COL: rejected: ...` or `FILE:LINE:COL: violation (...): ...`
/// with the objects involved and their histories, then the outcome line. Without `file`, the
/// location is `line N`. With `all_schedules` (`--schedules all`), how many schedules were
/// explored and, on a failure, the failing one.
void print_text_report(std::ostream &os, const Machine &m, Outcome outcome,
                       const std::vector<FoundViolation> &found, const std::string &file = "",
                       bool all_schedules = false);
/// The --json report: {"outcome","steps","error","violations","state"}.
nlohmann::json json_report(const Machine &m, Outcome outcome,
                           const std::vector<FoundViolation> &found);
/// An error object {"code","rule","line","message"} (docs/json-output.md).
nlohmann::json error_json(const RuleError &err);
/// A violation object {"invariant","line","event","message","witness"}.
nlohmann::json violation_json(const State &heap, const FoundViolation &f);

} // namespace lungfish::cli
