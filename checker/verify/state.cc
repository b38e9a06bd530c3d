// The symbolic heap: construction, value helpers, the state space, and `finish` (collection,
// SBRC, cown status) shared by every transition.
#include "checker/verify/encoding.h"

#include <sstream>

namespace lungfish::verify_detail {

Exprs SymState::flat() const {
  Exprs out;
  auto add = [&](const Exprs &v) { out.insert(out.end(), v.begin(), v.end()); };
  add(alive);
  add(loc);
  add(released);
  for (const Exprs &f : fld)
    add(f);
  for (const Exprs &d : def)
    add(d);
  add(ralive);
  add(bridge);
  add(pk);
  add(par);
  add(lrc);
  add(sbrc);
  add(var);
  return out;
}

Encoder::Encoder(z3::context &ctx, const Bound &b, const DisabledChecks &off)
    : c_(ctx), b_(b), off_(off) {}

SymState Encoder::fresh_state(const std::string &p) {
  SymState s;
  auto ints = [&](const std::string &n, int k) {
    Exprs v;
    for (int i = 0; i < k; ++i)
      v.push_back(num_const(c_, p + "." + n + std::to_string(i)));
    return v;
  };
  auto bools = [&](const std::string &n, int k) {
    Exprs v;
    for (int i = 0; i < k; ++i)
      v.push_back(c_.bool_const((p + "." + n + std::to_string(i)).c_str()));
    return v;
  };
  s.alive = bools("alive", b_.objects);
  s.loc = ints("loc", b_.objects);
  s.released = bools("released", b_.objects);
  for (int o = 0; o < b_.objects; ++o) {
    s.fld.push_back(ints("fld" + std::to_string(o) + "_", b_.fields));
    s.def.push_back(bools("def" + std::to_string(o) + "_", b_.fields));
  }
  s.ralive = bools("ralive", b_.regions);
  s.bridge = ints("bridge", b_.regions);
  s.pk = ints("pk", b_.regions);
  s.par = ints("par", b_.regions);
  s.lrc = ints("lrc", b_.regions);
  s.sbrc = ints("sbrc", b_.regions);
  s.var = ints("var", b_.vars);
  return s;
}

SymArgs Encoder::fresh_args(const std::string &p) {
  return SymArgs{num_const(c_, p + ".x"), num_const(c_, p + ".y"), num_const(c_, p + ".z"),
                 num_const(c_, p + ".f")};
}

z3::expr Encoder::args_in_range(const SymArgs &a) {
  auto in = [&](const z3::expr &e, int n) { return e >= 0 && e < n; };
  return in(a.x, b_.vars) && in(a.y, b_.vars) && in(a.z, b_.vars) && in(a.f, b_.fields);
}

z3::expr Encoder::well_formed(const SymState &s) {
  Exprs c;
  const int n = b_.objects, r = b_.regions;
  auto value = [&](const z3::expr &v) { return v >= 0 && v <= n; };
  for (int o = 0; o < n; ++o) {
    c.push_back(z3::ite(s.alive[o], s.loc[o] >= 0 && s.loc[o] < kReg0 + r, s.loc[o] == kDead));
    c.push_back(z3::implies(s.released[o], s.alive[o] && s.loc[o] == kCown));
    for (int f = 0; f < b_.fields; ++f) {
      c.push_back(value(s.fld[o][f]));
      c.push_back(z3::implies(!s.alive[o], s.fld[o][f] == 0 && !s.def[o][f]));
      c.push_back(z3::implies(!s.def[o][f], s.fld[o][f] == 0));
    }
  }
  for (int q = 0; q < r; ++q) {
    z3::expr live = s.ralive[q];
    c.push_back(z3::ite(live, value(s.bridge[q]) && s.pk[q] >= 0 && s.pk[q] <= 2,
                        s.bridge[q] == 0 && s.pk[q] == 0 && s.par[q] == 0 && s.lrc[q] == 0 &&
                            s.sbrc[q] == 0));
    c.push_back(z3::implies(s.pk[q] == kNoParent, s.par[q] == 0));
    c.push_back(z3::implies(s.pk[q] == kParentRegion, s.par[q] >= 0 && s.par[q] < r));
    c.push_back(z3::implies(s.pk[q] == kParentCown, s.par[q] >= 1 && s.par[q] <= n));
    c.push_back(s.lrc[q] >= -b_.objects * b_.fields - b_.vars);
    c.push_back(s.sbrc[q] >= 0 && s.sbrc[q] <= r);
  }
  for (const z3::expr &v : s.var)
    c.push_back(value(v));
  return all(c);
}

z3::expr Encoder::is_empty(const SymState &s) {
  Exprs c;
  for (int o = 0; o < b_.objects; ++o)
    c.push_back(!s.alive[o]);
  for (int q = 0; q < b_.regions; ++q)
    c.push_back(!s.ralive[q]);
  for (const z3::expr &v : s.var)
    c.push_back(v == 0);
  return all(c) && well_formed(s);
}

z3::expr Encoder::equal(const SymState &a, const SymState &b) {
  Exprs fa = a.flat(), fb = b.flat(), c;
  for (size_t i = 0; i < fa.size(); ++i)
    c.push_back(fa[i] == fb[i]);
  return all(c);
}

z3::expr Encoder::sum(const Exprs &xs) {
  if (xs.empty()) return I(0);
  z3::expr acc = xs[0];
  for (size_t i = 1; i < xs.size(); ++i)
    acc = acc + xs[i];
  return acc;
}

z3::expr Encoder::count(const Exprs &conds) {
  Exprs xs;
  for (const z3::expr &c : conds)
    xs.push_back(z3::ite(c, I(1), I(0)));
  return sum(xs);
}

z3::expr Encoder::any(const Exprs &xs) {
  if (xs.empty()) return B(false);
  z3::expr_vector v(c_);
  for (const z3::expr &x : xs)
    v.push_back(x);
  return z3::mk_or(v);
}

z3::expr Encoder::all(const Exprs &xs) {
  if (xs.empty()) return B(true);
  z3::expr_vector v(c_);
  for (const z3::expr &x : xs)
    v.push_back(x);
  return z3::mk_and(v);
}

z3::expr Encoder::pick(const Exprs &vec, const z3::expr &i) {
  z3::expr out = vec.back();
  for (int k = static_cast<int>(vec.size()) - 2; k >= 0; --k)
    out = z3::ite(i == k, vec[k], out);
  return out;
}

namespace {
// vec[v-1] for a value v, `none` for None.
z3::expr pick_value(Encoder &e, const Exprs &vec, const z3::expr &v, const z3::expr &none) {
  z3::expr out = none;
  for (int k = static_cast<int>(vec.size()) - 1; k >= 0; --k)
    out = z3::ite(v == k + 1, vec[k], out);
  return out;
}
} // namespace

z3::expr Encoder::loc_of(const SymState &s, const z3::expr &v) {
  return pick_value(*this, s.loc, v, I(kDead));
}
z3::expr Encoder::alive_of(const SymState &s, const z3::expr &v) {
  return pick_value(*this, s.alive, v, B(false));
}
z3::expr Encoder::released_of(const SymState &s, const z3::expr &v) {
  return pick_value(*this, s.released, v, B(false));
}
z3::expr Encoder::field_of(const SymState &s, const z3::expr &v, const z3::expr &f) {
  Exprs per;
  for (int o = 0; o < b_.objects; ++o)
    per.push_back(pick(s.fld[o], f));
  return pick_value(*this, per, v, I(0));
}
z3::expr Encoder::def_of(const SymState &s, const z3::expr &v, const z3::expr &f) {
  Exprs per;
  for (int o = 0; o < b_.objects; ++o)
    per.push_back(pick(s.def[o], f));
  return pick_value(*this, per, v, B(false));
}
z3::expr Encoder::frozen_or_none(const SymState &s, const z3::expr &v) {
  return v == 0 || loc_of(s, v) == kImm;
}
z3::expr Encoder::is_cown(const SymState &s, const z3::expr &v) {
  return loc_of(s, v) == kCown;
}
z3::expr Encoder::is_local(const SymState &s, const z3::expr &v) {
  return loc_of(s, v) == kLocal;
}
z3::expr Encoder::regional(const SymState &s, const z3::expr &v) {
  return loc_of(s, v) >= kReg0;
}

z3::expr Encoder::is_bridge(const SymState &s, const z3::expr &v) {
  Exprs c;
  z3::expr l = loc_of(s, v);
  for (int r = 0; r < b_.regions; ++r)
    c.push_back(s.ralive[r] && l == kReg0 + r && s.bridge[r] == v && v != 0);
  return any(c);
}

z3::expr Encoder::tree_root(const SymState &s, const z3::expr &r) {
  z3::expr cur = r;
  for (int k = 0; k < b_.regions; ++k) {
    z3::expr up = pick(s.pk, cur) == kParentRegion && pick(s.ralive, pick(s.par, cur));
    cur = z3::ite(up, pick(s.par, cur), cur);
  }
  return cur;
}

z3::expr Encoder::true_lrc(const SymState &s, int r) {
  Exprs c;
  for (const z3::expr &v : s.var)
    c.push_back(loc_of(s, v) == kReg0 + r);
  for (int p = 0; p < b_.objects; ++p)
    for (int f = 0; f < b_.fields; ++f)
      c.push_back(s.alive[p] && s.loc[p] == kLocal && loc_of(s, s.fld[p][f]) == kReg0 + r);
  return count(c);
}

void Encoder::add_lrc(SymState &st, const SymState &where, const z3::expr &v, int d,
                      const z3::expr &cond) {
  z3::expr l = loc_of(where, v);
  for (int r = 0; r < b_.regions; ++r)
    st.lrc[r] = z3::ite(cond && l == kReg0 + r, st.lrc[r] + d, st.lrc[r]);
}

void Encoder::set_var(SymState &st, const z3::expr &x, const z3::expr &v) {
  for (int i = 0; i < b_.vars; ++i)
    st.var[i] = z3::ite(x == i, v, st.var[i]);
}

void Encoder::set_field(SymState &st, const z3::expr &o, const z3::expr &f, const z3::expr &v) {
  for (int p = 0; p < b_.objects; ++p)
    for (int g = 0; g < b_.fields; ++g) {
      z3::expr hit = o == p + 1 && f == g;
      st.fld[p][g] = z3::ite(hit, v, st.fld[p][g]);
      st.def[p][g] = st.def[p][g] || hit;
    }
}

void Encoder::release(SymState &st, const z3::expr &t, const z3::expr &src_loc, const z3::expr &src,
                      const z3::expr &cond) {
  // A LOCAL source: LRC-1 (the target is regional). An owning source: the child becomes free.
  add_lrc(st, st, t, -1, cond && src_loc == kLocal);
  z3::expr tl = loc_of(st, t);
  for (int r = 0; r < b_.regions; ++r) {
    z3::expr child = st.ralive[r] && st.bridge[r] == t && t != 0 && tl == kReg0 + r;
    z3::expr owned = (st.pk[r] == kParentRegion && src_loc == kReg0 + st.par[r]) ||
                     (st.pk[r] == kParentCown && src_loc == kCown && st.par[r] == src);
    z3::expr un = cond && child && owned;
    st.pk[r] = z3::ite(un, I(kNoParent), st.pk[r]);
    st.par[r] = z3::ite(un, I(0), st.par[r]);
  }
}

z3::expr Encoder::first_dead_object(const SymState &s) {
  z3::expr out = I(b_.objects + 1);
  for (int o = b_.objects - 1; o >= 0; --o)
    out = z3::ite(!s.alive[o], I(o + 1), out);
  return out;
}

z3::expr Encoder::first_dead_region(const SymState &s) {
  z3::expr out = I(b_.regions);
  for (int r = b_.regions - 1; r >= 0; --r)
    out = z3::ite(!s.ralive[r], I(r), out);
  return out;
}

SymState Encoder::finish(const SymState &st) {
  const int n = b_.objects, nr = b_.regions, nf = b_.fields;
  // Does dying object p hold the owning reference of region r?
  auto owns = [&](int p, int r) {
    Exprs refs;
    for (int f = 0; f < nf; ++f)
      refs.push_back(st.fld[p][f] == st.bridge[r]);
    return any(refs) && ((st.pk[r] == kParentRegion && st.loc[p] == kReg0 + st.par[r]) ||
                         (st.pk[r] == kParentCown && st.par[r] == p + 1));
  };
  // LOCAL references from object p into region r (released when p dies).
  std::vector<Exprs> lref(n, Exprs(nr, I(0)));
  for (int p = 0; p < n; ++p)
    for (int r = 0; r < nr; ++r) {
      Exprs c;
      for (int f = 0; f < nf; ++f)
        c.push_back(loc_of(st, st.fld[p][f]) == kReg0 + r);
      lref[p][r] = z3::ite(st.alive[p] && st.loc[p] == kLocal, count(c), I(0));
    }
  // Least fixpoint of "dies": rc 0 (no reference from a variable or a surviving object; a live
  // region's bridge is exempt), or a member of a collected region; a region is collected when
  // it is free (no parent, or its owner dies) and its LRC, after the dying objects' LOCAL
  // references are released, is <= 0. Each round adds at least one slot, so N+R+1 suffice.
  Exprs dyo(n, B(false)), dyr(nr, B(false)), freed(nr, B(false)), lrc = st.lrc;
  for (int round = 0; round <= n + nr; ++round) {
    Exprs nyo(n, B(false)), nyr(nr, B(false)), nfree(nr, B(false)), nlrc(nr, I(0));
    for (int r = 0; r < nr; ++r) {
      Exprs rel, ownerdies;
      for (int p = 0; p < n; ++p) {
        rel.push_back(z3::ite(dyo[p], lref[p][r], I(0)));
        ownerdies.push_back(dyo[p] && owns(p, r));
      }
      Exprs parentdies;
      for (int q = 0; q < nr; ++q)
        parentdies.push_back(st.par[r] == q && dyr[q]);
      nlrc[r] = st.lrc[r] - sum(rel);
      nfree[r] =
          st.pk[r] == kNoParent || any(ownerdies) || (st.pk[r] == kParentRegion && any(parentdies));
      nyr[r] = st.ralive[r] && nfree[r] && nlrc[r] <= 0;
    }
    for (int o = 0; o < n; ++o) {
      Exprs refd, inreg, exempt;
      for (const z3::expr &v : st.var)
        refd.push_back(v == o + 1);
      for (int p = 0; p < n; ++p)
        for (int f = 0; f < nf; ++f)
          refd.push_back(st.alive[p] && !dyo[p] && st.fld[p][f] == o + 1);
      for (int r = 0; r < nr; ++r) {
        inreg.push_back(st.loc[o] == kReg0 + r && dyr[r]);
        exempt.push_back(st.ralive[r] && st.bridge[r] == o + 1 && !dyr[r]);
      }
      nyo[o] = st.alive[o] && (any(inreg) || (!any(exempt) && !any(refd)));
    }
    dyo = nyo;
    dyr = nyr;
    freed = nfree;
    lrc = nlrc;
  }
  SymState out = st;
  for (int o = 0; o < n; ++o) {
    out.alive[o] = st.alive[o] && !dyo[o];
    out.loc[o] = z3::ite(dyo[o], I(kDead), st.loc[o]);
    for (int f = 0; f < nf; ++f) {
      out.fld[o][f] = z3::ite(dyo[o], I(0), st.fld[o][f]);
      out.def[o][f] = st.def[o][f] && !dyo[o];
    }
  }
  for (int r = 0; r < nr; ++r) {
    z3::expr live = st.ralive[r] && !dyr[r];
    out.ralive[r] = live;
    out.bridge[r] = z3::ite(live, st.bridge[r], I(0));
    z3::expr keep_parent = live && !freed[r];
    out.pk[r] = z3::ite(keep_parent, st.pk[r], I(kNoParent));
    out.par[r] = z3::ite(keep_parent, st.par[r], I(0));
    out.lrc[r] = z3::ite(live, lrc[r], I(0));
  }
  // SBRC by definition: the number of open direct children, bottom-up over at most R levels.
  Exprs sb(nr, I(0));
  for (int round = 0; round < nr; ++round) {
    Exprs nsb(nr, I(0));
    for (int r = 0; r < nr; ++r) {
      Exprs open;
      for (int c = 0; c < nr; ++c)
        open.push_back(out.ralive[c] && out.pk[c] == kParentRegion && out.par[c] == r &&
                       out.lrc[c] + sb[c] > 0);
      nsb[r] = z3::ite(out.ralive[r], count(open), I(0));
    }
    sb = nsb;
  }
  out.sbrc = sb;
  // The status latch: a Pending cown none of whose owned regions (held in its fields) is open
  // becomes Released; Released stays Released.
  for (int o = 0; o < n; ++o) {
    Exprs open_owned;
    for (int r = 0; r < nr; ++r) {
      Exprs held;
      for (int f = 0; f < nf; ++f)
        held.push_back(out.fld[o][f] == out.bridge[r]);
      open_owned.push_back(out.ralive[r] && out.pk[r] == kParentCown && out.par[r] == o + 1 &&
                           any(held) && out.lrc[r] + out.sbrc[r] > 0);
    }
    out.released[o] = out.alive[o] && out.loc[o] == kCown && (st.released[o] || !any(open_owned));
  }
  return out;
}

int signed_value(const z3::expr &v) {
  if (v.is_bool()) return v.is_true() ? 1 : 0;
  int u = static_cast<int>(v.get_numeral_uint());
  return u >= (1 << (kWidth - 1)) ? u - (1 << kWidth) : u;
}

// ---- concrete states ----

std::vector<int> ConcreteState::flat() const {
  std::vector<int> out;
  auto add = [&](const std::vector<int> &v) { out.insert(out.end(), v.begin(), v.end()); };
  add(alive);
  add(loc);
  add(released);
  for (const auto &f : fld)
    add(f);
  for (const auto &d : def)
    add(d);
  add(ralive);
  add(bridge);
  add(pk);
  add(par);
  add(lrc);
  add(sbrc);
  add(var);
  return out;
}

std::string ConcreteState::to_string() const {
  // Streams only (GCC 12 warns falsely on `"lit" + std::string` at -O3).
  std::ostringstream o;
  auto val = [](int v) {
    std::ostringstream s;
    if (v == 0)
      s << "None";
    else
      s << "o" << v - 1;
    return s.str();
  };
  for (size_t i = 0; i < alive.size(); ++i) {
    if (!alive[i]) continue;
    o << "o" << i << "@";
    int l = loc[i];
    if (l == kLocal)
      o << "LOCAL";
    else if (l == kImm)
      o << "IMM";
    else if (l == kCown)
      o << "COWN";
    else
      o << "r" << l - kReg0;
    if (released[i]) o << "(released)";
    o << " {";
    for (size_t f = 0; f < fld[i].size(); ++f)
      if (def[i][f]) o << " f" << f << ":" << val(fld[i][f]);
    o << " } ";
  }
  for (size_t r = 0; r < ralive.size(); ++r) {
    if (!ralive[r]) continue;
    o << "r" << r << "[bridge " << val(bridge[r]) << ", parent ";
    if (pk[r] == 0)
      o << "none";
    else if (pk[r] == 1)
      o << "r" << par[r];
    else
      o << val(par[r]);
    o << ", lrc " << lrc[r] << ", sbrc " << sbrc[r] << "] ";
  }
  o << "vars:";
  for (int v : var)
    o << " " << val(v);
  return o.str();
}

ConcreteState empty_state(const Bound &b) {
  ConcreteState c;
  c.alive.assign(b.objects, 0);
  c.loc.assign(b.objects, kDead);
  c.released.assign(b.objects, 0);
  c.fld.assign(b.objects, std::vector<int>(b.fields, 0));
  c.def.assign(b.objects, std::vector<int>(b.fields, 0));
  c.ralive.assign(b.regions, 0);
  c.bridge.assign(b.regions, 0);
  c.pk.assign(b.regions, 0);
  c.par.assign(b.regions, 0);
  c.lrc.assign(b.regions, 0);
  c.sbrc.assign(b.regions, 0);
  c.var.assign(b.vars, 0);
  return c;
}

SymState to_sym(z3::context &ctx, const ConcreteState &c) {
  SymState s;
  auto ints = [&](const std::vector<int> &v) {
    Exprs out;
    for (int x : v)
      out.push_back(num(ctx, x));
    return out;
  };
  auto bools = [&](const std::vector<int> &v) {
    Exprs out;
    for (int x : v)
      out.push_back(ctx.bool_val(x != 0));
    return out;
  };
  s.alive = bools(c.alive);
  s.loc = ints(c.loc);
  s.released = bools(c.released);
  for (const auto &f : c.fld)
    s.fld.push_back(ints(f));
  for (const auto &d : c.def)
    s.def.push_back(bools(d));
  s.ralive = bools(c.ralive);
  s.bridge = ints(c.bridge);
  s.pk = ints(c.pk);
  s.par = ints(c.par);
  s.lrc = ints(c.lrc);
  s.sbrc = ints(c.sbrc);
  s.var = ints(c.var);
  return s;
}

ConcreteState from_model(const z3::model &m, const SymState &s, const Bound &b) {
  ConcreteState c = empty_state(b);
  auto num = [&](const z3::expr &e) { return signed_value(m.eval(e, true)); };
  for (int o = 0; o < b.objects; ++o) {
    c.alive[o] = num(s.alive[o]);
    c.loc[o] = num(s.loc[o]);
    c.released[o] = num(s.released[o]);
    for (int f = 0; f < b.fields; ++f) {
      c.fld[o][f] = num(s.fld[o][f]);
      c.def[o][f] = num(s.def[o][f]);
    }
  }
  for (int r = 0; r < b.regions; ++r) {
    c.ralive[r] = num(s.ralive[r]);
    c.bridge[r] = num(s.bridge[r]);
    c.pk[r] = num(s.pk[r]);
    c.par[r] = num(s.par[r]);
    c.lrc[r] = num(s.lrc[r]);
    c.sbrc[r] = num(s.sbrc[r]);
  }
  for (int v = 0; v < b.vars; ++v)
    c.var[v] = num(s.var[v]);
  return c;
}

} // namespace lungfish::verify_detail
