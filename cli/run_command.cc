// `lungfish run PROG`: execute one program under the model, checked by the monitor
// (checker/monitor.h): the state invariants after every statement, I15 over it, I20 at the end.
#include "cli/commands.h"
#include "cli/envelope.h"
#include "cli/options.h"
#include "cli/run_report.h"
#include "cli/step_pictures.h"

#include "checker/monitor.h"
#include "model/code.h"
#include "model/machine.h"
#include "model/text/program_text.h"
#include "model/text/python_subset.h"

#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>

namespace lungfish::cli {

namespace {

/// A program that never ends (`while True:`) stops here unless --max-steps says otherwise.
constexpr uint64_t kDefaultMaxSteps = 10'000'000;

struct RunOptions {
  std::string program;
  std::string profile;
  std::vector<std::string> disabled;
  std::vector<std::string> mutants; // rule mutants (docs/mutants.md), for `lungfish mutants`
  std::string show;
  std::string out_dir; // --show: one file per step
  uint64_t step = 0;   // --show: only this step (1-based; 0: every step)
  bool last = false;   // --show: only the last step
  std::string trace;
  uint64_t max_steps = kDefaultMaxSteps;
  double timeout = 0;
  std::string schedules = "default";
  std::string check = "incremental";
  bool json = false;
};

int exit_code(Outcome o) {
  switch (o) {
    case Outcome::Ok:
      return kExitOk;
    case Outcome::Violation:
      return kExitViolation;
    case Outcome::Limit:
      return kExitLimit;
    case Outcome::Rejected:
      return kExitRejected;
  }
  return kExitUsage;
}

/// Parses, compiles and runs the program; prints the report; returns the exit code.
int run_command(const RunOptions &o) {
  // An error: a message on stderr and, with --json, an error report on stdout; exit 2.
  auto fail = [&](const std::string &message) {
    std::cerr << "lungfish run: " << message << "\n";
    return o.json ? json_error("run", "lungfish run: " + message) : int{kExitUsage};
  };
  Program program;
  std::string source;
  bool python = false;
  try {
    // The Python subset (docs/semantics.md 7) for the cpython profiles or a .py file.
    bool native = o.program.ends_with(".lf") || o.program.ends_with(".frank");
    python = o.program.ends_with(".py") ||
             (!native && (o.profile == "cpython" || o.profile == "pep795"));
    if (o.program == "-") { // the program on stdin
      std::ostringstream in;
      in << std::cin.rdbuf();
      source = in.str();
    } else {
      source = read_source_file(o.program);
    }
    std::string name = o.program == "-" ? "<stdin>" : o.program;
    program = python ? parse_python_subset(source, name) : parse_program(source, name);
  } catch (const InputError &e) {
    std::cerr << e.what() << "\n";
    return o.json ? json_error("run", e.what()) : kExitUsage;
  }
  MachineOptions mo;
  mo.profile = o.profile.empty() && python ? Profile::Cpython : to_profile(o.profile);
  mo.disabled = to_disabled_checks(o.disabled);
  for (const std::string &m : o.mutants)
    mo.mutants.set(static_cast<size_t>(*find_mutant(m)));
  mo.max_steps = o.max_steps;
  mo.timeout_seconds = o.timeout;
  mo.schedules = o.schedules == "all" ? ScheduleMode::All : ScheduleMode::Default;

  NativeTraceWriter trace;
  if (!o.trace.empty()) {
    // A mistyped directory is an error, not a new directory.
    std::filesystem::path parent = std::filesystem::path(o.trace).parent_path();
    if (!parent.empty() && !std::filesystem::exists(parent)) {
      return fail("--trace " + o.trace + ": directory " + parent.string() + " does not exist");
    }
    std::string error;
    if (!trace.open(o.trace, mo.profile, o.program, source, mo.schedules == ScheduleMode::All,
                    error)) {
      return fail(error);
    }
  }

  // Object histories appear only in a rejection's text report, and recording them costs an access
  // path search per event: the run goes without, and a rejected run is repeated with them below
  // (the machine is deterministic).
  mo.record_history = false;
  std::shared_ptr<const CompiledProgram> compiled = compile(program);
  program = Program{}; // the compiled program keeps its own copy: free the parse's memory
  Machine machine(compiled, mo);
  MonitorOptions checking{to_check_mode(o.check)};
  Monitor monitor(CheckContext{mo.profile}, checking);
  monitor.attach(machine);
  std::ostream &show_out = o.json ? std::cerr : std::cout; // --json keeps stdout one object
  StepPictures pictures(show_out, o.show, o.out_dir,
                        o.step ? std::optional<uint64_t>(o.step) : std::nullopt, o.last);
  {
    std::string error;
    if (!pictures.open(error)) return fail(error);
  }
  std::ostringstream show_os; // one step's picture, handed to `pictures`
  auto picture = [&] {
    pictures.add(show_os.str());
    show_os.str("");
  };
  Observer observer = [&](const Machine &m, const Event &e) {
    if (e.kind == EventKind::Statement) {
      trace.statement(m, e);
      if (!o.show.empty()) {
        show_state(show_os, o.show, m, e);
        picture();
      }
    }
    return monitor.observe(m, e);
  };
  Outcome outcome = machine.run(observer);
  monitor.finish(machine, outcome);
  if (outcome == Outcome::Limit && o.max_steps && machine.steps() >= o.max_steps)
    std::cerr << "lungfish run: stopped after " << o.max_steps
              << " primitives (--max-steps); a longer run needs --max-steps N (0: no limit)\n";
  if (outcome == Outcome::Rejected && machine.error() && !o.show.empty()) {
    show_rejection(show_os, o.show, machine, *machine.error());
    picture();
  }
  // A run stopped inside a statement (a freed object used) never reached its boundary: the
  // broken state is shown under that statement.
  if (outcome == Outcome::Violation && !o.show.empty() && !monitor.findings().empty() &&
      monitor.findings().front().freed_use) {
    Event at = machine.last_event();
    at.line = monitor.findings().front().line;
    at.message = monitor.findings().front().event_message;
    show_state(show_os, o.show, machine, at);
    picture();
  }
  {
    std::string error;
    if (!pictures.finish(error)) return fail(error);
  }
  {
    // The trace ends as the run did: the rejection, or what the checker found.
    const std::vector<Finding> &found = monitor.findings();
    bool leak = !found.empty() && found.back().violation.invariant == Invariant::I20;
    std::string detail;
    if (!found.empty())
      detail = std::string(invariant_name(found.back().violation.invariant)) + ": " +
               found.back().violation.message;
    trace.end(machine, outcome, detail, leak);
  }
  std::string trace_error;
  if (!trace.close(trace_error)) {
    return fail(trace_error);
  }
  if (monitor.disagreement()) {
    std::cerr << monitor.disagreement()->describe() << "\n";
    return kExitCheckerBug;
  }
  if (o.json) {
    nlohmann::json j = envelope("run", std::nullopt, std::string(outcome_name(outcome)));
    j.update(json_report(machine, outcome, monitor.findings()));
    std::cout << j.dump(2) << "\n";
    return exit_code(outcome);
  }
  const Machine *reported = &machine;
  std::unique_ptr<Machine> again;
  if (outcome == Outcome::Rejected || outcome == Outcome::Violation) {
    // Rejections and violations name their objects with their histories.
    MachineOptions with_history = mo;
    with_history.record_history = true;
    with_history.timeout_seconds = 0; // the first run ended by itself: so does this one
    again = std::make_unique<Machine>(compiled, with_history);
    Monitor checked(CheckContext{mo.profile}, checking);
    checked.attach(*again);
    if (again->run(checked.observer()) == outcome) reported = again.get();
  }
  print_text_report(o.show.empty() || !o.out_dir.empty() ? std::cout : std::cerr, *reported,
                    outcome, monitor.findings(), o.program == "-" ? "<stdin>" : o.program,
                    mo.schedules == ScheduleMode::All);
  return exit_code(outcome);
}

} // namespace

void add_run_command(CLI::App &app, Handler &handler) {
  auto o = std::make_shared<RunOptions>();
  CLI::App *sub = app.add_subcommand(
      "run", "Run one program under the model, checking the invariants after every statement. "
             "Exit: 0 ok, 1 invariant violation, 2 bad input, 3 limit, 4 rejected by a check");
  sub->add_option("PROG", o->program, "Program file (docs/program-format.md); - reads stdin")
      ->required();
  add_profile_option(*sub, o->profile);
  add_disable_check_option(*sub, o->disabled);
  sub->add_option("--mutant", o->mutants,
                  "Repeatable; switch on a rule mutant, a deliberate mistake in a rule's effect "
                  "(docs/mutants.md), as `lungfish mutants` reproduces its counterexamples")
      ->check(CLI::Validator(
          [](std::string &s) {
            return find_mutant(s) ? std::string() : "unknown rule mutant '" + s + "'";
          },
          "MUTANT"))
      ->type_name("NAME");
  CLI::Option *show =
      sub->add_option("--show", o->show,
                      "Print the state after every statement on stdout: text, mermaid (a "
                      "FrankenScript-style mermaid.md), dot (titled with the statement), tikz (a "
                      "standalone LaTeX document) or json (JSON Lines); the final report "
                      "then goes to stderr (with --json: the states go to stderr instead)")
          ->check(CLI::IsMember({"text", "mermaid", "dot", "tikz", "json"}))
          ->type_name("FORMAT");
  CLI::Option *out_dir =
      sub->add_option("--out-dir", o->out_dir,
                      "With --show: write each step's picture to DIR/step-NNNN.EXT (dot, tex, md, "
                      "txt, json) instead of stdout (DIR is created; its parent must exist)")
          ->check(kOutputDir)
          ->type_name("DIR")
          ->needs(show);
  CLI::Option *step =
      sub->add_option("--step", o->step, "With --show: only step N (1 = the first statement)")
          ->check(kPositive)
          ->type_name("N")
          ->needs(show);
  sub->add_flag("--last", o->last, "With --show: only the last step (the final or broken state)")
      ->needs(show)
      ->excludes(step);
  (void)out_dir;
  sub->add_option("--trace", o->trace,
                  "Write a native trace (JSON Lines: header, then one event per statement)")
      ->check(kOutputFile)
      ->type_name("OUT");
  sub->add_option("--max-steps", o->max_steps,
                  "Stop after N primitives with outcome limit (exit 3); 0 = unbounded. The "
                  "default stops a program that never ends")
      ->check(kCount)
      ->type_name("N");
  sub->add_option("--timeout", o->timeout,
                  "Stop after S seconds of wall clock with outcome limit (exit 3); 0 = unbounded")
      ->check(kNonNegative)
      ->type_name("S");
  sub->add_option("--schedules", o->schedules,
                  "Behaviour schedules: default (spawn order) or all (every interleaving of "
                  "behaviours with disjoint cowns)")
      ->check(CLI::IsMember({"default", "all"}))
      ->type_name("MODE")
      ->capture_default_str();
  add_check_option(*sub, o->check);
  sub->add_flag("--json", o->json,
                "Print one JSON object {outcome, steps, error, violations, state} "
                "(docs/json-output.md)");
  sub->callback([o, &handler] { handler = [o] { return run_command(*o); }; });
}

} // namespace lungfish::cli
