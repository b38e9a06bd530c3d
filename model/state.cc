#include "model/state.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <mutex>
#include <unordered_map>

namespace lungfish {

namespace {

// Names live in chunks that never move: chunk k holds 64 << k names, so 27 chunks cover every
// 32-bit id. symbol_name reads without the lock (it is on the hot path of every field insert via
// compare_symbols): a name is written, under the lock, before its id is returned by intern, so
// whoever holds an id already happens-after the write; the chunk pointer itself is published
// with release/acquire.
struct SymbolTable {
  static constexpr unsigned kFirstBits = 6;
  static constexpr unsigned kChunks = 32 - kFirstBits + 1;
  std::mutex mutex; // serialises intern
  std::atomic<std::string *> chunks[kChunks] = {};
  uint32_t size = 0;
  std::unordered_map<std::string, Symbol> ids;

  static void locate(Symbol s, unsigned &chunk, size_t &offset) {
    uint64_t j = static_cast<uint64_t>(s) + (uint64_t{1} << kFirstBits);
    chunk = static_cast<unsigned>(std::bit_width(j)) - 1 - kFirstBits;
    offset = static_cast<size_t>(j - (uint64_t{1} << (chunk + kFirstBits)));
  }
  /// Appends a name (the caller holds the lock); returns its id.
  Symbol append(std::string_view s) {
    Symbol id = size++;
    unsigned k;
    size_t off;
    locate(id, k, off);
    std::string *chunk = chunks[k].load(std::memory_order_relaxed);
    if (!chunk) {
      chunk = new std::string[size_t{1} << (k + kFirstBits)]; // lives as long as the process
      chunks[k].store(chunk, std::memory_order_release);
    }
    chunk[off].assign(s);
    ids.emplace(std::string(s), id);
    return id;
  }
  SymbolTable() { append(""); }
};

SymbolTable &symbols() {
  static SymbolTable table;
  return table;
}

} // namespace

Symbol intern(std::string_view s) {
  auto &t = symbols();
  std::lock_guard lock(t.mutex);
  auto it = t.ids.find(std::string(s));
  if (it != t.ids.end()) return it->second;
  return t.append(s);
}

const std::string &symbol_name(Symbol s) {
  auto &t = symbols();
  unsigned k;
  size_t off;
  SymbolTable::locate(s, k, off);
  return t.chunks[k].load(std::memory_order_acquire)[off];
}

int compare_symbols(Symbol a, Symbol b) {
  if (a == b) return 0;
  return symbol_name(a).compare(symbol_name(b)) < 0 ? -1 : 1;
}

std::string_view object_kind_name(ObjectKind k) {
  switch (k) {
    case ObjectKind::Plain:
      return "object";
    case ObjectKind::String:
      return "string";
    case ObjectKind::Frame:
      return "frame";
    case ObjectKind::Function:
      return "function";
    case ObjectKind::Cown:
      return "cown";
    case ObjectKind::Iterator:
      return "iterator";
    case ObjectKind::Prototype:
      return "prototype";
    case ObjectKind::Boolean:
      return "boolean";
  }
  return "?";
}

std::string_view cown_status_name(CownStatus s) {
  switch (s) {
    case CownStatus::Pending:
      return "Pending";
    case CownStatus::Released:
      return "Released";
    case CownStatus::Acquired:
      return "Acquired";
  }
  return "?";
}

State::State() {
  objects_.emplace_back(); // id 0 = None
  regions_.emplace_back(); // id 0 = no region
  local_heads_.push_back(kNone);
  for (size_t p = 0; p < static_cast<size_t>(BuiltinProto::Count); ++p) {
    protos_[p] = new_object(ObjectKind::Prototype, Location::immutable(), 0);
    objects_[protos_[p]].payload = static_cast<uint32_t>(p);
    objects_[protos_[p]].rc = 1; // held by the builtins table
  }
  for (bool b : {true, false}) {
    ObjectId o = new_object(ObjectKind::Boolean, Location::immutable(), 0);
    objects_[o].payload = b ? 1 : 0;
    objects_[o].proto = protos_[static_cast<size_t>(BuiltinProto::String)];
    objects_[objects_[o].proto].rc++;
    objects_[o].rc = 1; // held by the builtins table
    (b ? true_ : false_) = o;
  }
}

bool State::is_global(ObjectId o) const {
  if (o == true_ || o == false_) return true;
  for (auto p : protos_)
    if (p == o) return true;
  return false;
}

ObjectId *State::list_head(Location loc) {
  switch (loc.kind) {
    case LocationKind::Local:
      return &local_heads_[loc.index];
    case LocationKind::Region:
      return &regions_[loc.index].first;
    default:
      return nullptr;
  }
}

void State::link(ObjectId o) {
  touch(o);
  Object &ob = objects_[o];
  ObjectId *head = list_head(ob.loc);
  ob.prev = ob.next = kNone;
  if (!head) return;
  ob.next = *head;
  if (*head != kNone) {
    touch_links(*head);
    objects_[*head].prev = o;
  }
  *head = o;
  if (ob.loc.is_region()) {
    touch_region(ob.loc.index);
    regions_[ob.loc.index].members++;
  }
}

void State::unlink(ObjectId o) {
  touch(o);
  Object &ob = objects_[o];
  ObjectId *head = list_head(ob.loc);
  if (!head) return;
  touch_links(ob.prev);
  touch_links(ob.next);
  if (ob.prev != kNone)
    objects_[ob.prev].next = ob.next;
  else
    *head = ob.next;
  if (ob.next != kNone) objects_[ob.next].prev = ob.prev;
  ob.prev = ob.next = kNone;
  if (ob.loc.is_region()) {
    touch_region(ob.loc.index);
    regions_[ob.loc.index].members--;
  }
}

ObjectId State::new_object(ObjectKind kind, Location loc, uint32_t line) {
  ObjectId o;
  if (!free_objects_.empty()) {
    o = free_objects_.back();
    free_objects_.pop_back();
  } else {
    o = static_cast<ObjectId>(objects_.size());
    objects_.emplace_back();
  }
  Object &ob = objects_[o];
  auto fields = std::move(ob.fields); // keep the capacity of a recycled slot
  fields.clear();
  ob = Object{};
  ob.fields = std::move(fields);
  ob.live = true;
  ob.kind = kind;
  ob.loc = loc;
  ob.serial = next_serial_++;
  ob.created_line = line;
  link(o);
  ++live_objects_;
  return o;
}

void State::free_object(ObjectId o) {
  kill_object(o);
  recycle(o);
}

void State::kill_object(ObjectId o) {
  touch(o);
  unlink(o);
  Object &ob = objects_[o];
  ob.live = false;
  ob.fields.clear();
  ob.proto = kNone;
  --live_objects_;
}

void State::recycle(ObjectId o) {
  touch(o);
  Object &ob = objects_[o];
  ob.rc = ob.local_rc = 0;
  free_objects_.push_back(o);
}

const Field *State::find_field(ObjectId o, Symbol name) const {
  for (const Field &f : objects_[o].fields)
    if (f.name == name) return &f;
  return nullptr;
}

Field *State::find_field(ObjectId o, Symbol name) {
  touch(o); // the caller may write through the pointer
  for (Field &f : objects_[o].fields)
    if (f.name == name) return &f;
  return nullptr;
}

void State::set_field_raw(ObjectId o, Symbol name, ObjectId value) {
  touch(o);
  auto &fs = objects_[o].fields;
  for (Field &f : fs)
    if (f.name == name) {
      f.value = value;
      return;
    }
  // Fields are sorted by name text: a binary search keeps inserts into wide objects (frames with
  // many variables) at O(log n) string comparisons.
  auto it = std::lower_bound(fs.begin(), fs.end(), name, [](const Field &f, Symbol n) {
    return compare_symbols(f.name, n) < 0;
  });
  fs.insert(it, Field{name, value});
}

void State::relocate(ObjectId o, Location to) {
  touch(o);
  unlink(o);
  objects_[o].loc = to;
  link(o);
}

RegionId State::new_region(uint32_t line) {
  RegionId r;
  if (!free_regions_.empty()) {
    r = free_regions_.back();
    free_regions_.pop_back();
  } else {
    r = static_cast<RegionId>(regions_.size());
    regions_.emplace_back();
  }
  touch_region(r);
  regions_[r] = Region{};
  regions_[r].live = true;
  regions_[r].serial = next_region_serial_++;
  regions_[r].created_line = line;
  return r;
}

void State::free_region(RegionId r) {
  touch_region(r);
  regions_[r].live = false;
  free_regions_.push_back(r);
}

std::vector<ObjectId> State::members(RegionId r) const {
  std::vector<ObjectId> out;
  for (ObjectId o = regions_[r].first; o != kNone; o = objects_[o].next)
    out.push_back(o);
  return out;
}

std::vector<ObjectId> State::local_members(uint32_t local) const {
  std::vector<ObjectId> out;
  for (ObjectId o = local_heads_[local]; o != kNone; o = objects_[o].next)
    out.push_back(o);
  return out;
}

bool State::is_bridge(ObjectId o) const {
  if (!is_live(o)) return false;
  const Object &ob = objects_[o];
  return ob.loc.is_region() && regions_[ob.loc.index].bridge == o;
}

RegionId State::region_of(ObjectId o) const {
  if (o == kNone) return kNoRegion;
  const Object &ob = objects_[o];
  return ob.loc.is_region() ? ob.loc.index : kNoRegion;
}

uint32_t State::add_local() {
  local_heads_.push_back(kNone);
  return static_cast<uint32_t>(local_heads_.size() - 1);
}

} // namespace lungfish
