// The invariants of docs/semantics.md 4, one function each, returning every violation with a witness.
//
// Each state invariant recomputes what it needs from the edges of the heap (never from the
// counters it is checking), so a wrong counter maintained by a rule is caught. The checker is an
// observer of the machine: `check_state` runs at statement boundaries, `check_step` (I15) relates
// the states before and after a primitive, `check_end` (I20) runs after the final collection.
#pragma once

#include "model/rules.h"
#include "model/world.h"

#include <string>
#include <string_view>
#include <vector>

namespace lungfish {

enum class Invariant : uint8_t {
  I1,
  I2,
  I3,
  I4,
  I5,
  I6,
  I7,
  I8,
  I9,
  I10,
  I11,
  I12,
  I13,
  I14,
  I15,
  I16,
  I17,
  I18,
  I19,
  I20,
  Count
};
/// "I8"
std::string_view invariant_name(Invariant i);
/// A one-line statement of the invariant ("LRC: a clean region's LRC equals ...").
std::string_view invariant_description(Invariant i);
std::optional<Invariant> parse_invariant(std::string_view s);

/// What a violation points at.
struct Witness {
  std::vector<ObjectId> objects;
  std::vector<RegionId> regions;
  std::string path; // an access path from a root to the first object, e.g. "frame.r1.c"
};

/// One broken invariant.
struct Violation {
  Invariant invariant;
  std::string message; // in words: "LRC(region of r1) is 3 but 2 LOCAL references point into it"
  Witness witness;
};

/// Options that change what the invariants demand.
struct CheckContext {
  Profile profile = Profile::Lungfish;
};

// ---- state invariants (statement boundaries) ----
std::vector<Violation> check_location(const World &w, const CheckContext &c);            // I1
std::vector<Violation> check_deep_immutability(const World &w, const CheckContext &c);   // I2
std::vector<Violation> check_local_isolation(const World &w, const CheckContext &c);     // I3
std::vector<Violation> check_region_entry(const World &w, const CheckContext &c);        // I4
std::vector<Violation> check_single_owner(const World &w, const CheckContext &c);        // I5
std::vector<Violation> check_region_forest(const World &w, const CheckContext &c);       // I6
std::vector<Violation> check_bridge(const World &w, const CheckContext &c);              // I7
std::vector<Violation> check_lrc(const World &w, const CheckContext &c);                 // I8
std::vector<Violation> check_sbrc(const World &w, const CheckContext &c);                // I9
std::vector<Violation> check_closed(const World &w, const CheckContext &c);              // I10
std::vector<Violation> check_liveness(const World &w, const CheckContext &c);            // I11
std::vector<Violation> check_cown_contents(const World &w, const CheckContext &c);       // I12
std::vector<Violation> check_release(const World &w, const CheckContext &c);             // I13
std::vector<Violation> check_opacity(const World &w, const CheckContext &c);             // I14
std::vector<Violation> check_reference_counts(const World &w, const CheckContext &c);    // I16
std::vector<Violation> check_behaviour_isolation(const World &w, const CheckContext &c); // I17
// ---- end of run ----
std::vector<Violation> check_no_leak(const World &w, const CheckContext &c); // I20
// ---- step invariant ----
/// I15: a primitive changes the parent of a cown-owned region only by a write to that cown or a
/// move out of it. `wrote_cown` is the cown written or moved from by the primitive (kNone if none).
std::vector<Violation> check_cown_ownership(const World &before, const World &after,
                                            ObjectId wrote_cown, const CheckContext &c);

/// What I15 needs to remember of a region a cown owns: the region, the cown and the bridge, each
/// with its serial (0: not live), so that a recycled id is not taken for the same thing.
struct OwnedRegion {
  RegionId region = kNoRegion;
  uint64_t serial = 0;
  ObjectId cown = kNone;
  uint64_t cown_serial = 0;
  ObjectId bridge = kNone;
  uint64_t bridge_serial = 0;
  bool operator==(const OwnedRegion &) const = default;
};
/// The record of live region r (whose parent is a cown) in heap h.
OwnedRegion owned_region(const State &h, RegionId r);
/// Every live region of w whose parent is a cown, in region order.
std::vector<OwnedRegion> owned_regions(const World &w);
/// I15 over a statement: each region in `before` (cown-owned at the previous boundary) still has
/// its cown as parent in `after`, unless the statement wrote that cown (`written`: the cowns
/// written or moved from), the cown was collected, or the region was frozen. Regions not in
/// `before` are not looked at, so a caller may pass only those that can have changed.
std::vector<Violation> check_statement_ownership(const std::vector<OwnedRegion> &before,
                                                 const World &after,
                                                 const std::vector<ObjectId> &written,
                                                 const CheckContext &c);

/// Every state invariant in order (I1..I17, skipping I15); stops after the first invariant that
/// reports violations when `first_only` is set.
std::vector<Violation> check_state(const World &w, const CheckContext &c, bool first_only = true);

/// The state invariants I1..I17 (not I15) whose bit is set in `which` (bit k = Invariant k), in
/// check_state's order over one shared analysis; the incremental checker reports through this.
std::vector<Violation> check_selected(const World &w, const CheckContext &c, uint32_t which,
                                      bool first_only = true);

/// Renders a violation as text: "I8 (LRC) broken: ... [objects ...]".
std::string format_violation(const World &w, const Violation &v);

} // namespace lungfish
