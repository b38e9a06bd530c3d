// Internal to checker/: the facts several invariants share, recomputed from the edges of a World.
//
// An Analysis is built once per check (check_state builds one for all the state invariants) and
// computes its parts lazily, so a check that needs only a walk over the edges does not pay for
// the counts, and a consistent state never pays for access paths (they are needed only to write
// a witness).
//
// Conventions shared by every invariant (decisions, documented once here):
// * Roots are the activations' frames and the operand-stack slots of every thread. A Done thread
//   is expected to hold none; if one still does, what it holds is counted as held (the checker
//   counts what is in the World rather than guessing what the machine meant to release).
// * An edge is a non-None field value or prototype of a live object. Stack slots and frames
//   belong to LOCAL(thread.local). Edges to dead objects are reported by I16 only and skipped by
//   every other invariant, as are objects whose location names a dead region or an unknown LOCAL
//   (I1 reports those).
// * A LOCAL reference into region R is an edge from a LOCAL object (frames included) or a stack
//   slot to an object whose location is R itself (not a descendant of R).
// * The semantic LRC of a region is the true count of LOCAL references into it, except for a
//   dirty region under the frankenscript profile, where the runtime acts on its counter (an upper
//   bound, I8): there it is max(counter, true count). "Open" is computed from semantic LRCs and
//   recursively recomputed SBRCs, so open(R) holds exactly when some region of R's subtree has a
//   semantic LRC > 0; a wrong counter anywhere cannot hide behind another wrong counter.
#pragma once

#include "checker/invariants.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lungfish::checker_detail {

constexpr uint32_t kNoIndex = UINT32_MAX;

/// Where a reference is held: a field or prototype of an object, a stack slot or an activation.
struct Source {
  enum class Kind : uint8_t { Field, Proto, Stack, Activation };
  Kind kind = Kind::Field;
  ObjectId object = kNone; // Field, Proto
  Symbol field = 0;        // Field
  uint32_t thread = 0;     // Stack, Activation
  uint32_t index = 0;      // Stack: slot; Activation: depth
};

/// A reference from a LOCAL into a region's own objects.
struct LocalRef {
  Source source;
  uint32_t local;
  ObjectId target;
  RegionId region;
};

/// A reference to an object that is not live.
struct DeadEdge {
  Source source;
  ObjectId target;
};

/// Counts recomputed from the edges in one pass.
struct Counts {
  std::vector<uint32_t> in_rc;     // per object: incoming edges + activations naming it
  std::vector<uint32_t> in_local;  // per object: incoming edges from LOCAL sources
  std::vector<int64_t> true_lrc;   // per region: LOCAL references into its own objects
  std::vector<uint32_t> first_ref; // per region: index into refs of its first LOCAL reference
  std::vector<LocalRef> refs;      // every LOCAL reference into a live region
  std::vector<DeadEdge> dead;      // every reference to a dead object
  // I17: the first two distinct LOCALs referencing a LOCAL object (kNoIndex when none).
  std::vector<uint32_t> obj_local1, obj_local2;
  std::vector<Source> obj_src2; // where the reference from obj_local2 is held
};

/// The region forest as the parent links describe it (cycles tolerated).
struct Forest {
  std::vector<RegionId> up;          // parent region if parent_kind Region and live, else none
  std::vector<uint32_t> child_begin; // children of r: children[child_begin[r] .. child_begin[r+1])
  std::vector<RegionId> children;
  std::vector<uint8_t> acyclic; // the parent chain ends (at none, a cown or a broken link)
  std::vector<ObjectId> owner;  // acyclic: the live cown at the top of the chain, else kNone
  std::vector<RegionId> root;   // acyclic: the top region of the chain; cyclic: itself
  std::vector<uint8_t> open;    // open by semantic LRCs and recomputed SBRCs
  std::vector<int64_t> sbrc;    // number of open direct children
};

/// Shared, lazily computed facts about one World.
class Analysis {
public:
  Analysis(const World &w, const CheckContext &c) : world(w), heap(w.heap), ctx(c) {}

  const World &world;
  const State &heap;
  const CheckContext &ctx;

  /// The edge counts (computed on first use).
  const Counts &counts();
  /// The region forest with semantic openness (computed on first use).
  const Forest &forest();
  /// A shortest access path from a root to o ("main.r1.c"), or "<unreachable>".
  std::string path(ObjectId o);

  /// True if the region's LRC counter is only an upper bound (frankenscript profile, dirty).
  bool dirty(RegionId r) const;
  /// The LRC the semantics acts on (see the file comment).
  int64_t semantic_lrc(RegionId r);
  /// The live region an object is located in, or kNoRegion (also for a dead region).
  RegionId region_of(ObjectId o) const;
  /// True if o is a live cown object.
  bool is_cown(ObjectId o) const;

  // ---- names for messages ----
  /// "object #12", "cown #10", "frame #9", "[String]", "True", "freed object (id 7)".
  std::string name(ObjectId o) const;
  /// "region #3", or "dead region (id 3)".
  std::string region_name(RegionId r) const;
  /// "LOCAL 0", "region #3", "IMM", "COWN".
  std::string where(Location l) const;
  /// "object #12 in region #3", "object #10 (bridge of region #1)".
  std::string name_at(ObjectId o) const;
  /// "main", "behaviour2".
  static std::string thread_name(uint32_t t);
  /// "field f of frame #9", "stack slot 2 of main", "activation 1 of behaviour2".
  std::string source_name(const Source &s) const;
  /// The object a source belongs to (kNone for stack slots and activations).
  static ObjectId source_object(const Source &s) {
    return s.kind == Source::Kind::Field || s.kind == Source::Kind::Proto ? s.object : kNone;
  }

private:
  bool have_counts_ = false, have_forest_ = false, have_paths_ = false;
  Counts counts_;
  Forest forest_;
  // Access paths: a BFS tree from the roots.
  std::vector<ObjectId> pred_;
  std::vector<Source> via_;
  std::vector<uint8_t> reached_;
  void compute_counts();
  void compute_forest();
  void compute_paths();
};

/// Calls f(source, target) for every non-None field and prototype of object o.
template <class F> void for_each_edge(const State &h, ObjectId o, F &&f) {
  const Object &ob = h.obj(o);
  if (ob.proto != kNone) f(Source{Source::Kind::Proto, o, 0, 0, 0}, ob.proto);
  for (const Field &fl : ob.fields)
    if (fl.value != kNone) f(Source{Source::Kind::Field, o, fl.name, 0, 0}, fl.value);
}

/// Collects violations, attaching the witness path.
class Reporter {
public:
  Reporter(Analysis &a, std::vector<Violation> &out) : a_(a), out_(out) {}
  /// Adds one violation; the path leads to the first object (or to the first region's bridge).
  void add(Invariant inv, std::string message, std::vector<ObjectId> objects,
           std::vector<RegionId> regions = {});

private:
  Analysis &a_;
  std::vector<Violation> &out_;
};

// The state invariants over a shared Analysis (defined in the *_invariants.cc files).
void check_location(Analysis &a, Reporter &r);            // I1
void check_deep_immutability(Analysis &a, Reporter &r);   // I2
void check_local_isolation(Analysis &a, Reporter &r);     // I3
void check_region_entry(Analysis &a, Reporter &r);        // I4
void check_single_owner(Analysis &a, Reporter &r);        // I5
void check_region_forest(Analysis &a, Reporter &r);       // I6
void check_bridge(Analysis &a, Reporter &r);              // I7
void check_lrc(Analysis &a, Reporter &r);                 // I8
void check_sbrc(Analysis &a, Reporter &r);                // I9
void check_closed(Analysis &a, Reporter &r);              // I10
void check_liveness(Analysis &a, Reporter &r);            // I11
void check_cown_contents(Analysis &a, Reporter &r);       // I12
void check_release(Analysis &a, Reporter &r);             // I13
void check_opacity(Analysis &a, Reporter &r);             // I14
void check_reference_counts(Analysis &a, Reporter &r);    // I16
void check_behaviour_isolation(Analysis &a, Reporter &r); // I17
void check_no_leak(Analysis &a, Reporter &r);             // I20

} // namespace lungfish::checker_detail
