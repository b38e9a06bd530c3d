// Incremental checking: the state invariants re-examined only where a step changed the heap.
//
//   attach(w):  build a ghost of the heap from the edges (once, cost: the heap): per object its
//               edges and location, incoming edge counts (all, from LOCAL) and, for mutable
//               targets, their sources; per region its true LRC, parent, children, bridge and
//               two openness bits (by semantic LRC, by true LRC) with counts of open children.
//               From then on the State records every object and region it changes (TouchLog).
//   check(w):   for each touched object: take back its old edges (old locations), move the LOCAL
//               counts of a relocated object between regions, add its new edges; update touched
//               regions (parent, bridge, liveness) and propagate openness changes upward; then
//               evaluate every invariant only on what is concerned: touched objects and regions,
//               targets of changed edges, sources of relocated objects and of bridges of changed
//               regions, regions whose counts or openness changed, and the roots (frames, stack).
//               An invariant found (or possibly) broken is then reported by the full checker's
//               own function for it, so verdicts, messages and witnesses are the full checker's.
//
// Why a ghost: the invariants count what the heap *is* (edges), never the counters the rules keep;
// the ghost is that count, maintained from edge differences, so it stays independent of the rules.
// Premise: the state at the previous check satisfied every invariant (a run stops at the first
// violation). Not incremental (documented in docs/performance.md): I17 while a behaviour runs or
// when one starts or a cown changes status (otherwise I17 is checked on the region trees new
// LOCAL references enter), I14's prototype-chain clause when a cown is released or a chain
// reaches a Released cown, and the cpython profiles (I18/I19 need the SCCs), which use the full
// checker throughout.
#pragma once

#include "checker/invariants.h"

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace lungfish {

class IncrementalChecker {
public:
  explicit IncrementalChecker(CheckContext ctx) : ctx_(ctx) {}
  ~IncrementalChecker() { detach(); }
  IncrementalChecker(const IncrementalChecker &) = delete;
  IncrementalChecker &operator=(const IncrementalChecker &) = delete;

  /// Builds the ghost from `w` and starts recording changes to `w.heap` (which must outlive the
  /// checker or be detached). Call again after the world is replaced (replay's adopt).
  void attach(World &w);
  /// Stops recording.
  void detach();
  /// The state invariants on `w` (the attached world) after the steps since the last check, as
  /// check_state would report them; first_only as in check_state.
  std::vector<Violation> check(const World &w, bool first_only = true);

  /// What the steps since the last check touched (emptied by check).
  const TouchLog &pending() const { return log_; }

  /// Objects and regions examined by the last check (for the benchmarks and tests).
  size_t last_objects_examined() const { return last_objects_; }
  size_t last_regions_examined() const { return last_regions_; }
  /// The invariants the last check sent to the full checker (bit k = Invariant k).
  uint32_t last_full_checks() const { return flags_; }

private:
  struct GhostObject {
    bool live = false;
    Location loc;
    // The serial of the region `loc` names when the object entered it: a region slot that died
    // and was reused (even within one step) is not the region the object's counts were added to.
    uint64_t region_serial = 0;
    CownStatus status = CownStatus::Pending;
    ObjectId proto = kNone;
    std::vector<Field> fields; // a copy of the object's fields at the last check
  };
  struct GhostRegion {
    bool live = false;
    uint64_t serial = 0;
    ParentKind parent_kind = ParentKind::None;
    uint32_t parent = 0;
    ObjectId bridge = kNone;
    int64_t true_lrc = 0; // LOCAL references into its objects (edges and stack slots)
    uint32_t members = 0;
    bool open = false, topen = false; // subtree has a semantic / true LRC > 0
    uint32_t open_children = 0, topen_children = 0;
    RegionId counted_in = kNoRegion; // the region its open bits are counted in
    uint64_t counted_serial = 0;
    std::vector<RegionId> children;
  };

  CheckContext ctx_;
  State *heap_ = nullptr;
  TouchLog log_;
  std::vector<GhostObject> obj_;
  std::vector<uint32_t> in_rc_, in_local_;
  std::vector<std::vector<ObjectId>> sources_; // mutable (or dead) targets: sources, with repeats
  std::vector<GhostRegion> reg_;
  std::unordered_map<ObjectId, std::vector<RegionId>> cown_children_;
  // Roots: the activations' frames and the operand-stack slots, as of the last check, per
  // thread. They count in in_rc_ (and slots in in_local_ and their region's true_lrc) like edges.
  // The machine pushes and pops them at the top, so a check compares each list from the top down
  // to the first slot that did not change (cost: what changed, not the depth of the stack).
  struct ThreadRoots {
    std::vector<ObjectId> frames, slots;
  };
  std::vector<ThreadRoots> thread_roots_;
  struct RootRef {
    uint32_t thread;
    bool frame;
    uint32_t count;
  };
  std::unordered_map<ObjectId, std::vector<RootRef>> root_refs_; // for I3 on a touched root
  // I17 (behaviour isolation) while behaviours exist: what the step may have changed.
  bool behaviours_ = false;
  std::vector<ThreadStatus> thread_status_;
  std::vector<std::pair<uint32_t, ObjectId>> new_refs_; // (LOCAL, object in a region) refs
  std::vector<RegionId> reparented_;                    // regions whose parent changed
  std::vector<std::pair<RegionId, uint32_t>> scanned_;  // (tree root, LOCAL) looked at
  // The objects and regions concerned by the current check.
  std::vector<ObjectId> objs_, targets_;
  std::vector<std::pair<ObjectId, ObjectId>> edges_; // new edges to check
  std::vector<RegionId> regs_, work_;
  std::vector<uint8_t> obj_mark_, target_mark_, reg_mark_;
  uint32_t flags_ = 0;
  size_t last_objects_ = 0, last_regions_ = 0;

  bool full_only() const;
  static RegionId live_region_of(const State &h, ObjectId o);
  static bool is_live_cown(const State &h, ObjectId o);
  void grow(const State &h);
  void note_object(ObjectId o);
  void note_target(ObjectId o);
  void note_region(RegionId r);
  void clear_marks();
  static bool tracked(const GhostObject &g) {
    return !g.live || g.loc.is_local() || g.loc.is_region();
  }
  RegionId ghost_region_of(ObjectId o) const;
  void add_edge(ObjectId from, ObjectId to);
  void remove_edge(ObjectId from, ObjectId to);
  void take_back_edges(const State &h, ObjectId o);
  void put_edges(const State &h, ObjectId o);
  void relocate(const State &h, ObjectId o);
  void region_lifetime(const State &h, RegionId r);
  void region_links(const State &h, RegionId r);
  void unlink_child(RegionId r);
  void link_child(RegionId r);
  RegionId ghost_up(RegionId r) const;
  void count_open(RegionId r, int sign);
  void settle(const State &h);
  int64_t truth(RegionId r) const { return reg_[r].true_lrc; }
  int64_t semantic(const State &h, RegionId r) const;
  void add_root(ObjectId o, uint32_t thread, bool frame, int sign);
  void update_roots(const World &w);
  void check_root_location(const World &w, ObjectId o);
  void flag(Invariant i) { flags_ |= 1u << static_cast<unsigned>(i); }
  void evaluate(const World &w);
  void check_edge(const State &h, ObjectId from, ObjectId to);
  void check_object(const World &w, ObjectId o);
  void check_links(const State &h, ObjectId o);
  void check_region(const World &w, RegionId r);
  void evaluate_isolation(const World &w);
  bool tree_shared(const World &w, RegionId r, uint32_t local);
};

} // namespace lungfish
