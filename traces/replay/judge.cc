// What both replay drivers share (replay_judge.h).
#include "traces/replay/judge.h"

#include <algorithm>
#include <sstream>

namespace lungfish::traces::detail {

bool is_when_header(std::string_view stmt) {
  return stmt.starts_with("when (") || stmt.starts_with("when:");
}

std::vector<std::string> when_names(std::string_view header) {
  std::vector<std::string> out;
  auto open = header.find('('), close = header.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close <= open + 1)
    return out;
  std::string_view list = header.substr(open + 1, close - open - 1);
  for (size_t p = 0; p <= list.size();) {
    size_t comma = std::min(list.find(',', p), list.size());
    std::string_view n = list.substr(p, comma - p);
    while (!n.empty() && n.front() == ' ')
      n.remove_prefix(1);
    while (!n.empty() && n.back() == ' ')
      n.remove_suffix(1);
    out.emplace_back(n);
    p = comma + 1;
  }
  return out;
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
  scheduler_held(s);
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

void Judge::scheduler_held(const RecordedStep &s) {
  // A behaviour's `(Exit)` is drawn before the scheduler lets go of its cowns.
  if (released_ && scheduled_ > 0) --scheduled_;
  released_ = s.kind == RecordedKind::Release;
  // One reference per argument of the `when` (a name given twice is held twice). Only a
  // runtime's scheduler says "ready" or "pending" (a native trace's spawn holds nothing apart).
  if (s.kind == RecordedKind::Spawn && (s.detail == "ready" || s.detail == "pending"))
    scheduled_ += static_cast<uint32_t>(std::max<size_t>(1, when_names(s.stmt).size()));
}

World Judge::runtime_world(const Snapshot &snapshot) const {
  World w = world_from_snapshot(snapshot);
  if (scheduled_ == 0) return w;
  // The runtime's scheduler holds a reference to each argument (a cown, or what was given as
  // one) of every behaviour it has not finished; a count above the object's edges by at most
  // that many is the scheduler's.
  State &h = w.heap;
  std::unordered_map<ObjectId, int64_t> edges;
  for (ObjectId o = 1; o < h.object_end(); ++o) {
    if (!h.is_live(o)) continue;
    const Object &ob = h.obj(o);
    if (ob.proto != kNone) ++edges[ob.proto];
    for (const Field &f : ob.fields)
      if (f.value != kNone) ++edges[f.value];
  }
  for (ObjectId o = 1; o < h.object_end(); ++o) {
    if (!h.is_live(o) || h.obj(o).kind == ObjectKind::Frame) continue; // (frames: their own +1)
    int64_t rc = static_cast<int64_t>(h.obj(o).rc), in = edges[o];
    if (rc > in && rc - in <= static_cast<int64_t>(scheduled_))
      h.obj(o).rc = static_cast<uint32_t>(in);
  }
  return w;
}

void Judge::check_snapshot(size_t i) {
  const RecordedStep &s = *at(i);
  if (!s.snapshot || !options_.check_invariants) return;
  World runtime = runtime_world(*s.snapshot);
  report_violations(i, check_state(runtime, CheckContext{options_.profile}, false), runtime);
}

std::vector<Difference> Judge::differences(size_t i, const World &model, uint32_t thread,
                                           std::vector<std::string> &swapped, bool learn) {
  const RecordedStep &s = *at(i);
  CompareOptions co;
  // A dirty LRC is only an upper bound, in the runtime and in the model alike.
  co.dirty_lrc_upper_bound = options_.profile == Profile::Frankenscript;
  Snapshot mine = snapshot_of(model, thread);
  // A runtime that draws no other thread's LOCAL (FrankenScript: one interpreter's frames) is
  // compared with the model's view of this thread alone; a native trace draws them all.
  bool one_local =
      std::none_of(s.snapshot->objects.begin(), s.snapshot->objects.end(), [](const SnapObject &o) {
        return o.loc.kind == LocKind::Local && !o.loc.name.empty();
      });
  if (one_local && model.threads.size() > 1 && thread != 0) without_main(mine, model);
  if (one_local && model.threads.size() > 1) {
    // The other threads' LOCALs: a waiting behaviour's bottom frame (the runtime keeps its cowns
    // in the scheduler, not in a frame), main's frame once main has ended (the runtime frees
    // it). No object of this thread's reaches into them (I17).
    // (An ended main's LOCAL cycles stay: FrankenScript collects them at the end of the run,
    // in the one LOCAL region its behaviours share.)
    std::set<std::string> cycles;
    std::vector<std::string> work;
    if (thread != 0)
      for (const SnapObject &o : mine.objects)
        if (o.loc.kind == LocKind::Local && o.loc.name == "0" && o.kind != SnapKind::Frame &&
            on_cycle(mine, o.key))
          work.push_back(o.key);
    while (!work.empty()) { // (with what they reach in main's LOCAL)
      std::string k = std::move(work.back());
      work.pop_back();
      const SnapObject *o = mine.find(k);
      if (!o || o->loc.kind != LocKind::Local || o->loc.name != "0" || !cycles.insert(k).second)
        continue;
      for (const SnapField &f : o->fields)
        if (f.target) work.push_back(*f.target);
    }
    for (SnapObject &o : mine.objects)
      if (cycles.count(o.key)) o.loc.name.clear();
    std::erase_if(mine.objects, [](const SnapObject &o) {
      return o.loc.kind == LocKind::Local && !o.loc.name.empty();
    });
    std::erase_if(mine.roots, [&](const std::string &k) { return !mine.find(k); });
    mine.reindex();
  }
  auto diffs = compare_snapshots(*s.snapshot, mine, co);
  auto runtime_names = canonical_names(*s.snapshot, co);
  if (model.threads.size() > 1) {
    // The runtime's scheduler holds a reference to each cown of every behaviour it has not
    // finished, the program's frames do not: a cown's count is not the program's.
    std::set<std::string> cowns;
    for (const SnapObject &o : s.snapshot->objects)
      if (o.kind == SnapKind::Cown)
        if (auto n = runtime_names.find(o.key); n != runtime_names.end()) cowns.insert(n->second);
    std::erase_if(
        diffs, [&](const Difference &d) { return d.kind == DiffKind::Rc && cowns.count(d.path); });
  }
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
  // Identities: an address names one runtime object for as long as it lives.
  auto model_names = canonical_names(mine, co);
  std::map<std::string, std::string> model_at; // canonical name -> model key
  for (const auto &[key, name] : model_names)
    model_at[name] = key;
  std::set<std::string> runtime_paths;
  for (const auto &[key, name] : runtime_names)
    runtime_paths.insert(name);
  // At a behaviour's start, the cowns its header names and their regions' bridges: a runtime
  // object there that is a live model object other than the one the model has there belongs to
  // another cown (the runtime started another behaviour than the model, or bound its cowns
  // otherwise), even where the model does not draw that object in this behaviour's view.
  std::set<std::string> header_paths, model_live;
  if (s.kind == RecordedKind::Acquire) {
    for (const std::string &n : when_names(s.stmt)) {
      header_paths.insert("frame." + n);
      header_paths.insert("frame." + n + ".value");
    }
    const State &h = model.heap;
    for (ObjectId o = 0; o < h.object_end(); ++o)
      if (h.is_live(o)) model_live.insert("o" + std::to_string(h.obj(o).serial));
  }
  for (const auto &[key, name] : runtime_names) {
    if (!key.starts_with("0x") || name.starts_with("@") || name.starts_with("?")) continue;
    auto here = model_at.find(name);
    if (here == model_at.end()) continue;
    auto known = identity_.find(key);
    if (known != identity_.end() && known->second != here->second) {
      auto there = model_names.find(known->second);
      if (there != model_names.end() && runtime_paths.count(there->second)) {
        swapped.push_back("identity at " + name + ": runtime " + key +
                          ", the object the model has at " + there->second);
        continue;
      }
      if (header_paths.count(name) && model_live.count(known->second)) {
        swapped.push_back("identity at " + name + ": runtime " + key +
                          ", which is another cown's in the model");
        continue;
      }
    }
    if (learn) identity_[key] = here->second;
  }
  return diffs;
}

bool Judge::on_cycle(const Snapshot &s, const std::string &from) {
  const SnapObject *start = s.find(from);
  if (!start) return false;
  std::set<std::string> seen;
  std::vector<std::string> work{from};
  while (!work.empty()) {
    const SnapObject *o = s.find(work.back());
    work.pop_back();
    if (!o || o->is_global || !(o->loc == start->loc)) continue;
    for (const SnapField &f : o->fields) {
      if (!f.target) continue;
      if (*f.target == from) return true;
      if (seen.insert(*f.target).second) work.push_back(*f.target);
    }
  }
  return false;
}

void Judge::without_main(Snapshot &mine, const World &model) {
  // What only the main program's frame reaches, from a behaviour's view: the runtime freed it
  // when main ended (decision 31); the model keeps main's frame.
  auto reach = [&](uint32_t from, uint32_t to) {
    std::set<std::string> seen;
    std::vector<std::string> work;
    for (uint32_t t = from; t < to && t < model.threads.size(); ++t)
      for (const Activation &a : model.threads[t].calls)
        if (a.frame != kNone && model.heap.is_live(a.frame))
          work.push_back("o" + std::to_string(model.heap.obj(a.frame).serial));
    while (!work.empty()) {
      std::string k = std::move(work.back());
      work.pop_back();
      const SnapObject *o = mine.find(k);
      if (!o || !seen.insert(k).second) continue;
      for (const SnapField &f : o->fields)
        if (f.target) work.push_back(*f.target);
    }
    return seen;
  };
  std::set<std::string> main = reach(0, 1), others = reach(1, UINT32_MAX);
  // A frozen cycle stays (FrankenScript never reclaims one: its leak, decision 8), and so does
  // a LOCAL cycle until the end of the run.
  std::set<std::string> gone, kept;
  std::vector<std::string> work;
  for (const std::string &k : main) {
    const SnapObject *o = mine.find(k);
    if (!others.count(k) && !o->is_global) gone.insert(k);
  }
  // (a cycle main's frame no longer reaches keeps what it reaches too)
  for (const SnapObject &o : mine.objects)
    if ((o.loc.kind == LocKind::Imm || (o.loc.kind == LocKind::Local && o.loc.name == "0")) &&
        !o.is_global && o.kind != SnapKind::Frame && !others.count(o.key) && on_cycle(mine, o.key))
      work.push_back(o.key);
  // (a cown on a cycle through its own region, `r.g = Cown(r)`: the bridge and the cown count
  // each other, and a region is collected only when its bridge's count drops to zero)
  for (const std::string &k : gone)
    if (const SnapObject *o = mine.find(k); o && o->kind == SnapKind::Cown) {
      std::set<std::string> seen;
      std::vector<std::string> next{k};
      bool back = false;
      while (!next.empty() && !back) {
        const SnapObject *n = mine.find(next.back());
        next.pop_back();
        if (!n) continue;
        for (const SnapField &f : n->fields)
          if (f.target && gone.count(*f.target)) {
            back = back || *f.target == k;
            if (seen.insert(*f.target).second) next.push_back(*f.target);
          }
      }
      if (back) work.push_back(k);
    }
  // (with what such a cycle reaches)
  while (!work.empty()) {
    std::string k = std::move(work.back());
    work.pop_back();
    if (!kept.insert(k).second) continue;
    gone.erase(k);
    if (const SnapObject *o = mine.find(k))
      for (const SnapField &f : o->fields)
        if (f.target) work.push_back(*f.target);
  }
  // What stays loses the references that main's frames and what goes with them held.
  std::set<std::string> holders = gone;
  for (const Activation &a : model.threads[0].calls)
    if (a.frame != kNone && model.heap.is_live(a.frame))
      holders.insert("o" + std::to_string(model.heap.obj(a.frame).serial));
  std::map<std::string, int64_t> dropped, lrc_dropped;
  for (const std::string &k : holders)
    if (const SnapObject *f = mine.find(k))
      for (const SnapField &fd : f->fields) {
        if (!fd.target || gone.count(*fd.target)) continue;
        ++dropped[*fd.target];
        // A LOCAL reference into a region counts in its LRC.
        const SnapObject *t = mine.find(*fd.target);
        if (f->loc.kind == LocKind::Local && t && t->loc.kind == LocKind::Region)
          ++lrc_dropped[t->loc.name];
      }
  for (SnapObject &o : mine.objects)
    if (auto d = dropped.find(o.key); d != dropped.end() && o.rc && !o.is_global)
      *o.rc = std::max<int64_t>(0, *o.rc - d->second);
  for (SnapRegion &r : mine.regions) {
    auto d = lrc_dropped.find(r.name);
    if (d == lrc_dropped.end() || !r.lrc) continue;
    *r.lrc = std::max<int64_t>(0, *r.lrc - d->second);
    // The cown that owns a region main alone kept open is Released once main's frame goes.
    if (*r.lrc == 0 && r.sbrc.value_or(0) == 0 && r.parent_kind == SnapParentKind::Cown)
      for (SnapObject &o : mine.objects)
        if (o.key == r.parent && o.status && *o.status == "Pending") o.status = "Released";
  }
  if (gone.empty()) return;
  std::erase_if(mine.objects, [&](const SnapObject &o) { return gone.count(o.key) > 0; });
  std::erase_if(mine.regions,
                [&](const SnapRegion &r) { return r.bridge && gone.count(*r.bridge) > 0; });
  mine.reindex();
}

std::optional<std::string> Judge::reversed_binding(size_t i, const World &model, uint32_t thread) {
  const RecordedStep &s = *at(i);
  if (thread == 0 || thread >= model.threads.size() || model.threads[thread].calls.empty())
    return std::nullopt;
  // The cown variables, as the `when`'s header names them.
  std::vector<std::string> names = when_names(s.stmt);
  if (names.size() < 2) return std::nullopt;
  World reversed = model;
  State &heap = reversed.heap;
  ObjectId frame = reversed.threads[thread].calls.front().frame;
  std::vector<ObjectId> values;
  for (const std::string &n : names) {
    const Field *f = heap.find_field(frame, intern(n));
    if (!f) return std::nullopt;
    values.push_back(f->value);
  }
  for (size_t k = 0; k < names.size(); ++k)
    heap.set_field_raw(frame, intern(names[k]), values[names.size() - 1 - k]);
  std::vector<std::string> swapped;
  if (!differences(i, reversed, thread, swapped, false).empty() || !swapped.empty())
    return std::nullopt;
  return std::string(pldi27::kReversed);
}

bool Judge::released_open(const std::vector<Difference> &diffs) {
  // A region the behaviour acquired (reached through a cown of its frame) whose LRC the runtime
  // counts above the model's: LOCAL references the previous holder left when it released.
  return std::any_of(diffs.begin(), diffs.end(), [](const Difference &d) {
    return d.kind == DiffKind::Lrc && d.path.starts_with("{frame.") && !d.expected.empty() &&
           !d.actual.empty() && d.expected != "0" && d.actual == "0";
  });
}

bool Judge::kept_captures(const std::vector<Difference> &diffs, const World &model, uint32_t thread,
                          const std::string &header) {
  // The behaviour this `when` spawned: the latest one of this thread.
  uint32_t k = 0;
  for (uint32_t t = 1; t < model.threads.size(); ++t)
    if (model.threads[t].spawned_by == thread) k = t;
  if (k == 0 || model.threads[k].calls.empty() || diffs.empty()) return false;
  std::vector<std::string> cowns = when_names(header);
  std::vector<std::string> captured;
  for (const Field &f : model.heap.obj(model.threads[k].calls.front().frame).fields) {
    const std::string &n = symbol_name(f.name);
    if (std::find(cowns.begin(), cowns.end(), n) == cowns.end()) captured.push_back(n);
  }
  // Every difference is a captured variable the runtime left in the spawning frame (and what
  // hangs below it), or an object the model moved out of sight.
  return !captured.empty() && std::all_of(diffs.begin(), diffs.end(), [&](const Difference &d) {
    if (d.path == "<unreachable>") return true;
    // (a region is named after its bridge's path: `{frame.r}`)
    std::string_view path = d.path;
    if (path.starts_with("{")) path.remove_prefix(1);
    return std::any_of(captured.begin(), captured.end(), [&](const std::string &n) {
      std::string p = "frame." + n;
      return path == p || path.starts_with(p + ".") || path.starts_with(p + "}");
    });
  });
}

bool Judge::compare(size_t i, const World &model, uint32_t thread) {
  const RecordedStep &s = *at(i);
  if (!s.snapshot) return false;
  if (s.stmt.find("mermaid_hide") != std::string::npos) hiding_ = true;
  if (s.stmt.find("mermaid_show_all") != std::string::npos) hiding_ = false;
  std::vector<std::string> swapped;
  auto diffs = differences(i, model, thread, swapped, true);
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
      World runtime = runtime_world(*s.snapshot);
      violations = check_state(runtime, CheckContext{options_.profile}, false);
      step_defect = report_violations(i, violations, runtime);
    }
  }
  if (diffs.empty() && swapped.empty()) return false;
  std::ostringstream detail;
  size_t shown = 0;
  for (const std::string &w : swapped)
    detail << (shown++ ? "; " : "") << w;
  for (const Difference &d : diffs) {
    if (shown++ == 8) {
      detail << "; and " << diffs.size() - 8 << " more";
      break;
    }
    detail << (shown > 1 ? "; " : "") << diff_kind_name(d.kind) << " at " << d.path << ": runtime "
           << (d.expected.empty() ? "-" : d.expected) << ", model "
           << (d.actual.empty() ? "-" : d.actual);
  }
  std::optional<std::string> defect;
  if (s.kind == RecordedKind::Acquire) defect = reversed_binding(i, model, thread);
  if (!defect && s.kind == RecordedKind::Acquire && released_open(diffs))
    defect = std::string(pldi27::kReleaseOpen);
  if (s.kind == RecordedKind::Statement && is_when_header(s.stmt) && swapped.empty() &&
      kept_captures(diffs, model, thread, s.stmt))
    defect = std::string(pldi27::kNoCaptures);
  if (!defect) defect = classify_difference(diffs, s, violations);
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
  identity_.clear(); // the model's objects are new ones now
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
