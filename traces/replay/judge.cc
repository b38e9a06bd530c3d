// What both replay drivers share (replay_judge.h).
#include "traces/replay/judge.h"

#include <algorithm>
#include <sstream>

namespace lungfish::traces::detail {

std::string marker_of(const std::string &message) {
  return std::string(flow_marker_text(flow_marker_of(message)));
}

const RecordedStep *Judge::at(size_t i) {
  while (!eof_ && base_ + window_.size() <= i) {
    RecordedStep s;
    if (!source_.next(s))
      eof_ = true;
    else
      window_.push_back(std::move(s));
  }
  return i >= base_ && i < base_ + window_.size() ? &window_[i - base_] : nullptr;
}

void Judge::forget_before(size_t i) {
  while (base_ < i && !window_.empty()) {
    window_.pop_front();
    ++base_;
  }
}

const RecordedStep &Judge::enter(size_t i) {
  forget_before(i);
  const RecordedStep &s = *at(i);
  report_.events = static_cast<uint32_t>(i + 1);
  if (s.kind == RecordedKind::Statement && !s.stmt.empty()) {
    recent_.push_back(s.stmt);
    if (recent_.size() > 256) recent_.pop_front();
  }
  return s;
}

uint32_t line_of(const std::string &message) {
  if (!message.starts_with("Line ")) return 0;
  uint32_t n = 0;
  for (size_t k = 5; k < message.size() && k < 15 && message[k] >= '0' && message[k] <= '9'; ++k)
    n = n * 10 + static_cast<uint32_t>(message[k] - '0');
  return n;
}

void Judge::divergence(size_t i, std::string kind, std::string detail,
                       std::optional<std::string> defect, uint32_t line) {
  finding(i);
  if (defect) last_defect_ = defect;
  const RecordedStep *s = at(i);
  if (line == 0 && s) line = s->line;
  report_.divergences.push_back(Divergence{static_cast<uint32_t>(i + 1), line, std::move(kind),
                                           std::move(detail), std::move(defect)});
}

void Judge::runtime_died(size_t i, const std::string &what, const std::string &stmt,
                         const std::string &abort_text, std::optional<std::string> defect) {
  std::string detail = "the runtime " + what;
  if (!stmt.empty()) detail += " in `" + stmt + "`";
  if (!abort_text.empty()) detail += ": " + abort_text;
  divergence(i, "outcome", detail, std::move(defect), line_of(stmt));
}

std::optional<std::string> Judge::report_violations(size_t i, const std::vector<Violation> &vs,
                                                    const World &runtime) {
  const RecordedStep &s = *at(i);
  // A finding that persists is reported where it first shows, not at every later step.
  std::set<std::string> now;
  std::optional<std::string> step_defect;
  std::vector<ReplayViolation> fresh;
  for (const Violation &v : vs) {
    std::string key = std::string(invariant_name(v.invariant)) + v.message;
    now.insert(key);
    if (previous_.count(key)) continue;
    auto defect = classify_violation(v, s, recent_, runtime);
    // The same invariant broken on the same path as before is the earlier defect still showing
    // (its numbers change as the program goes on).
    // (The path can change too, e.g. to <unreachable>: then the invariant's latest defect.)
    std::string inv(invariant_name(v.invariant));
    std::string where = inv + " " + v.witness.path;
    if (defect) {
      persisting_[where] = persisting_[inv] = *defect;
    } else if (auto it = persisting_.find(where); it != persisting_.end()) {
      defect = it->second;
    } else if (auto any = persisting_.find(inv); any != persisting_.end()) {
      defect = any->second;
    }
    if (defect && !step_defect) step_defect = defect;
    fresh.push_back(ReplayViolation{static_cast<uint32_t>(i + 1), s.line, v,
                                    format_violation(runtime, v), defect});
  }
  previous_ = std::move(now);
  if (step_defect) last_defect_ = step_defect;
  for (ReplayViolation &v : fresh) {
    // Findings of one step that the classified one explains are its consequences.
    if (!v.defect) v.defect = step_defect;
    finding(i);
    report_.violations.push_back(std::move(v));
  }
  return step_defect;
}

void Judge::check_snapshot(size_t i) {
  const RecordedStep &s = *at(i);
  if (!s.snapshot || !options_.check_invariants) return;
  World runtime = world_from_snapshot(*s.snapshot);
  report_violations(i, check_state(runtime, CheckContext{options_.profile}, false), runtime);
}

bool Judge::compare(size_t i, const World &model, uint32_t thread) {
  const RecordedStep &s = *at(i);
  if (!s.snapshot) return false;
  CompareOptions co;
  // A dirty LRC is only an upper bound, in the runtime and in the model alike.
  co.dirty_lrc_upper_bound = options_.profile == Profile::Frankenscript;
  if (s.stmt.find("mermaid_hide") != std::string::npos) hiding_ = true;
  if (s.stmt.find("mermaid_show_all") != std::string::npos) hiding_ = false;
  Snapshot mine = snapshot_of(model, thread);
  auto diffs = compare_snapshots(*s.snapshot, mine, co);
  std::erase_if(diffs, [](const Difference &d) {
    return d.kind == DiffKind::Field && d.path.ends_with(".__proto__") && d.expected.empty() &&
           d.actual.rfind("@", 0) == 0;
  });
  // The CPython recorders draw only what the roots reach: an unreachable object of the model
  // (a cycle reference counting keeps until the cycle collector runs) has nothing to match.
  if (options_.profile == Profile::Cpython || options_.profile == Profile::Pep795)
    std::erase_if(diffs, [](const Difference &d) { return d.path == "<unreachable>"; });
  if (hiding_) // after mermaid_hide(x) the runtime does not draw x: absence is not a difference
    std::erase_if(diffs, [](const Difference &d) {
      return (d.kind == DiffKind::Field && d.expected.empty()) || d.kind == DiffKind::ExtraObject;
    });
  std::vector<Violation> violations;
  std::optional<std::string> step_defect;
  if (options_.check_invariants) {
    // The runtime's own snapshot is what is judged; a behaviour's snapshot holds other threads'
    // LOCAL objects that one World of one thread cannot place, so there the model's state (equal
    // to the runtime's unless a difference is reported below) is checked instead.
    if (model.threads.size() > 1) {
      violations = check_state(model, CheckContext{options_.profile}, false);
      step_defect = report_violations(i, violations, model);
    } else {
      World runtime = world_from_snapshot(*s.snapshot);
      violations = check_state(runtime, CheckContext{options_.profile}, false);
      step_defect = report_violations(i, violations, runtime);
    }
  }
  if (diffs.empty()) return false;
  std::ostringstream detail;
  size_t shown = 0;
  for (const Difference &d : diffs) {
    if (shown++ == 8) {
      detail << "; and " << diffs.size() - 8 << " more";
      break;
    }
    detail << (shown > 1 ? "; " : "") << diff_kind_name(d.kind) << " at " << d.path << ": runtime "
           << (d.expected.empty() ? "-" : d.expected) << ", model "
           << (d.actual.empty() ? "-" : d.actual);
  }
  auto defect = classify_difference(diffs, s, violations);
  if (!defect) defect = step_defect;
  if (!defect) defect = last_defect_; // the runtime's earlier defect still shows
  divergence(i, "snapshot", detail.str(), defect);
  return true;
}

void Judge::adopt(size_t i, Machine &machine) {
  const RecordedStep &s = *at(i);
  if (!s.snapshot) return;
  // Keep what the runtime hides: function objects bound in frames.
  const World &old = machine.world();
  World w = world_from_snapshot(*s.snapshot);
  State &h = w.heap;
  const auto &old_calls = old.threads[0].calls;
  auto &new_calls = w.threads[0].calls;
  for (size_t d = 0; d < old_calls.size() && d < new_calls.size(); ++d) {
    const Object &of = old.heap.obj(old_calls[d].frame);
    for (const Field &f : of.fields) {
      if (f.value == kNone || !old.heap.is_live(f.value)) continue;
      // A loop's iterator keeps where it is (its last key, or that close took its object):
      // snapshots draw iterators without it.
      if (old.heap.obj(f.value).kind == ObjectKind::Iterator) {
        const Field *nf = h.find_field(new_calls[d].frame, f.name);
        if (nf && nf->value != kNone && h.obj(nf->value).kind == ObjectKind::Iterator)
          h.obj(nf->value).payload = old.heap.obj(f.value).payload;
        continue;
      }
      if (old.heap.obj(f.value).kind != ObjectKind::Function) continue;
      if (h.find_field(new_calls[d].frame, f.name)) continue;
      ObjectId fn = h.new_object(ObjectKind::Function, Location::local(0), 0);
      h.obj(fn).payload = old.heap.obj(f.value).payload;
      h.obj(fn).proto = h.builtin_proto(BuiltinProto::Function);
      h.obj(h.obj(fn).proto).rc++;
      h.obj(h.obj(fn).proto).local_rc++;
      h.obj(fn).rc = 1;
      h.obj(fn).local_rc = 1;
      h.set_field_raw(new_calls[d].frame, f.name, fn);
    }
  }
  machine.adopt(std::move(w));
}

void Judge::finish_report() {
  if (report_.clean()) report_.matched_prefix = report_.events;
  if (report_.runtime_outcome == "leak" &&
      std::none_of(
          report_.violations.begin(), report_.violations.end(),
          [](const ReplayViolation &v) { return v.violation.invariant == Invariant::I20; })) {
    ReplayViolation v;
    v.event = report_.events;
    v.violation.invariant = Invariant::I20;
    v.violation.message = "the runtime reported a memory leak at exit";
    v.rendered = "I20 (no leak) broken: the runtime reported a memory leak at exit";
    v.defect = "leak at exit (I20)";
    report_.violations.push_back(v);
  }
}

} // namespace lungfish::traces::detail
