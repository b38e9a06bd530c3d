#include "generators/campaigns/explore.h"

#include "checker/monitor.h"
#include "generators/alphabet.h"
#include "generators/ast_build.h"
#include "generators/campaigns/parallel.h"
#include "generators/campaigns/properties.h"
#include "model/code.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <unordered_set>

namespace lungfish::gen {

namespace {

const std::vector<std::string> kVars = alphabet_variables(3);

} // namespace

std::vector<Stmt> statement_alphabet(size_t fields) {
  return statement_alphabet(kVars, alphabet_fields(fields));
}

namespace {

/// Serialises a World under one renaming of variables and fields.
class Canon {
public:
  Canon(const World &w, const std::map<std::string, std::string> &rename) : w_(w), h_(w.heap) {
    rename_ = rename;
  }

  std::string run() {
    // Roots: every frame of every thread, variables in (renamed) name order.
    for (const Thread &t : w_.threads)
      for (const Activation &a : t.calls)
        enqueue_fields(a.frame);
    for (size_t i = 0; i < order_.size(); ++i) {
      const Object &o = h_.obj(order_[i]);
      ref(o.proto);
      enqueue_fields(order_[i]);
    }
    std::string out;
    for (const Thread &t : w_.threads) {
      out += "T" + std::to_string(static_cast<int>(t.status)) + "[";
      for (ObjectId c : t.cowns)
        out += ref(c) + ",";
      out += "]";
      for (const Activation &a : t.calls)
        out += "F" + ref(a.frame);
      out += ";";
    }
    for (size_t i = 0; i < order_.size(); ++i) { // ref() may still append (cowns, bridges)
      ObjectId id = order_[i];
      const Object &o = h_.obj(id);
      out += "{" + std::to_string(static_cast<int>(o.kind)) + loc(o.loc) +
             std::to_string(static_cast<int>(o.status)) + "r" + std::to_string(o.rc) + "p" +
             ref(o.proto);
      for (const auto &[name, v] : sorted_fields(id))
        out += " " + name + "=" + ref(v);
      out += "}";
    }
    std::vector<std::string> regions;
    for (RegionId r = 1; r < h_.region_end(); ++r) {
      if (!h_.is_live_region(r)) continue;
      const Region &g = h_.region(r);
      std::string parent = g.parent_kind == ParentKind::None     ? "-"
                           : g.parent_kind == ParentKind::Region ? region_name(g.parent)
                                                                 : "C" + ref(g.parent);
      regions.push_back(region_name(r) + ":" + std::to_string(g.lrc) + "," +
                        std::to_string(g.sbrc) + "," + (g.dirty ? "d" : "c") + "," + parent + "," +
                        std::to_string(g.members));
    }
    std::sort(regions.begin(), regions.end());
    for (const std::string &r : regions)
      out += r + ";";
    size_t unreached = 0;
    for (ObjectId o = 1; o < h_.object_end(); ++o)
      if (h_.is_live(o) && !h_.is_global(o) && !canon_.count(o)) ++unreached;
    out += "U" + std::to_string(unreached);
    out += w_.implicit_freezing ? "P" : "";
    return out;
  }

private:
  const World &w_;
  const State &h_;
  std::map<std::string, std::string> rename_;
  std::map<ObjectId, size_t> canon_;
  std::vector<ObjectId> order_;

  std::string name(Symbol s) const {
    const std::string &n = symbol_name(s);
    auto it = rename_.find(n);
    return it == rename_.end() ? n : it->second;
  }
  std::vector<std::pair<std::string, ObjectId>> sorted_fields(ObjectId o) const {
    std::vector<std::pair<std::string, ObjectId>> out;
    for (const Field &f : h_.obj(o).fields)
      out.emplace_back(name(f.name), f.value);
    std::sort(out.begin(), out.end());
    return out;
  }
  void enqueue_fields(ObjectId o) {
    if (!h_.is_live(o)) return;
    ref(o);
    for (const auto &[n, v] : sorted_fields(o))
      ref(v);
  }
  std::string ref(ObjectId o) {
    if (o == kNone) return "N";
    if (h_.is_global(o))
      return "G" + std::to_string(static_cast<int>(h_.obj(o).kind)) + "." +
             std::to_string(h_.obj(o).payload);
    auto it = canon_.find(o);
    if (it == canon_.end()) {
      it = canon_.emplace(o, order_.size()).first;
      order_.push_back(o);
    }
    return "#" + std::to_string(it->second);
  }
  std::string region_name(RegionId r) {
    return h_.is_live_region(r) ? "R" + ref(h_.region(r).bridge) : "R?";
  }
  std::string loc(const Location &l) {
    switch (l.kind) {
      case LocationKind::Local:
        return "L" + std::to_string(l.index);
      case LocationKind::Region:
        return region_name(l.index);
      case LocationKind::Immutable:
        return "I";
      case LocationKind::Cown:
        return "C";
    }
    return "?";
  }
};

size_t live_objects(const State &h) {
  size_t n = 0;
  for (ObjectId o = 1; o < h.object_end(); ++o)
    if (h.is_live(o) && !h.is_global(o) && h.obj(o).kind != ObjectKind::Frame) ++n;
  return n;
}

size_t live_regions(const State &h) {
  size_t n = 0;
  for (RegionId r = 1; r < h.region_end(); ++r)
    n += h.is_live_region(r);
  return n;
}

struct Transition {
  bool main_done = false; // the sentinel was reached
  World state;            // at the sentinel
  std::optional<ExploreViolation> violation;
  bool rejected = false;
  std::string disagreement; // --check both: the two checkers disagreed (a lungfish bug)
};

Transition run_transition(const std::vector<Stmt> &body, const ExploreOptions &o) {
  Program p;
  p.body = body;
  p.body.push_back(s_expr(e_call("pass", {})));
  number_lines(p);
  uint32_t sentinel = p.body.back().loc.line;
  MachineOptions mo;
  mo.profile = o.profile;
  mo.disabled = o.disabled;
  mo.schedules = o.schedules;
  mo.record_history = false;
  mo.max_steps = 100000;
  Machine m(compile(p), mo);
  Monitor monitor(CheckContext{o.profile}, MonitorOptions{o.check});
  monitor.attach(m);
  Transition t;
  Outcome out = m.run([&](const Machine &mm, const Event &e) {
    if (!monitor.observe(mm, e)) return false;
    if (e.kind == EventKind::Statement && e.thread == 0 && e.line == sentinel &&
        mm.world().threads[0].calls.size() == 1 && !t.main_done) {
      t.main_done = true;
      t.state = mm.world();
    }
    return true;
  });
  monitor.finish(m, out);
  if (const auto &d = monitor.disagreement()) t.disagreement = d->describe();
  if (!monitor.findings().empty()) {
    const Finding &f = monitor.findings().front();
    ExploreViolation x;
    x.program.body = body;
    x.invariant = std::string(invariant_name(f.violation.invariant));
    x.message = finding_text(m.world(), f);
    x.line = f.line;
    x.event = f.event_message;
    x.objects = live_objects(m.heap());
    t.violation = std::move(x);
  }
  t.rejected = out == Outcome::Rejected;
  return t;
}

} // namespace

std::string canonical_state(const World &w, size_t fields) {
  std::vector<std::string> vars = kVars, fs = alphabet_fields(fields);
  std::vector<std::string> vperm = vars;
  std::string best;
  bool first = true;
  do {
    std::vector<std::string> fperm = fs;
    do {
      std::map<std::string, std::string> rename;
      for (size_t i = 0; i < vars.size(); ++i)
        rename[vars[i]] = vperm[i];
      for (size_t i = 0; i < fs.size(); ++i)
        rename[fs[i]] = fperm[i];
      std::string s = Canon(w, rename).run();
      if (first || s < best) best = std::move(s);
      first = false;
    } while (std::next_permutation(fperm.begin(), fperm.end()));
  } while (std::next_permutation(vperm.begin(), vperm.end()));
  return best;
}

namespace {

/// What a transition contributes to the search: computed on a worker, accounted in order.
struct Step {
  bool rejected = false, main_done = false, pruned = false;
  std::optional<ExploreViolation> violation;
  std::string canonical; // of the state at the sentinel, if reached within the bound
  std::string disagreement;
};

Step step(const std::vector<Stmt> &body, const ExploreOptions &o) {
  Transition t = run_transition(body, o);
  Step s;
  s.rejected = t.rejected;
  s.main_done = t.main_done;
  s.violation = std::move(t.violation);
  s.disagreement = std::move(t.disagreement);
  if (s.violation || !s.main_done || !s.disagreement.empty()) return s;
  s.pruned = live_objects(t.state.heap) > o.objects || live_regions(t.state.heap) > o.regions;
  if (!s.pruned) s.canonical = canonical_state(t.state, o.fields);
  return s;
}

} // namespace

ExploreResult explore(const ExploreOptions &o, const ExploreProgress &progress) {
  ExploreResult res;
  std::vector<Stmt> alphabet = statement_alphabet(o.fields);
  std::unordered_set<std::string> seen;
  Transition start = run_transition({}, o);
  seen.insert(canonical_state(start.state, o.fields));
  res.states = 1;
  std::vector<std::vector<Stmt>> frontier{{}};
  std::set<std::string> reported; // invariants already reported (at a shorter depth)
  for (size_t depth = 1; depth <= o.depth && !frontier.empty(); ++depth) {
    std::vector<std::vector<Stmt>> next;
    bool found_new = false, stopped = false;
    // The transitions of one frontier program run on a worker; they are accounted here in
    // (program, statement) order, so the states kept, the counts and the counterexample of
    // each invariant are those of a sequential search.
    using Steps = std::vector<Step>;
    std::function<Steps(uint64_t)> work = [&](uint64_t i) {
      Steps out;
      out.reserve(alphabet.size());
      for (const Stmt &s : alphabet) {
        std::vector<Stmt> body = frontier[i];
        body.push_back(s);
        out.push_back(step(body, o));
      }
      return out;
    };
    std::function<bool(uint64_t, Steps &)> consume = [&](uint64_t i, Steps &steps) {
      for (size_t k = 0; k < steps.size(); ++k) {
        Step &t = steps[k];
        ++res.transitions;
        if (!t.disagreement.empty()) {
          res.checker_bug = t.disagreement;
          res.complete = false;
          stopped = true;
          return false;
        }
        if (t.rejected && !t.main_done) ++res.rejected;
        std::vector<Stmt> body = frontier[i];
        body.push_back(alphabet[k]);
        if (t.violation) {
          if (reported.insert(t.violation->invariant).second) {
            if (o.disabled.any()) {
              ExploreOptions all_on = o;
              all_on.disabled = DisabledChecks{};
              t.violation->baseline = run_transition(body, all_on).violation.has_value();
            }
            found_new |= !t.violation->baseline;
            number_lines(t.violation->program);
            res.violations.push_back(std::move(*t.violation));
          }
          continue; // a broken state is not explored further
        }
        if (!t.main_done) continue;
        if (t.pruned) {
          ++res.pruned;
          continue;
        }
        if (!seen.insert(std::move(t.canonical)).second) continue;
        ++res.states;
        res.depth_reached = depth;
        if (res.states >= o.max_states) {
          res.complete = false;
          stopped = true;
          return false;
        }
        next.push_back(std::move(body));
      }
      if (progress) progress(depth, res.states, i + 1, frontier.size());
      return true;
    };
    ordered_parallel<Steps>(frontier.size(), o.jobs, work, consume, 4 * o.jobs);
    if (stopped) return res;
    // With a check disabled, the first level with a counterexample of its own ends the search;
    // otherwise every level is explored (one shortest counterexample per invariant).
    if (found_new && o.disabled.any()) break;
    frontier = std::move(next);
  }
  return res;
}

} // namespace lungfish::gen
