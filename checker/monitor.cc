#include "checker/monitor.h"

#include "model/code.h"

#include <algorithm>
#include <set>

namespace lungfish {

namespace {

std::string invariant_set(const std::vector<Violation> &v) {
  std::set<Invariant> s;
  for (const Violation &x : v)
    s.insert(x.invariant);
  std::string out;
  for (Invariant i : s)
    out += (out.empty() ? "" : ",") + std::string(invariant_name(i));
  return out.empty() ? "clean" : out;
}

/// The violations of the first invariant reported (check_state's first_only on a full list).
void keep_first_invariant(std::vector<Violation> &v) {
  if (v.empty()) return;
  Invariant first = v.front().invariant;
  std::erase_if(v, [&](const Violation &x) { return x.invariant != first; });
}

bool full_only_profile(Profile p) {
  return p == Profile::Cpython || p == Profile::Pep795;
}

} // namespace

std::string_view check_mode_name(CheckMode m) {
  switch (m) {
    case CheckMode::Incremental:
      return "incremental";
    case CheckMode::Full:
      return "full";
    case CheckMode::Both:
      return "both";
  }
  return "?";
}

std::optional<CheckMode> parse_check_mode(std::string_view s) {
  for (CheckMode m : {CheckMode::Incremental, CheckMode::Full, CheckMode::Both})
    if (check_mode_name(m) == s) return m;
  return std::nullopt;
}

std::string Disagreement::describe() const {
  return "lungfish bug: the incremental and full checkers disagree at " + event_message +
         ": incremental reports " + incremental + ", full reports " + full +
         " (rerun with --check full for the reference verdict; please report this)";
}

Monitor::Monitor(CheckContext ctx, MonitorOptions options)
    : ctx_(ctx), options_(options), incremental_(ctx) {
  keep_before_ = options_.keep_before;
}

Monitor::~Monitor() = default;

Observer Monitor::observer() {
  return [this](const Machine &m, const Event &e) { return observe(m, e); };
}

void Monitor::attach(Machine &m) {
  machine_ = &m;
  attached_ = &m.world();
  following_ = false;
  if (can_follow(m) &&
      (options_.mode == CheckMode::Both || m.heap().object_end() >= options_.follow_from)) {
    follow(m.world());
    if (keep_before_ || options_.mode == CheckMode::Both) remember(m.world());
  } else {
    remember(m.world()); // the full checker's I15 compares with a copy of the World
  }
}

void Monitor::remember(const World &w) {
  if (before_)
    *before_ = w; // reuses the buffers of the previous copy
  else
    before_.emplace(w);
}

// The incremental checker can follow the attached machine: not in the full mode, not in a
// cpython profile, not under --schedules all (whose branches are copies that record nothing).
bool Monitor::can_follow(const Machine &m) const {
  return options_.mode != CheckMode::Full && &m == machine_ &&
         m.options().schedules == ScheduleMode::Default && !full_only_profile(ctx_.profile);
}

void Monitor::follow(World &w) {
  incremental_.attach(w);
  rebuild_owned(w);
  following_ = true;
}

// Incremental where the checker follows every change: the attached world itself.
bool Monitor::incremental_here(const Machine &m) const {
  return following_ && attached_ == &m.world() && can_follow(m);
}

bool Monitor::observe(const Machine &m, const Event &e) {
  ++events_;
  if (e.kind == EventKind::End) {
    std::vector<Violation> v = check_no_leak(m.world(), ctx_);
    if (!v.empty()) record(e, std::move(v));
    return findings_.empty();
  }
  bool incremental = incremental_here(m);
  // --schedules all: a smaller step count starts another branch; the previous boundary is then in
  // another branch, so I15 has nothing to compare with at this one.
  bool step_ok = e.step >= last_step_;
  if (incremental) collect_candidates();
  std::vector<Violation> v = state_violations(m, e, incremental);
  if (disagreement_) return false;
  if (step_ok && (options_.every_invariant || v.empty())) {
    std::vector<Violation> s = step_violations(m, e, incremental);
    if (disagreement_) return false;
    v.insert(v.end(), std::make_move_iterator(s.begin()), std::make_move_iterator(s.end()));
  }
  if (incremental) refresh_owned(m.heap());
  if (!v.empty()) {
    record(e, std::move(v));
    return false;
  }
  last_step_ = e.step;
  if (!following_ && can_follow(m) && attached_ == &m.world() &&
      m.heap().object_end() >= options_.follow_from) {
    follow(machine_->world()); // the heap has grown: incremental from this boundary on
    if (!keep_before_) return true;
  }
  if (!incremental || keep_before_ || options_.mode == CheckMode::Both) remember(m.world());
  return true;
}

std::vector<Violation> Monitor::state_violations(const Machine &m, const Event &e,
                                                 bool incremental) {
  bool first_only = !options_.every_invariant;
  if (!incremental) return check_state(m.world(), ctx_, first_only);
  if (options_.mode == CheckMode::Incremental) return incremental_.check(m.world(), first_only);
  // Both: every invariant from each, compared as sets of invariants.
  std::vector<Violation> inc = incremental_.check(m.world(), false);
  std::vector<Violation> full = check_state(m.world(), ctx_, false);
  std::string a = invariant_set(inc), b = invariant_set(full);
  if (a != b) disagreement_ = Disagreement{e.line, events_, e.message, a, b};
  if (first_only) keep_first_invariant(full);
  return full;
}

std::vector<Violation> Monitor::step_violations(const Machine &m, const Event &e,
                                                bool incremental) {
  const std::vector<ObjectId> &written = m.written_cowns();
  std::vector<Violation> full;
  if (!incremental || options_.mode == CheckMode::Both) {
    if (!before_) return {};
    full = check_statement_ownership(owned_regions(*before_), m.world(), written, ctx_);
    if (!incremental) return full;
  }
  std::vector<OwnedRegion> before;
  for (RegionId r : candidates_)
    if (auto it = owned_.find(r); it != owned_.end()) before.push_back(it->second);
  std::sort(before.begin(), before.end(),
            [](const OwnedRegion &a, const OwnedRegion &b) { return a.region < b.region; });
  std::vector<Violation> inc;
  if (!before.empty()) inc = check_statement_ownership(before, m.world(), written, ctx_);
  if (options_.mode == CheckMode::Both) {
    std::string a = invariant_set(inc), b = invariant_set(full);
    if (a != b)
      disagreement_ = Disagreement{e.line, events_, e.message, a + " (I15)", b + " (I15)"};
    return full;
  }
  return inc;
}

// ---- the records of the incremental I15 ----

// The regions whose record may be out of date: those touched since the last check and those
// whose cown or bridge object was touched (a record names them by id and serial).
void Monitor::collect_candidates() {
  candidates_.clear();
  const TouchLog &log = incremental_.pending();
  for (RegionId r : log.regions)
    candidates_.push_back(r);
  for (ObjectId o : log.objects)
    if (auto it = owned_by_object_.find(o); it != owned_by_object_.end())
      candidates_.insert(candidates_.end(), it->second.begin(), it->second.end());
  std::sort(candidates_.begin(), candidates_.end());
  candidates_.erase(std::unique(candidates_.begin(), candidates_.end()), candidates_.end());
}

void Monitor::set_owned(RegionId r, const OwnedRegion *record) {
  auto unindex = [&](ObjectId o) {
    auto it = owned_by_object_.find(o);
    if (it == owned_by_object_.end()) return;
    std::erase(it->second, r);
    if (it->second.empty()) owned_by_object_.erase(it);
  };
  if (auto it = owned_.find(r); it != owned_.end()) {
    if (record && *record == it->second) return;
    unindex(it->second.cown);
    unindex(it->second.bridge);
    owned_.erase(it);
  }
  if (!record) return;
  owned_.emplace(r, *record);
  owned_by_object_[record->cown].push_back(r);
  if (record->bridge != record->cown) owned_by_object_[record->bridge].push_back(r);
}

void Monitor::refresh_owned(const State &h) {
  for (RegionId r : candidates_) {
    bool owned =
        r < h.region_end() && h.is_live_region(r) && h.region(r).parent_kind == ParentKind::Cown;
    if (!owned) {
      set_owned(r, nullptr);
      continue;
    }
    OwnedRegion rec = owned_region(h, r);
    set_owned(r, &rec);
  }
  candidates_.clear();
}

void Monitor::rebuild_owned(const World &w) {
  owned_.clear();
  owned_by_object_.clear();
  for (const OwnedRegion &rec : owned_regions(w))
    set_owned(rec.region, &rec);
}

void Monitor::record(const Event &e, std::vector<Violation> v) {
  std::string where = e.kind == EventKind::End ? "end of run" : e.message;
  for (Violation &x : v)
    findings_.push_back(Finding{std::move(x), e.line, events_, where});
}

namespace {

/// The statement the machine stopped in: the next statement boundary of the stopped thread's
/// top activation (its line and message), or the last boundary delivered if there is none.
std::pair<uint32_t, std::string> statement_in_progress(const Machine &m) {
  uint32_t t = m.current_thread();
  const World &w = m.world();
  if (t < w.threads.size() && !w.threads[t].calls.empty()) {
    const Activation &a = w.threads[t].calls.back();
    const Function &f = m.program().functions[a.function];
    for (uint32_t pc = a.pc; pc < f.code.size(); ++pc)
      if (f.code[pc].op == Op::Statement) {
        const StatementInfo &s = m.program().statements[f.code[pc].a];
        return {s.line, s.message};
      }
  }
  return {m.last_event().line, m.last_event().message};
}

} // namespace

void Monitor::finish(const Machine &m, Outcome outcome) {
  if (outcome != Outcome::Violation || !findings_.empty() || disagreement_) return;
  // A freed object was used inside a statement: the finding is that statement's, not the last
  // boundary's (the machine stopped before reaching the next one).
  auto [line, message] = statement_in_progress(m);
  Violation v{Invariant::I16, m.dangling().value_or("the run stopped with a violation"), {}};
  findings_.push_back(Finding{
      std::move(v), line, events_ + 1,
      message.empty() ? "use of a freed object" : message + " (a freed object is used)", true});
}

std::string finding_text(const World &w, const Finding &f) {
  return f.freed_use ? f.violation.message : format_violation(w, f.violation);
}

} // namespace lungfish
