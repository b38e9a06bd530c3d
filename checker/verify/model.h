// Internal to checker/verify*: the bridge between the encoding and the executable model.
//
// A World is abstracted into a ConcreteState (checker/verify/encoding.h) with a SlotMap that
// keeps each live object and region in its slot across statements; programs are the variable
// prelude (`a = None`, ...) followed by the statements.
#pragma once

#include "checker/verify/encoding.h"
#include "model/machine.h"

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lungfish::verify_detail {

/// The name of field index f ("value" first: Cown(v) stores into `value`).
std::string field_name(int f);
/// The name of variable index v ("a", "b", ...).
std::string var_name(int v);
/// `a = None\nb = None\n...`: defines every variable of the bound.
std::string prelude(const Bound &b);

/// Object id -> (slot, serial), region id -> (slot, serial).
struct SlotMap {
  std::map<ObjectId, std::pair<int, uint64_t>> objects;
  std::map<RegionId, std::pair<int, uint64_t>> regions;
};

/// Abstracts a World at a statement boundary; nullopt (with the reason) if it leaves the scope.
std::optional<ConcreteState> abstract_world(const World &w, const Bound &b, SlotMap &map,
                                            std::string *err);

/// One run of the model: the World and the invariants broken after each statement.
struct RunRecord {
  std::vector<World> worlds;
  std::vector<uint32_t> lines;
  std::vector<std::vector<Violation>> violations;
  Outcome outcome = Outcome::Ok;
  std::string error;    // the rejection, if any
  std::string dangling; // a use of a freed object, if any
};
/// Runs a program under the lungfish profile with the given checks off.
RunRecord run_program(const std::string &text, const DisabledChecks &disabled);

} // namespace lungfish::verify_detail
