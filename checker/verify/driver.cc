// The queries: bounded model checking, induction with classification of counterexamples to
// induction, vacuity, the shortest counterexample under disabled checks; decoding of Z3 models
// into programs and their replay through the model.
//
// A trace is s0 (empty) -> s1 -> ... -> sK. Every step but the last picks any operation (or
// `skip`, so shorter traces are included) with symbolic arguments; the intermediate states
// satisfy every invariant, so a counterexample's last state is the first to break one.
#include "checker/verify/encoding.h"
#include "checker/verify/model.h"
#include "model/io/atomic_file.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

namespace lungfish {

using namespace verify_detail;

std::string_view verdict_name(Verdict v) {
  switch (v) {
    case Verdict::Proved:
      return "proved";
    case Verdict::Counterexample:
      return "counterexample";
    case Verdict::Unknown:
      return "unknown";
    case Verdict::Vacuous:
      return "vacuous";
  }
  return "unknown";
}

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

/// One Z3 context and the encoder over it.
struct Session {
  z3::context ctx;
  Bound bound;
  std::unique_ptr<Encoder> enc;
  explicit Session(const VerifyOptions &o) : bound(o.bound) {
    // Z3's global parameters are set once, before any thread builds a context.
    static std::once_flag seeds;
    std::call_once(seeds, [] {
      z3::set_param("smt.random_seed", 0);
      z3::set_param("sat.random_seed", 0);
    });
    enc = std::make_unique<Encoder>(ctx, o.bound, o.disabled);
  }
};

void configure(z3::solver &s, const VerifyOptions &o) {
  z3::params p(s.ctx());
  p.set("random_seed", 0u);
  if (o.solver_timeout > 0) p.set("timeout", static_cast<unsigned>(o.solver_timeout * 1000));
  s.set(p);
}

void dump(const VerifyOptions &o, z3::solver &s, const std::string &name) {
  if (o.dump_smt.empty()) return;
  // Written atomically, so an interrupted run leaves no half-written query; an error is caught
  // in cli/main.cc: a message and exit 2.
  std::string error;
  if (!write_file_atomically((std::filesystem::path(o.dump_smt) / (name + ".smt2")).string(),
                             s.to_smt2(), error))
    throw std::runtime_error(error);
}

Verdict verdict_of(z3::check_result r, bool sat_is_bad = true) {
  if (r == z3::unknown) return Verdict::Unknown;
  return (r == z3::sat) == sat_is_bad ? Verdict::Counterexample : Verdict::Proved;
}

std::vector<OpKind> selected_ops(const VerifyOptions &o) {
  std::vector<OpKind> out;
  for (int i = 0; i < kOpCount; ++i) {
    OpKind op = static_cast<OpKind>(i);
    bool want = o.only_ops.empty();
    for (const std::string &n : o.only_ops)
      want = want || n == op_name(op);
    if (want) out.push_back(op);
  }
  return out;
}

std::vector<Inv> selected_invs(const VerifyOptions &o) {
  std::vector<Inv> out;
  for (int i = 0; i < kInvCount; ++i) {
    Inv inv = static_cast<Inv>(i);
    bool want = o.only_invariants.empty();
    for (const std::string &n : o.only_invariants)
      want = want || n == inv_name(inv);
    if (want) out.push_back(inv);
  }
  return out;
}

/// A symbolic trace under construction.
struct Trace {
  std::vector<SymState> states;
  std::vector<z3::expr> ops;
  std::vector<SymArgs> args;
};

/// Adds a step from the last state: any operation (or skip) with symbolic arguments.
void add_any_step(Session &S, z3::solver &sol, Trace &tr, bool allow_skip) {
  Encoder &e = *S.enc;
  const size_t j = tr.args.size();
  const SymState &s = tr.states.back();
  z3::expr o = num_const(S.ctx, "op" + std::to_string(j));
  SymArgs a = e.fresh_args("a" + std::to_string(j));
  SymState eff = e.fresh_state("e" + std::to_string(j));
  SymState next = e.fresh_state("s" + std::to_string(j + 1));
  sol.add(e.args_in_range(a));
  sol.add(o >= (allow_skip ? -1 : 0) && o < kOpCount);
  for (int i = 0; i < kOpCount; ++i) {
    Transition t = e.effect(static_cast<OpKind>(i), s, a);
    sol.add(z3::implies(o == i, t.pre && e.equal(eff, t.post)));
  }
  sol.add(z3::implies(o == -1, e.equal(next, s)));
  sol.add(z3::implies(o != -1, e.equal(next, e.finish(eff))));
  tr.ops.push_back(o);
  tr.args.push_back(a);
  tr.states.push_back(next);
}

/// Adds a last step of one operation.
void add_op_step(Session &S, z3::solver &sol, Trace &tr, OpKind op) {
  Encoder &e = *S.enc;
  const size_t j = tr.args.size();
  SymArgs a = e.fresh_args("a" + std::to_string(j));
  SymState next = e.fresh_state("s" + std::to_string(j + 1));
  Transition t = e.step(op, tr.states.back(), a);
  sol.add(e.args_in_range(a));
  sol.add(t.pre);
  sol.add(e.equal(next, t.post));
  tr.ops.push_back(num(S.ctx, static_cast<int>(op)));
  tr.args.push_back(a);
  tr.states.push_back(next);
}

Trace start_trace(Session &S, z3::solver &sol) {
  Trace tr;
  tr.states.push_back(S.enc->fresh_state("s0"));
  sol.add(S.enc->is_empty(tr.states[0]));
  return tr;
}

/// Decodes a trace from a model into statements (skips dropped).
std::vector<std::string> decode(const z3::model &m, const Trace &tr, const Bound &b) {
  std::vector<std::string> out;
  for (size_t j = 0; j < tr.ops.size(); ++j) {
    int op = signed_value(m.eval(tr.ops[j], true));
    if (op < 0) continue;
    auto num = [&](const z3::expr &e) { return signed_value(m.eval(e, true)); };
    const SymArgs &a = tr.args[j];
    out.push_back(
        op_text(static_cast<OpKind>(op), num(a.x), num(a.y), num(a.z), field_name(num(a.f))));
  }
  (void)b;
  return out;
}

VerifyCounterexample make_cex(Session &S, const z3::model &m, const Trace &tr,
                              const std::vector<Inv> &broken, const VerifyOptions &o) {
  VerifyCounterexample c;
  c.statements = decode(m, tr, S.bound);
  c.program = prelude(S.bound);
  for (const std::string &s : c.statements)
    c.program += s + "\n";
  c.invariant = broken.empty() ? "" : inv_name(broken[0]);
  std::string what;
  for (Inv i : broken) {
    if (replay_breaks(c.program, inv_name(i), o.disabled, &what)) {
      c.invariant = inv_name(i);
      c.replayed = true;
      break;
    }
  }
  c.replay = what;
  c.pre_state = from_model(m, tr.states.back(), S.bound).to_string();
  return c;
}

std::vector<Inv> broken_in(Session &S, const z3::model &m, const SymState &s, Inv first) {
  std::vector<Inv> out{first};
  for (int i = 0; i < kInvCount; ++i) {
    Inv inv = static_cast<Inv>(i);
    if (inv != first && m.eval(S.enc->invariant(s, inv), true).is_false()) out.push_back(inv);
  }
  return out;
}

void note_bug(VerifyReport &rep, const VerifyResult &r) {
  if (r.counterexample && !r.counterexample->replayed)
    rep.encoding_bugs.push_back(r.op + "/" + r.invariant + ": the model does not reproduce\n" +
                                r.counterexample->program + "(model: " + r.counterexample->replay +
                                ")");
}

/// A fresh solver holding a trace of `steps` statements whose last one is `op`, every state but
/// the last satisfying the invariants. Fresh solvers (no push/pop) keep Z3's preprocessing,
/// which eliminates the state equalities; that is much faster than incremental solving here.
Trace bmc_query(Session &S, z3::solver &sol, int steps, OpKind op) {
  Trace tr = start_trace(S, sol);
  for (int j = 0; j + 1 < steps; ++j) {
    add_any_step(S, sol, tr, /*allow_skip=*/true);
    sol.add(S.enc->all_invariants(tr.states.back()));
  }
  add_op_step(S, sol, tr, op);
  return tr;
}

/// BMC of one operation's pairs into `rep` (its results, vacuity and encoding bugs).
void run_bmc(const VerifyOptions &o, OpKind op, VerifyReport &rep, const VerifyProgress &progress) {
  Session S(o);
  Encoder &e = *S.enc;
  {
    z3::check_result vr;
    {
      z3::solver sol(S.ctx);
      configure(sol, o);
      bmc_query(S, sol, o.steps, op);
      dump(o, sol, "bmc_" + op_name(op) + "_vacuity");
      vr = sol.check();
    }
    rep.vacuity.push_back({op_name(op), vr == z3::sat     ? Verdict::Proved
                                        : vr == z3::unsat ? Verdict::Counterexample
                                                          : Verdict::Unknown});
    // One query for all invariants first: unsat proves every pair of this operation at once
    // (each pair is then reported with that query's time); otherwise one query per pair.
    std::vector<Inv> invs = selected_invs(o);
    auto t0 = Clock::now();
    z3::check_result all = z3::unsat;
    if (vr != z3::unsat) {
      z3::solver sol(S.ctx);
      configure(sol, o);
      Trace tr = bmc_query(S, sol, o.steps, op);
      Exprs broken;
      for (Inv inv : invs)
        broken.push_back(!e.invariant(tr.states.back(), inv));
      sol.add(e.any(broken));
      dump(o, sol, "bmc_" + op_name(op) + "_all");
      all = sol.check();
    }
    double all_seconds = since(t0);
    for (Inv inv : invs) {
      VerifyResult r;
      r.op = op_name(op);
      r.invariant = inv_name(inv);
      r.seconds = all_seconds;
      r.verdict = Verdict::Proved;
      if (vr == z3::unsat) {
        // Nothing proved about an operation no trace reaches: the pair is not claimed, and it
        // is not unknown either (the solver answered).
        r.verdict = Verdict::Vacuous;
        r.classification = "vacuous: the operation is enabled on no state reachable in " +
                           std::to_string(o.steps - 1) +
                           (o.steps == 2 ? " statement" : " statements");
      } else if (all != z3::unsat) {
        z3::solver sol(S.ctx);
        configure(sol, o);
        Trace tr = bmc_query(S, sol, o.steps, op);
        sol.add(!e.invariant(tr.states.back(), inv));
        dump(o, sol, "bmc_" + r.op + "_" + r.invariant);
        t0 = Clock::now();
        z3::check_result cr = sol.check();
        r.seconds = since(t0);
        r.verdict = verdict_of(cr);
        if (cr == z3::sat) {
          z3::model m = sol.get_model();
          r.counterexample = make_cex(S, m, tr, broken_in(S, m, tr.states.back(), inv), o);
          note_bug(rep, r);
        }
      }
      if (progress) progress(r);
      rep.results.push_back(std::move(r));
    }
  }
}

/// BMC of one (op, invariant) pair: is a counterexample reachable within K steps?
z3::check_result bmc_pair(const VerifyOptions &o, OpKind op, Inv inv,
                          std::optional<VerifyCounterexample> *cex) {
  Session S(o);
  z3::solver sol(S.ctx);
  configure(sol, o);
  Trace tr = bmc_query(S, sol, o.steps, op);
  sol.add(!S.enc->invariant(tr.states.back(), inv));
  z3::check_result r = sol.check();
  if (r == z3::sat) {
    z3::model m = sol.get_model();
    *cex = make_cex(S, m, tr, broken_in(S, m, tr.states.back(), inv), o);
  }
  return r;
}

/// A fresh solver holding Inv(s) /\ Step(s, op, s'); returns s and s'. As in BMC, a fresh
/// solver per query (no push/pop) lets Z3's preprocessing eliminate the state equalities.
std::pair<SymState, SymState> induction_query(Session &S, z3::solver &sol, OpKind op,
                                              bool auxiliary) {
  Encoder &e = *S.enc;
  SymState s = e.fresh_state("s");
  SymState next = e.fresh_state("t");
  SymArgs a = e.fresh_args("a");
  Transition t = e.step(op, s, a);
  sol.add(e.well_formed(s));
  sol.add(e.all_invariants(s));
  if (auxiliary) sol.add(e.auxiliary(s));
  sol.add(e.args_in_range(a));
  sol.add(t.pre);
  sol.add(e.equal(next, t.post));
  return {s, next};
}

/// Induction for one (op, invariant) pair whose single query was satisfiable: retry with the
/// auxiliary invariants, then classify what is left by BMC of the pair.
void classify_induction_pair(Session &S, const VerifyOptions &o, OpKind op, Inv inv,
                             VerifyResult &r, VerifyReport &rep) {
  Encoder &e = *S.enc;
  std::string cti; // the pre-state of the last counterexample to induction
  // Inv(s) [/\ A1-A3(s)] /\ Step /\ -inv(s'), in a fresh solver.
  auto ask = [&](bool auxiliary) {
    z3::solver sol(S.ctx);
    configure(sol, o);
    auto [s, next] = induction_query(S, sol, op, auxiliary);
    sol.add(!e.invariant(next, inv));
    dump(o, sol, "ind_" + r.op + "_" + r.invariant + (auxiliary ? "_auxiliary" : ""));
    z3::check_result res = sol.check();
    if (res == z3::sat) cti = from_model(sol.get_model(), s, S.bound).to_string();
    return res;
  };
  // First without, then with the auxiliary invariants; unsat proves, unknown stops.
  for (bool auxiliary : {false, true}) {
    z3::check_result cr = ask(auxiliary);
    if (cr == z3::sat) continue;
    r.verdict = cr == z3::unsat ? Verdict::Proved : Verdict::Unknown;
    if (cr == z3::unsat)
      r.classification = auxiliary ? "inductive with the auxiliary invariants A1-A3" : "inductive";
    else if (auxiliary)
      r.classification = "unknown with the auxiliary invariants";
    return;
  }
  std::optional<VerifyCounterexample> cex;
  z3::check_result br = bmc_pair(o, op, inv, &cex);
  r.verdict = Verdict::Counterexample;
  if (br == z3::sat) {
    r.classification = "reachable within " + std::to_string(o.steps) + " steps: a real bug";
    r.counterexample = cex;
    note_bug(rep, r);
    return;
  }
  r.classification = br == z3::unsat
                         ? "not reachable within " + std::to_string(o.steps) + " steps (BMC)"
                         : "reachability unknown";
  VerifyCounterexample c;
  c.invariant = r.invariant;
  c.pre_state = cti;
  c.replay = "counterexample to induction from an unreachable state";
  c.replayed = true;
  r.counterexample = c;
}

/// Induction for one operation's pairs into `rep`.
void run_induction(const VerifyOptions &o, OpKind op, VerifyReport &rep,
                   const VerifyProgress &progress) {
  Session S(o);
  Encoder &e = *S.enc;
  {
    z3::check_result vr;
    {
      z3::solver sol(S.ctx);
      configure(sol, o);
      induction_query(S, sol, op, /*auxiliary=*/false);
      dump(o, sol, "ind_" + op_name(op) + "_vacuity");
      vr = sol.check();
    }
    rep.vacuity.push_back({op_name(op), vr == z3::sat     ? Verdict::Proved
                                        : vr == z3::unsat ? Verdict::Counterexample
                                                          : Verdict::Unknown});
    // As in BMC: one query for all invariants first; unsat proves every pair of the operation
    // (each reported with that query's time), otherwise each pair is asked and classified.
    std::vector<Inv> invs = selected_invs(o);
    auto t0 = Clock::now();
    z3::check_result all = z3::unsat;
    if (vr != z3::unsat) {
      z3::solver sol(S.ctx);
      configure(sol, o);
      auto [s, next] = induction_query(S, sol, op, /*auxiliary=*/false);
      Exprs broken;
      for (Inv inv : invs)
        broken.push_back(!e.invariant(next, inv));
      sol.add(e.any(broken));
      dump(o, sol, "ind_" + op_name(op) + "_all");
      all = sol.check();
    }
    double all_seconds = since(t0);
    for (Inv inv : invs) {
      VerifyResult r;
      r.op = op_name(op);
      r.invariant = inv_name(inv);
      if (vr == z3::unsat) {
        r.verdict = Verdict::Vacuous;
        r.classification = "vacuous: the operation is enabled on no state satisfying the "
                           "invariants";
      } else if (all == z3::unsat) {
        r.verdict = Verdict::Proved;
        r.classification = "inductive";
        r.seconds = all_seconds;
      } else {
        t0 = Clock::now();
        classify_induction_pair(S, o, op, inv, r, rep);
        r.seconds = since(t0);
      }
      if (progress) progress(r);
      rep.results.push_back(std::move(r));
    }
  }
}

} // namespace

std::vector<std::string> verify_operation_names() {
  std::vector<std::string> out;
  for (int i = 0; i < kOpCount; ++i)
    out.push_back(op_name(static_cast<OpKind>(i)));
  return out;
}

std::vector<std::string> verify_invariant_names() {
  std::vector<std::string> out;
  for (int i = 0; i < kInvCount; ++i)
    out.push_back(inv_name(static_cast<Inv>(i)));
  return out;
}

VerifyReport run_verify(const VerifyOptions &options, const VerifyProgress &progress) {
  VerifyReport rep;
  rep.options = options;
  auto t0 = Clock::now();
  // One operation per task, each with its own Z3 context; the parts are joined in the
  // operations' order, so the report is the same for any number of threads.
  std::vector<OpKind> ops = selected_ops(options);
  std::vector<VerifyReport> parts(ops.size());
  std::vector<std::exception_ptr> errors(ops.size());
  std::mutex mu;
  VerifyProgress serial;
  if (progress)
    serial = [&](const VerifyResult &r) {
      std::lock_guard lock(mu);
      progress(r);
    };
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < ops.size(); i = next++) {
      try {
        if (options.induction)
          run_induction(options, ops[i], parts[i], serial);
        else
          run_bmc(options, ops[i], parts[i], serial);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  size_t jobs = std::max<size_t>(1, std::min<size_t>(options.jobs, ops.size()));
  if (jobs == 1) {
    worker();
  } else {
    std::vector<std::thread> threads;
    for (size_t t = 0; t < jobs; ++t)
      threads.emplace_back(worker);
    for (std::thread &t : threads)
      t.join();
  }
  for (size_t i = 0; i < ops.size(); ++i) {
    if (errors[i]) std::rethrow_exception(errors[i]);
    for (VerifyResult &r : parts[i].results)
      rep.results.push_back(std::move(r));
    for (auto &v : parts[i].vacuity)
      rep.vacuity.push_back(std::move(v));
    for (std::string &b : parts[i].encoding_bugs)
      rep.encoding_bugs.push_back(std::move(b));
  }
  rep.seconds = since(t0);
  return rep;
}

Verdict check_vacuity(const VerifyOptions &o, const std::string &op_name_) {
  Session S(o);
  Encoder &e = *S.enc;
  for (int i = 0; i < kOpCount; ++i) {
    OpKind op = static_cast<OpKind>(i);
    if (op_name(op) != op_name_) continue;
    z3::solver sol(S.ctx);
    configure(sol, o);
    SymState s = e.fresh_state("s");
    SymArgs a = e.fresh_args("a");
    Transition t = e.step(op, s, a);
    sol.add(e.well_formed(s) && e.all_invariants(s) && e.args_in_range(a) && t.pre);
    sol.add(e.all_invariants(t.post) || !e.all_invariants(t.post)); // keep post in the query
    z3::check_result r = sol.check();
    return r == z3::sat     ? Verdict::Proved
           : r == z3::unsat ? Verdict::Counterexample
                            : Verdict::Unknown;
  }
  return Verdict::Unknown;
}

std::optional<VerifyCounterexample> find_any_counterexample(const VerifyOptions &o, bool *unknown) {
  Session S(o);
  Encoder &e = *S.enc;
  if (unknown) *unknown = false;
  bool shorter_unknown = false;
  for (int k = 1; k <= o.steps; ++k) {
    // A fresh solver per length (see bmc_query): exactly k statements, the first k-1 states
    // satisfying every invariant, the last breaking one.
    z3::solver sol(S.ctx);
    configure(sol, o);
    Trace tr = start_trace(S, sol);
    for (int j = 0; j < k; ++j) {
      add_any_step(S, sol, tr, /*allow_skip=*/false);
      if (j + 1 < k) sol.add(e.all_invariants(tr.states.back()));
    }
    sol.add(!e.all_invariants(tr.states.back()));
    dump(o, sol, "any_" + std::to_string(k));
    z3::check_result r = sol.check();
    if (r == z3::sat) {
      z3::model m = sol.get_model();
      std::vector<Inv> broken;
      for (int i = 0; i < kInvCount; ++i)
        if (m.eval(e.invariant(tr.states.back(), static_cast<Inv>(i)), true).is_false())
          broken.push_back(static_cast<Inv>(i));
      VerifyCounterexample c = make_cex(S, m, tr, broken, o);
      if (shorter_unknown)
        c.replay += " (not necessarily the shortest: a shorter length timed out)";
      return c;
    }
    if (r == z3::unknown) {
      shorter_unknown = true;
      if (unknown) *unknown = true;
    }
  }
  return std::nullopt;
}

} // namespace lungfish
