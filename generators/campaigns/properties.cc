#include "generators/campaigns/properties.h"

#include "checker/monitor.h"

#include "generators/ast_build.h"
#include "generators/emit.h"
#include "model/code.h"
#include "model/text/program_text.h"
#include "model/render/render.h"

#include <set>

namespace lungfish::gen {

std::string state_text(const World &w) {
  return render_text(w);
}

namespace {

MachineOptions machine_options(const CheckConfig &c) {
  MachineOptions mo;
  mo.profile = c.profile;
  mo.disabled = c.disabled;
  mo.max_steps = c.max_steps;
  mo.record_history = false;
  return mo;
}

/// The world at the statement boundary reached after `step` primitives (the initial world for
/// 0), by running the program again.
World world_at_step(const std::shared_ptr<const CompiledProgram> &compiled,
                    const MachineOptions &mo, uint64_t step) {
  Machine m(compiled, mo);
  World out = m.world();
  if (step == 0) return out;
  m.run([&](const Machine &mm, const Event &e) {
    if (e.step != step) return true;
    out = mm.world();
    return false;
  });
  return out;
}

ProgramFailure simple_failure(const std::string &property, std::string message) {
  ProgramFailure f;
  f.property = f.invariant = property;
  f.message = std::move(message);
  return f;
}

} // namespace

ProgramResult check_program(const Program &p, const CheckConfig &config) {
  ProgramResult res;
  res.statements = p.body.size();
  // Round trip and emission first: a program that does not print/parse back cannot be reported.
  std::string text = print_program(p);
  Program parsed;
  try {
    parsed = parse_program(text, "<generated>");
  } catch (const InputError &e) {
    res.failure =
        simple_failure("round-trip", std::string("printed program does not parse: ") + e.what());
    return res;
  }
  if (!(parsed == p)) {
    res.failure = simple_failure("round-trip", "parse(print(p)) differs from p");
    return res;
  }
  // The FrankenScript source is usually the printed text itself, which has just parsed back to
  // p: parse it again only if it differs.
  if (auto fs = emit_frankenscript(p); fs && *fs != text) {
    try {
      if (!(parse_program(*fs, "<frankenscript>") == p))
        res.failure = simple_failure("emission", "the FrankenScript source parses to another "
                                                 "program");
    } catch (const InputError &e) {
      res.failure = simple_failure("emission", std::string("FrankenScript source does not "
                                                           "parse: ") +
                                                   e.what());
    }
    if (res.failure) return res;
  }

  std::set<uint32_t> top_lines, done_lines;
  for (const Stmt &s : parsed.body)
    top_lines.insert(s.loc.line);
  auto compiled = compile(parsed);
  MachineOptions mo = machine_options(config);
  Machine m(compiled, mo);
  Monitor monitor(CheckContext{config.profile}, MonitorOptions{config.check});
  monitor.attach(m);
  Outcome outcome = m.run([&](const Machine &mm, const Event &e) {
    if (e.kind == EventKind::Statement && e.thread == 0 &&
        mm.world().threads[0].calls.size() == 1 && top_lines.count(e.line))
      done_lines.insert(e.line);
    return monitor.observe(mm, e);
  });
  monitor.finish(m, outcome);
  res.outcome = outcome;
  res.steps = m.steps();
  res.error = m.error();
  res.accepted = done_lines.size();
  if (outcome == Outcome::Ok) res.accepted = res.statements;
  if (const auto &d = monitor.disagreement()) {
    ProgramFailure f = simple_failure(kCheckerDisagreement, d->describe());
    f.line = d->line;
    f.event = d->event_message;
    res.failure = std::move(f);
    return res;
  }
  if (outcome == Outcome::Violation) {
    // The state before the failing statement is rebuilt by running to the previous boundary
    // (the monitor keeps no copy of the World).
    ProgramFailure f;
    f.property = "invariant";
    f.before = state_text(world_at_step(compiled, mo, monitor.last_step()));
    f.after = state_text(m.world());
    // finish() gives every stopped run a finding (a use of a freed object is I16).
    const Finding &x = monitor.findings().front();
    f.invariant = std::string(invariant_name(x.violation.invariant));
    f.line = x.line;
    f.event = x.event_message;
    f.message = finding_text(m.world(), x);
    res.failure = std::move(f);
    return res;
  }

  // Determinism: the same program and options give the same run.
  Machine again(compiled, mo);
  Outcome o2 = again.run();
  if (o2 != outcome || again.steps() != m.steps() || !(again.world() == m.world())) {
    res.failure =
        simple_failure("determinism", "a second run gave outcome " + std::string(outcome_name(o2)) +
                                          " after " + std::to_string(again.steps()) + " steps");
    res.failure->before = state_text(m.world());
    res.failure->after = state_text(again.world());
    return res;
  }

  // Atomicity: a rejected primitive leaves the state as it was before that primitive.
  if (outcome == Outcome::Rejected && m.error() && m.error()->rule != RuleId::ScheduleStuck &&
      m.steps() > 0) {
    MachineOptions lo = mo;
    lo.max_steps = m.steps() - 1; // 0 would mean unbounded: then the initial state is the prefix
    Machine prefix(compiled, lo);
    Outcome o3 = lo.max_steps ? prefix.run() : Outcome::Limit;
    if (o3 != Outcome::Limit || !(prefix.world() == m.world())) {
      ProgramFailure f = simple_failure(
          "atomicity", "the rejected primitive (" + std::string(rule_info(m.error()->rule).name) +
                           ") changed the state (stopping before it: outcome " +
                           std::string(outcome_name(o3)) + ")");
      f.line = m.error()->line;
      f.event = "rejection: " + m.error()->message;
      f.before = state_text(prefix.world());
      f.after = state_text(m.world());
      res.failure = std::move(f);
    }
  }
  return res;
}

} // namespace lungfish::gen
