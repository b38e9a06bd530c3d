// The three engines of `lungfish mutants` and the choice of the reported counterexample.
#include "generators/campaigns/mutants.h"

#include "checker/verify/verify.h"
#include "generators/alphabet.h"
#include "generators/ast_build.h"
#include "generators/campaigns/campaign.h"
#include "generators/campaigns/explore.h"
#include "generators/campaigns/parallel.h"
#include "generators/program_gen.h"
#include "generators/rng.h"
#include "generators/shrink.h"
#include "model/text/program_text.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <unordered_set>

namespace lungfish::gen {

namespace {

/// One scope of the exhaustive engine: the variables and the field names of its alphabet.
struct Scope {
  size_t vars, fields, objects; // objects: live objects (bridges and cowns included) in a state
};
// Growing scopes: most checks need only two variables, one field and three objects (three
// regions nested by their bridges are enough for every region rule); the third variable, second
// field and fourth object come after, with what is left of the exhaustive budget.
constexpr Scope kScopes[] = {{2, 1, 3}, {3, 2, 4}};

size_t live_objects(const State &h) {
  size_t n = 0;
  for (ObjectId o = 1; o < h.object_end(); ++o)
    if (h.is_live(o) && !h.is_global(o) && h.obj(o).kind != ObjectKind::Frame) ++n;
  return n;
}

/// The statements of one scope (generators/alphabet.h).
std::vector<Stmt> alphabet(Scope s) {
  return statement_alphabet(alphabet_variables(s.vars), alphabet_fields(s.fields));
}

Program make_program(std::vector<Stmt> body) {
  Program p;
  p.body = std::move(body);
  number_lines(p);
  return p;
}

size_t invariant_number(const std::string &name) {
  return std::stoul(name.substr(1));
}

/// A candidate counterexample and how it ranks: fewest statements, then fewest objects, then
/// the weakest (lowest-numbered) invariant, then its text (for determinism).
struct Candidate {
  Program program;
  std::string text;
  CheckedRun run;
  size_t statements = 0;
  auto key() const {
    // Among equals, programs written with ordinary fields read better than with `__proto__`.
    size_t protos = 0;
    for (size_t p = text.find("__proto__"); p != std::string::npos;
         p = text.find("__proto__", p + 1))
      ++protos;
    return std::make_tuple(statements, run.objects, invariant_number(run.invariants.front()),
                           protos, text);
  }
};

Candidate make_candidate(const MutantSpec &spec, Profile profile, Program p, CheckMode check) {
  Candidate c;
  c.program = make_program(std::move(p.body));
  c.text = print_program(c.program);
  c.run = run_checked(c.program, spec.options(profile, true), 0, nullptr, nullptr, {}, check);
  c.statements = count_statements(c.program.body);
  return c;
}

class Hunter {
public:
  Hunter(const MutantSpec &spec, const MutantOptions &o) : spec_(spec), o_(o) {
    on_ = spec.options(o.profile, true);
  }

  MutantResult run() {
    auto t0 = std::chrono::steady_clock::now();
    r_.spec = spec_;
    uint64_t exhaustive_budget = o_.budget_programs * o_.exhaustive_share / 100;
    exhaustive(exhaustive_budget);
    if (found_.empty()) random(o_.budget_programs - r_.searched);
    if (found_.empty()) z3();
    finish();
    r_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return std::move(r_);
  }

private:
  const MutantSpec &spec_;
  const MutantOptions &o_;
  MachineOptions on_;
  /// The mutated run of p, checked as the options say.
  CheckedRun checked(const Program &p) const {
    return run_checked(p, on_, 0, nullptr, nullptr, {}, o_.check);
  }
  MutantResult r_;
  std::vector<Candidate> found_; // the counterexamples of the engine that found one first

  void found(const std::string &engine, Program p) {
    Candidate c = make_candidate(spec_, o_.profile, std::move(p), o_.check);
    // Re-checked without the sentinel and with numbered lines: the reported program must kill.
    if (!to_blame(spec_, o_.profile, c.program, c.run, o_.check)) return;
    if (r_.engine.empty()) r_.engine = engine;
    found_.push_back(std::move(c));
  }

  // Breadth-first over statement sequences, one scope after the other. A level that yields a
  // counterexample is finished (within the budget) so the smallest of that length is reported.
  void exhaustive(uint64_t budget) {
    uint64_t used = 0;
    for (size_t si = 0; si < std::size(kScopes) && found_.empty(); ++si) {
      // The small scope is where nearly every counterexample is: it gets 70% of the share.
      uint64_t scope_budget = si + 1 == std::size(kScopes) ? budget - used : budget * 7 / 10;
      used += bfs(kScopes[si], scope_budget);
    }
  }

  uint64_t bfs(Scope scope, uint64_t budget) {
    std::vector<Stmt> alpha = alphabet(scope);
    std::unordered_set<std::string> seen;
    // A program of the frontier and, in incremental mode, the state at its end (its sentinel).
    struct Node {
      std::vector<Stmt> body;
      World state;
    };
    std::vector<Node> frontier(1);
    uint64_t used = 0, states = 0;
    size_t scope_depth = 0;
    bool every_state = false;
    for (size_t depth = 1; !frontier.empty(); ++depth) {
      std::vector<Node> next;
      bool complete = true;
      for (const Node &node : frontier) {
        const std::vector<Stmt> &prefix = node.body;
        Resume resume;
        if (o_.incremental && !prefix.empty()) resume.world = &node.state;
        for (const Stmt &s : alpha) {
          if (used >= budget) {
            complete = false;
            break;
          }
          ++used;
          ++r_.searched;
          ++r_.exhaustive_programs;
          std::vector<Stmt> body = prefix;
          body.push_back(s);
          Program p = make_program(body);
          p.body.push_back(s_expr(e_call("pass", {})));
          number_lines(p);
          uint32_t sentinel = p.body.back().loc.line;
          resume.line = p.body[prefix.size()].loc.line;
          World state;
          bool reached = false;
          CheckedRun run = run_checked(p, on_, sentinel, &state, &reached, resume, o_.check);
          if (run.broke) {
            if (found_.size() < 64 && to_blame(spec_, o_.profile, p, run, o_.check))
              found("exhaustive", make_program(body));
            continue; // a broken state is not explored further
          }
          if (!reached || live_objects(state.heap) > scope.objects) continue;
          if (!seen.insert(canonical_state(state, scope.fields)).second) continue;
          ++r_.exhaustive_states;
          ++states;
          next.push_back({std::move(body), o_.incremental ? std::move(state) : World{}});
        }
        if (!complete) break;
      }
      if (complete) {
        r_.exhaustive_depth = std::max(r_.exhaustive_depth, depth);
        scope_depth = depth;
        // No new state at this depth: every state of the scope has been reached, so every
        // program of the alphabet, of any length, has been run (up to renaming).
        if (next.empty() && found_.empty()) every_state = true;
      }
      if (!found_.empty() || !complete) break;
      frontier = std::move(next);
    }
    if (!r_.exhaustive_bound.empty()) r_.exhaustive_bound += "; ";
    r_.exhaustive_bound += std::to_string(scope.vars) + " variables, " +
                           std::to_string(scope.fields) +
                           (scope.fields == 1 ? " field, " : " fields, ") +
                           std::to_string(scope.objects) + " objects: " +
                           (every_state ? "every state (" + std::to_string(states) + ", depth " +
                                              std::to_string(scope_depth - 1) + ")"
                                        : "depth " + std::to_string(scope_depth));
    return used;
  }

  // Two kinds of random programs, alternating: the generator's (biased toward the checks, and
  // raw), and random walks over the exhaustive alphabet that keep only accepted statements, so
  // they reach deeper than the breadth-first search (merges of regions with children, ...).
  void random(uint64_t budget) {
    uint64_t mseed = o_.seed;
    for (char ch : spec_.name)
      mseed = (mseed ^ static_cast<unsigned char>(ch)) * 0x100000001b3ULL;
    Rng rng(derive_seed(mseed, ~0ULL));
    std::vector<Stmt> alpha = alphabet(kScopes[std::size(kScopes) - 1]);
    std::vector<Stmt> walk;
    size_t walk_length = 0;
    for (uint64_t i = 0; i < budget && found_.empty(); ++i) {
      ++r_.searched;
      ++r_.random_programs;
      if (i % 2 == 0) {
        size_t size = 2 + (i / 2) % 11;
        Program p = make_program(
            generate_program(derive_seed(mseed, i), size, campaign_family(i / 2), o_.profile).body);
        if (to_blame(spec_, o_.profile, p, checked(p), o_.check)) found("random", p);
        continue;
      }
      if (walk.size() >= walk_length) {
        walk.clear();
        walk_length = 3 + rng.below(6);
      }
      std::vector<Stmt> body = walk;
      body.push_back(rng.pick(alpha));
      Program p = make_program(body);
      CheckedRun run = checked(p);
      if (run.broke) {
        if (to_blame(spec_, o_.profile, p, run, o_.check)) found("random", p);
        continue;
      }
      if (run.outcome == Outcome::Ok) walk = std::move(body);
    }
  }

  // Z3 knows the checks, not the rule mutants' effects; its scope is the ownership core.
  void z3() {
    if (spec_.kind != MutantKind::Check || !o_.use_z3) {
      r_.z3 = spec_.kind == MutantKind::Check ? "not applied (disabled)"
                                              : "not applied (rule mutants are not encoded)";
      return;
    }
    VerifyOptions vo;
    vo.steps = o_.z3_steps;
    vo.solver_timeout = 0; // bounded by the scope (objects, regions, steps), never by time
    vo.disabled.disable(spec_.rule);
    bool unknown = false;
    std::optional<VerifyCounterexample> c = find_any_counterexample(vo, &unknown);
    std::string scope = std::to_string(vo.bound.objects) + " objects, " +
                        std::to_string(vo.bound.regions) + " regions, " + std::to_string(vo.steps) +
                        " steps";
    if (!c) {
      r_.z3 = (unknown ? "unknown within " : "no counterexample within ") + scope;
      return;
    }
    try {
      Program p = parse_program(c->program, "<z3>");
      if (kills(spec_, o_.profile, p, o_.check)) {
        r_.z3 = "counterexample within " + scope;
        found("z3", p);
        return;
      }
    } catch (const InputError &) {
    }
    r_.z3 = "a counterexample the model does not reproduce within " + scope;
  }

  void finish() {
    const std::vector<MaskedEntry> &masked = documented_masked(o_.profile);
    auto m = std::find_if(masked.begin(), masked.end(),
                          [&](const MaskedEntry &e) { return e.name == spec_.name; });
    if (found_.empty()) {
      r_.engine.clear();
      r_.status = m == masked.end() ? "survived" : "masked";
      if (m != masked.end()) r_.masked_reason = m->reason;
      if (r_.z3.empty()) r_.z3 = "not applied";
      return;
    }
    if (r_.z3.empty()) r_.z3 = "not needed";
    r_.status = "killed";
    std::sort(found_.begin(), found_.end(),
              [](const Candidate &a, const Candidate &b) { return a.key() < b.key(); });
    std::set<std::string> broken;
    for (const Candidate &c : found_)
      broken.insert(c.run.invariants.begin(), c.run.invariants.end());
    Candidate best = shrink(found_.front());
    broken.insert(best.run.invariants.begin(), best.run.invariants.end());
    r_.invariant = best.run.invariants.front();
    for (const std::string &i : broken)
      if (i != r_.invariant) r_.also_breaks.push_back(i);
    std::sort(r_.also_breaks.begin(), r_.also_breaks.end(),
              [](const std::string &a, const std::string &b) {
                return invariant_number(a) < invariant_number(b);
              });
    r_.program = best.program;
    r_.text = best.text;
    r_.statements = best.statements;
    r_.objects = best.run.objects;
    r_.run = best.run;
    r_.highlight = offending_edge(best.run.before, best.run.after);
  }

  // Fewest statements first (the shrinker), then fewest objects: among the shrinker's result and
  // the other candidates of the same length, the one with the fewest objects (Candidate::key).
  Candidate shrink(const Candidate &c) {
    Profile profile = o_.profile;
    const MutantSpec &spec = spec_;
    Program p = shrink_program(
        c.program,
        [&](const Program &q) { return kills(spec, profile, make_program(q.body), o_.check); },
        o_.shrink_budget);
    Candidate s = make_candidate(spec_, o_.profile, p, o_.check);
    if (!s.run.broke) return c;
    std::vector<Candidate> all = {s};
    for (const Candidate &f : found_)
      if (f.statements <= s.statements) all.push_back(f);
    std::sort(all.begin(), all.end(),
              [](const Candidate &a, const Candidate &b) { return a.key() < b.key(); });
    return all.front();
  }
};

} // namespace

MutantResult hunt_mutant(const MutantSpec &spec, const MutantOptions &o) {
  return Hunter(spec, o).run();
}

std::vector<MutantSpec> selected_mutants(const MutantOptions &o) {
  std::vector<MutantSpec> out;
  size_t i = 0;
  for (const MutantSpec &s : all_mutant_specs()) {
    if (!o.only.empty() && std::find(o.only.begin(), o.only.end(), s.name) == o.only.end())
      continue;
    if (i++ % o.shard_count == o.shard_index) out.push_back(s);
  }
  return out;
}

std::vector<MutantResult> hunt_mutants(const MutantOptions &o,
                                       const std::function<void(const MutantResult &)> &progress) {
  // Each hunt is a function of its mutant and the options alone: the mutants run on the
  // workers, the results come back here in the list's order.
  std::vector<MutantSpec> specs = selected_mutants(o);
  std::vector<MutantResult> out;
  ordered_parallel<MutantResult>(
      specs.size(), o.jobs, [&](uint64_t i) { return hunt_mutant(specs[i], o); },
      [&](uint64_t, MutantResult &r) {
        out.push_back(std::move(r));
        if (progress) progress(out.back());
        return true;
      },
      specs.size());
  return out;
}

} // namespace lungfish::gen
