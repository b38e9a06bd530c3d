// Internal helpers shared by the renderers (model/render*.cc); not part of the public interface.
#pragma once

#include "model/world.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lungfish::render_detail {

/// `prefix` followed by the decimal number (built with append: GCC 12's -Wrestrict misfires on
/// `"x" + std::to_string(n)` at -O3).
inline std::string prefixed(std::string_view prefix, uint64_t n) {
  std::string s(prefix);
  s.append(std::to_string(n));
  return s;
}

/// Live objects in serial (creation) order.
std::vector<ObjectId> live_objects_by_serial(const State &h);
/// Live regions in serial order.
std::vector<RegionId> live_regions_by_serial(const State &h);
/// FrankenScript's name of a builtin prototype ("[Frame]").
std::string_view proto_name(BuiltinProto p);
/// "local", "local:2", "region", "immutable", "cown".
std::string location_string(const Location &l);
/// The operand-stack slots that belong to a frame's activation, named `_stack[i]` as
/// FrankenScript names them.
std::vector<std::pair<std::string, ObjectId>> stack_slots(const World &w, ObjectId frame);

} // namespace lungfish::render_detail
