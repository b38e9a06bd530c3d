#include "generators/alphabet.h"

#include "generators/ast_build.h"

#include <algorithm>

namespace lungfish::gen {

std::vector<std::string> alphabet_variables(size_t n) {
  static const std::vector<std::string> all = {"a", "b", "c"};
  return {all.begin(), all.begin() + static_cast<long>(std::min(n, all.size()))};
}

std::vector<std::string> alphabet_fields(size_t n) {
  static const std::vector<std::string> all = {"f", "g", "h", "i", "j", "k2", "l", "m"};
  return {all.begin(), all.begin() + static_cast<long>(std::min(n, all.size()))};
}

std::vector<Stmt> statement_alphabet(const std::vector<std::string> &vars,
                                     const std::vector<std::string> &fields) {
  std::vector<std::string> fs = fields;
  fs.push_back("value");
  auto pass = [] { return s_expr(e_call("pass", {})); };
  std::vector<Stmt> out;
  for (const std::string &x : vars) {
    out.push_back(s_assign(e_var(x), e_new()));
    out.push_back(s_assign(e_var(x), e_call("Region", {})));
    out.push_back(s_drop(e_var(x)));
    out.push_back(s_expr(e_call("freeze", {e_var(x)})));
    out.push_back(s_expr(e_call("close", {e_var(x)})));
    out.push_back(s_expr(e_call("dissolve", {e_var(x)})));
    out.push_back(s_for("k", "w", e_var(x), {pass()}));
    out.push_back(s_when({x}, {pass()}));
    for (const std::string &f : fs)
      out.push_back(s_expr(e_move(e_field(e_var(x), f))));
  }
  for (const std::string &x : vars)
    for (const std::string &y : vars) {
      for (const std::string &f : fs) {
        out.push_back(s_assign(e_field(e_var(x), f), e_var(y)));
        out.push_back(s_assign(e_var(x), e_field(e_var(y), f)));
        out.push_back(s_assign(e_var(x), e_move(e_field(e_var(y), f))));
      }
      out.push_back(s_assign(e_field(e_var(x), "__proto__"), e_var(y)));
      if (x == y) continue;
      out.push_back(s_assign(e_var(x), e_var(y)));
      out.push_back(s_expr(e_call("merge", {e_var(x), e_var(y)})));
      out.push_back(s_assign(e_var(x), e_call("Cown", {e_move(e_var(y))})));
      out.push_back(s_assign(e_var(x), e_call("Cown", {e_var(y)})));
      out.push_back(s_when({x}, {s_assign(e_var("t"), e_var(y))}));
      out.push_back(s_when({x}, {s_assign(e_var("t"), e_move(e_field(e_var(y), "value")))}));
    }
  return out;
}

} // namespace lungfish::gen
