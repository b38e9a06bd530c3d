// The raw family: statements over a small pool of names, blind to the heap (see program_gen.h).
#include "generators/ast_build.h"
#include "generators/program_gen.h"
#include "generators/rng.h"

namespace lungfish::gen {

namespace {

const std::vector<std::string> kVars = {"a", "b", "c", "d"};
const std::vector<std::string> kFields = {"f", "g", "value"};

class Raw {
public:
  explicit Raw(uint64_t seed) : rng_(seed) {}

  Expr var() { return e_var(rng_.pick(kVars)); }
  /// A variable or one field of one (an lvalue).
  Expr lvalue() { return rng_.chance(1, 2) ? var() : e_field(var(), rng_.pick(kFields)); }
  Expr value() {
    switch (rng_.below(8)) {
      case 0:
        return e_new();
      case 1:
        return e_none();
      case 2:
        return e_str("s");
      case 3:
        return e_move(lvalue());
      case 4:
        return e_call("Region", {});
      default:
        return lvalue();
    }
  }

  Stmt stmt(int depth) {
    switch (rng_.below(depth > 0 ? 22 : 20)) {
      case 0:
      case 1:
      case 2:
      case 3:
        return s_assign(lvalue(), value());
      case 4:
        return s_assign(var(), e_call("Region", {}));
      case 5:
        return s_assign(var(), e_new());
      case 6:
        return s_drop(lvalue());
      case 7:
        return s_expr(e_move(lvalue()));
      case 8:
        return s_expr(e_call("freeze", {lvalue()}));
      case 9:
        return s_expr(e_call("close", {lvalue()}));
      case 10:
        return s_expr(e_call("merge", {lvalue(), lvalue()}));
      case 11:
        return s_expr(e_call("dissolve", {lvalue()}));
      case 12:
        return s_assign(var(), e_call("Cown", {value()}));
      case 13:
        return s_assign(var(), e_call("is_closed", {lvalue()}));
      case 14:
        return s_assign(var(), e_call("is_released", {lvalue()}));
      case 15:
        return s_assign(var(), e_call("create", {lvalue()}));
      case 16:
        return s_assign(e_field(var(), "__proto__"), lvalue());
      case 17:
        return s_assign(var(), e_index(var(), var()));
      case 18:
        return s_assign(var(), e_call("fn", {lvalue()}));
      case 19:
        return s_def("fn", {"p"}, {s_assign(e_field(e_var("p"), "f"), value()), s_return(var())});
      case 20:
        return s_when({rng_.pick(kVars)}, {stmt(depth - 1)});
      default:
        return s_for("k", "v", lvalue(), {stmt(depth - 1)});
    }
  }

private:
  Rng rng_;
};

} // namespace

Program generate_raw(uint64_t seed, size_t length) {
  Raw raw(seed);
  Program p;
  for (size_t i = 0; i < length; ++i)
    p.body.push_back(raw.stmt(1));
  return p;
}

} // namespace lungfish::gen
