// Transitions of the shallow statements and of the write barrier with its pull (docs/semantics.md 3,
// 3.1). Counters change by the rule's deltas, relative to the state before the statement (the
// operand-stack slots a statement pushes and pops cancel out).
#include "checker/verify/encoding.h"

namespace lungfish::verify_detail {

std::string op_name(OpKind op) {
  static const char *kNames[] = {"new",       "region", "copy",       "read",   "drop",
                                 "move",      "store",  "cown_write", "freeze", "close",
                                 "is_closed", "merge",  "dissolve",   "cown",   "cown_move"};
  return kNames[static_cast<int>(op)];
}

std::string op_text(OpKind op, int x, int y, int z, const std::string &f) {
  auto v = [](int i) { return std::string(1, static_cast<char>('a' + i)); };
  switch (op) {
    case OpKind::New:
      return v(x) + " = {}";
    case OpKind::Region:
      return v(x) + " = Region()";
    case OpKind::Copy:
      return v(x) + " = " + v(y);
    case OpKind::Read:
      return v(x) + " = " + v(y) + "." + f;
    case OpKind::Drop:
      return "drop " + v(x);
    case OpKind::Move:
      return v(z) + " = move " + v(y) + "." + f;
    case OpKind::Store:
    case OpKind::CownWrite:
      return v(x) + "." + f + " = " + v(y);
    case OpKind::Freeze:
      return "freeze(" + v(x) + ")";
    case OpKind::Close:
      return "close(" + v(x) + ")";
    case OpKind::IsClosed:
      return "is_closed(" + v(x) + ")";
    case OpKind::Merge:
      return "merge(" + v(x) + ", " + v(y) + ")";
    case OpKind::Dissolve:
      return "dissolve(" + v(x) + ")";
    case OpKind::Cown:
      return v(z) + " = Cown(" + v(x) + ")";
    case OpKind::CownMove:
      return v(z) + " = Cown(move " + v(x) + ")";
    case OpKind::Count:
      break;
  }
  return "";
}

Transition Encoder::op_simple(OpKind op, const SymState &s, const SymArgs &a) {
  SymState st = s;
  z3::expr X = pick(s.var, a.x), Y = pick(s.var, a.y);
  z3::expr pre = B(true);
  const z3::expr local = I(kLocal), none = I(0);
  switch (op) {
    case OpKind::New:
    case OpKind::Region: {
      z3::expr k = first_dead_object(s);
      z3::expr q = first_dead_region(s);
      pre = k <= b_.objects;
      if (op == OpKind::Region) pre = pre && q < b_.regions;
      release(st, X, local, none, B(true)); // the old value of x
      for (int o = 0; o < b_.objects; ++o) {
        z3::expr hit = k == o + 1;
        st.alive[o] = st.alive[o] || hit;
        st.loc[o] = z3::ite(hit, op == OpKind::New ? I(kLocal) : q + kReg0, st.loc[o]);
      }
      if (op == OpKind::Region)
        for (int r = 0; r < b_.regions; ++r) {
          z3::expr hit = q == r;
          st.ralive[r] = st.ralive[r] || hit;
          st.bridge[r] = z3::ite(hit, k, st.bridge[r]);
          st.lrc[r] = z3::ite(hit, I(1), st.lrc[r]); // x's reference
        }
      set_var(st, a.x, k);
      break;
    }
    case OpKind::Copy:
      add_lrc(st, s, Y, +1, B(true));
      release(st, X, local, none, B(true));
      set_var(st, a.x, Y);
      break;
    case OpKind::Read: {
      pre = Y != 0 && check(RuleId::ReadOpaque, !(is_cown(s, Y) && released_of(s, Y))) &&
            def_of(s, Y, a.f);
      z3::expr w = field_of(s, Y, a.f);
      add_lrc(st, s, w, +1, B(true));
      release(st, X, local, none, B(true));
      set_var(st, a.x, w);
      break;
    }
    case OpKind::Drop:
      release(st, X, local, none, B(true));
      set_var(st, a.x, none);
      break;
    case OpKind::Move: {
      pre = Y != 0 && check(RuleId::MoveImmutable, loc_of(s, Y) != kImm) &&
            check(RuleId::MoveOpaque, !(is_cown(s, Y) && released_of(s, Y)));
      z3::expr w = field_of(s, Y, a.f);
      z3::expr ly = loc_of(s, Y);
      set_field(st, Y, a.f, none);
      // The field's reference becomes a LOCAL one: an owning reference frees the child; the net
      // LRC change is 0 from a LOCAL source and +1 from any other.
      release(st, w, ly, Y, B(true));
      add_lrc(st, st, w, +1, B(true));
      z3::expr Z = pick(st.var, a.z);
      release(st, Z, local, none, B(true));
      set_var(st, a.z, w);
      break;
    }
    default:
      break;
  }
  return Transition{pre, st};
}

Transition Encoder::op_store(const SymState &s, const SymArgs &a) {
  const int n = b_.objects, nr = b_.regions, nf = b_.fields;
  z3::expr X = pick(s.var, a.x), Y = pick(s.var, a.y);
  z3::expr A = loc_of(s, X), Bl = loc_of(s, Y);
  z3::expr S = Bl - kReg0;
  z3::expr frozen_x = A == kImm;
  z3::expr simple = frozen_or_none(s, Y) || is_cown(s, Y) || Bl == A;
  z3::expr c1 = frozen_x;
  z3::expr c2 = !c1 && simple;
  z3::expr c3 = !c1 && !simple && A == kLocal;
  z3::expr rest = !c1 && !simple && A != kLocal;
  z3::expr c4 = rest && Bl == kLocal; // the pull
  z3::expr c5 = rest && Bl != kLocal && is_bridge(s, Y);
  z3::expr c6 = rest && Bl != kLocal && !is_bridge(s, Y);
  z3::expr has_parent5 = pick(s.pk, S) != kNoParent;
  z3::expr root = tree_root(s, A - kReg0);
  z3::expr cycle5 = root == S;

  // The pulled set: Y and every LOCAL object it reaches through LOCAL objects.
  Exprs P(n, B(false));
  for (int o = 0; o < n; ++o)
    P[o] = c4 && Y == o + 1;
  for (int round = 1; round < n; ++round) {
    Exprs next = P;
    for (int o = 0; o < n; ++o) {
      Exprs via;
      for (int p = 0; p < n; ++p)
        for (int f = 0; f < nf; ++f)
          via.push_back(P[p] && s.fld[p][f] == o + 1);
      next[o] = P[o] || (s.alive[o] && s.loc[o] == kLocal && any(via));
    }
    P = next;
  }
  auto in_p = [&](const z3::expr &v) {
    Exprs c;
    for (int o = 0; o < n; ++o)
      c.push_back(v == o + 1 && P[o]);
    return any(c);
  };
  // The pull's checks, per reached region and per edge.
  Exprs edges_to(nr, I(0)), reached(nr, B(false)), pull_ok;
  Exprs other;
  for (int q = 0; q < nr; ++q) {
    Exprs e;
    for (int p = 0; p < n; ++p)
      for (int f = 0; f < nf; ++f)
        e.push_back(P[p] && s.ralive[q] && s.fld[p][f] == s.bridge[q] &&
                    loc_of(s, s.bridge[q]) == kReg0 + q && A != kReg0 + q);
    edges_to[q] = count(e);
    reached[q] = edges_to[q] >= 1;
    z3::expr hp = reached[q] && (s.pk[q] != kNoParent || edges_to[q] >= 2);
    z3::expr cyc = reached[q] && s.pk[q] == kNoParent && root == q;
    pull_ok.push_back(check(RuleId::PullHasParent, !hp));
    pull_ok.push_back(check(RuleId::PullCycle, !cyc));
  }
  for (int p = 0; p < n; ++p)
    for (int f = 0; f < nf; ++f) {
      z3::expr t = s.fld[p][f];
      other.push_back(P[p] && regional(s, t) && loc_of(s, t) != A && !is_bridge(s, t));
    }
  pull_ok.push_back(check(RuleId::PullOtherRegion, !any(other)));

  z3::expr pre =
      X != 0 && !is_cown(s, X) && z3::implies(c1, check(RuleId::WriteImmutable, B(false))) &&
      z3::implies(c4, all(pull_ok)) &&
      z3::implies(c5, check(RuleId::BarrierHasParent, !has_parent5) &&
                          z3::implies(!has_parent5, check(RuleId::BarrierCycle, !cycle5))) &&
      z3::implies(c6, check(RuleId::BarrierOtherRegion, B(false)));

  SymState st = s;
  // c3: a LOCAL object now references the regional Y.
  add_lrc(st, s, Y, +1, c3);
  // c4: the pull. dLRC(A) = LOCAL references into the pulled set - edges from it into A.
  Exprs into_p;
  for (const z3::expr &v : s.var)
    into_p.push_back(in_p(v));
  Exprs into_a;
  for (int p = 0; p < n; ++p)
    for (int f = 0; f < nf; ++f) {
      into_p.push_back(s.alive[p] && s.loc[p] == kLocal && !P[p] && in_p(s.fld[p][f]));
      into_a.push_back(P[p] && s.fld[p][f] != 0 && loc_of(s, s.fld[p][f]) == A);
    }
  z3::expr delta_a = count(into_p) - count(into_a);
  for (int r = 0; r < nr; ++r) {
    st.lrc[r] = z3::ite(c4 && A == kReg0 + r, st.lrc[r] + delta_a, st.lrc[r]);
    // Each edge to a reached free bridge was a LOCAL reference and is now the owning one.
    st.lrc[r] = z3::ite(c4 && reached[r], st.lrc[r] - edges_to[r], st.lrc[r]);
    st.pk[r] = z3::ite(c4 && reached[r], I(kParentRegion), st.pk[r]);
    st.par[r] = z3::ite(c4 && reached[r], A - kReg0, st.par[r]);
  }
  for (int o = 0; o < n; ++o)
    st.loc[o] = z3::ite(P[o], A, st.loc[o]);
  // The store itself and the release of the old value (from A; an owning one frees the child).
  z3::expr old = field_of(s, X, a.f);
  set_field(st, X, a.f, Y);
  release(st, old, A, X, B(true));
  // c5: S becomes a child of A (after the old value is released, as in the model).
  for (int r = 0; r < nr; ++r) {
    z3::expr hit = c5 && S == r;
    st.pk[r] = z3::ite(hit, I(kParentRegion), st.pk[r]);
    st.par[r] = z3::ite(hit, A - kReg0, st.par[r]);
  }
  return Transition{pre, st};
}

Transition Encoder::op_cown_write(const SymState &s, const SymArgs &a) {
  z3::expr X = pick(s.var, a.x), Y = pick(s.var, a.y);
  z3::expr S = region_of(s, Y);
  z3::expr plain = frozen_or_none(s, Y) || is_cown(s, Y);
  z3::expr br = !plain && is_bridge(s, Y);
  z3::expr pre = X != 0 && is_cown(s, X) && check(RuleId::WriteOpaque, !released_of(s, X)) &&
                 z3::implies(br, check(RuleId::CownWriteNotFree, pick(s.pk, S) == kNoParent)) &&
                 z3::implies(!plain && !br, check(RuleId::CownWriteNotBridge, B(false)));
  SymState st = s;
  z3::expr old = field_of(s, X, a.f);
  set_field(st, X, a.f, Y);
  release(st, old, I(kCown), X, B(true));
  for (int r = 0; r < b_.regions; ++r) {
    z3::expr hit = br && S == r;
    st.pk[r] = z3::ite(hit, I(kParentCown), st.pk[r]);
    st.par[r] = z3::ite(hit, X, st.par[r]);
  }
  return Transition{pre, st};
}

} // namespace lungfish::verify_detail
