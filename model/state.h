// The heap of the semantics (docs/semantics.md 1): objects, regions, LOCALs, cowns.
//
// Data layout: objects and regions live in flat vectors indexed by dense ids; id 0 is "None" /
// "no region". Freed slots are recycled through free lists, so memory follows the live heap; a
// monotonically growing `serial` gives every object and region a stable name for histories.
// Members of a region (and of each LOCAL) are kept in intrusive doubly linked lists so that
// merge, dissolve, collection and close touch only the objects concerned.
//
// Counters kept per object: `rc` (every incoming edge: fields, prototype, frame variables, a
// callee frame's __parent__, operand-stack slots, and +1 for a frame that is live on a call stack)
// and `local_rc` (the incoming edges whose source is a LOCAL: frame variables, LOCAL objects'
// fields and prototypes, stack slots). LRC(R) is a counter of the region, maintained by the rules
// (and deliberately wrong under FrankenScript's freeze); the checker recomputes it from edges.
#pragma once

#include "model/rules.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lungfish {

using ObjectId = uint32_t;
using RegionId = uint32_t;
using Symbol = uint32_t;
constexpr ObjectId kNone = 0;
constexpr RegionId kNoRegion = 0;

/// Interned field and variable names. Process-wide, thread-safe; symbol 0 is the empty name.
Symbol intern(std::string_view s);
/// The text of a symbol.
const std::string &symbol_name(Symbol s);
/// Three-way comparison of symbols by their text (fields are ordered by name, not by id).
int compare_symbols(Symbol a, Symbol b);
/// An iterator's payload when `close` took its object while keys were left (never a name).
inline constexpr Symbol kIteratorSourceClosed = UINT32_MAX;

enum class LocationKind : uint8_t { Local, Region, Immutable, Cown };

/// Where an object lives. `index` is the LOCAL's number (0 = main program, k = behaviour k) for
/// Local, the region id for Region, and 0 otherwise.
struct Location {
  LocationKind kind = LocationKind::Local;
  uint32_t index = 0;
  bool operator==(const Location &) const = default;
  static Location local(uint32_t l) { return {LocationKind::Local, l}; }
  static Location region(RegionId r) { return {LocationKind::Region, r}; }
  static Location immutable() { return {LocationKind::Immutable, 0}; }
  static Location cown() { return {LocationKind::Cown, 0}; }
  bool is_local() const { return kind == LocationKind::Local; }
  bool is_region() const { return kind == LocationKind::Region; }
  bool is_immutable() const { return kind == LocationKind::Immutable; }
};

enum class ObjectKind : uint8_t {
  Plain,     // {} and create(p)
  String,    // "s": payload = the text's symbol
  Frame,     // a call frame; fields are the variables
  Function,  // def f: payload = the function's index in the compiled program
  Cown,      // Cown(v); `status`; payload = the thread that made it
  Iterator,  // for-loop key iterator: field `source`; payload = last key symbol yielded, or
             // kIteratorSourceClosed
  Prototype, // builtin frozen prototypes ([Frame], [RegionObject], ...); payload = BuiltinProto
  Boolean,   // True / False (frozen strings); payload = 1 for True
};
std::string_view object_kind_name(ObjectKind k);

enum class CownStatus : uint8_t { Pending, Released, Acquired };
std::string_view cown_status_name(CownStatus s);

enum class BuiltinProto : uint8_t {
  Frame,
  RegionObject,
  Cown,
  String,
  Function,
  KeyIterator,
  Count
};

/// A named outgoing edge. `value` is kNone for a field holding None.
struct Field {
  Symbol name;
  ObjectId value;
  bool operator==(const Field &) const = default;
};

enum class Freezability : uint8_t { Unset, Yes, No, Explicit };

struct Object {
  bool live = false;
  ObjectKind kind = ObjectKind::Plain;
  CownStatus status = CownStatus::Pending;      // cowns only
  Freezability freezable = Freezability::Unset; // cpython profile
  Location loc;
  uint32_t rc = 0;
  uint32_t local_rc = 0;
  ObjectId proto = kNone;
  std::vector<Field> fields; // sorted by field name text (compare_symbols), unique names
  uint32_t payload = 0;
  uint64_t serial = 0;                 // creation number, never reused
  uint32_t created_line = 0;           // source line of the primitive that created it
  ObjectId prev = kNone, next = kNone; // intrusive list of the LOCAL / region it lives in
  bool operator==(const Object &) const = default;
};

/// cpython/pep795 (docs/semantics.md 1, 7): how an object was frozen, kept in State's side table
/// `frozen_info` (indexed by ObjectId) rather than in Object, so the other profiles' objects stay
/// as they are. An entry is valid only while `serial` matches the live object (slots are reused).
struct FrozenInfo {
  uint64_t serial = 0;           // the object's serial when it was frozen
  ObjectId rep = kNone;          // the representative of its SCC
  bool root = false;             // a root of the freeze that froze it (I19)
  uint32_t internal = 0;         // representative only: edges between members, at freeze time
  std::vector<ObjectId> members; // representative only: the SCC, itself included
  bool operator==(const FrozenInfo &) const = default;
};

enum class ParentKind : uint8_t { None, Region, Cown };

struct Region {
  bool live = false;
  ObjectId bridge = kNone;
  ParentKind parent_kind = ParentKind::None;
  uint32_t parent = 0; // a RegionId or the cown's ObjectId
  int64_t lrc = 0;
  int64_t sbrc = 0;
  bool dirty = false;     // frankenscript profile: lrc is an upper bound
  ObjectId first = kNone; // member list
  uint32_t members = 0;
  uint64_t serial = 0;
  uint32_t created_line = 0;
  uint32_t parent_since_line = 0; // when the current parent was set
  bool operator==(const Region &) const = default;
};

/// The objects and regions a run of primitives may have changed (incremental checking,
/// checker/incremental/incremental.h). Recorded at the only doors to mutation: the non-const accessors and
/// State's own mutators. It over-approximates (a non-const access that only reads is recorded
/// too) but never misses a change, so a checker that looks only at these ids sees every change.
struct TouchLog {
  std::vector<ObjectId> objects;
  std::vector<RegionId> regions;
  std::vector<uint8_t> object_marked, region_marked; // indexed by id: already in the lists
  void object(ObjectId o) {
    if (o >= object_marked.size())
      object_marked.resize(std::max<size_t>(o + 1, object_marked.size() * 2), 0);
    if (!object_marked[o]) {
      object_marked[o] = 1;
      objects.push_back(o);
    }
  }
  void region(RegionId r) {
    if (r >= region_marked.size())
      region_marked.resize(std::max<size_t>(r + 1, region_marked.size() * 2), 0);
    if (!region_marked[r]) {
      region_marked[r] = 1;
      regions.push_back(r);
    }
  }
  /// Objects whose only change may be their member-list links (a neighbour was linked or
  /// unlinked next to them): nothing but I1 looks at those, whatever their number of fields.
  std::vector<ObjectId> relinked;
  std::vector<uint8_t> relinked_marked;
  void relink(ObjectId o) {
    if (o >= relinked_marked.size())
      relinked_marked.resize(std::max<size_t>(o + 1, relinked_marked.size() * 2), 0);
    if (!relinked_marked[o]) {
      relinked_marked[o] = 1;
      relinked.push_back(o);
    }
  }
  /// Forgets what was recorded (cost: the number of ids recorded).
  void clear() {
    for (ObjectId o : objects)
      object_marked[o] = 0;
    for (RegionId r : regions)
      region_marked[r] = 0;
    for (ObjectId o : relinked)
      relinked_marked[o] = 0;
    objects.clear();
    regions.clear();
    relinked.clear();
  }
};

/// The heap. Copyable and comparable, so that a rejected primitive can be compared with the state
/// before it and `--schedules all` can fork.
class State {
public:
  State();

  // ---- objects ----
  /// Allocates a live object in `loc` with rc 0 and no fields.
  ObjectId new_object(ObjectKind kind, Location loc, uint32_t line);
  /// Frees an object: it must have no incoming references left to count (the caller has released
  /// them); its own outgoing edges must already be cleared.
  void free_object(ObjectId o);
  /// Destroys an object that is still referenced (a defect or a mutant): it stops being live but
  /// its slot is not reused until `recycle`, so dangling references stay detectable (I16).
  void kill_object(ObjectId o);
  /// Returns a killed object's slot to the free list (its last dangling reference is gone).
  void recycle(ObjectId o);
  Object &obj(ObjectId o) {
    if (touch_.log) touch_.log->object(o);
    return objects_[o];
  }
  const Object &obj(ObjectId o) const { return objects_[o]; }
  bool is_live(ObjectId o) const { return o != kNone && o < objects_.size() && objects_[o].live; }
  /// One past the largest object id ever allocated (ids 1..end-1 may be live).
  ObjectId object_end() const { return static_cast<ObjectId>(objects_.size()); }
  size_t live_objects() const { return live_objects_; }

  /// The value of an own field, or nullopt if absent.
  const Field *find_field(ObjectId o, Symbol name) const;
  Field *find_field(ObjectId o, Symbol name);
  /// Sets an own field's raw value (no counting); inserts in name order if absent.
  void set_field_raw(ObjectId o, Symbol name, ObjectId value);
  /// Moves an object to another location, keeping the membership lists in step (no counting).
  void relocate(ObjectId o, Location to);

  // ---- regions ----
  /// Allocates a live region with no members.
  RegionId new_region(uint32_t line);
  void free_region(RegionId r);
  Region &region(RegionId r) {
    if (touch_.log) touch_.log->region(r);
    return regions_[r];
  }
  const Region &region(RegionId r) const { return regions_[r]; }
  bool is_live_region(RegionId r) const {
    return r != kNoRegion && r < regions_.size() && regions_[r].live;
  }
  RegionId region_end() const { return static_cast<RegionId>(regions_.size()); }
  /// Members of a region, in list order.
  std::vector<ObjectId> members(RegionId r) const;
  /// Members of a LOCAL.
  std::vector<ObjectId> local_members(uint32_t local) const;
  /// The first member of a LOCAL's list (kNone if empty or no such LOCAL).
  ObjectId local_head(uint32_t local) const {
    return local < local_heads_.size() ? local_heads_[local] : kNone;
  }
  /// True if the region is open: LRC + SBRC > 0.
  bool is_open(RegionId r) const { return regions_[r].lrc + regions_[r].sbrc > 0; }
  /// True if o is the recorded bridge of a live region.
  bool is_bridge(ObjectId o) const;
  /// The region of a regional object, or kNoRegion.
  RegionId region_of(ObjectId o) const;
  /// The number of LOCALs that exist (main + behaviours ever spawned).
  uint32_t local_count() const { return static_cast<uint32_t>(local_heads_.size()); }
  /// The serial the next region will get.
  uint64_t next_region_serial() const { return next_region_serial_; }
  uint32_t add_local();

  // ---- globals ----
  ObjectId builtin_proto(BuiltinProto p) const { return protos_[static_cast<size_t>(p)]; }
  ObjectId true_object() const { return true_; }
  ObjectId false_object() const { return false_; }
  /// True for the builtin frozen globals (prototypes, True, False).
  bool is_global(ObjectId o) const;

  /// The object is frozen (or None, which the barrier treats as frozen).
  bool is_frozen_or_none(ObjectId o) const {
    return o == kNone || objects_[o].loc.kind == LocationKind::Immutable;
  }

  /// cpython/pep795 frozen SCCs (model/cpython_freeze.cc); empty in the other profiles. The
  /// representative's count is derived, as CPython computes it at freeze time: the sum of the
  /// members' rc minus `internal` (I18 checks it against the references from outside).
  std::vector<FrozenInfo> frozen_info;
  /// Representatives of SCCs that a cycle keeps alive (collected when their count reaches 0).
  std::vector<ObjectId> cyclic_reps;
  /// The valid side-table entry of o, or nullptr.
  const FrozenInfo *frozen_info_of(ObjectId o) const {
    if (o >= frozen_info.size() || !is_live(o) || frozen_info[o].serial != objects_[o].serial)
      return nullptr;
    return &frozen_info[o];
  }

  /// Records every object and region changed from now on into `log` (nullptr: stop). A copy of
  /// the State does not record.
  void set_touch_log(TouchLog *log) { touch_.log = log; }
  TouchLog *touch_log() const { return touch_.log; }

  bool operator==(const State &) const = default;

private:
  // Not part of the value: copies start without a log, comparison ignores it.
  struct TouchHook {
    TouchLog *log = nullptr;
    TouchHook() = default;
    TouchHook(const TouchHook &) {}
    TouchHook &operator=(const TouchHook &) { return *this; }
    bool operator==(const TouchHook &) const { return true; }
  };
  TouchHook touch_;
  void touch(ObjectId o) {
    if (touch_.log) touch_.log->object(o);
  }
  void touch_region(RegionId r) {
    if (touch_.log) touch_.log->region(r);
  }
  void touch_links(ObjectId o) {
    if (touch_.log && o != kNone) touch_.log->relink(o);
  }

  std::vector<Object> objects_;
  std::vector<Region> regions_;
  std::vector<ObjectId> free_objects_;
  std::vector<RegionId> free_regions_;
  std::vector<ObjectId> local_heads_; // per LOCAL
  size_t live_objects_ = 0;
  uint64_t next_serial_ = 1;
  uint64_t next_region_serial_ = 1;
  ObjectId protos_[static_cast<size_t>(BuiltinProto::Count)] = {};
  ObjectId true_ = kNone, false_ = kNone;

  ObjectId *list_head(Location loc);
  void link(ObjectId o);
  void unlink(ObjectId o);
};

} // namespace lungfish
