#include "generators/properties.h"

#include "generators/ast_build.h"
#include "generators/emit.h"
#include "model/code.h"
#include "model/program_text.h"
#include "model/render.h"

#include <set>

namespace lungfish::gen {

std::string state_text(const World &w) {
  return render_text(w);
}

/// I15 over one statement: reported only if no cown written in it explains the change (the
/// intersection over the written cowns), as `lungfish run` does.
std::vector<Violation> step_violations(const World &before, const Machine &m,
                                       const CheckContext &ctx) {
  const std::vector<ObjectId> &written = m.written_cowns();
  if (written.empty()) return check_cown_ownership(before, m.world(), kNone, ctx);
  std::vector<Violation> common = check_cown_ownership(before, m.world(), written[0], ctx);
  for (size_t i = 1; i < written.size() && !common.empty(); ++i) {
    std::vector<Violation> next = check_cown_ownership(before, m.world(), written[i], ctx), kept;
    for (Violation &v : common)
      for (const Violation &n : next)
        if (n.message == v.message) {
          kept.push_back(std::move(v));
          break;
        }
    common = std::move(kept);
  }
  return common;
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

/// True if some live region's parent is a cown (what I15 compares across a step).
bool owns_region(const World &w) {
  const State &h = w.heap;
  for (RegionId r = 1; r < h.region_end(); ++r)
    if (h.is_live_region(r) && h.region(r).parent_kind == ParentKind::Cown) return true;
  return false;
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
  CheckContext ctx{config.profile};
  MachineOptions mo = machine_options(config);
  Machine m(compiled, mo);
  // `before` is the world at the last statement boundary, for I15 and for reports. I15 only
  // looks at regions a cown owned before the step, so it is copied only when there are some
  // (else I15 holds vacuously); a report that needs it without a copy re-runs to that boundary.
  World before = m.world();
  bool have_before = true;
  uint64_t last_step = 0;
  auto before_text = [&]() {
    return state_text(have_before ? before : world_at_step(compiled, mo, last_step));
  };
  std::optional<ProgramFailure> found;
  Outcome outcome = m.run([&](const Machine &mm, const Event &e) {
    std::vector<Violation> v;
    if (e.kind == EventKind::Statement) {
      if (e.thread == 0 && mm.world().threads[0].calls.size() == 1 && top_lines.count(e.line))
        done_lines.insert(e.line);
      v = check_state(mm.world(), ctx, true);
      if (v.empty() && e.step >= last_step && have_before) v = step_violations(before, mm, ctx);
    } else {
      v = check_no_leak(mm.world(), ctx);
    }
    if (!v.empty()) {
      ProgramFailure f;
      f.property = "invariant";
      f.invariant = std::string(invariant_name(v[0].invariant));
      f.line = e.line;
      f.event = e.kind == EventKind::End ? "end of run" : e.message;
      f.message = format_violation(mm.world(), v[0]);
      f.before = before_text();
      f.after = state_text(mm.world());
      found = std::move(f);
      return false;
    }
    have_before = owns_region(mm.world());
    if (have_before) before = mm.world();
    last_step = e.step;
    return true;
  });
  res.outcome = outcome;
  res.steps = m.steps();
  res.error = m.error();
  res.accepted = done_lines.size();
  if (outcome == Outcome::Ok) res.accepted = res.statements;
  if (outcome == Outcome::Violation) {
    if (!found) {
      ProgramFailure f;
      f.property = "invariant";
      f.invariant = "I16";
      f.line = m.last_event().line;
      f.event = "use of a freed object";
      f.message = m.dangling().value_or("the run stopped with a violation");
      f.before = before_text();
      f.after = state_text(m.world());
      found = std::move(f);
    }
    res.failure = std::move(found);
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
