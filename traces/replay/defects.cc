#include "traces/replay/defects.h"

#include "traces/cpython/checks.h"

#include <algorithm>
#include <cstdlib>

namespace lungfish::traces {

namespace {
const std::string kStaleSbrcFreeze = "stale SBRC after freeze (I9)";
const std::string kStaleSbrcRecount = "stale SBRC after LRC recount (I9)";
const std::string kStaleSbrcMerge = "stale SBRC after merge (I9)";
const std::string kStaleSbrcImplicit = "stale SBRC after implicit freeze (I9)";
const std::string kDoubleCount = "LRC recount double-counts (I8)";
const std::string kMergeDirty = "merge leaves the sink dirty";
const std::string kCownLatch = "cown status latch not updated (I13)";
const std::string kReleasedProto = "released cown readable through a prototype (I14)";
const std::string kFakeBridge = "fake bridge by prototype (I7)";
const std::string kPullCown = "pull rejects a reachable cown";
const std::string kFreezeAbort = "freeze destroys a referenced object (abort)";
const std::string kHeadless = "bridge freed while its region lives (I7)";
const std::string kCloseAbort = "close stops scanning early (abort)";
// close of a free region (no parent, no cown) referenced from the closing frame only: the
// region is freed as its LRC reaches 0 and then read by close's final check (a Debug assertion;
// a Release build reads freed memory and goes on).
const std::string kCloseFreeAbort = "close of a free region reads it after freeing it (abort)";
// The same defect in a Release build, where the assertion is compiled out: close returns with
// LOCAL references into the region left in place (and the region kept).
const std::string kCloseLeft = "close stops scanning early (references left)";
const std::string kLeak = "leak at exit (I20)";
const std::string kLrcUnderflowAbort = "LRC decremented below 0 (abort)";
// The same in a Release build: the size_t counter wraps, replay reads it as negative.
const std::string kLrcUnderflow = "LRC decremented below 0 (I8)";
// FrankenScript frees a bridge when its reference count reaches 0, whatever the region's LRC;
// with nothing else in the region the region goes with it, before the model's dirty LRC is
// recounted (the model keeps it, unreachable, until the next recount).
const std::string kBridgeRc = "bridge freed by its reference count (region collected early)";
// The other face of the bridge test by prototype: a real bridge whose `__proto__` was rewritten
// is refused where a bridge is required (store into another region, Cown, merge, dissolve).
const std::string kRewrittenBridge = "real bridge refused after its __proto__ was rewritten";
// Freezing a bridge resets its prototype, a rewritten (user) one included.
const std::string kFreezeDropsProto = "freeze drops a bridge's rewritten prototype";
// A field lookup follows a prototype cycle for ever (a stack overflow: signal 11).
const std::string kProtoCycle = "field lookup loops on a prototype cycle (crash)";
// is_closed(x) after close set x to None dereferences null (a Debug assertion, a Release crash).
const std::string kIsClosedNone = "is_closed(None) dereferences null (crash)";

bool has(const std::string &s, const char *what) {
  return s.find(what) != std::string::npos;
}

// The statement most likely responsible for a persisting finding: this one, or the latest
// statement before it that could have caused it.
std::string cause(const std::deque<std::string> &recent,
                  std::initializer_list<const char *> causes) {
  for (auto it = recent.rbegin(); it != recent.rend(); ++it)
    for (const char *c : causes)
      if (has(*it, c)) return c;
  return "";
}
} // namespace

const std::vector<std::string> &known_defects() {
  static const std::vector<std::string> all = {
      kStaleSbrcFreeze, kStaleSbrcRecount,  kStaleSbrcMerge, kStaleSbrcImplicit, kDoubleCount,
      kMergeDirty,      kCownLatch,         kReleasedProto,  kFakeBridge,        kPullCown,
      kFreezeAbort,     kHeadless,          kCloseAbort,     kCloseLeft,         kLeak,
      kBridgeRc,        kLrcUnderflowAbort, kLrcUnderflow,   kRewrittenBridge,   kFreezeDropsProto,
      kProtoCycle,      kIsClosedNone,      kCloseFreeAbort};
  return all;
}

const std::vector<std::string> &behaviour_defects() {
  static const std::vector<std::string> all = {
      std::string(pldi27::kReversed),    std::string(pldi27::kOvertake),
      std::string(pldi27::kSelfWait),    std::string(pldi27::kHeaderNames),
      std::string(pldi27::kNoCaptures),  std::string(pldi27::kLateNotCown),
      std::string(pldi27::kReleaseOpen), std::string(pldi27::kAcquirePending),
      std::string(pldi27::kMainKept)};
  return all;
}

namespace {
/// An object with the [RegionObject] prototype that is not its region's bridge: what the
/// runtime's test "bridge by prototype" takes for one.
bool fake_bridge(const World &w, ObjectId o) {
  const State &h = w.heap;
  return o != kNone && o < h.object_end() && h.is_live(o) &&
         h.obj(o).proto == h.builtin_proto(BuiltinProto::RegionObject) && !h.is_bridge(o);
}
bool any_fake_bridge(const World &w, const std::vector<ObjectId> &objects) {
  return std::any_of(objects.begin(), objects.end(), [&](ObjectId o) { return fake_bridge(w, o); });
}
/// An instance among `objects` whose dict was materialised: its field `__dict__` holds one.
bool any_materialised_dict(const World &w, const std::vector<ObjectId> &objects) {
  const State &h = w.heap;
  Symbol dict = intern("__dict__");
  return std::any_of(objects.begin(), objects.end(), [&](ObjectId o) {
    if (o == kNone || o >= h.object_end() || !h.is_live(o)) return false;
    const Field *f = h.find_field(o, dict);
    return f && f->value != kNone;
  });
}
/// I18's message "the count of the frozen SCC represented by X is C but N references point
/// into the SCC from outside it" with C < N.
bool scc_count_too_low(const std::string &message) {
  size_t is = message.find(" is "), but = message.find(" but ");
  if (is == std::string::npos || but == std::string::npos || but < is) return false;
  try {
    long long count = std::stoll(message.substr(is + 4));
    // Patched CPython adds to a frozen SCC's count in 32 bits: 2^32 - 5 is a count wrapped below 0.
    if (count >= (1LL << 31) && count < (1LL << 32)) count -= 1LL << 32;
    return count < std::stoll(message.substr(but + 5));
  } catch (const std::exception &) {
    return false;
  }
}
} // namespace

std::optional<std::string> classify_violation(const Violation &v, const RecordedStep &step,
                                              const std::deque<std::string> &recent,
                                              const World &w) {
  switch (v.invariant) {
    case Invariant::I9: {
      // A stale SBRC shows at the statement that left it stale (findings that persist are
      // reported where they first show).
      if (has(step.stmt, "freeze(")) return kStaleSbrcFreeze;
      if (has(step.stmt, "is_closed(") || has(step.stmt, "close(")) return kStaleSbrcRecount;
      if (has(step.stmt, "merge(")) return kStaleSbrcMerge;
      if (!cause(recent, {"pragma_enable_implicit_freezing"}).empty()) return kStaleSbrcImplicit;
      return std::nullopt;
    }
    case Invariant::I8: {
      if (has(v.message, " is -")) return kLrcUnderflow; // "LRC of region #1 is -1 but ..."
      // Only a statement that recounts (is_closed, close) can double-count.
      if (has(step.stmt, "is_closed(") || has(step.stmt, "close(")) return kDoubleCount;
      return std::nullopt;
    }
    case Invariant::I13:
      return kCownLatch;
    case Invariant::I14:
      return kReleasedProto;
    case Invariant::I7:
    case Invariant::I4:
      // A fake bridge is an object of the witness that has the [RegionObject] prototype but is
      // no bridge; a bridge freed with its region alive leaves a region without one.
      if (any_fake_bridge(w, v.witness.objects)) return kFakeBridge;
      if (v.invariant == Invariant::I7 && has(v.message, "has no bridge")) return kHeadless;
      return std::nullopt;
    case Invariant::I20:
      return kLeak;
    case Invariant::I16:
      return classify_cpython_count(v, step); // patched CPython: a failed freeze's rollback
    case Invariant::I18:
      // Patched CPython: an SCC whose member has a materialised dict (a field __dict__) has
      // that dict's entries subtracted twice, so its count is too low.
      if (scc_count_too_low(v.message) && any_materialised_dict(w, v.witness.objects))
        return kCpythonMaterialisedDictDefect;
      return classify_cpython_scc_count_high(v); // a recorder gap, named as such
    default:
      return std::nullopt;
  }
  (void)step;
}

std::optional<std::string> classify_difference(const std::vector<Difference> &diffs,
                                               const RecordedStep &step,
                                               const std::vector<Violation> &violations) {
  if (auto d = classify_cpython_difference(diffs, step)) return d;
  for (const Difference &d : diffs) {
    if (d.kind == DiffKind::Status && d.expected == "Pending" && d.actual == "Released")
      return kCownLatch;
    if (d.kind == DiffKind::Field && d.path.ends_with(".__proto__") && d.expected.empty() &&
        !d.actual.empty() && has(step.stmt, "freeze("))
      return kFreezeDropsProto;
    // close nulled a LOCAL reference in the model that the runtime kept
    if (d.kind == DiffKind::Field && d.actual == "None" && d.expected != "None" &&
        has(step.stmt, "close("))
      return kCloseLeft;
    if (d.kind == DiffKind::Dirty && (d.expected == "true" || d.expected == "dirty") &&
        (has(step.stmt, "is_closed") || has(step.stmt, "close(") || has(step.stmt, "merge(")))
      return kMergeDirty;
  }
  for (const Violation &v : violations) {
    if (v.invariant == Invariant::I9) {
      if (has(step.stmt, "freeze(")) return kStaleSbrcFreeze;
      if (has(step.stmt, "close(")) return kStaleSbrcRecount;
      if (has(step.stmt, "merge(")) return kStaleSbrcMerge;
    }
    if (v.invariant == Invariant::I8 && has(v.message, " is -")) return kLrcUnderflow;
    if (v.invariant == Invariant::I8 && (has(step.stmt, "close(") || has(step.stmt, "is_closed(")))
      return kDoubleCount;
    if (v.invariant == Invariant::I13) return kCownLatch;
    if (v.invariant == Invariant::I14) return kReleasedProto;
  }
  for (const Difference &d : diffs) {
    if (d.kind == DiffKind::Sbrc) {
      if (has(step.stmt, "freeze(")) return kStaleSbrcFreeze;
      if (has(step.stmt, "close(")) return kStaleSbrcRecount;
      if (has(step.stmt, "merge(")) return kStaleSbrcMerge;
    }
    if (d.kind == DiffKind::Dirty && has(step.stmt, "merge(")) return kMergeDirty;
    if (d.kind == DiffKind::Lrc) {
      // The runtime's counter below 0 is the underflow; above the model's after a recount
      // (close, is_closed), the double count.
      if (d.expected.starts_with("-")) return kLrcUnderflow;
      long runtime = std::strtol(d.expected.c_str(), nullptr, 10);
      long model = std::strtol(d.actual.c_str(), nullptr, 10);
      if (runtime > model && (has(step.stmt, "close(") || has(step.stmt, "is_closed(")))
        return kDoubleCount;
    }
    if ((d.kind == DiffKind::MissingObject || d.kind == DiffKind::ExtraObject) &&
        has(step.stmt, "freeze("))
      return std::nullopt;
    bool headless = std::any_of(violations.begin(), violations.end(),
                                [](const Violation &v) { return v.invariant == Invariant::I7; });
    if (d.kind == DiffKind::ExtraObject && d.path == "<unreachable>" && !headless) return kBridgeRc;
  }
  return std::nullopt;
}

std::optional<std::string> classify_rejection(const std::optional<RuleError> &error,
                                              const RecordedStep &step, const World &w) {
  if (!error) return std::nullopt;
  switch (error->rule) {
    case RuleId::ReadOpaque:
      // Only a read that reaches the cown through a prototype (the runtime checks the receiver).
      if (error->message.starts_with("the prototype chain") ||
          error->message.starts_with("method lookup passes"))
        return kReleasedProto;
      return std::nullopt;
    case RuleId::BarrierOtherRegion:
    case RuleId::PullOtherRegion:
    case RuleId::MergeSourceNotRegion:
    case RuleId::MergeSinkNotRegion:
    case RuleId::DissolveNotRegion:
      if (any_fake_bridge(w, error->objects)) return kFakeBridge;
      return std::nullopt;
    case RuleId::WriteBadProto:
      // decision 20: FrankenScript's `__proto__` write skips create's check, which is how a
      // Released cown becomes a prototype whose contents a read then reaches.
      for (ObjectId o : error->objects)
        if (o != kNone && o < w.heap.object_end() && w.heap.is_live(o) &&
            w.heap.obj(o).kind == ObjectKind::Cown)
          return kReleasedProto;
      return std::nullopt;
    case RuleId::WhenNotCown:
      // The runtime spawns whatever it is given and fails at the acquire, after main.
      return std::string(pldi27::kLateNotCown);
    case RuleId::WhenSendOpen:
      // The runtime captures nothing, so it checks no capture either.
      return std::string(pldi27::kNoCaptures);
    case RuleId::CloseProto:
      // The runtime's close stopped scanning before it met the `__proto__` edge (notes item 51):
      // no E_CLOSE_PROTO, and the references it had not reached are left.
      return kCloseLeft;
    default:
      return std::nullopt;
  }
  (void)step;
}

size_t region_to_cown_edges(const World &w) {
  const State &h = w.heap;
  size_t n = 0;
  for (ObjectId o = 1; o < h.object_end(); ++o) {
    if (!h.is_live(o) || !h.obj(o).loc.is_region()) continue;
    auto cown = [&](ObjectId t) {
      return t != kNone && h.is_live(t) && h.obj(t).kind == ObjectKind::Cown;
    };
    n += cown(h.obj(o).proto);
    for (const Field &f : h.obj(o).fields)
      n += cown(f.value);
  }
  return n;
}

namespace {
/// True if the statement from `before` to `after` moved into a region a LOCAL object with an
/// edge (a field or its prototype) to a cown: a pulled graph that reaches a cown.
bool pulled_a_cown_edge(const World &before, const World &after) {
  const State &b = before.heap, &h = after.heap;
  auto cown = [&](ObjectId t) {
    return t != kNone && h.is_live(t) && h.obj(t).kind == ObjectKind::Cown;
  };
  for (ObjectId o = 1; o < h.object_end() && o < b.object_end(); ++o) {
    if (!h.is_live(o) || !h.obj(o).loc.is_region() || !b.is_live(o) ||
        b.obj(o).serial != h.obj(o).serial || !b.obj(o).loc.is_local())
      continue;
    if (cown(h.obj(o).proto)) return true;
    for (const Field &f : h.obj(o).fields)
      if (cown(f.value)) return true;
  }
  return false;
}
} // namespace

std::optional<std::string> classify_spurious(const std::string &text, const World &before,
                                             const World &after) {
  // docs/semantics.md 9: a pulled graph that reaches a cown is refused with the pull's text,
  // although the model (and a direct store) accepts it: the statement gave region objects new cown
  // edges, or moved into a region a LOCAL object with one (where it replaced such an edge, the
  // count stays the same: `r.h = x.f` then `r.h = x`).
  if (text.find("Cannot reference an object from another region") != std::string::npos &&
      (region_to_cown_edges(after) > region_to_cown_edges(before) ||
       pulled_a_cown_edge(before, after)))
    return kPullCown;
  // The bridge test by prototype: a bridge whose prototype is no longer [RegionObject].
  if (has(text, "since it already has a parent") || has(text, "is not a region")) {
    const State &h = before.heap;
    for (RegionId r = 0; r < h.region_end(); ++r)
      if (h.is_live_region(r) && h.region(r).bridge != kNone &&
          h.obj(h.region(r).bridge).proto != h.builtin_proto(BuiltinProto::RegionObject))
        return kRewrittenBridge;
  }
  return std::nullopt;
}

namespace {
/// True if some object's prototype chain comes back to an object it passed.
bool has_proto_cycle(const World &w) {
  const State &h = w.heap;
  for (ObjectId o = 1; o < h.object_end(); ++o) {
    if (!h.is_live(o)) continue;
    ObjectId slow = o, fast = o;
    while (fast != kNone && h.is_live(fast) && h.obj(fast).proto != kNone) {
      fast = h.obj(h.obj(fast).proto).proto;
      slow = h.obj(slow).proto;
      if (fast == kNone || !h.is_live(fast)) break;
      if (fast == slow) return true;
    }
  }
  return false;
}
} // namespace

namespace {
/// The object a statement `close(a.b.c)` closes, looked up from thread t's frame in `w`; kNone
/// if the statement is not such a call or the path does not resolve.
ObjectId closed_object(const std::string &stmt, const World &w, uint32_t t) {
  auto open = stmt.find("close(");
  auto close = stmt.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open + 6 ||
      t >= w.threads.size() || w.threads[t].calls.empty())
    return kNone;
  std::string path = stmt.substr(open + 6, close - open - 6);
  ObjectId o = w.threads[t].calls.back().frame;
  for (size_t start = 0; o != kNone;) {
    size_t dot = path.find('.', start);
    std::string name = path.substr(start, dot == std::string::npos ? dot : dot - start);
    const Field *f = w.heap.find_field(o, intern(name));
    o = f ? f->value : kNone;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return o != kNone && w.heap.is_live(o) ? o : kNone;
}
} // namespace

std::optional<std::string> classify_death(const std::string &text, const std::string &stmt,
                                          const std::optional<RuleError> &model,
                                          const World &before, uint32_t thread) {
  const World &w = before;
  if (has(text, "should be closed")) {
    ObjectId o = closed_object(stmt, before, thread);
    // docs/semantics.md 9 names two defects behind this assertion. The scan stops early when
    // references into the region sit in LOCAL objects or in other frames than the one closing
    // it; with references in that frame only, a free region is freed as close drops the last
    // one and then read by close's final check.
    if (o != kNone && before.heap.is_bridge(o) && thread < before.threads.size()) {
      RegionId reg = before.heap.obj(o).loc.index;
      const State &h = before.heap;
      ObjectId top = before.threads[thread].calls.back().frame;
      bool elsewhere = false;
      for (ObjectId x = 1; x < h.object_end() && !elsewhere; ++x) {
        if (!h.is_live(x) || !h.obj(x).loc.is_local() || x == top) continue;
        for (const Field &f : h.obj(x).fields)
          if (f.value != kNone && h.is_live(f.value) && h.obj(f.value).loc.is_region() &&
              h.obj(f.value).loc.index == reg)
            elsewhere = true;
      }
      if (h.region(reg).parent_kind == ParentKind::None && !elsewhere) return kCloseFreeAbort;
    }
  }
  if (auto d = classify_abort(text)) return d;
  if (has(text, "get_region") ||
      (has(stmt, "is_closed(") && model && model->rule == RuleId::IsClosedNotBridge &&
       has(model->message, "None")))
    return kIsClosedNone;
  if (text.empty() && model && model->rule == RuleId::ReadUndefinedField && has_proto_cycle(w))
    return kProtoCycle;
  return classify_cpython_death(stmt, before);
}

std::optional<std::string> classify_abort(const std::string &message) {
  if (has(message, "still has references")) return kFreezeAbort;
  // region.h dec_lrc: `r->local_reference_count != 0` (a Debug build; a Release build goes on
  // with the counter wrapped to 2^64 - 1, which replay reads as -1 and reports as I8)
  if (has(message, "local_reference_count != 0")) return kLrcUnderflowAbort;
  // region.cc clean_lrcs_and_close: "The region should be closed now" (notes item 51)
  if (has(message, "clean_lrcs_and_close") || has(message, "should be closed") ||
      (has(message, "region.cc") && has(message, "close")))
    return kCloseAbort;
  return std::nullopt;
}

} // namespace lungfish::traces
