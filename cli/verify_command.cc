// `lungfish verify`: bounded (and inductive) verification of the rules with Z3.
#include "checker/verify/verify.h"
#include "cli/commands.h"
#include "cli/envelope.h"
#include "cli/junit.h"
#include "cli/options.h"
#include "cli/scaling.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>

#include <unistd.h>

namespace lungfish::cli {

namespace {

struct VerifyOptions {
  uint64_t objects = 3, regions = 2, fields = 2, steps = 3;
  bool induction = false;
  double solver_timeout = 60;
  std::vector<std::string> disabled;
  std::string dump_smt;
  std::vector<std::string> only_ops, only_invariants;
  bool json = false;
  unsigned jobs = 1;
  std::string shard;
  double progress = -1;
  std::string junit;
};

/// Empty if every name is in `known`, else a usage message naming the first unknown one.
std::string unknown_name(const std::vector<std::string> &names,
                         const std::vector<std::string> &known, const char *what) {
  for (const std::string &n : names)
    if (std::find(known.begin(), known.end(), n) == known.end()) {
      std::string msg = std::string("unknown ") + what + " '" + n + "' (one of:";
      for (const std::string &k : known)
        msg += " " + k;
      return msg + ")";
    }
  return "";
}

/// Runs the verification; exit 1 on a counterexample (a reachable one in induction mode) or an
/// encoding bug, 3 if some query is unknown, else 0.
int verify_command(const VerifyOptions &o) {
  if (o.objects < 1 || o.regions < 1 || o.fields < 1 || o.steps < 1) {
    std::cerr << "lungfish verify: --objects, --regions, --fields and --steps must be >= 1\n";
    return kExitUsage;
  }
  for (std::string msg : {unknown_name(o.only_ops, verify_operation_names(), "operation"),
                          unknown_name(o.only_invariants, verify_invariant_names(), "invariant")})
    if (!msg.empty()) {
      std::cerr << "lungfish verify: " << msg << "\n";
      return kExitUsage;
    }
  lungfish::VerifyOptions vo;
  vo.bound.objects = static_cast<int>(o.objects);
  vo.bound.regions = static_cast<int>(o.regions);
  vo.bound.fields = static_cast<int>(o.fields);
  vo.steps = static_cast<int>(o.steps);
  vo.induction = o.induction;
  vo.solver_timeout = o.solver_timeout;
  vo.disabled = to_disabled_checks(o.disabled);
  vo.dump_smt = o.dump_smt;
  vo.only_ops = o.only_ops;
  vo.only_invariants = o.only_invariants;
  Shard shard;
  std::string error;
  if (!resolve_shard(o.shard, shard, error)) {
    std::cerr << "lungfish verify: " << error << "\n";
    return o.json ? json_error("verify", error) : kExitUsage;
  }
  // A shard verifies every N-th of the selected operations (round robin: the expensive ones
  // are spread), with every invariant of each.
  std::vector<std::string> ops;
  for (const std::string &op : verify_operation_names())
    if (o.only_ops.empty() ||
        std::find(o.only_ops.begin(), o.only_ops.end(), op) != o.only_ops.end())
      ops.push_back(op);
  std::vector<std::string> mine;
  for (size_t i = 0; i < ops.size(); ++i)
    if (in_shard(i, shard)) mine.push_back(ops[i]);
  vo.only_ops = mine;
  vo.jobs = o.jobs;
  std::cerr << "lungfish verify: z3 random seed 0";
  if (shard.sharded()) {
    std::cerr << "; shard " << shard.label() << " (from " << shard.source << "):";
    for (const std::string &op : mine)
      std::cerr << " " << op;
  }
  std::cerr << "\n";
  size_t invariants =
      o.only_invariants.empty() ? verify_invariant_names().size() : o.only_invariants.size();
  // Counted in operations: an operation's pairs are usually proved by one query, together.
  Progress progress("verify", "operations", mine.size(), o.progress);
  uint64_t done = 0;
  VerifyProgress on_pair = [&](const VerifyResult &r) {
    progress.update(++done / invariants);
    if (r.verdict != Verdict::Proved)
      progress.note("  " + r.op + " " + r.invariant + ": " + std::string(verdict_name(r.verdict)));
  };
  VerifyReport rep;
  rep.options = vo;
  if (!mine.empty()) rep = run_verify(vo, on_pair);
  progress.finish();
  rep.options.only_ops = o.only_ops;
  bool bad = !rep.encoding_bugs.empty(), unknown = false;
  for (const VerifyResult &r : rep.results) {
    if (r.verdict == Verdict::Unknown) unknown = true;
    bool real = r.verdict == Verdict::Counterexample &&
                (!o.induction || r.classification.rfind("reachable", 0) == 0);
    bad = bad || real;
  }
  for (auto &[op, v] : rep.vacuity)
    unknown = unknown || v == Verdict::Unknown;
  if (!o.junit.empty()) {
    // One testcase per (operation, invariant) pair.
    std::vector<JUnitCase> cases;
    for (const VerifyResult &r : rep.results) {
      JUnitCase c{r.op + " / " + r.invariant};
      bool real = r.verdict == Verdict::Counterexample &&
                  (!o.induction || r.classification.rfind("reachable", 0) == 0);
      if (real)
        c = {c.name, "failure", r.classification.empty() ? "counterexample" : r.classification,
             r.counterexample ? r.counterexample->program : ""};
      if (r.verdict == Verdict::Unknown) c = {c.name, "error", "unknown: " + r.classification};
      if (r.verdict == Verdict::Vacuous) c = {c.name, "skipped", r.classification};
      cases.push_back(std::move(c));
    }
    std::string e;
    if (!write_junit(o.junit, "lungfish verify", cases, e)) {
      std::cerr << "lungfish verify: " << e << "\n";
      return kExitUsage;
    }
  }
  if (o.json) {
    nlohmann::json j = envelope("verify", std::nullopt, "");
    j.update(nlohmann::json::parse(format_report_json(rep)));
    j["campaign"] = {{"bound", j["bound"]},
                     {"mode", j["mode"]},
                     {"disabled", o.disabled},
                     {"only_ops", o.only_ops},
                     {"only_invariants", o.only_invariants},
                     {"solver_timeout", o.solver_timeout}};
    if (shard.sharded()) {
      j["shard"] = shard.to_json();
      j["shard"]["ops"] = mine;
    }
    j["outcome"] = bad ? "violation" : unknown ? "limit" : "ok";
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << format_report_text(rep);
  }
  if (bad) return kExitViolation;
  return unknown ? kExitLimit : kExitOk;
}

} // namespace

void add_verify_command(CLI::App &app, Handler &handler) {
  auto o = std::make_shared<VerifyOptions>();
  CLI::App *sub = app.add_subcommand(
      "verify", "Prove with Z3 that the rules keep the invariants within the bounds");
  sub->add_option("--objects", o->objects, "Objects in the symbolic heap")
      ->check(whole_number_between(1, 12))
      ->type_name("N");
  sub->add_option("--regions", o->regions, "Regions in the symbolic heap")
      ->check(whole_number_between(1, 8))
      ->type_name("R");
  sub->add_option("--fields", o->fields, "Field names")
      ->check(whole_number_between(1, 6))
      ->type_name("F");
  sub->add_option("--steps", o->steps, "Primitives per trace (bounded model checking)")
      ->check(whole_number_between(1, 32))
      ->type_name("K");
  sub->add_flag("--induction", o->induction, "Prove each invariant inductive for one step");
  sub->add_option("--solver-timeout", o->solver_timeout,
                  "Solver budget per query in seconds (unknown -> exit 3)")
      ->check(kNonNegative)
      ->type_name("S");
  add_disable_check_option(*sub, o->disabled);
  sub->add_option("--dump-smt", o->dump_smt, "Write every query as SMT-LIB to DIR")
      ->check(kOutputDir)
      ->type_name("DIR");
  sub->add_option("--only-op", o->only_ops,
                  "Repeatable; verify only this operation (new, region, copy, read, drop, move, "
                  "store, cown_write, freeze, close, is_closed, merge, dissolve, cown, cown_move)")
      ->type_name("OP");
  sub->add_option("--only-invariant", o->only_invariants,
                  "Repeatable; verify only this invariant (I1 ... I14, I16)")
      ->type_name("I");
  sub->add_option("--junit", o->junit,
                  "Also write the results as JUnit XML to FILE (for CI test views)")
      ->check(kOutputFile)
      ->type_name("FILE");
  add_jobs_option(*sub, o->jobs);
  add_shard_option(*sub, o->shard, "the operations (round robin)");
  add_progress_option(*sub, o->progress);
  sub->add_flag("--json", o->json, "Print one JSON object (docs/json-output.md)");
  sub->callback([o, &handler] { handler = [o] { return verify_command(*o); }; });
}

} // namespace lungfish::cli
