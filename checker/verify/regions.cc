// Transitions of the deep and region-level statements: freeze (3.2, lungfish profile), close and
// is_closed, merge, dissolve (3.3), Cown (3.4); and `step`, which adds the collection to each.
// Reachability (the frozen set, the objects an ended region keeps, a region's descendants) is
// unrolled: N objects need at most N-1 rounds, R regions at most R.
#include "checker/verify/encoding.h"

namespace lungfish::verify_detail {

namespace {
// in[q][r]: region q is r or a descendant of r (region parents, R rounds).
std::vector<Exprs> descendants(Encoder &e, const SymState &s) {
  const int nr = e.bound().regions;
  std::vector<Exprs> in(nr, Exprs(nr, e.B(false)));
  for (int r = 0; r < nr; ++r)
    in[r][r] = e.B(true);
  for (int round = 0; round < nr; ++round) {
    auto next = in;
    for (int q = 0; q < nr; ++q)
      for (int r = 0; r < nr; ++r) {
        Exprs via{in[q][r]};
        for (int m = 0; m < nr; ++m)
          via.push_back(s.ralive[q] && s.pk[q] == kParentRegion && s.par[q] == m && in[m][r]);
        next[q][r] = e.any(via);
      }
    in = next;
  }
  return in;
}
} // namespace

Transition Encoder::op_freeze(const SymState &s, const SymArgs &a) {
  const int n = b_.objects, nr = b_.regions, nf = b_.fields;
  z3::expr X = pick(s.var, a.x);
  auto mutable_obj = [&](int o) { return s.alive[o] && (s.loc[o] == kLocal || s.loc[o] >= kReg0); };
  // Z: the objects the walk freezes (stopping at None, frozen objects and cowns).
  Exprs Z(n, B(false));
  for (int o = 0; o < n; ++o)
    Z[o] = X == o + 1 && mutable_obj(o);
  for (int round = 1; round < n; ++round) {
    Exprs next = Z;
    for (int o = 0; o < n; ++o) {
      Exprs via;
      for (int p = 0; p < n; ++p)
        for (int f = 0; f < nf; ++f)
          via.push_back(Z[p] && s.fld[p][f] == o + 1);
      next[o] = Z[o] || (mutable_obj(o) && any(via));
    }
    Z = next;
  }
  Exprs ended(nr, B(false));
  for (int r = 0; r < nr; ++r) {
    Exprs hit;
    for (int o = 0; o < n; ++o)
      hit.push_back(Z[o] && s.bridge[r] == o + 1);
    ended[r] = s.ralive[r] && any(hit);
  }
  auto in_ended = [&](int o) {
    Exprs c;
    for (int r = 0; r < nr; ++r)
      c.push_back(s.loc[o] == kReg0 + r && ended[r]);
    return any(c);
  };
  // LOCAL references into o before the freeze (all) and from sources that stay mutable.
  Exprs lref(n, I(0)), lref_kept(n, I(0));
  for (int o = 0; o < n; ++o) {
    Exprs all_src, kept_src;
    for (const z3::expr &v : s.var) {
      all_src.push_back(v == o + 1);
      kept_src.push_back(v == o + 1);
    }
    for (int p = 0; p < n; ++p)
      for (int f = 0; f < nf; ++f) {
        z3::expr e = s.alive[p] && s.loc[p] == kLocal && s.fld[p][f] == o + 1;
        all_src.push_back(e);
        kept_src.push_back(e && !Z[p]);
      }
    lref[o] = count(all_src);
    lref_kept[o] = count(kept_src);
  }
  // The unreached objects of an ended region that LOCAL still reaches move to LOCAL.
  Exprs rest(n, B(false)), kept(n, B(false));
  for (int o = 0; o < n; ++o) {
    rest[o] = s.alive[o] && !Z[o] && in_ended(o);
    kept[o] = rest[o] && lref_kept[o] > 0;
  }
  for (int round = 1; round < n; ++round) {
    Exprs next = kept;
    for (int o = 0; o < n; ++o) {
      Exprs via;
      for (int p = 0; p < n; ++p)
        for (int f = 0; f < nf; ++f)
          via.push_back(kept[p] && s.loc[p] == s.loc[o] && s.fld[p][f] == o + 1);
      next[o] = kept[o] || (rest[o] && any(via));
    }
    kept = next;
  }
  SymState st = s;
  for (int r = 0; r < nr; ++r) {
    // A region that only loses objects: LRC -= the LOCAL references into them.
    Exprs lost, gained;
    for (int o = 0; o < n; ++o)
      lost.push_back(z3::ite(Z[o] && s.loc[o] == kReg0 + r, lref[o], I(0)));
    // Edges of the kept objects become LOCAL references (owned children, now free: LRC+1).
    for (int p = 0; p < n; ++p)
      for (int f = 0; f < nf; ++f) {
        z3::expr t = s.fld[p][f];
        Exprs t_frozen;
        for (int o = 0; o < n; ++o)
          t_frozen.push_back(t == o + 1 && Z[o]);
        gained.push_back(kept[p] && loc_of(s, t) == kReg0 + r && !any(t_frozen));
      }
    z3::expr parent_ended = s.pk[r] == kParentRegion && pick(ended, s.par[r]);
    st.lrc[r] = z3::ite(ended[r], I(0), s.lrc[r] - sum(lost) + count(gained));
    st.ralive[r] = s.ralive[r] && !ended[r];
    st.bridge[r] = z3::ite(ended[r], I(0), s.bridge[r]);
    z3::expr unpar = ended[r] || parent_ended;
    st.pk[r] = z3::ite(unpar, I(kNoParent), s.pk[r]);
    st.par[r] = z3::ite(unpar, I(0), s.par[r]);
    st.sbrc[r] = z3::ite(ended[r], I(0), s.sbrc[r]);
  }
  for (int o = 0; o < n; ++o) {
    z3::expr destroyed = rest[o] && !kept[o];
    st.alive[o] = s.alive[o] && !destroyed;
    st.loc[o] =
        z3::ite(Z[o], I(kImm), z3::ite(kept[o], I(kLocal), z3::ite(destroyed, I(kDead), s.loc[o])));
    for (int f = 0; f < nf; ++f) {
      st.fld[o][f] = z3::ite(destroyed, I(0), s.fld[o][f]);
      st.def[o][f] = s.def[o][f] && !destroyed;
    }
  }
  return Transition{B(true), st};
}

Transition Encoder::op_close(const SymState &s, const SymArgs &a, bool only_test) {
  const int n = b_.objects, nr = b_.regions, nf = b_.fields;
  z3::expr X = pick(s.var, a.x);
  z3::expr pre = is_bridge(s, X); // close.not_bridge, is_closed.not_bridge: language errors
  if (only_test) return Transition{pre, s};
  z3::expr q = region_of(s, X);
  auto desc = descendants(*this, s);
  Exprs T(nr, B(false));
  z3::expr with_desc = pick(s.sbrc, q) > 0;
  for (int r = 0; r < nr; ++r) {
    Exprs below;
    for (int m = 0; m < nr; ++m)
      below.push_back(q == m && desc[r][m]);
    T[r] = q == r || (with_desc && any(below));
  }
  z3::expr open = pick(s.lrc, q) + pick(s.sbrc, q) > 0;
  auto into = [&](const z3::expr &t, int r) { return open && T[r] && loc_of(s, t) == kReg0 + r; };
  auto into_any = [&](const z3::expr &t) {
    Exprs c;
    for (int r = 0; r < nr; ++r)
      c.push_back(into(t, r));
    return any(c);
  };
  SymState st = s;
  for (int r = 0; r < nr; ++r) {
    Exprs nulled;
    for (const z3::expr &v : s.var)
      nulled.push_back(into(v, r));
    for (int p = 0; p < n; ++p)
      for (int f = 0; f < nf; ++f)
        nulled.push_back(s.alive[p] && s.loc[p] == kLocal && into(s.fld[p][f], r));
    st.lrc[r] = s.lrc[r] - count(nulled);
  }
  for (int v = 0; v < b_.vars; ++v)
    st.var[v] = z3::ite(into_any(s.var[v]), I(0), s.var[v]);
  for (int p = 0; p < n; ++p)
    for (int f = 0; f < nf; ++f)
      st.fld[p][f] =
          z3::ite(s.alive[p] && s.loc[p] == kLocal && into_any(s.fld[p][f]), I(0), s.fld[p][f]);
  return Transition{pre, st};
}

Transition Encoder::op_merge(const SymState &s, const SymArgs &a) {
  const int n = b_.objects, nr = b_.regions, nf = b_.fields;
  z3::expr X = pick(s.var, a.x), Y = pick(s.var, a.y);
  z3::expr src = region_of(s, X), sink = region_of(s, Y);
  z3::expr pre = is_bridge(s, X) && is_bridge(s, Y) &&
                 check(RuleId::MergeNotParent, src == sink || (pick(s.pk, src) == kParentRegion &&
                                                               pick(s.par, src) == sink));
  z3::expr go = src != sink;
  SymState st = s;
  z3::expr src_lrc = pick(s.lrc, src);
  for (int o = 0; o < n; ++o)
    st.loc[o] = z3::ite(go && s.loc[o] == src + kReg0, sink + kReg0, s.loc[o]);
  for (int r = 0; r < nr; ++r) {
    z3::expr is_src = go && src == r;
    z3::expr child = go && s.ralive[r] && s.pk[r] == kParentRegion && s.par[r] == src;
    st.par[r] = z3::ite(child, sink, s.par[r]);
    st.ralive[r] = s.ralive[r] && !is_src;
    st.bridge[r] = z3::ite(is_src, I(0), s.bridge[r]);
    st.pk[r] = z3::ite(is_src, I(kNoParent), s.pk[r]);
    st.par[r] = z3::ite(is_src, I(0), st.par[r]);
    st.lrc[r] = z3::ite(is_src, I(0), z3::ite(go && sink == r, s.lrc[r] + src_lrc, s.lrc[r]));
    st.sbrc[r] = z3::ite(is_src, I(0), s.sbrc[r]);
  }
  (void)nf;
  return Transition{pre, st};
}

Transition Encoder::op_dissolve(const SymState &s, const SymArgs &a) {
  const int n = b_.objects, nr = b_.regions, nf = b_.fields;
  z3::expr X = pick(s.var, a.x);
  z3::expr q = region_of(s, X);
  z3::expr pre = is_bridge(s, X) && check(RuleId::DissolveChild, pick(s.pk, q) == kNoParent);
  SymState st = s;
  for (int r = 0; r < nr; ++r) {
    // Edges from the region's objects become LOCAL references (children: LRC+1).
    Exprs edges;
    for (int p = 0; p < n; ++p)
      for (int f = 0; f < nf; ++f)
        edges.push_back(s.loc[p] == q + kReg0 && s.alive[p] && loc_of(s, s.fld[p][f]) == kReg0 + r);
    z3::expr is_q = q == r;
    z3::expr child = s.ralive[r] && s.pk[r] == kParentRegion && s.par[r] == q;
    st.lrc[r] = z3::ite(is_q, I(0), s.lrc[r] + count(edges));
    st.ralive[r] = s.ralive[r] && !is_q;
    st.bridge[r] = z3::ite(is_q, I(0), s.bridge[r]);
    st.pk[r] = z3::ite(is_q || child, I(kNoParent), s.pk[r]);
    st.par[r] = z3::ite(is_q || child, I(0), s.par[r]);
    st.sbrc[r] = z3::ite(is_q, I(0), s.sbrc[r]);
  }
  for (int o = 0; o < n; ++o)
    st.loc[o] = z3::ite(s.loc[o] == q + kReg0, I(kLocal), s.loc[o]);
  return Transition{pre, st};
}

Transition Encoder::op_cown(const SymState &s, const SymArgs &a, bool move) {
  z3::expr V = pick(s.var, a.x);
  z3::expr S = region_of(s, V);
  z3::expr k = first_dead_object(s);
  z3::expr plain = frozen_or_none(s, V) || is_cown(s, V);
  z3::expr br = !plain && is_bridge(s, V);
  z3::expr pre = k <= b_.objects &&
                 z3::implies(br, check(RuleId::CownNotFree, pick(s.pk, S) == kNoParent)) &&
                 z3::implies(!plain && !br, check(RuleId::CownNotBridge, B(false)));
  SymState st = s;
  if (move) { // `move x` hands the reference over: x's LOCAL reference is gone
    release(st, V, I(kLocal), I(0), B(true));
    set_var(st, a.x, I(0));
  }
  for (int o = 0; o < b_.objects; ++o) {
    z3::expr hit = k == o + 1;
    st.alive[o] = st.alive[o] || hit;
    st.loc[o] = z3::ite(hit, I(kCown), st.loc[o]);
    st.fld[o][0] = z3::ite(hit, V, st.fld[o][0]); // field 0 is `value`
    st.def[o][0] = st.def[o][0] || hit;
  }
  for (int r = 0; r < b_.regions; ++r) {
    z3::expr hit = br && S == r;
    st.pk[r] = z3::ite(hit, I(kParentCown), st.pk[r]);
    st.par[r] = z3::ite(hit, k, st.par[r]);
  }
  z3::expr Z = pick(st.var, a.z);
  release(st, Z, I(kLocal), I(0), B(true));
  set_var(st, a.z, k);
  return Transition{pre, st};
}

Transition Encoder::step(OpKind op, const SymState &s, const SymArgs &a) {
  Transition t = effect(op, s, a);
  return Transition{t.pre, finish(t.post)};
}

Transition Encoder::effect(OpKind op, const SymState &s, const SymArgs &a) {
  Transition t{B(false), s};
  switch (op) {
    case OpKind::New:
    case OpKind::Region:
    case OpKind::Copy:
    case OpKind::Read:
    case OpKind::Drop:
    case OpKind::Move:
      t = op_simple(op, s, a);
      break;
    case OpKind::Store:
      t = op_store(s, a);
      break;
    case OpKind::CownWrite:
      t = op_cown_write(s, a);
      break;
    case OpKind::Freeze:
      t = op_freeze(s, a);
      break;
    case OpKind::Close:
      t = op_close(s, a, false);
      break;
    case OpKind::IsClosed:
      t = op_close(s, a, true);
      break;
    case OpKind::Merge:
      t = op_merge(s, a);
      break;
    case OpKind::Dissolve:
      t = op_dissolve(s, a);
      break;
    case OpKind::Cown:
      t = op_cown(s, a, false);
      break;
    case OpKind::CownMove:
      t = op_cown(s, a, true);
      break;
    case OpKind::Count:
      break;
  }
  return t;
}

} // namespace lungfish::verify_detail
