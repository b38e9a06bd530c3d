// Helpers for the model's tests: run a program with the invariants checked at every statement
// boundary, keep a snapshot of the world at each boundary, and look up variables, regions and
// fields by name.
#pragma once

#include "checker/invariants.h"
#include "model/code.h"
#include "model/machine.h"
#include "model/text/program_text.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace lungfish::test {

/// How to run a program.
struct RunConfig {
  Profile profile = Profile::Lungfish;
  std::vector<std::string> disabled; // rule ids or codes for --disable-check
  ScheduleMode schedules = ScheduleMode::Default;
  bool check = true;             // check_state (all invariants) at every statement boundary
  bool stop_on_violation = true; // the observer stops the run at the first violation
};

/// The state at one statement boundary.
struct Snapshot {
  Event event;
  World world;
};

/// One finished run.
struct RunResult {
  std::unique_ptr<Machine> m;
  Outcome outcome = Outcome::Ok;
  std::vector<Snapshot> snapshots;     // every statement boundary, then the end (if reached)
  std::vector<std::string> violations; // "line N: I8 (LRC) broken: ..."
  std::set<Invariant> broken;          // every invariant reported at some boundary
  std::vector<std::string> leaks;      // I20 at the end of the run

  const Machine &machine() const { return *m; }
  const World &world() const { return m->world(); }
  /// The world at the last statement boundary (for a rejected run: the state before the failing
  /// statement started).
  const World &last_boundary() const { return snapshots.back().world; }
  /// The world right after the last statement reported at `line` (of thread `thread`).
  const World &after_line(uint32_t line, uint32_t thread = 0) const {
    for (auto it = snapshots.rbegin(); it != snapshots.rend(); ++it)
      if (it->event.kind == EventKind::Statement && it->event.line == line &&
          it->event.thread == thread)
        return it->world;
    ADD_FAILURE() << "no statement boundary at line " << line;
    return snapshots.back().world;
  }
  /// True if no invariant was broken at any boundary and nothing leaked.
  bool clean() const { return violations.empty() && leaks.empty(); }
  /// Every violation and leak, one a line (for failure messages).
  std::string report() const {
    std::string out;
    for (const auto &v : violations)
      out += v + "\n";
    for (const auto &v : leaks)
      out += "end: " + v + "\n";
    if (m && m->error())
      out += "error: " + std::string(rule_info(m->error()->rule).name) + " at line " +
             std::to_string(m->error()->line) + ": " + m->error()->message + "\n";
    if (m && m->dangling()) out += "dangling: " + *m->dangling() + "\n";
    return out;
  }
};

inline RunResult run_program(std::string_view text, const RunConfig &cfg = {}) {
  RunResult r;
  Program prog = parse_program(text);
  auto code = compile(prog);
  MachineOptions opt;
  opt.profile = cfg.profile;
  opt.schedules = cfg.schedules;
  for (const auto &d : cfg.disabled) {
    std::string err = opt.disabled.disable_by_name(d);
    EXPECT_EQ(err, "") << d;
  }
  r.m = std::make_unique<Machine>(code, opt);
  CheckContext ctx{cfg.profile};
  RunResult *out = &r;
  Observer obs = [out, ctx, cfg](const Machine &m, const Event &e) {
    out->snapshots.push_back(Snapshot{e, m.world()});
    if (!cfg.check) return true;
    bool ok = true;
    for (const Violation &v : check_state(m.world(), ctx, /*first_only=*/false)) {
      out->broken.insert(v.invariant);
      out->violations.push_back("line " + std::to_string(e.line) + " (thread " +
                                std::to_string(e.thread) + "): " + format_violation(m.world(), v));
      ok = false;
    }
    if (e.kind == EventKind::End)
      for (const Violation &v : check_no_leak(m.world(), ctx)) {
        out->broken.insert(v.invariant);
        out->leaks.push_back(format_violation(m.world(), v));
      }
    return ok || !cfg.stop_on_violation;
  };
  r.outcome = r.m->run(obs);
  if (r.m->dangling()) r.broken.insert(Invariant::I16); // a freed object was used
  return r;
}

inline RunConfig disabled(std::initializer_list<std::string> checks) {
  RunConfig c;
  c.disabled = checks;
  return c;
}

// ---- looking things up by name ----

/// The value of variable `name` in the bottom frame of `thread` (kNone if absent or None).
inline ObjectId var(const World &w, std::string_view name, uint32_t thread = 0) {
  const Thread &t = w.threads.at(thread);
  if (t.calls.empty()) return kNone;
  const Field *f = w.heap.find_field(t.calls.front().frame, intern(name));
  return f ? f->value : kNone;
}

/// True if the bottom frame of `thread` has a variable `name` (even if it holds None).
inline bool has_var(const World &w, std::string_view name, uint32_t thread = 0) {
  const Thread &t = w.threads.at(thread);
  return !t.calls.empty() && w.heap.find_field(t.calls.front().frame, intern(name)) != nullptr;
}

/// An own field's value (kNone if absent).
inline ObjectId field(const World &w, ObjectId o, std::string_view name) {
  const Field *f = w.heap.find_field(o, intern(name));
  return f ? f->value : kNone;
}

/// The region of the object a variable holds (kNoRegion if it is not regional).
inline RegionId region_of_var(const World &w, std::string_view name, uint32_t thread = 0) {
  return w.heap.region_of(var(w, name, thread));
}

/// The region record of the region whose bridge variable `name` holds.
inline const Region &reg(const World &w, std::string_view name) {
  RegionId r = region_of_var(w, name);
  EXPECT_NE(r, kNoRegion) << name << " does not hold a regional object";
  return w.heap.region(r);
}

inline size_t live_regions(const World &w) {
  size_t n = 0;
  for (RegionId r = 1; r < w.heap.region_end(); ++r)
    n += w.heap.is_live_region(r);
  return n;
}

inline bool is_true(const World &w, ObjectId o) {
  return o == w.heap.true_object();
}
inline bool is_false(const World &w, ObjectId o) {
  return o == w.heap.false_object();
}

inline std::string names(const std::set<Invariant> &s) {
  std::string out;
  for (Invariant i : s)
    out += (out.empty() ? "" : ", ") + std::string(invariant_name(i));
  return out.empty() ? "(none)" : out;
}

// ---- comparing the state before a failing primitive with the state after the rejection ----

namespace detail {
inline uint32_t slots_to(const World &w, ObjectId o) {
  uint32_t n = 0;
  for (const Thread &t : w.threads)
    for (ObjectId s : t.stack)
      n += s == o;
  return n;
}
inline int64_t slots_into(const World &w, RegionId r) {
  int64_t n = 0;
  for (const Thread &t : w.threads)
    for (ObjectId s : t.stack)
      n += s != kNone && w.heap.is_live(s) && w.heap.region_of(s) == r;
  return n;
}
} // namespace detail

/// Compares the world at the boundary before a failing statement with the world after its
/// rejection. The statement's loads (operand-stack slots) stay done, so rc, local_rc and LRC are
/// compared net of the slots the failing statement pushed; everything else (locations, fields,
/// prototypes, cown statuses, region parents, bridges, SBRC, dirty flags, live sets, frames)
/// must be equal. New objects may exist only if the statement created them (LOCAL, held only by
/// slots). Use for statements whose failing primitive is their first effectful one.
inline ::testing::AssertionResult unchanged_by_failure(const World &before, const World &after) {
  std::string diffs;
  auto diff = [&](const std::string &s) { diffs += "  " + s + "\n"; };
  const State &b = before.heap, &a = after.heap;
  for (ObjectId o = 1; o < std::max(b.object_end(), a.object_end()); ++o) {
    bool lb = b.is_live(o), la = a.is_live(o);
    std::string name = "object id " + std::to_string(o);
    if (lb && !la) {
      diff(name + " was freed");
      continue;
    }
    if (!lb && la) {
      const Object &ob = a.obj(o);
      if (!ob.loc.is_local() || ob.rc != detail::slots_to(after, o))
        diff(name + " was created and is held by more than the statement's operand slots");
      continue;
    }
    if (!lb) continue;
    const Object &x = b.obj(o), &y = a.obj(o);
    if (x.serial != y.serial) diff(name + " was recycled");
    if (!(x.loc == y.loc)) diff(name + " moved");
    if (x.proto != y.proto) diff(name + " changed its prototype");
    if (x.fields != y.fields) diff(name + " changed its fields");
    if (x.status != y.status) diff(name + " changed its cown status");
    if (int64_t(x.rc) - detail::slots_to(before, o) != int64_t(y.rc) - detail::slots_to(after, o))
      diff(name + " rc " + std::to_string(x.rc) + " -> " + std::to_string(y.rc) +
           " (net of operand slots)");
    if (int64_t(x.local_rc) - detail::slots_to(before, o) !=
        int64_t(y.local_rc) - detail::slots_to(after, o))
      diff(name + " local_rc changed (net of operand slots)");
  }
  for (RegionId r = 1; r < std::max(b.region_end(), a.region_end()); ++r) {
    bool lb = b.is_live_region(r), la = a.is_live_region(r);
    std::string name = "region id " + std::to_string(r);
    if (lb != la) {
      diff(name + (lb ? " was freed" : " was created"));
      continue;
    }
    if (!lb) continue;
    const Region &x = b.region(r), &y = a.region(r);
    if (x.bridge != y.bridge) diff(name + " changed its bridge");
    if (x.parent_kind != y.parent_kind || x.parent != y.parent) diff(name + " changed parent");
    if (x.sbrc != y.sbrc)
      diff(name + " SBRC " + std::to_string(x.sbrc) + " -> " + std::to_string(y.sbrc));
    if (x.dirty != y.dirty) diff(name + " changed its dirty flag");
    if (x.members != y.members) diff(name + " changed its member count");
    if (x.lrc - detail::slots_into(before, r) != y.lrc - detail::slots_into(after, r))
      diff(name + " LRC " + std::to_string(x.lrc) + " -> " + std::to_string(y.lrc) +
           " (net of operand slots)");
  }
  if (before.threads.size() != after.threads.size())
    diff("threads were added or removed");
  else
    for (size_t t = 0; t < before.threads.size(); ++t) {
      const Thread &x = before.threads[t], &y = after.threads[t];
      if (x.status != y.status) diff("thread " + std::to_string(t) + " changed status");
      if (x.calls.size() != y.calls.size()) diff("thread " + std::to_string(t) + " call depth");
      if (x.cowns != y.cowns) diff("thread " + std::to_string(t) + " cowns");
    }
  if (before.implicit_freezing != after.implicit_freezing) diff("implicit freezing flag");
  if (diffs.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "the failing primitive had effects:\n" << diffs;
}

} // namespace lungfish::test
