// The state invariants (docs/semantics.md 4) as formulas over a symbolic heap, following the checker's
// conventions (checker/analysis.h): counts are recomputed from edges, "open" is the semantic one
// (some region of the subtree has a true LRC > 0), edges to dead objects are I16's only.
#include "checker/verify/encoding.h"

namespace lungfish::verify_detail {

std::string inv_name(Inv i) {
  static const char *kNames[] = {"I1", "I2",  "I3",  "I4",  "I5",  "I6",  "I7", "I8",
                                 "I9", "I10", "I11", "I12", "I13", "I14", "I16"};
  return kNames[static_cast<int>(i)];
}

Invariant to_checker(Inv i) {
  return parse_invariant(inv_name(i)).value_or(Invariant::I1);
}

namespace {

struct Facts {
  Exprs tl;    // true LRC per region
  Exprs sopen; // semantic openness per region
  Exprs child; // child[c * R + r]: c is a live region child of live region r
};

Facts facts(Encoder &e, const SymState &s) {
  const int nr = e.bound().regions;
  Facts f;
  for (int r = 0; r < nr; ++r)
    f.tl.push_back(e.true_lrc(s, r));
  for (int c = 0; c < nr; ++c)
    for (int r = 0; r < nr; ++r)
      f.child.push_back(s.ralive[c] && s.ralive[r] && s.pk[c] == kParentRegion && s.par[c] == r);
  Exprs open;
  for (int r = 0; r < nr; ++r)
    open.push_back(s.ralive[r] && f.tl[r] > 0);
  for (int round = 0; round < nr; ++round) {
    Exprs next;
    for (int r = 0; r < nr; ++r) {
      Exprs sub{open[r]};
      for (int c = 0; c < nr; ++c)
        sub.push_back(f.child[c * nr + r] && open[c]);
      next.push_back(e.any(sub));
    }
    open = next;
  }
  f.sopen = open;
  return f;
}

// Region slots that are r or above r (following region parents), as a list of (slot, reached).
std::vector<Exprs> ancestors(Encoder &e, const SymState &s) {
  // up[k][r][q]: q is reached from r in <= k parent steps (q = r included).
  const int nr = e.bound().regions;
  std::vector<Exprs> at(nr, Exprs(nr, e.B(false)));
  for (int r = 0; r < nr; ++r)
    at[r][r] = e.B(true);
  for (int k = 0; k < nr; ++k) {
    std::vector<Exprs> next = at;
    for (int r = 0; r < nr; ++r)
      for (int q = 0; q < nr; ++q) {
        Exprs via{at[r][q]};
        for (int m = 0; m < nr; ++m)
          via.push_back(at[r][m] && s.ralive[m] && s.pk[m] == kParentRegion && s.par[m] == q);
        next[r][q] = e.any(via);
      }
    at = next;
  }
  return at;
}

} // namespace

z3::expr Encoder::invariant(const SymState &s, Inv inv) {
  const int n = b_.objects, nr = b_.regions, nf = b_.fields;
  Exprs c;
  auto live_target = [&](const z3::expr &t) { return t != 0 && alive_of(s, t); };
  switch (inv) {
    case Inv::I1: // a live object's location is LOCAL, IMM, COWN or a live region
      for (int o = 0; o < n; ++o) {
        Exprs ok{s.loc[o] == kLocal, s.loc[o] == kImm, s.loc[o] == kCown};
        for (int r = 0; r < nr; ++r)
          ok.push_back(s.loc[o] == kReg0 + r && s.ralive[r]);
        c.push_back(z3::implies(s.alive[o], any(ok)));
      }
      break;
    case Inv::I2: // frozen objects reference only None, frozen objects and cowns
      for (int o = 0; o < n; ++o)
        for (int f = 0; f < nf; ++f) {
          z3::expr t = s.fld[o][f];
          z3::expr tl = loc_of(s, t);
          c.push_back(z3::implies(s.alive[o] && s.loc[o] == kImm && live_target(t),
                                  tl == kImm || tl == kCown));
        }
      break;
    case Inv::I3: // nothing outside LOCAL references a LOCAL object
      for (int o = 0; o < n; ++o)
        for (int f = 0; f < nf; ++f)
          c.push_back(z3::implies(s.alive[o] && s.loc[o] != kLocal && live_target(s.fld[o][f]),
                                  loc_of(s, s.fld[o][f]) != kLocal));
      break;
    case Inv::I4: // an edge from R into S targets bridge(S) and parent(S) = R
      for (int o = 0; o < n; ++o)
        for (int f = 0; f < nf; ++f)
          for (int r = 0; r < nr; ++r)
            for (int q = 0; q < nr; ++q) {
              if (q == r) continue;
              z3::expr t = s.fld[o][f];
              c.push_back(
                  z3::implies(s.alive[o] && s.loc[o] == kReg0 + r && live_target(t) &&
                                  loc_of(s, t) == kReg0 + q,
                              s.bridge[q] == t && s.pk[q] == kParentRegion && s.par[q] == r));
            }
      break;
    case Inv::I5: // an owned region has exactly one owning reference
      for (int r = 0; r < nr; ++r) {
        Exprs owners;
        for (int o = 0; o < n; ++o)
          for (int f = 0; f < nf; ++f)
            owners.push_back(s.alive[o] && s.fld[o][f] == s.bridge[r] &&
                             ((s.pk[r] == kParentRegion && s.loc[o] == kReg0 + s.par[r]) ||
                              (s.pk[r] == kParentCown && s.par[r] == o + 1)));
        // A broken parent or bridge is I6's or I7's business (as in the checker).
        z3::expr parent_ok = (s.pk[r] == kParentRegion && pick(s.ralive, s.par[r])) ||
                             (s.pk[r] == kParentCown && is_cown(s, s.par[r]));
        z3::expr bridge_ok = alive_of(s, s.bridge[r]) && loc_of(s, s.bridge[r]) == kReg0 + r;
        c.push_back(z3::implies(s.ralive[r] && s.pk[r] != kNoParent && parent_ok && bridge_ok,
                                count(owners) == 1));
      }
      break;
    case Inv::I6: { // parents exist and the parent relation is acyclic
      auto up = ancestors(*this, s);
      for (int r = 0; r < nr; ++r) {
        c.push_back(z3::implies(s.ralive[r] && s.pk[r] == kParentRegion, pick(s.ralive, s.par[r])));
        c.push_back(z3::implies(s.ralive[r] && s.pk[r] == kParentCown, is_cown(s, s.par[r])));
        Exprs cyc;
        for (int m = 0; m < nr; ++m)
          cyc.push_back(up[r][m] && s.ralive[m] && s.pk[m] == kParentRegion && s.par[m] == r);
        c.push_back(z3::implies(s.ralive[r], !any(cyc)));
      }
      break;
    }
    case Inv::I7: // each live region has its bridge, alive and inside it
      for (int r = 0; r < nr; ++r)
        c.push_back(z3::implies(s.ralive[r],
                                alive_of(s, s.bridge[r]) && loc_of(s, s.bridge[r]) == kReg0 + r));
      break;
    case Inv::I8: { // LRC = LOCAL references into the region's own objects
      for (int r = 0; r < nr; ++r)
        c.push_back(z3::implies(s.ralive[r], s.lrc[r] == true_lrc(s, r)));
      break;
    }
    case Inv::I9: { // SBRC = open direct children
      Facts fa = facts(*this, s);
      for (int r = 0; r < nr; ++r) {
        Exprs open;
        for (int q = 0; q < nr; ++q)
          open.push_back(fa.child[q * nr + r] && fa.sopen[q]);
        c.push_back(z3::implies(s.ralive[r], s.sbrc[r] == count(open)));
      }
      break;
    }
    case Inv::I10: { // no LOCAL reference into a (counter-)closed region or below one
      Facts fa = facts(*this, s);
      auto up = ancestors(*this, s);
      for (int d = 0; d < nr; ++d)
        for (int q = 0; q < nr; ++q)
          c.push_back(z3::implies(s.ralive[d] && fa.tl[d] > 0 && up[d][q] && s.ralive[q],
                                  s.lrc[q] + s.sbrc[q] > 0));
      break;
    }
    case Inv::I11: { // no live free region without LOCAL references
      Facts fa = facts(*this, s);
      for (int r = 0; r < nr; ++r)
        c.push_back(z3::implies(s.ralive[r] && s.pk[r] == kNoParent, fa.tl[r] > 0));
      break;
    }
    case Inv::I12: // cown fields: None, frozen, cowns, bridges of regions the cown owns
      for (int o = 0; o < n; ++o)
        for (int f = 0; f < nf; ++f) {
          z3::expr t = s.fld[o][f];
          Exprs owned;
          for (int r = 0; r < nr; ++r)
            owned.push_back(s.ralive[r] && s.bridge[r] == t && loc_of(s, t) == kReg0 + r &&
                            s.pk[r] == kParentCown && s.par[r] == o + 1);
          z3::expr tl = loc_of(s, t);
          c.push_back(z3::implies(s.alive[o] && s.loc[o] == kCown && live_target(t),
                                  tl == kImm || tl == kCown || any(owned)));
        }
      break;
    case Inv::I13: { // a Released cown's regions are closed
      Facts fa = facts(*this, s);
      for (int r = 0; r < nr; ++r)
        c.push_back(z3::implies(s.ralive[r] && s.pk[r] == kParentCown && is_cown(s, s.par[r]) &&
                                    released_of(s, s.par[r]),
                                !fa.sopen[r]));
      break;
    }
    case Inv::I14: { // no LOCAL reference into a region a Released cown owns
      Facts fa = facts(*this, s);
      auto up = ancestors(*this, s);
      for (int d = 0; d < nr; ++d)
        for (int q = 0; q < nr; ++q)
          c.push_back(z3::implies(s.ralive[d] && fa.tl[d] > 0 && up[d][q] && s.ralive[q] &&
                                      s.pk[q] == kParentCown,
                                  !(is_cown(s, s.par[q]) && released_of(s, s.par[q]))));
      break;
    }
    case Inv::I16: // (references only) nothing points to a freed object
      for (const z3::expr &v : s.var)
        c.push_back(z3::implies(v != 0, alive_of(s, v)));
      for (int o = 0; o < n; ++o)
        for (int f = 0; f < nf; ++f)
          c.push_back(z3::implies(s.alive[o] && s.fld[o][f] != 0, alive_of(s, s.fld[o][f])));
      break;
    case Inv::Count:
      break;
  }
  return all(c);
}

z3::expr Encoder::all_invariants(const SymState &s) {
  Exprs c;
  for (int i = 0; i < kInvCount; ++i)
    c.push_back(invariant(s, static_cast<Inv>(i)));
  return all(c);
}

z3::expr Encoder::auxiliary(const SymState &s) {
  // Facts every reachable state has but the invariants do not say (docs/verification.md):
  //  A1 every live object other than a live region's recorded bridge is referenced (rc > 0);
  //  A2 a Pending cown holds the bridge of an open region it owns;
  //  A3 a region a cown owns is held in one of the cown's fields.
  const int n = b_.objects, nr = b_.regions, nf = b_.fields;
  Exprs c;
  Facts fa = facts(*this, s);
  for (int o = 0; o < n; ++o) {
    Exprs refd, isbr;
    for (const z3::expr &v : s.var)
      refd.push_back(v == o + 1);
    for (int p = 0; p < n; ++p)
      for (int f = 0; f < nf; ++f)
        refd.push_back(s.alive[p] && s.fld[p][f] == o + 1);
    for (int r = 0; r < nr; ++r)
      isbr.push_back(s.ralive[r] && s.bridge[r] == o + 1);
    c.push_back(z3::implies(s.alive[o], any(refd) || any(isbr)));
    Exprs open_owned;
    for (int r = 0; r < nr; ++r) {
      Exprs held;
      for (int f = 0; f < nf; ++f)
        held.push_back(s.fld[o][f] == s.bridge[r]);
      open_owned.push_back(s.ralive[r] && s.pk[r] == kParentCown && s.par[r] == o + 1 &&
                           any(held) && fa.sopen[r]);
    }
    c.push_back(z3::implies(s.alive[o] && s.loc[o] == kCown && !s.released[o], any(open_owned)));
  }
  for (int r = 0; r < nr; ++r) {
    Exprs held;
    for (int o = 0; o < n; ++o)
      for (int f = 0; f < nf; ++f)
        held.push_back(s.par[r] == o + 1 && s.fld[o][f] == s.bridge[r]);
    c.push_back(z3::implies(s.ralive[r] && s.pk[r] == kParentCown, any(held)));
  }
  return all(c);
}

} // namespace lungfish::verify_detail
