// Internal interface between the machine's parts (not installed). Each primitive of
// docs/semantics.md 3 is one function here; each of its checks is one `check_*` call that names its
// rule.
#pragma once

#include "model/machine.h"

#include <algorithm>
#include <optional>
#include <vector>

namespace lungfish {

/// Thrown by a check inside a primitive before any effect; the machine turns it into a rejection.
struct Rejection {
  RuleError error;
};

struct Machine::Impl {
  Machine &m;
  State &h;
  explicit Impl(Machine &machine) : m(machine), h(machine.world_.heap) {}

  // ---- context ----
  Thread &thread() { return m.world_.threads[m.current_thread_]; }
  Location local() { return Location::local(thread().local); }
  ObjectId frame() { return thread().calls.back().frame; }
  ObjectId global_frame() { return thread().calls.front().frame; }
  bool profile_fs() const { return m.options_.profile == Profile::Frankenscript; }
  bool mutant(Mutant x) const { return m.options_.mutants[static_cast<size_t>(x)]; }
  bool off(RuleId r) const { return m.options_.disabled.disabled(r); }
  uint32_t line() const { return m.current_line_; }
  void history(ObjectId o, std::string what);
  void region_history(RegionId r, std::string what);

  /// A language error (a rule that cannot be switched off): rejects the current primitive.
  /// Never returns.
  [[noreturn]] void reject(RuleId rule, std::string message, std::vector<ObjectId> objects = {},
                           std::vector<RegionId> regions = {});
  /// A switchable check failed: rejects the current primitive, unless --disable-check switched
  /// the rule off; then it returns and the primitive proceeds as if the precondition held
  /// (docs/semantics.md 5).
  void check_failed(RuleId rule, std::string message, std::vector<ObjectId> objects = {},
                    std::vector<RegionId> regions = {});

  // ---- reference counting (refcount.cc) ----
  /// Counts a new reference to `t` whose source lives at `src`.
  void inc_ref(ObjectId t, Location src);
  /// Releases a reference to `t` from `src`; an owning reference frees the child region; rc 0
  /// frees the object (and what only it kept alive).
  void dec_ref(ObjectId t, Location src, ObjectId src_object = kNone);
  /// A reference moves from a source at `from` to a source at `to` (rc unchanged).
  void move_ref(ObjectId t, Location from, Location to, bool count_lrc = true);
  /// Changes a region's counters by (dlrc, dsbrc) and propagates a change of openness upward.
  void update_counters(RegionId r, int64_t dlrc, int64_t dsbrc, bool via_own_lrc = true);
  /// parent(S) := region A (SBRC propagates if S is open).
  void set_parent_region(RegionId s, RegionId a);
  /// parent(S) := cown c.
  void set_parent_cown(RegionId s, ObjectId c);
  /// parent(S) := none (the owning reference is gone).
  void unparent(RegionId s, bool strict_collect);
  /// Frees an object whose rc reached 0 (worklist, no recursion).
  void free_unreferenced(ObjectId o);
  /// Frees every member of a region and the region (children become free).
  void collect_region(RegionId r);
  /// End of primitive: collect free regions with LRC 0, recompute cown statuses.
  void end_of_primitive();
  /// frankenscript: LRC := the true count for every dirty region.
  void recount_dirty_regions();
  /// Releases every object of a LOCAL (the end of a behaviour).
  void discard_local(uint32_t local);
  /// True if o is an owning reference from `src` (a region object or cown) to a child's bridge.
  std::optional<RegionId> owned_child(ObjectId t, Location src, ObjectId src_object);

  // ---- operand stack ----
  void push(ObjectId v); // counts the new slot
  ObjectId pop_keep();   // the caller takes over the slot's reference
  void pop_release();    // releases the slot's reference
  ObjectId peek(size_t from_top) { return thread().stack[thread().stack.size() - 1 - from_top]; }
  /// Removes and releases the n slots just below the top one.
  void drop_below(size_t n);
  void check_live(ObjectId o);
  /// Records the first use of a destroyed-but-referenced object (reported as I16).
  void set_dangling(std::string message) {
    if (!m.dangling_) m.dangling_ = std::move(message);
  }

  // ---- fields ----
  ObjectId read_slot(ObjectId o, Symbol name, bool proto_slot);
  /// Stores v (whose reference the caller holds as a LOCAL slot) into o's field; releases the old.
  void store_slot(ObjectId o, Symbol name, bool proto_slot, ObjectId v);

  // ---- primitives (barrier.cc) ----
  void load_field(Symbol name, bool by_index);
  void store_field(Symbol name, bool by_index, bool proto_slot);
  void swap_field(Symbol name, bool by_index);
  /// The write barrier 3.1 for `x.f = y` (checks, then effect); y's slot is consumed.
  void barrier(ObjectId x, Symbol name, bool proto_slot, ObjectId y);
  void cown_write(ObjectId c, Symbol name, bool proto_slot, ObjectId y);
  /// 3.5 (frankenscript, after the pragma): freezes y, then stores it.
  void implicit_freeze_and_store(ObjectId x, Symbol name, bool proto_slot, ObjectId y);
  /// The pull of 3.1 step 5: y and every LOCAL object it reaches move into region a.
  void pull(ObjectId x, Symbol name, bool proto_slot, ObjectId y, RegionId a);
  Symbol key_symbol(ObjectId k, RuleId rule);

  // ---- builtins (regions.cc, freeze.cc) ----
  void builtin(Builtin b, uint32_t argc, bool wants_value, Symbol name);
  void region_new(bool wants);
  void cown_new(bool wants);
  void create(bool wants);
  void close(bool wants);
  void is_closed(bool wants);
  void merge();
  void dissolve();
  void is_released(bool wants);
  /// Deep freeze of 3.2 from `root` (any profile); returns the number of objects frozen.
  size_t freeze(ObjectId root);
  void spawn(const WhenInfo &w);
  void set_freezable();

  // ---- calls (machine.cc) ----
  void call(Symbol name, uint32_t argc, bool wants_value, bool method);
  void enter(uint32_t function, ObjectId function_object, uint32_t argc, bool wants_value);
  void ret(bool has_value);

  // ---- helpers ----
  /// A cown whose fields this thread may not touch: Released; Acquired by another behaviour
  /// (only the behaviour that acquired a cown may use it, decision 1); or Pending and made by
  /// another thread (its region is still open in the LOCAL of the thread that made it,
  /// decision 28). A cown's payload is the thread that made it.
  bool is_opaque_cown(ObjectId o) {
    if (o == kNone || h.obj(o).kind != ObjectKind::Cown) return false;
    if (h.obj(o).status == CownStatus::Released) return true;
    if (h.obj(o).status == CownStatus::Pending) return h.obj(o).payload != m.current_thread_;
    const auto &mine = thread().cowns;
    return std::find(mine.begin(), mine.end(), o) == mine.end();
  }
  /// Why cown o is opaque here: "a Released cown", "a cown another behaviour holds", "a Pending
  /// cown another thread made".
  std::string opaque_cown_text(ObjectId o) const {
    switch (h.obj(o).status) {
      case CownStatus::Released:
        return "a Released cown";
      case CownStatus::Pending:
        return "a Pending cown another thread made";
      default:
        return "a cown another behaviour holds";
    }
  }
  bool is_cown(ObjectId o) const { return o != kNone && h.obj(o).kind == ObjectKind::Cown; }
  /// The root of a region's tree (following region parents; a cown ends the walk).
  RegionId tree_root(RegionId r);
  bool is_string_like(ObjectId o) const {
    return o != kNone &&
           (h.obj(o).kind == ObjectKind::String || h.obj(o).kind == ObjectKind::Boolean);
  }
  ObjectId new_string(Symbol text);
  /// All LOCAL reference sites (frame/object fields, prototypes, stack slots) of every thread,
  /// visited with (object or kNone for a stack slot, field name, is_proto, slot pointer).
  template <typename F> void for_each_local_reference(F &&f);
};

} // namespace lungfish
