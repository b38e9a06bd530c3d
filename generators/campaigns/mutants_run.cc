// The pieces of `lungfish mutants` that do not search: the mutant list, the checked run, the
// offending edge of a failing step, the documented masked table and the JSON report.
#include "generators/campaigns/mutants.h"

#include "checker/monitor.h"
#include "generators/ast_build.h"
#include "generators/campaigns/properties.h"
#include "model/code.h"
#include "model/text/program_text.h"

#include <algorithm>
#include <set>

namespace lungfish::gen {

MachineOptions MutantSpec::options(Profile profile, bool on) const {
  MachineOptions mo;
  mo.profile = profile;
  mo.record_history = false;
  mo.max_steps = 100000; // generated programs have no loops: a guard only
  if (on && kind == MutantKind::Check) mo.disabled.disable(rule);
  if (on && kind == MutantKind::Rule) mo.mutants.set(static_cast<size_t>(mutant));
  return mo;
}

std::string MutantSpec::flag() const {
  return (kind == MutantKind::Check ? "--disable-check " : "--mutant ") + name;
}

std::vector<MutantSpec> all_mutant_specs() {
  std::vector<MutantSpec> out;
  for (const RuleInfo &r : all_rules())
    if (r.switchable) {
      MutantSpec s;
      s.name = std::string(r.name);
      s.kind = MutantKind::Check;
      s.rule = r.id;
      out.push_back(std::move(s));
    }
  for (const MutantInfo &m : all_mutants()) {
    MutantSpec s;
    s.name = std::string(m.name);
    s.kind = MutantKind::Rule;
    s.mutant = m.id;
    out.push_back(std::move(s));
  }
  return out;
}

const std::vector<MaskedEntry> &documented_masked(Profile profile) {
  // Keep in step with docs/mutants.md (the test compares the two). Each entry was confirmed by
  // the exhaustive search (every program of the alphabet up to the bound in docs/mutants.md).
  static const std::vector<MaskedEntry> common = {
      {"move.immutable",
       "breaks no invariant: `move x.f` on a frozen x swaps None into it, and a frozen object "
       "holding None keeps every state invariant; only a step invariant (frozen objects never "
       "change) would catch it"},
      {"close.skips_descendants",
       "breaks no invariant: the open descendants whose LOCAL references close leaves keep the "
       "region open through its SBRC, so every counter stays consistent; only close's "
       "postcondition (the region is closed) is broken"},
      {"for.opaque",
       "masked by read.opaque: the loop's `v = c[k]` reads the Released cown and is rejected by "
       "read.opaque; the iterator's own edge to a cown breaks nothing"},
  };
  static const std::vector<MaskedEntry> lungfish = [] {
    std::vector<MaskedEntry> v = common;
    v.push_back({"freeze.not_freezable",
                 "not reachable in this profile: only the cpython and pep795 freezes consult "
                 "freezability"});
    v.push_back({"freeze.not_self_contained",
                 "not reachable in this profile: only the pep795 freeze checks that the frozen "
                 "graph is self-contained"});
    return v;
  }();
  return profile == Profile::Lungfish || profile == Profile::Frankenscript ? lungfish : common;
}

namespace {

size_t live_objects(const State &h) {
  size_t n = 0;
  for (ObjectId o = 1; o < h.object_end(); ++o)
    if (h.is_live(o) && !h.is_global(o) && h.obj(o).kind != ObjectKind::Frame) ++n;
  return n;
}

std::vector<std::string> names_of(const std::vector<Violation> &vs) {
  std::set<Invariant> s;
  for (const Violation &v : vs)
    s.insert(v.invariant);
  std::vector<std::string> out;
  for (Invariant i : s)
    out.emplace_back(invariant_name(i));
  return out;
}

/// The first statement after source line `line` (nested ones included), or nullptr.
const Stmt *statement_after(const std::vector<Stmt> &body, uint32_t line) {
  const Stmt *best = nullptr;
  for (const Stmt &s : body) {
    if (s.loc.line > line && (!best || s.loc.line < best->loc.line)) best = &s;
    for (const std::vector<Stmt> *b : {&s.body, &s.orelse})
      if (const Stmt *n = statement_after(*b, line); n && (!best || n->loc.line < best->loc.line))
        best = n;
  }
  return best;
}

} // namespace

CheckedRun run_checked(const Program &p, const MachineOptions &mo, uint32_t sentinel_line,
                       World *at_sentinel, bool *reached, Resume resume, CheckMode check) {
  if (reached) *reached = false;
  std::shared_ptr<const CompiledProgram> code = compile(p);
  Machine m(code, mo);
  if (resume.world) {
    // The statement's code follows the prefix's in the top-level function; its instructions
    // carry its line, which no other top-level statement has.
    const std::vector<Instr> &main = code->functions[0].code;
    auto at = std::find_if(main.begin(), main.end(),
                           [&](const Instr &in) { return in.line == resume.line; });
    if (at != main.end()) {
      m.adopt(*resume.world);
      m.restore(0, {0, static_cast<uint32_t>(at - main.begin())});
    }
  }
  // Every invariant broken at the first failing boundary, so the report can name the weakest;
  // the World before it for the report. Most runs here resume from a prefix's state for one or
  // two statements: the full checker until the heap grows, as attaching the incremental one
  // would cost more than it saves (same verdicts).
  MonitorOptions options{check, true, true};
  options.follow_from = 64;
  Monitor monitor(CheckContext{mo.profile}, options);
  monitor.attach(m);
  CheckedRun r;
  r.outcome = m.run([&](const Machine &mm, const Event &e) {
    if (!monitor.observe(mm, e)) return false;
    if (e.kind == EventKind::Statement && sentinel_line && e.thread == 0 &&
        e.line == sentinel_line && mm.world().threads[0].calls.size() == 1 && reached &&
        !*reached) {
      *reached = true;
      if (at_sentinel) *at_sentinel = mm.world();
    }
    return true;
  });
  monitor.finish(m, r.outcome);
  if (const auto &d = monitor.disagreement()) throw CheckerBug(d->describe());
  if (!monitor.findings().empty()) {
    const Finding &f = monitor.findings().front();
    std::vector<Violation> vs;
    for (const Finding &x : monitor.findings())
      vs.push_back(x.violation);
    r.broke = true;
    r.invariants = names_of(vs);
    r.line = f.line;
    r.event = f.event_message;
    r.message = finding_text(m.world(), f);
    if (f.freed_use) {
      // The machine stops inside the statement after the last boundary it delivered.
      const Stmt *s = statement_after(p.body, m.last_event().line);
      r.line = s ? s->loc.line : m.last_event().line;
      r.event =
          s ? "Line " + std::to_string(s->loc.line) + ": " + s->text + " (a freed object is used)"
            : "use of a freed object";
    }
    r.objects = live_objects(m.heap());
    r.before = *monitor.before();
    r.after = m.world();
  }
  if (r.outcome == Outcome::Rejected && m.error()) {
    r.rejected_by = m.error()->rule;
    r.rejected_line = m.error()->line;
  }
  return r;
}

namespace {

/// `p` without the top-level statement that contains source line `line`.
Program without_line(const Program &p, uint32_t line) {
  Program q = p;
  for (size_t i = 0; i < q.body.size(); ++i) {
    uint32_t start = q.body[i].loc.line;
    uint32_t end = i + 1 < q.body.size() ? q.body[i + 1].loc.line : UINT32_MAX;
    if (line >= start && line < end) {
      q.body.erase(q.body.begin() + static_cast<long>(i));
      break;
    }
  }
  number_lines(q);
  return q;
}

} // namespace

bool to_blame(const MutantSpec &spec, Profile profile, const Program &p, const CheckedRun &mutated,
              CheckMode check) {
  if (!mutated.broke) return false;
  CheckedRun ref = run_checked(p, spec.options(profile, false), 0, nullptr, nullptr, {}, check);
  if (ref.broke) return false;
  if (spec.kind == MutantKind::Rule) return true;
  if (ref.rejected_by != spec.rule) return false;
  return !run_checked(without_line(p, ref.rejected_line), spec.options(profile, false), 0, nullptr,
                      nullptr, {}, check)
              .broke;
}

bool kills(const MutantSpec &spec, Profile profile, const Program &p, CheckMode check) {
  return to_blame(spec, profile, p,
                  run_checked(p, spec.options(profile, true), 0, nullptr, nullptr, {}, check),
                  check);
}

std::optional<TikzEdge> offending_edge(const World &before, const World &after) {
  const State &a = after.heap, &b = before.heap;
  auto existed = [&](ObjectId src, const std::string &field, ObjectId dst) {
    if (!b.is_live(src) || b.obj(src).serial != a.obj(src).serial) return false;
    ObjectId old = kNone;
    if (field == "__proto__") {
      old = b.obj(src).proto;
    } else if (const Field *f = b.find_field(src, intern(field))) {
      old = f->value;
    }
    return old == dst && b.is_live(old) && b.obj(old).serial == a.obj(dst).serial;
  };
  // The first new edge between drawn objects (frames and globals are not drawn), in serial order
  // of the source, so the same run always highlights the same edge. An edge into a region or a
  // cown is preferred: that is where ownership goes wrong.
  std::optional<TikzEdge> first, preferred, dangling;
  std::vector<ObjectId> order;
  for (ObjectId o = 1; o < a.object_end(); ++o)
    if (a.is_live(o) && !a.is_global(o) && a.obj(o).kind != ObjectKind::Frame) order.push_back(o);
  std::sort(order.begin(), order.end(),
            [&](ObjectId x, ObjectId y) { return a.obj(x).serial < a.obj(y).serial; });
  for (ObjectId o : order) {
    std::vector<std::pair<std::string, ObjectId>> edges;
    if (a.obj(o).proto != kNone) edges.emplace_back("__proto__", a.obj(o).proto);
    for (const Field &f : a.obj(o).fields)
      edges.emplace_back(symbol_name(f.name), f.value);
    for (const auto &[name, dst] : edges) {
      // A reference to a freed object (I16) is what the failing step broke: it is drawn to a
      // ghost node, and highlighted first.
      if (dst != kNone && !a.is_live(dst) && !dangling) dangling = TikzEdge{o, name};
      if (!a.is_live(dst) || a.is_global(dst) || existed(o, name, dst)) continue;
      if (!first) first = TikzEdge{o, name};
      const Location &l = a.obj(dst).loc;
      if (!preferred &&
          (l.is_region() || l.kind == LocationKind::Cown || a.obj(o).loc.is_immutable()))
        preferred = TikzEdge{o, name};
    }
  }
  if (dangling) return dangling;
  return preferred ? preferred : first;
}

std::string reproduce_command(const MutantResult &r, Profile profile, const std::string &file,
                              const std::string &binary) {
  std::string cmd = binary + " run " + file;
  if (profile != Profile::Lungfish) cmd += " --profile " + std::string(profile_name(profile));
  return cmd + " " + r.spec.flag();
}

nlohmann::json mutants_json(const std::vector<MutantResult> &results, const MutantOptions &o,
                            const std::vector<std::string> &files) {
  nlohmann::json list = nlohmann::json::array();
  for (size_t i = 0; i < results.size(); ++i) {
    const MutantResult &r = results[i];
    bool killed = r.status == "killed";
    nlohmann::json j = {
        {"name", r.spec.name},
        {"kind", r.spec.kind == MutantKind::Check ? "check" : "rule"},
        {"status", r.status},
        {"invariant", killed ? nlohmann::json(r.invariant) : nlohmann::json(nullptr)},
        {"also_breaks", r.also_breaks},
        {"engine", killed ? nlohmann::json(r.engine) : nlohmann::json(nullptr)},
        {"searched", r.searched},
        {"exhaustive",
         {{"programs", r.exhaustive_programs},
          {"depth", r.exhaustive_depth},
          {"bound", r.exhaustive_bound},
          {"states", r.exhaustive_states}}},
        {"random_programs", r.random_programs},
        {"z3", r.z3},
        {"program", killed ? nlohmann::json(r.text) : nlohmann::json(nullptr)},
        {"statements", r.statements},
        {"objects", r.objects},
        {"event", killed ? nlohmann::json(r.run.event) : nlohmann::json(nullptr)},
        {"message", killed ? nlohmann::json(r.run.message) : nlohmann::json(nullptr)},
        {"reproduce", killed && i < files.size()
                          ? nlohmann::json(reproduce_command(r, o.profile, files[i], o.binary))
                          : nlohmann::json(nullptr)},
    };
    if (r.status == "masked") j["reason"] = r.masked_reason;
    if (killed) {
      j["before"] = render_text(r.run.before);
      j["after"] = render_text(r.run.after);
    }
    list.push_back(std::move(j));
  }
  return {{"seed", o.seed},
          {"profile", profile_name(o.profile)},
          {"budget_programs", o.budget_programs},
          {"mutants", std::move(list)}};
}

} // namespace lungfish::gen
