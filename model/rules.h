// The rule table: every dynamic check of the semantics is a named rule with an error code.
//
// A rule is identified by a dotted id (`barrier.has_parent`); several rules share a code
// (`E_HAS_PARENT`). Ownership checks can be switched off (`--disable-check RULE|CODE`), in which
// case the primitive proceeds as docs/semantics.md 5 says; language errors cannot. The table is the
// single source for the checks in the model, for `--help`, and for `paper/generated/rules.tex`.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lungfish {

enum class ErrorCode : uint8_t {
  E_IMMUTABLE,
  E_OPAQUE,
  E_NONE_ACCESS,
  E_UNDEFINED,
  E_BAD_KEY,
  E_BAD_PROTO,
  E_OTHER_REGION,
  E_HAS_PARENT,
  E_CYCLE,
  E_NOT_BRIDGE,
  E_NOT_FREE,
  E_NOT_COWN,
  E_NOT_REGION,
  E_NOT_PARENT,
  E_DISSOLVE_CHILD,
  E_CLOSE_PROTO,
  E_SEND_OPEN,
  E_STUCK,
  E_NOT_FREEZABLE,
  E_HOOK,
  E_NOT_SELF_CONTAINED,
  E_NOT_FUNCTION,
  E_ARITY,
  E_NO_VALUE,
  E_UNREACHABLE,
  Count
};

/// The code's name as written in docs/semantics.md ("E_HAS_PARENT").
std::string_view error_code_name(ErrorCode c);
/// Parses a code name; nullopt if unknown.
std::optional<ErrorCode> parse_error_code(std::string_view s);

enum class RuleId : uint8_t {
  // reads
  ReadUndefinedName,
  ReadUndefinedField,
  ReadNoneAccess,
  ReadOpaque,
  ReadBadKey,
  // writes (x.f = y) and the barrier
  WriteNoneAccess,
  WriteImmutable,
  WriteOpaque,
  WriteBadKey,
  CownWriteNotBridge,
  CownWriteNotFree,
  BarrierHasParent,
  BarrierCycle,
  BarrierOtherRegion,
  PullHasParent,
  PullCycle,
  PullOtherRegion,
  // move o.f
  MoveNoneAccess,
  MoveImmutable,
  MoveOpaque,
  // objects
  CreateBadProto,
  WriteBadProto,
  // regions
  CloseNotBridge,
  CloseProto,
  IsClosedNotBridge,
  MergeSourceNotRegion,
  MergeSinkNotRegion,
  MergeNotParent,
  DissolveNotRegion,
  DissolveChild,
  // cowns and behaviours
  CownNotBridge,
  CownNotFree,
  IsReleasedNotCown,
  WhenNotCown,
  WhenSendOpen,
  ScheduleStuck,
  // iteration
  ForNoneAccess,
  ForOpaque,
  // calls
  CallUndefined,
  CallNotFunction,
  CallArity,
  CallNoValue,
  Unreachable,
  // cpython / pep795 freeze
  FreezeNotFreezable,
  FreezeHook,
  FreezeNotSelfContained,
  Count
};

/// One row of the rule table.
struct RuleInfo {
  RuleId id;
  std::string_view name;      // "barrier.has_parent"
  ErrorCode code;             // E_HAS_PARENT
  bool switchable;            // an ownership check that --disable-check may switch off
  std::string_view primitive; // the primitive it guards ("x.f = y")
  std::string_view check;     // the precondition, in words
  std::string_view when_off;  // what the primitive does when the check is off (docs/semantics.md 5)
};

/// Every rule, in table order.
std::span<const RuleInfo> all_rules();
/// The row of one rule.
const RuleInfo &rule_info(RuleId r);
/// Finds a rule by its dotted id; nullopt if unknown.
std::optional<RuleId> find_rule(std::string_view name);

/// A set of switched-off checks.
class DisabledChecks {
public:
  /// True if the rule's check is switched off.
  bool disabled(RuleId r) const { return bits_[static_cast<size_t>(r)]; }
  /// Switches one rule off.
  void disable(RuleId r) { bits_.set(static_cast<size_t>(r)); }
  /// Switches off a rule id or every switchable rule with an error code. Returns an error message
  /// (unknown name, or a language error that cannot be switched off) or the empty string.
  std::string disable_by_name(std::string_view rule_or_code);
  bool any() const { return bits_.any(); }
  /// The rule ids switched off, in table order.
  std::vector<std::string> names() const;
  bool operator==(const DisabledChecks &) const = default;

private:
  std::bitset<static_cast<size_t>(RuleId::Count)> bits_;
};

/// Rule mutants: deliberate mistakes in the rules' effects (not their checks), each a named
/// switch, used by `lungfish mutants` to show that the invariants catch them.
enum class Mutant : uint8_t {
  PullLrcOffByOne,         // the pull's ΔLRC(A) is one too high
  PullKeepsChildLrc,       // a pull does not decrement LRC(S) of a reached free bridge
  SetParentNoSbrc,         // set_parent does not propagate SBRC to the ancestors
  MergeKeepsChildren,      // merge does not hand src's children to sink
  DissolveNoChildLrc,      // dissolve does not give the children LRC+1
  CloseSkipsDescendants,   // close does not null references into descendants when SBRC > 0
  FreezeKeepsRegion,       // freeze does not end the region of a reached bridge
  CownLatchMissesDescendant, // a cown's status is not updated when a descendant region closes
  Count
};

struct MutantInfo {
  Mutant id;
  std::string_view name; // "pull.lrc_off_by_one"
  std::string_view description;
};
std::span<const MutantInfo> all_mutants();
std::optional<Mutant> find_mutant(std::string_view name);
using MutantSet = std::bitset<static_cast<size_t>(Mutant::Count)>;

/// The runtime whose design choices the model follows (docs/semantics.md 8).
enum class Profile : uint8_t { Lungfish, Frankenscript, Cpython, Pep795 };
std::string_view profile_name(Profile p);
std::optional<Profile> parse_profile(std::string_view s);

} // namespace lungfish
