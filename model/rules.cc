#include "model/rules.h"

#include <array>

namespace lungfish {

namespace {

constexpr std::array<std::string_view, static_cast<size_t>(ErrorCode::Count)> kCodeNames = {
    "E_IMMUTABLE",    "E_OPAQUE",         "E_NONE_ACCESS", "E_UNDEFINED",   "E_BAD_KEY",
    "E_BAD_PROTO",    "E_OTHER_REGION",   "E_HAS_PARENT",  "E_CYCLE",       "E_NOT_BRIDGE",
    "E_NOT_FREE",     "E_NOT_COWN",       "E_NOT_REGION",  "E_NOT_PARENT",  "E_DISSOLVE_CHILD",
    "E_CLOSE_PROTO",  "E_SEND_OPEN",      "E_STUCK",       "E_NOT_FREEZABLE", "E_HOOK",
    "E_NOT_SELF_CONTAINED", "E_NOT_FUNCTION", "E_ARITY",   "E_NO_VALUE",    "E_UNREACHABLE",
};

using R = RuleId;
using C = ErrorCode;

// clang-format off
constexpr RuleInfo kRules[] = {
  {R::ReadUndefinedName, "read.undefined_name", C::E_UNDEFINED, false, "x = y",
   "the variable y is defined in the current frame", ""},
  {R::ReadUndefinedField, "read.undefined_field", C::E_UNDEFINED, false, "x = y.f",
   "f is an own field of y or of an object on its prototype chain", ""},
  {R::ReadNoneAccess, "read.none_access", C::E_NONE_ACCESS, false, "x = y.f",
   "y is not None", ""},
  {R::ReadOpaque, "read.opaque", C::E_OPAQUE, true, "x = y.f",
   "neither y nor an object on its prototype chain is a Released cown",
   "reads the Released cown like a Pending one"},
  {R::ReadBadKey, "read.bad_key", C::E_BAD_KEY, false, "x = y[k]", "k is a string", ""},
  {R::WriteNoneAccess, "write.none_access", C::E_NONE_ACCESS, false, "x.f = y",
   "x is not None", ""},
  {R::WriteImmutable, "write.immutable", C::E_IMMUTABLE, true, "x.f = y",
   "x is not frozen", "stores the edge into the frozen object; no pull, no counter change"},
  {R::WriteOpaque, "write.opaque", C::E_OPAQUE, true, "x.f = y",
   "x is not a Released cown", "writes the Released cown like a Pending one"},
  {R::WriteBadKey, "write.bad_key", C::E_BAD_KEY, false, "x[k] = y", "k is a string", ""},
  {R::CownWriteNotBridge, "cown_write.not_bridge", C::E_NOT_BRIDGE, true, "c.f = y",
   "y is None, frozen, a cown, or the recorded bridge of a region",
   "stores the value in the cown; its location is unchanged"},
  {R::CownWriteNotFree, "cown_write.not_free", C::E_NOT_FREE, true, "c.f = y",
   "the region whose bridge is y has no parent",
   "re-parents the region to the cown, leaving the old owning edge"},
  {R::BarrierHasParent, "barrier.has_parent", C::E_HAS_PARENT, true, "x.f = y",
   "y, the bridge of another region S, has no parent",
   "re-parents S to the region of x, leaving the old owning edge in place"},
  {R::BarrierCycle, "barrier.cycle", C::E_CYCLE, true, "x.f = y",
   "the region S of bridge y is not the root of x's region tree",
   "sets parent(S) to x's region though it closes a cycle"},
  {R::BarrierOtherRegion, "barrier.other_region", C::E_OTHER_REGION, true, "x.f = y",
   "y in another region is that region's bridge", "stores the edge; no counter change"},
  {R::PullHasParent, "pull.has_parent", C::E_HAS_PARENT, true, "x.f = y (pull)",
   "every bridge reached from y through LOCAL objects belongs to a region without a parent",
   "re-parents the reached region, leaving the old owning edge in place"},
  {R::PullCycle, "pull.cycle", C::E_CYCLE, true, "x.f = y (pull)",
   "no bridge reached from y is the root of x's region tree",
   "sets the parent though it closes a cycle"},
  {R::PullOtherRegion, "pull.other_region", C::E_OTHER_REGION, true, "x.f = y (pull)",
   "every regional object reached from y through LOCAL objects is a bridge",
   "stores the edge and leaves that object where it is; no counter change for it"},
  {R::MoveNoneAccess, "move.none_access", C::E_NONE_ACCESS, false, "move o.f",
   "o is not None", ""},
  {R::MoveImmutable, "move.immutable", C::E_IMMUTABLE, true, "move o.f",
   "o is not frozen", "swaps None into the frozen object"},
  {R::MoveOpaque, "move.opaque", C::E_OPAQUE, true, "move o.f",
   "o is not a Released cown", "moves out of the Released cown like a Pending one"},
  {R::CreateBadProto, "create.bad_proto", C::E_BAD_PROTO, false, "create(p)",
   "p is None or an object that is not a string, cown or iterator", ""},
  {R::WriteBadProto, "write.bad_proto", C::E_BAD_PROTO, false, "x.__proto__ = y",
   "y is None or an object that is not a string, cown or iterator (as for create)", ""},
  {R::CloseNotBridge, "close.not_bridge", C::E_NOT_BRIDGE, false, "close(r)",
   "r is the recorded bridge of its region", ""},
  {R::CloseProto, "close.proto", C::E_CLOSE_PROTO, true, "close(r)",
   "no LOCAL prototype edge points into the region or a descendant",
   "leaves the prototype edge in place and closes"},
  {R::IsClosedNotBridge, "is_closed.not_bridge", C::E_NOT_BRIDGE, false, "is_closed(r)",
   "r is the recorded bridge of its region", ""},
  {R::MergeSourceNotRegion, "merge.source_not_region", C::E_NOT_REGION, false, "merge(src, sink)",
   "src is the recorded bridge of a region", ""},
  {R::MergeSinkNotRegion, "merge.sink_not_region", C::E_NOT_REGION, false, "merge(src, sink)",
   "sink is the recorded bridge of a region", ""},
  {R::MergeNotParent, "merge.not_parent", C::E_NOT_PARENT, true, "merge(src, sink)",
   "the parent of src's region is sink's region",
   "merges src into sink though sink is not its parent"},
  {R::DissolveNotRegion, "dissolve.not_region", C::E_NOT_REGION, false, "dissolve(r)",
   "r is the recorded bridge of a region", ""},
  {R::DissolveChild, "dissolve.child", C::E_DISSOLVE_CHILD, true, "dissolve(r)",
   "r's region has no parent and no owning cown",
   "dissolves the region, its owner's edge now pointing into LOCAL"},
  {R::CownNotBridge, "cown.not_bridge", C::E_NOT_BRIDGE, true, "Cown(v)",
   "v is None, frozen, a cown, or the recorded bridge of a region",
   "stores the value in the cown; its location is unchanged"},
  {R::CownNotFree, "cown.not_free", C::E_NOT_FREE, true, "Cown(v)",
   "the region whose bridge is v has no parent",
   "re-parents the region to the cown, leaving the old owning edge"},
  {R::IsReleasedNotCown, "is_released.not_cown", C::E_NOT_COWN, false, "is_released(c)",
   "c is a cown", ""},
  {R::WhenNotCown, "when.not_cown", C::E_NOT_COWN, false, "when (c1, ...):",
   "every ci is a cown", ""},
  {R::WhenSendOpen, "when.send_open", C::E_SEND_OPEN, true, "when (c1, ...):",
   "every captured value is None, frozen, a cown, or the bridge of a free region that is closed "
   "once the variable is moved", "captures the value as it is"},
  {R::ScheduleStuck, "schedule.stuck", C::E_STUCK, false, "end of run",
   "every spawned behaviour can eventually acquire its cowns", ""},
  {R::ForNoneAccess, "for.none_access", C::E_NONE_ACCESS, false, "for k, v in o:",
   "o is not None, and no close took o while keys were left", ""},
  {R::ForOpaque, "for.opaque", C::E_OPAQUE, true, "for k, v in o:",
   "o is not a Released cown", "iterates the Released cown like a Pending one"},
  {R::CallUndefined, "call.undefined", C::E_UNDEFINED, false, "f(...)",
   "f names a variable of the current or global frame, or a builtin", ""},
  {R::CallNotFunction, "call.not_function", C::E_NOT_FUNCTION, false, "f(...)",
   "f is a function", ""},
  {R::CallArity, "call.arity", C::E_ARITY, false, "f(...)",
   "the number of arguments matches the parameters", ""},
  {R::CallNoValue, "call.no_value", C::E_NO_VALUE, false, "x = f(...)",
   "a call used as a value returns a value", ""},
  {R::Unreachable, "unreachable", C::E_UNREACHABLE, false, "unreachable()",
   "never executed", ""},
  {R::FreezeNotFreezable, "freeze.not_freezable", C::E_NOT_FREEZABLE, true, "freeze(a, ...)",
   "no reached object has freezability no, and explicit ones are roots",
   "freezes the object anyway"},
  {R::FreezeHook, "freeze.hook", C::E_HOOK, false, "freeze(a, ...)",
   "no pre-freeze hook raises", ""},
  {R::FreezeNotSelfContained, "freeze.not_self_contained", C::E_NOT_SELF_CONTAINED, true,
   "freeze(a, ...)", "the frozen graph is referenced from outside only through its roots (pep795)",
   "freezes the graph anyway"},
};
// clang-format on
static_assert(std::size(kRules) == static_cast<size_t>(RuleId::Count));

constexpr MutantInfo kMutants[] = {
    {Mutant::PullLrcOffByOne, "pull.lrc_off_by_one", "the pull's ΔLRC(A) is one too high"},
    {Mutant::PullKeepsChildLrc, "pull.keeps_child_lrc",
     "a pull does not decrement LRC(S) of a reached free bridge"},
    {Mutant::SetParentNoSbrc, "set_parent.no_sbrc",
     "set_parent does not propagate SBRC to the ancestors"},
    {Mutant::MergeKeepsChildren, "merge.keeps_children",
     "merge does not hand src's children to sink"},
    {Mutant::DissolveNoChildLrc, "dissolve.no_child_lrc",
     "dissolve does not give the children LRC+1"},
    {Mutant::CloseSkipsDescendants, "close.skips_descendants",
     "close does not null references into descendants when SBRC > 0"},
    {Mutant::FreezeKeepsRegion, "freeze.keeps_region",
     "freeze does not end the region of a reached bridge"},
    {Mutant::CownLatchMissesDescendant, "cown.latch_misses_descendant",
     "a cown's status is not updated when a descendant region closes"},
};
static_assert(std::size(kMutants) == static_cast<size_t>(Mutant::Count));

} // namespace

std::string_view error_code_name(ErrorCode c) { return kCodeNames[static_cast<size_t>(c)]; }

std::optional<ErrorCode> parse_error_code(std::string_view s) {
  for (size_t i = 0; i < kCodeNames.size(); ++i)
    if (kCodeNames[i] == s) return static_cast<ErrorCode>(i);
  return std::nullopt;
}

std::span<const RuleInfo> all_rules() { return kRules; }

const RuleInfo &rule_info(RuleId r) { return kRules[static_cast<size_t>(r)]; }

std::optional<RuleId> find_rule(std::string_view name) {
  for (const auto &r : kRules)
    if (r.name == name) return r.id;
  return std::nullopt;
}

std::string DisabledChecks::disable_by_name(std::string_view s) {
  if (auto r = find_rule(s)) {
    if (!rule_info(*r).switchable)
      return "rule " + std::string(s) + " is a language error and cannot be switched off";
    disable(*r);
    return "";
  }
  if (auto c = parse_error_code(s)) {
    bool any = false;
    for (const auto &r : kRules)
      if (r.code == *c && r.switchable) {
        disable(r.id);
        any = true;
      }
    if (!any) return "error code " + std::string(s) + " is a language error and cannot be switched off";
    return "";
  }
  return "unknown rule or error code '" + std::string(s) +
         "' (see `lungfish run --help` for the list)";
}

std::vector<std::string> DisabledChecks::names() const {
  std::vector<std::string> out;
  for (const auto &r : kRules)
    if (disabled(r.id)) out.emplace_back(r.name);
  return out;
}

std::span<const MutantInfo> all_mutants() { return kMutants; }

std::optional<Mutant> find_mutant(std::string_view name) {
  for (const auto &m : kMutants)
    if (m.name == name) return m.id;
  return std::nullopt;
}

std::string_view profile_name(Profile p) {
  switch (p) {
    case Profile::Lungfish: return "lungfish";
    case Profile::Frankenscript: return "frankenscript";
    case Profile::Cpython: return "cpython";
    case Profile::Pep795: return "pep795";
  }
  return "?";
}

std::optional<Profile> parse_profile(std::string_view s) {
  for (auto p : {Profile::Lungfish, Profile::Frankenscript, Profile::Cpython, Profile::Pep795})
    if (profile_name(p) == s) return p;
  return std::nullopt;
}

} // namespace lungfish
