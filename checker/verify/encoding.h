// Internal to checker/verify*: the symbolic heap and the transition relation, over Z3 terms.
//
// A state within the bound (N objects, R regions, F fields, V frame variables) is a tuple of Z3
// terms. A value is an Int in [0, N]: 0 is None, k is object slot k-1. Per object slot: `alive`,
// `loc` (-1 dead, 0 LOCAL, 1 IMM, 2 COWN, 3+r region r), `fld[f]` (a value), `def[f]` (the field
// exists: reads of absent fields are E_UNDEFINED), `released` (cowns). Per region slot: `ralive`,
// `bridge` (a value), `pk` (0 none, 1 region, 2 cown), `par` (a region slot, or a cown's value),
// `lrc`, `sbrc`. Per variable: its value. Dead slots hold canonical values, so equal heaps are
// equal tuples once slots are assigned in allocation order (the lowest dead slot first).
//
// One transition is one statement of the program language (the operand stack is empty at
// statement boundaries, where the invariants are checked): `post = finish(effect(s, args))`.
// `effect` follows the rule text (checks, then the effect with LRC changed by the rule's deltas);
// `finish` is the collection (rc-0 objects, free regions with LRC 0, cascading, as a least
// fixpoint unrolled N+R+1 times), then SBRC by its definition and the cowns' status latch.
#pragma once

#include "checker/verify/verify.h"

#include <z3++.h>

#include <string>
#include <vector>

namespace lungfish::verify_detail {

constexpr int kDead = -1, kLocal = 0, kImm = 1, kCown = 2, kReg0 = 3;
/// Every number is a signed bit-vector of this width: the domain is tiny and finite, and Z3
/// bit-blasts it to SAT, much faster here than linear integer arithmetic. Counters stay within
/// [-(V + N*F), V + N*F], far inside [-64, 63] for the bounds this is meant for.
constexpr unsigned kWidth = 7;
/// A numeral of the encoding's sort.
inline z3::expr num(z3::context &c, int v) {
  return c.bv_val(v, kWidth);
}
/// A constant of the encoding's sort.
inline z3::expr num_const(z3::context &c, const std::string &name) {
  return c.bv_const(name.c_str(), kWidth);
}
/// The signed value of a numeral of the encoding's sort (or 0/1 for a Boolean).
int signed_value(const z3::expr &v);
constexpr int kNoParent = 0, kParentRegion = 1, kParentCown = 2;

using Exprs = std::vector<z3::expr>;

/// One symbolic (or concrete) state: see the header comment.
struct SymState {
  Exprs alive, loc, released;
  std::vector<Exprs> fld, def;
  Exprs ralive, bridge, pk, par, lrc, sbrc;
  Exprs var;
  /// Every component in a fixed order (for equalities, substitution and decoding).
  Exprs flat() const;
};

/// The arguments of one statement: variables x, y, z and a field f (Ints).
struct SymArgs {
  z3::expr x, y, z, f;
};

/// The statements the encoding knows (the "operations" of the results table).
enum class OpKind : int {
  New,       // x = {}
  Region,    // x = Region()
  Copy,      // x = y
  Read,      // x = y.f
  Drop,      // drop x
  Move,      // z = move y.f
  Store,     // x.f = y      (x not a cown: the barrier and the pull)
  CownWrite, // x.f = y      (x a cown)
  Freeze,    // freeze(x)
  Close,     // close(x)
  IsClosed,  // is_closed(x)
  Merge,     // merge(x, y)
  Dissolve,  // dissolve(x)
  Cown,      // z = Cown(x)
  CownMove,  // z = Cown(move x)
  Count
};
constexpr int kOpCount = static_cast<int>(OpKind::Count);
/// "store", "cown_write", ...
std::string op_name(OpKind op);
/// The statement's text with variables and fields named ("a.f = b").
std::string op_text(OpKind op, int x, int y, int z, const std::string &field);

/// The state invariants encoded (those meaningful without calls, behaviours and prototypes).
enum class Inv : int { I1, I2, I3, I4, I5, I6, I7, I8, I9, I10, I11, I12, I13, I14, I16, Count };
constexpr int kInvCount = static_cast<int>(Inv::Count);
std::string inv_name(Inv i);
/// The checker's invariant with the same name.
Invariant to_checker(Inv i);

/// A transition: the precondition (every enabled check passes) and the successor.
struct Transition {
  z3::expr pre;
  SymState post;
};

/// Builds states, invariants and transitions for one bound and one set of disabled checks.
class Encoder {
public:
  Encoder(z3::context &ctx, const Bound &b, const DisabledChecks &off);

  z3::context &ctx() { return c_; }
  const Bound &bound() const { return b_; }

  /// Fresh constants named `prefix.*`.
  SymState fresh_state(const std::string &prefix);
  /// Fresh argument constants.
  SymArgs fresh_args(const std::string &prefix);
  /// Ranges of every component and canonical dead slots (the state space, not an invariant).
  z3::expr well_formed(const SymState &s);
  /// Argument ranges.
  z3::expr args_in_range(const SymArgs &a);
  /// The empty heap: nothing alive, every variable None.
  z3::expr is_empty(const SymState &s);
  /// Component-wise equality.
  z3::expr equal(const SymState &a, const SymState &b);

  /// One invariant over a state.
  z3::expr invariant(const SymState &s, Inv i);
  /// Every invariant.
  z3::expr all_invariants(const SymState &s);
  /// Auxiliary invariants used to strengthen induction (docs/verification.md lists them).
  z3::expr auxiliary(const SymState &s);

  /// The transition of one statement: `effect` then `finish`.
  Transition step(OpKind op, const SymState &s, const SymArgs &a);
  /// The statement's checks and effect, before the collection.
  Transition effect(OpKind op, const SymState &s, const SymArgs &a);

  // ---- helpers shared by the encoding files ----
  z3::expr I(int v) { return num(c_, v); }
  z3::expr B(bool v) { return c_.bool_val(v); }
  z3::expr sum(const Exprs &xs);
  z3::expr count(const Exprs &conds);
  z3::expr any(const Exprs &xs);
  z3::expr all(const Exprs &xs);
  /// vec[i] for an Int index i in [0, vec.size()).
  z3::expr pick(const Exprs &vec, const z3::expr &i);
  /// The location of a value (kDead for None).
  z3::expr loc_of(const SymState &s, const z3::expr &v);
  z3::expr alive_of(const SymState &s, const z3::expr &v);
  z3::expr released_of(const SymState &s, const z3::expr &v);
  z3::expr field_of(const SymState &s, const z3::expr &v, const z3::expr &f);
  z3::expr def_of(const SymState &s, const z3::expr &v, const z3::expr &f);
  /// v is None or frozen (the barrier's "frozen").
  z3::expr frozen_or_none(const SymState &s, const z3::expr &v);
  z3::expr is_cown(const SymState &s, const z3::expr &v);
  z3::expr is_local(const SymState &s, const z3::expr &v);
  /// v lives in some region.
  z3::expr regional(const SymState &s, const z3::expr &v);
  /// v is the recorded bridge of a live region.
  z3::expr is_bridge(const SymState &s, const z3::expr &v);
  /// Region slot of a regional value (meaningful only if regional).
  z3::expr region_of(const SymState &s, const z3::expr &v) { return loc_of(s, v) - kReg0; }
  /// The root of region r's tree (following region parents, R steps).
  z3::expr tree_root(const SymState &s, const z3::expr &r);
  /// The number of LOCAL references (variables, LOCAL objects' fields) into region r.
  z3::expr true_lrc(const SymState &s, int r);
  /// LRC(region of v) += d when cond and v is regional.
  void add_lrc(SymState &st, const SymState &where, const z3::expr &v, int d, const z3::expr &cond);
  /// variable x := v (no counting).
  void set_var(SymState &st, const z3::expr &x, const z3::expr &v);
  /// field f of object value o := v, and defined (no counting).
  void set_field(SymState &st, const z3::expr &o, const z3::expr &f, const z3::expr &v);
  /// Releases a reference to t held by an object at location src_loc (value src): a LOCAL
  /// source gives LRC-1, an owning source (region or cown) frees the child. `cond` guards it.
  void release(SymState &st, const z3::expr &t, const z3::expr &src_loc, const z3::expr &src,
               const z3::expr &cond);
  /// The lowest dead object slot as a value (N+1 if none) and the lowest dead region slot.
  z3::expr first_dead_object(const SymState &s);
  z3::expr first_dead_region(const SymState &s);
  /// Collection, SBRC and cown status (the end of every primitive).
  SymState finish(const SymState &st);
  /// True if the rule's check is switched on.
  bool on(RuleId r) const { return !off_.disabled(r); }
  z3::expr check(RuleId r, const z3::expr &ok) { return on(r) ? ok : B(true); }

private:
  z3::context &c_;
  Bound b_;
  DisabledChecks off_;

  Transition op_simple(OpKind op, const SymState &s, const SymArgs &a);
  Transition op_store(const SymState &s, const SymArgs &a);
  Transition op_cown_write(const SymState &s, const SymArgs &a);
  Transition op_freeze(const SymState &s, const SymArgs &a);
  Transition op_close(const SymState &s, const SymArgs &a, bool only_test);
  Transition op_merge(const SymState &s, const SymArgs &a);
  Transition op_dissolve(const SymState &s, const SymArgs &a);
  Transition op_cown(const SymState &s, const SymArgs &a, bool move);
};

/// A concrete state (the same layout as SymState, plain integers).
struct ConcreteState {
  std::vector<int> alive, loc, released;
  std::vector<std::vector<int>> fld, def;
  std::vector<int> ralive, bridge, pk, par, lrc, sbrc;
  std::vector<int> var;
  bool operator==(const ConcreteState &) const = default;
  /// Every component in SymState::flat() order.
  std::vector<int> flat() const;
  std::string to_string() const;
};
/// An empty concrete state of the bound.
ConcreteState empty_state(const Bound &b);
/// Numerals for a concrete state.
SymState to_sym(z3::context &ctx, const ConcreteState &c);
/// Reads a concrete state out of a model.
ConcreteState from_model(const z3::model &m, const SymState &s, const Bound &b);

} // namespace lungfish::verify_detail
