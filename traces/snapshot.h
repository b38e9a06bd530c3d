// A runtime-neutral heap snapshot, the model's state in that form, and comparison up to renaming.
//
// Every importer (FrankenScript mermaid.md, CPython recordings, the native trace) produces a
// Snapshot; `snapshot_of` produces one from the model's World, so replay compares like with like.
//
// Comparison (compare_snapshots) cannot use keys: runtime addresses and model serials never agree,
// and FrankenScript's strings, cowns and prototypes have no address at all. Both graphs are
// canonicalised instead (notes/frankenscript-output.md 6). Field names are unique per object, so
// the graph reachable from the root frame is a deterministic labelled graph; each node is named by
// its smallest shortest access path from the root:
//
//   BFS from the root, one level at a time; nodes of a level are expanded in the order of their
//   names, fields in name order; a node is named the first time it is reached.
//
// The first discovery is the minimum because all paths of one level have the same length and
// each node's own name is already the minimum for it (paths compare as sequences of field names).
// Global objects (prototypes, True/False, builtin functions) are leaves named `@<label>`, since
// they are constants both sides share; objects not reached from the root are "unreachable".
#pragma once

#include "model/world.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lungfish::traces {

enum class SnapKind : uint8_t {
  Object,
  String,
  Frame,
  Function,
  Cown,
  Iterator,
  Prototype,
  Boolean,
  None
};
/// "object", "string", ... (the model's object_kind_name plus "none").
std::string_view snap_kind_name(SnapKind k);
/// Parses a kind name; nullopt if unknown.
std::optional<SnapKind> parse_snap_kind(std::string_view s);

enum class LocKind : uint8_t { Local, Region, Imm, Cown, Unknown };

/// Where an object lives: the LOCAL of the snapshot's thread (`name` empty) or of another thread
/// (`name` = its number), a region (`name` = the region's name), IMM or COWN. Unknown = a runtime
/// drew an object outside every region (e.g. a region whose parent chain is cyclic).
struct SnapLocation {
  LocKind kind = LocKind::Local;
  std::string name;
  bool operator==(const SnapLocation &) const = default;
};
/// "local", "local:2", "region:<name>", "imm", "cown", "unknown".
std::string location_text(const SnapLocation &l);
/// Parses location_text's output; nullopt if malformed.
std::optional<SnapLocation> parse_location(std::string_view s);

/// One named edge; `target` is nullopt for a field holding None.
struct SnapField {
  std::string name;
  std::optional<std::string> target;
  bool operator==(const SnapField &) const = default;
};

struct SnapObject {
  std::string key; // an address ("0x7fbff6a16670"), "o<serial>", or a synthetic id
  SnapKind kind = SnapKind::Object;
  SnapLocation loc;
  std::vector<SnapField> fields; // in the runtime's order; names unique
  std::optional<int64_t> rc;
  std::optional<std::string> status; // cowns: "Pending", "Released", "Acquired"
  bool is_bridge = false;            // the current bridge of its region
  bool is_global = false;            // a builtin global (prototype, True/False, builtin function)
  bool unreachable = false;          // the runtime marked it unreachable
  std::string label;                 // display name: string value, "[Frame]", "True", address, ...
  // CPython recordings (notes/cpython-immutability.md 6):
  std::string type_name;                // Python type
  bool frozen = false;                  // immutable flag
  std::optional<int64_t> refcnt;        // raw ob_refcnt (includes the tracer's references)
  std::optional<std::string> scc_rep;   // key of the SCC representative (may be absent)
  std::vector<std::string> scc_members; // on representatives
  std::string leaf;                     // why the recorder did not expand it
  std::string freezable;                // "no" or "explicit" if set ("" unset or yes)
  bool operator==(const SnapObject &) const = default;
};

enum class SnapParentKind : uint8_t { None, Region, Cown };

struct SnapRegion {
  std::string name;                  // "reg0x7fbff6aa5400", "r<serial>", ...
  std::optional<std::string> bridge; // key of its bridge object, if drawn
  SnapParentKind parent_kind = SnapParentKind::None;
  std::string parent; // region name or cown key
  std::optional<int64_t> lrc, sbrc;
  bool dirty = false;
  bool operator==(const SnapRegion &) const = default;
};

struct Snapshot {
  std::vector<SnapObject> objects;
  std::vector<SnapRegion> regions;
  std::vector<std::string> roots; // the current frame first

  /// The object with this key, or nullptr. Uses an index rebuilt when objects were added.
  const SnapObject *find(std::string_view key) const;
  /// The region with this name, or nullptr.
  const SnapRegion *find_region(std::string_view name) const;
  /// Forget the lookup indexes (call after editing keys in place).
  void reindex() const { index_.clear(), region_index_.clear(); }

  bool operator==(const Snapshot &o) const {
    return objects == o.objects && regions == o.regions && roots == o.roots;
  }

private:
  mutable std::unordered_map<std::string, uint32_t> index_, region_index_;
};

/// The model's state as thread `thread` sees it: keys "o<serial>", regions "r<serial>", the
/// prototype slot as field `__proto__`, operand-stack slots as frame fields `_stack[i]`.
Snapshot snapshot_of(const World &w, uint32_t thread);

// ---- canonicalisation and comparison ----

struct CompareOptions {
  bool ignore_globals = true;         // do not compare the globals' own attributes (their rc)
  bool ignore_functions = true;       // drop function objects and edges to them (FS hides them)
  bool compare_frame_rc = false;      // frames carry +1 for the interpreter's own reference
  bool compare_unreachable = false;   // name unreachable objects by key (same-runtime compares)
  bool dirty_lrc_upper_bound = false; // a dirty region's actual LRC may exceed the expected
};

/// Canonical names of the objects of `s` reachable from its first root (key -> name); globals
/// are `@<label>`; with compare_unreachable, the others get `?<key>` and paths below them.
std::unordered_map<std::string, std::string> canonical_names(const Snapshot &s,
                                                             const CompareOptions &o = {});

enum class DiffKind : uint8_t {
  MissingObject,
  ExtraObject,
  Kind,
  Field,
  Rc,
  Lrc,
  Sbrc,
  Dirty,
  Status,
  Location,
  Parent,
  MissingRegion,
  ExtraRegion
};
/// "missing_object", "extra_object", "kind", "field", "rc", ...
std::string_view diff_kind_name(DiffKind k);

struct Difference {
  DiffKind kind;
  std::string path;     // canonical name of the object ("frame.r1.data") or region ("{frame.r1}")
  std::string expected; // as text; "" when absent
  std::string actual;
  bool operator==(const Difference &) const = default;
};

/// Every difference between `expected` and `actual` up to renaming, in a deterministic order.
std::vector<Difference> compare_snapshots(const Snapshot &expected, const Snapshot &actual,
                                          const CompareOptions &options = {});

} // namespace lungfish::traces
