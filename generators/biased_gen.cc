// The biased family: statements chosen from the heap built so far, with the model as the oracle
// (generators/oracle.h). See program_gen.h.
#include "generators/ast_build.h"
#include "generators/oracle.h"
#include "generators/program_gen.h"
#include "generators/rng.h"

#include <functional>
#include <iterator>
#include <map>
#include <memory>

namespace lungfish::gen {

namespace {

const std::vector<std::string> kFields = {"f", "g", "h"};

/// A way to reach an object from the main frame: a variable or one field of a variable.
struct Ref {
  std::string_view var;   // the variable (a symbol's name: it never moves)
  std::string_view field; // empty for the variable itself
  ObjectId id;
  Cls cls;
  bool is_var;
  /// `var` or `var.field`, built only for the refs a statement uses.
  Expr expr() const {
    Expr v = e_var(std::string(var));
    return is_var ? v : e_field(std::move(v), std::string(field));
  }
};

using Pred = std::function<bool(const Ref &)>;

class Biased {
public:
  Biased(uint64_t seed, size_t length, Profile profile)
      : rng_(seed), length_(length), oracle_ptr_(PrefixOracle::acquire(profile)),
        oracle_(*oracle_ptr_), bare_moves_(profile != Profile::Frankenscript) {}
  ~Biased() { PrefixOracle::release(std::move(oracle_ptr_)); }

  /// Builds the program statement by statement.
  Program run() {
    program_.reserve(length_);
    for (size_t attempts = 0; program_.size() < length_ && attempts < length_ * 8; ++attempts) {
      HeapView view(oracle_.world());
      collect_refs(view);
      // Risky statements usually end a run, so they come rarely, and most often last.
      bool is_risky = program_.size() + 1 >= length_ ? rng_.chance(1, 2) : rng_.chance(1, 16);
      std::optional<Stmt> s = is_risky ? risky(view) : safe(view);
      if (!s) continue;
      // Only the new statement runs, on a copy of the machine stopped after the accepted prefix
      // (the same answer as running prefix + s from the start: see PrefixOracle).
      if (oracle_.try_append(*s)) {
        program_.push_back(std::move(*s));
      } else if (is_risky) {
        // A rejection ends the run, so later statements would never execute: usually stop.
        program_.push_back(std::move(*s));
        if (rng_.chance(3, 4)) break;
      }
      // a safe candidate that was rejected is dropped: try another
    }
    Program p;
    p.body = std::move(program_);
    return p;
  }

private:
  Rng rng_;
  size_t length_;
  std::unique_ptr<PrefixOracle> oracle_ptr_;
  PrefixOracle &oracle_;
  bool bare_moves_; // the profile's grammar has `move lv` as a statement (see discard)
  std::vector<Stmt> program_;
  std::vector<Ref> refs_;
  std::vector<const Ref *> picked_;     // pick's scratch
  std::vector<std::string_view> names_; // target's scratch
  unsigned next_name_ = 0;

  void collect_refs(const HeapView &v) {
    refs_.clear();
    for (const auto &[name, id] : v.vars()) {
      Cls c = v.cls(id);
      if (c == Cls::Function) continue;
      refs_.push_back(Ref{name, {}, id, c, true});
      if (c == Cls::CownReleased || c == Cls::None) continue; // its fields are opaque / none
      for (const Field &f : v.world().heap.obj(id).fields) {  // as v.fields(id), in name order
        if (f.value == kNone) continue;
        Cls tc = v.cls(f.value);
        if (tc != Cls::Function)
          refs_.push_back(Ref{name, symbol_name(f.name), f.value, tc, false});
      }
    }
  }

  /// A uniformly chosen ref satisfying p (nullptr if none); it points into refs_.
  const Ref *pick(const Pred &p, bool vars_only = false) {
    std::vector<const Ref *> &out = picked_;
    out.clear();
    for (const Ref &r : refs_)
      if ((!vars_only || r.is_var) && p(r)) out.push_back(&r);
    if (out.empty()) return nullptr;
    return rng_.pick(out);
  }
  static Pred is(std::initializer_list<Cls> cs) {
    uint32_t mask = 0;
    for (Cls c : cs)
      mask |= 1u << static_cast<unsigned>(c);
    return [mask](const Ref &r) { return (mask >> static_cast<unsigned>(r.cls)) & 1u; };
  }
  const std::string &field() { return rng_.pick(kFields); }

  /// A variable to assign: usually a fresh name, sometimes an existing one (which releases it).
  /// `move lv` whose value is not kept: a statement of its own, except under the frankenscript
  /// profile, whose grammar has no expression statements other than calls (`move x.f` alone is
  /// a parse error in the runtime), where the value goes to a variable instead.
  Stmt discard(const HeapView &v, Expr move) {
    return bare_moves_ ? s_expr(std::move(move)) : s_assign(target(v, 'x'), std::move(move));
  }

  Expr target(const HeapView &v, char kind) {
    std::vector<std::string_view> &names = names_;
    names.clear();
    for (const auto &[name, id] : v.vars())
      if (v.cls(id) != Cls::Function) names.push_back(name);
    if (!names.empty() && (names.size() >= 8 || rng_.chance(1, 6)))
      return e_var(std::string(rng_.pick(names)));
    std::string name(1, kind);
    name.append(std::to_string(++next_name_)); // (operator+ here trips GCC 12's -Wrestrict)
    return e_var(name);
  }

  bool defined(const HeapView &v, const std::string &fn) const {
    return v.cls(v.value(fn)) == Cls::Function;
  }

  /// A value that `x.f = y` accepts for an x in region a.
  std::optional<Expr> region_value(const HeapView &v, RegionId a) {
    auto ok = [&](const Ref &r) {
      switch (r.cls) {
        case Cls::None:
        case Cls::Frozen:
        case Cls::CownPending:
        case Cls::CownReleased:
          return true;
        case Cls::Regional:
          return v.region(r.id) == a;
        case Cls::Bridge: {
          RegionId s = v.region(r.id);
          return s == a || (v.parent_kind(r.id) == ParentKind::None && v.root(a) != s);
        }
        case Cls::Local:
          return !v.pull_result(r.id, a).has_value();
        case Cls::Function:
          return false;
      }
      return false;
    };
    if (rng_.chance(1, 4)) return e_new();
    if (auto r = pick(ok)) return r->expr();
    return std::nullopt;
  }

  /// True if some live region has r as its parent.
  static bool has_children(const HeapView &v, RegionId r) {
    const State &h = v.world().heap;
    for (RegionId s = 1; s < h.region_end(); ++s)
      if (h.is_live_region(s) && h.region(s).parent_kind == ParentKind::Region &&
          h.region(s).parent == r)
        return true;
    return false;
  }

  /// The depth of region r in its tree.
  static size_t depth(const HeapView &v, RegionId r) {
    size_t d = 0;
    const State &h = v.world().heap;
    for (; r != kNoRegion && h.region(r).parent_kind == ParentKind::Region && d < 64; ++d)
      r = h.region(r).parent;
    return d;
  }

  std::optional<Stmt> safe(const HeapView &v) {
    enum T {
      NewLocal,
      NewRegion,
      NewString,
      LocalWrite,
      RegionWrite,
      Nest,
      Read,
      Alias,
      Drop,
      MoveField,
      Freeze,
      Close,
      IsClosed,
      Merge,
      Dissolve,
      CownNew,
      CownWrite,
      CownRead,
      IsReleased,
      Proto,
      Create,
      For,
      DefMk,
      CallMk,
      DefLink,
      CallLink,
      DefGet,
      CallGet,
      When,
      Count
    };
    static const std::vector<unsigned> w = {10, 10, 2, 14, 12, 10, 8, 3, 5, 3, 5, 3, 2, 4, 2,
                                            6,  3,  3, 1,  3,  1,  1, 1, 2, 1, 2, 1, 1, 3};
    static_assert(static_cast<size_t>(Count) == 29);
    const Pred mutable_obj = is({Cls::Local, Cls::Bridge, Cls::Regional});
    T t = static_cast<T>(rng_.weighted(w));
    switch (t) {
      case NewLocal:
        return s_assign(target(v, 'x'), e_new());
      case NewRegion:
        return s_assign(target(v, 'r'), e_call("Region", {}));
      case NewString:
        return s_assign(target(v, 'x'), e_str("s"));
      case LocalWrite: {
        auto x = pick(is({Cls::Local}));
        if (!x) return std::nullopt;
        // Bias: local objects pointing at bridges and region objects set up later pulls.
        // Bias: a local object pointing at the root of a region tree sets up pull.cycle.
        const Ref *y = nullptr;
        if (rng_.chance(1, 3))
          y = pick([&](const Ref &r) {
            return r.cls == Cls::Bridge && v.parent_kind(r.id) == ParentKind::None &&
                   has_children(v, v.region(r.id));
          });
        if (!y)
          y = rng_.chance(1, 2) ? pick(is({Cls::Bridge, Cls::Regional}))
                                : pick(is({Cls::Local, Cls::Frozen, Cls::CownPending,
                                           Cls::CownReleased, Cls::Bridge, Cls::Regional}));
        return s_assign(e_field(x->expr(), field()), y ? y->expr() : e_new());
      }
      case RegionWrite:
      case Nest: {
        const Ref *x = nullptr;
        if (t == Nest) { // into the deepest region: deep trees
          size_t best = 0;
          for (const Ref &r : refs_)
            if ((r.cls == Cls::Bridge || r.cls == Cls::Regional) &&
                (!x || depth(v, v.region(r.id)) > best)) {
              x = &r;
              best = depth(v, v.region(r.id));
            }
        } else {
          x = pick(is({Cls::Bridge, Cls::Regional}));
        }
        if (!x) return std::nullopt;
        auto y = region_value(v, v.region(x->id));
        if (!y) return std::nullopt;
        return s_assign(e_field(x->expr(), field()), *y);
      }
      case Read: {
        auto y = pick([&](const Ref &r) {
          return (mutable_obj(r) || r.cls == Cls::Frozen || r.cls == Cls::CownPending) &&
                 v.has_fields(r.id);
        });
        if (!y) return std::nullopt;
        return s_assign(target(v, 'x'), e_field(y->expr(), rng_.pick(v.fields(y->id))));
      }
      case Alias: {
        auto y = pick([](const Ref &r) { return r.cls != Cls::None; }, true);
        if (!y) return std::nullopt;
        return s_assign(target(v, 'x'), y->expr());
      }
      case Drop: {
        auto x = pick([](const Ref &r) { return r.cls != Cls::None; }, true);
        if (!x) return std::nullopt;
        switch (rng_.below(3)) {
          case 0:
            return s_drop(x->expr());
          case 1:
            return s_assign(x->expr(), e_none());
          default:
            return discard(v, e_move(x->expr()));
        }
      }
      case MoveField: {
        auto y = pick([&](const Ref &r) {
          return (mutable_obj(r) || r.cls == Cls::CownPending) && v.has_fields(r.id);
        });
        if (!y) return std::nullopt;
        Expr mv = e_move(e_field(y->expr(), rng_.pick(v.fields(y->id))));
        return rng_.chance(1, 2) ? discard(v, mv) : s_assign(target(v, 'x'), mv);
      }
      case Freeze: {
        // Bias: freezing a local graph that reaches a bridge ends that region.
        auto x = pick([&](const Ref &r) {
          if (r.cls != Cls::Local) return false;
          for (const Field &f : v.world().heap.obj(r.id).fields)
            if (f.value != kNone && v.cls(f.value) == Cls::Bridge) return true;
          return false;
        });
        if (!x || rng_.chance(1, 2)) x = pick(mutable_obj);
        if (!x) return std::nullopt;
        return s_expr(e_call("freeze", {x->expr()}));
      }
      case Close: {
        auto x = pick([&](const Ref &r) {
          return r.cls == Cls::Bridge && !v.local_proto_into(v.region(r.id));
        });
        if (!x) return std::nullopt;
        return s_expr(e_call("close", {x->expr()}));
      }
      case IsClosed: {
        auto x = pick(is({Cls::Bridge}));
        if (!x) return std::nullopt;
        return s_assign(target(v, 'b'), e_call("is_closed", {x->expr()}));
      }
      case Merge: {
        for (const Ref &s : refs_) {
          if (s.cls != Cls::Bridge || v.parent_kind(s.id) != ParentKind::Region) continue;
          RegionId parent = v.world().heap.region(v.region(s.id)).parent;
          for (const Ref &r : refs_)
            if (r.cls == Cls::Bridge && v.region(r.id) == parent)
              return s_expr(e_call("merge", {s.expr(), r.expr()}));
        }
        return std::nullopt;
      }
      case Dissolve: {
        auto x = pick([&](const Ref &r) {
          return r.cls == Cls::Bridge && v.parent_kind(r.id) == ParentKind::None;
        });
        if (!x) return std::nullopt;
        return s_expr(e_call("dissolve", {x->expr()}));
      }
      case CownNew: {
        auto x = pick(
            [&](const Ref &r) {
              return r.cls == Cls::Bridge && v.parent_kind(r.id) == ParentKind::None;
            },
            true);
        Expr arg = e_none();
        if (x)
          arg = rng_.chance(2, 3) ? e_move(x->expr()) : x->expr(); // Cown(r) stays Pending
        else if (auto f = pick(is({Cls::Frozen, Cls::CownPending, Cls::CownReleased})))
          arg = f->expr();
        return s_assign(target(v, 'c'), e_call("Cown", {arg}));
      }
      case CownWrite: {
        auto c = pick(is({Cls::CownPending}), true);
        if (!c) return std::nullopt;
        auto x = pick(
            [&](const Ref &r) {
              return r.cls == Cls::Bridge && v.parent_kind(r.id) == ParentKind::None;
            },
            true);
        return s_assign(e_field(c->expr(), "value"), x ? e_move(x->expr()) : e_none());
      }
      case CownRead: {
        auto c = pick(is({Cls::CownPending}), true);
        if (!c) return std::nullopt;
        return s_assign(target(v, 'x'), e_field(c->expr(), "value"));
      }
      case IsReleased: {
        auto c = pick(is({Cls::CownPending, Cls::CownReleased}), true);
        if (!c) return std::nullopt;
        return s_assign(target(v, 'b'), e_call("is_released", {c->expr()}));
      }
      case Proto: {
        auto x = pick(is({Cls::Local}), true);
        auto y = pick(is({Cls::Local, Cls::Regional, Cls::Bridge}));
        if (!x || !y || x->id == y->id) return std::nullopt;
        return s_assign(e_field(x->expr(), "__proto__"), y->expr());
      }
      case Create: {
        auto y = pick([&](const Ref &r) {
          return mutable_obj(r) && v.world().heap.obj(r.id).kind == ObjectKind::Plain;
        });
        if (!y) return std::nullopt;
        return s_assign(target(v, 'x'), e_call("create", {y->expr()}));
      }
      case For: {
        auto x = pick([&](const Ref &r) { return mutable_obj(r) || r.cls == Cls::CownPending; });
        if (!x) return std::nullopt;
        return s_for("k", "v", x->expr(), {s_expr(e_call("pass", {}))});
      }
      case DefMk:
        if (defined(v, "mkregion")) return std::nullopt;
        return s_def("mkregion", {},
                     {s_assign(e_var("r"), e_call("Region", {})),
                      s_assign(e_field(e_var("r"), "f"), e_new()), s_return(e_var("r"))});
      case CallMk:
        if (!defined(v, "mkregion")) return std::nullopt;
        return s_assign(target(v, 'r'), e_call("mkregion", {}));
      case DefLink:
        if (defined(v, "link")) return std::nullopt;
        return s_def("link", {"a", "b"}, {s_assign(e_field(e_var("a"), "f"), e_var("b"))});
      case CallLink: {
        if (!defined(v, "link")) return std::nullopt;
        auto x = pick(mutable_obj, true);
        auto y = pick([](const Ref &r) { return r.cls != Cls::None; }, true);
        if (!x || !y) return std::nullopt;
        return s_expr(e_call("link", {x->expr(), y->expr()}));
      }
      case DefGet:
        if (defined(v, "getf")) return std::nullopt;
        return s_def("getf", {"a"}, {s_return(e_field(e_var("a"), "f"))});
      case CallGet: {
        if (!defined(v, "getf")) return std::nullopt;
        auto y = pick(
            [&](const Ref &r) {
              return (mutable_obj(r) || r.cls == Cls::Frozen) && v.field(r.id, "f") != kNone;
            },
            true);
        if (!y) return std::nullopt;
        return s_assign(target(v, 'x'), e_call("getf", {y->expr()}));
      }
      case When:
        return when(v);
      case Count:
        break;
    }
    return std::nullopt;
  }

  /// A behaviour on one or two Released cowns (Pending ones would wait, maybe for ever).
  std::optional<Stmt> when(const HeapView &v) {
    std::vector<std::string> cowns = v.vars_of(Cls::CownReleased);
    if (cowns.empty()) return std::nullopt;
    std::string c = rng_.pick(cowns);
    std::vector<std::string> params{c};
    if (cowns.size() > 1 && rng_.chance(1, 3)) {
      std::string d = rng_.pick(cowns);
      if (d != c) params.push_back(d);
    }
    std::vector<Stmt> body;
    ObjectId value = v.field(v.value(c), "value");
    switch (rng_.below(3)) {
      case 0:
        if (v.cls(value) == Cls::Bridge) {
          body.push_back(s_assign(e_var("w"), e_field(e_var(c), "value")));
          body.push_back(s_assign(e_field(e_var("w"), field()), e_new()));
          break;
        }
        [[fallthrough]];
      case 1: {
        // Send a free, closed-once-moved region along: the only reference is the variable.
        auto r = pick(
            [&](const Ref &x) {
              RegionId s = v.region(x.id);
              return x.cls == Cls::Bridge && v.parent_kind(x.id) == ParentKind::None &&
                     v.lrc(s) == 1 && v.world().heap.region(s).sbrc == 0;
            },
            true);
        if (r) {
          body.push_back(s_assign(e_field(e_var(c), "value"), r->expr()));
          break;
        }
        [[fallthrough]];
      }
      default:
        body.push_back(s_expr(e_call("pass", {})));
    }
    return s_when(params, std::move(body));
  }

  std::optional<Stmt> risky(const HeapView &v) {
    // Candidates grouped by the check they aim at; a group is picked uniformly first so that
    // checks with few candidates are hit as often as those with many.
    std::map<int, std::vector<Stmt>> groups;
    auto add = [&](int g, Stmt s) { groups[g].push_back(std::move(s)); };
    auto each = [&](const Pred &p, const std::function<void(const Ref &)> &f) {
      for (const Ref &r : refs_)
        if (p(r)) f(r);
    };
    auto parented = [&](const Ref &r) {
      return r.cls == Cls::Bridge && v.parent_kind(r.id) != ParentKind::None;
    };
    auto regional = is({Cls::Bridge, Cls::Regional});
    auto tgt = [&](char k) { return target(v, k); };
    each(is({Cls::CownReleased}), [&](const Ref &r) {
      Expr val = e_field(r.expr(), "value");
      add(1, s_assign(tgt('x'), val)); // read.opaque
      // write.opaque: storing a bridge that a variable still holds gives the LOCAL a reference
      // into a region the Released cown now owns
      auto r2 = pick(
          [&](const Ref &b) {
            return b.cls == Cls::Bridge && v.parent_kind(b.id) == ParentKind::None;
          },
          true);
      add(2, s_assign(val, r2 ? r2->expr() : e_none()));
      add(3, discard(v, e_move(val)));                                 // move.opaque
      add(4, s_for("k", "v", r.expr(), {s_expr(e_call("pass", {}))})); // for.opaque
    });
    each(is({Cls::Frozen}), [&](const Ref &r) {
      add(5, s_assign(e_field(r.expr(), field()), e_new()));  // write.immutable
      add(6, discard(v, e_move(e_field(r.expr(), field())))); // move.immutable
    });
    each(is({Cls::Local, Cls::Regional}), [&](const Ref &y) {
      add(7, s_assign(tgt('c'), e_call("Cown", {y.expr()}))); // cown.not_bridge
      each(is({Cls::CownPending}), [&](const Ref &k) {        // cown_write.not_bridge
        add(8, s_assign(e_field(k.expr(), "value"), y.expr()));
      });
    });
    each(parented, [&](const Ref &s) {
      add(9, s_assign(tgt('c'), e_call("Cown", {s.expr()}))); // cown.not_free
      add(10, s_expr(e_call("dissolve", {s.expr()})));        // dissolve.child
      each(is({Cls::CownPending}), [&](const Ref &k) {        // cown_write.not_free
        // another field than the owning one: storing it again in `value` changes nothing
        add(11, s_assign(e_field(k.expr(), rng_.chance(1, 2) ? "value" : field()), s.expr()));
      });
    });
    each(regional, [&](const Ref &x) {
      RegionId a = v.region(x.id);
      each([](const Ref &) { return true; },
           [&](const Ref &y) {
             RegionId s = v.region(y.id);
             int g = 0;
             if (y.cls == Cls::Bridge && s != a) {
               if (v.parent_kind(y.id) != ParentKind::None)
                 g = 16; // barrier.has_parent
               else if (v.root(a) == s)
                 g = 17; // barrier.cycle
             } else if (y.cls == Cls::Regional && s != a) {
               g = 18; // barrier.other_region
             } else if (y.cls == Cls::Local) {
               if (auto rule = v.pull_result(y.id, a)) g = 100 + static_cast<int>(*rule); // pull.*
             }
             if (g) add(g, s_assign(e_field(x.expr(), field()), y.expr()));
           });
    });
    each(is({Cls::Bridge}), [&](const Ref &x) {
      if (v.local_proto_into(v.region(x.id))) add(13, s_expr(e_call("close", {x.expr()})));
      each(is({Cls::Bridge}), [&](const Ref &s) { // merge.not_parent
        RegionId rs = v.region(s.id), rx = v.region(x.id);
        const Region &g = v.world().heap.region(rs);
        if (rs != rx && !(g.parent_kind == ParentKind::Region && g.parent == rx))
          add(14, s_expr(e_call("merge", {s.expr(), x.expr()})));
      });
    });
    // when.send_open: a behaviour capturing a value that is not a closed free region.
    std::vector<std::string> cowns = v.vars_of(Cls::CownReleased);
    if (!cowns.empty())
      each(
          [&](const Ref &r) {
            if (!r.is_var) return false;
            if (r.cls == Cls::Local || r.cls == Cls::Regional) return true;
            if (r.cls != Cls::Bridge) return false;
            RegionId s = v.region(r.id);
            return v.parent_kind(r.id) != ParentKind::None || v.lrc(s) > 1 ||
                   v.world().heap.region(s).sbrc > 0;
          },
          [&](const Ref &r) {
            add(15, s_when({rng_.pick(cowns)}, {s_assign(e_var("w"), r.expr())}));
          });
    if (groups.empty()) return std::nullopt;
    // The region-structure checks need the longest set-ups, so they get more weight whenever
    // their situation arises; Cown(local object) is available in nearly every program.
    std::vector<unsigned> weights;
    std::vector<const std::vector<Stmt> *> lists;
    for (const auto &[g, list] : groups) {
      weights.push_back(g >= 16 ? 6 : g == 7 ? 1 : 2);
      lists.push_back(&list);
    }
    return rng_.pick(*lists[rng_.weighted(weights)]);
  }
};

} // namespace

Program generate_biased(uint64_t seed, size_t length, Profile profile) {
  return Biased(seed, length, profile).run();
}

} // namespace lungfish::gen
