// Tests of the program-text parser and printer (model/text/program_text.h).
#include "model/text/program_text.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>

namespace lungfish {
namespace {

namespace fs = std::filesystem;

// ---- Expression builders -------------------------------------------------------------------

Expr mk(ExprKind k, std::string name = "", std::vector<Expr> args = {}) {
  Expr e;
  e.kind = k;
  e.name = std::move(name);
  e.args = std::move(args);
  return e;
}
Expr V(const std::string &n) {
  return mk(ExprKind::Var, n);
}
Expr Str(const std::string &s) {
  return mk(ExprKind::String, s);
}
Expr NoneE() {
  return mk(ExprKind::None);
}
Expr TrueE() {
  return mk(ExprKind::True);
}
Expr FalseE() {
  return mk(ExprKind::False);
}
Expr New() {
  return mk(ExprKind::NewObject);
}
Expr F(Expr e, const std::string &f) {
  return mk(ExprKind::Field, f, {std::move(e)});
}
Expr I(Expr e, Expr k) {
  return mk(ExprKind::Index, "", {std::move(e), std::move(k)});
}
Expr Mv(Expr e) {
  return mk(ExprKind::Move, "", {std::move(e)});
}
Expr C(const std::string &f, std::vector<Expr> a = {}) {
  return mk(ExprKind::Call, f, a);
}
Expr M(Expr recv, const std::string &m, std::vector<Expr> a = {}) {
  a.insert(a.begin(), std::move(recv));
  return mk(ExprKind::Method, m, std::move(a));
}
Expr EqE(Expr a, Expr b) {
  return mk(ExprKind::Eq, "", {std::move(a), std::move(b)});
}
Expr NeE(Expr a, Expr b) {
  return mk(ExprKind::Ne, "", {std::move(a), std::move(b)});
}

// ---- Statement builders --------------------------------------------------------------------

Stmt Assign(Expr t, Expr v) {
  Stmt s;
  s.kind = StmtKind::Assign;
  s.target = std::move(t);
  s.value = std::move(v);
  return s;
}
Stmt Drop(Expr t) {
  Stmt s = Assign(std::move(t), NoneE());
  s.is_drop = true;
  return s;
}
Stmt ExprS(Expr v) {
  Stmt s;
  s.kind = StmtKind::Expr;
  s.value = std::move(v);
  return s;
}
Stmt Block(StmtKind k, std::vector<Stmt> body) {
  Stmt s;
  s.kind = k;
  s.body = std::move(body);
  return s;
}
Stmt If(Expr c, std::vector<Stmt> body) {
  Stmt s = Block(StmtKind::If, std::move(body));
  s.value = std::move(c);
  return s;
}
Stmt IfElse(Expr c, std::vector<Stmt> body, std::vector<Stmt> orelse) {
  Stmt s = If(std::move(c), std::move(body));
  s.has_else = true;
  s.orelse = std::move(orelse);
  return s;
}
Stmt While(Expr c, std::vector<Stmt> body) {
  Stmt s = Block(StmtKind::While, std::move(body));
  s.value = std::move(c);
  return s;
}
Stmt For(std::string k, std::string v, Expr t, std::vector<Stmt> body) {
  Stmt s = Block(StmtKind::For, std::move(body));
  s.params = {std::move(k), std::move(v)};
  s.target = std::move(t);
  return s;
}
Stmt Def(std::string n, std::vector<std::string> ps, std::vector<Stmt> body) {
  Stmt s = Block(StmtKind::Def, std::move(body));
  s.name = std::move(n);
  s.params = std::move(ps);
  return s;
}
Stmt When(std::vector<std::string> cs, std::vector<Stmt> body) {
  Stmt s = Block(StmtKind::When, std::move(body));
  s.params = std::move(cs);
  return s;
}
Stmt Ret() {
  Stmt s;
  s.kind = StmtKind::Return;
  return s;
}
Stmt Ret(Expr v) {
  Stmt s = Ret();
  s.has_value = true;
  s.value = std::move(v);
  return s;
}

Program prog(std::vector<Stmt> body) {
  Program p;
  p.body = std::move(body);
  return p;
}

/// Parses a one-statement program and returns that statement.
Stmt one(const std::string &src) {
  Program p = parse_program(src);
  EXPECT_EQ(p.body.size(), 1u) << src;
  return p.body.empty() ? Stmt{} : p.body[0];
}

/// The (line, col, detail) of the InputError that parsing `src` throws.
struct Err {
  uint32_t line = 0, col = 0;
  std::string detail;
};
Err error_of(const std::string &src) {
  try {
    parse_program(src, "t.lf");
  } catch (const InputError &e) {
    return {e.line, e.col, e.detail};
  }
  ADD_FAILURE() << "no error for: " << src;
  return {};
}

std::string read_bytes(const fs::path &p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

fs::path source_dir() {
  return fs::path(LUNGFISH_SOURCE_DIR);
}

std::vector<fs::path> files_in(const fs::path &dir) {
  std::vector<fs::path> out;
  if (fs::is_directory(dir))
    for (const auto &e : fs::directory_iterator(dir))
      if (e.path().extension() == ".lf") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

void expect_round_trip(const Program &p, const std::string &what) {
  std::string printed = print_program(p);
  Program q;
  try {
    q = parse_program(printed, what);
  } catch (const InputError &e) {
    FAIL() << what << ": the printed program does not parse: " << e.what() << "\n" << printed;
  }
  EXPECT_TRUE(p == q) << what << "\n" << printed;
  EXPECT_EQ(print_program(q), printed) << what;
}

// ---- Statement forms -----------------------------------------------------------------------

TEST(ProgramParser, EmptyProgramsAreValid) {
  EXPECT_TRUE(parse_program("").body.empty());
  EXPECT_TRUE(parse_program("\n\n   \n# only a comment\n\t\n").body.empty());
  EXPECT_EQ(parse_program("", "f.lf").file, "f.lf");
}

TEST(ProgramParser, Assignments) {
  EXPECT_EQ(one("x = {}"), Assign(V("x"), New()));
  EXPECT_EQ(one("x = \"a string\""), Assign(V("x"), Str("a string")));
  EXPECT_EQ(one("x = None"), Assign(V("x"), NoneE()));
  EXPECT_EQ(one("x = True"), Assign(V("x"), TrueE()));
  EXPECT_EQ(one("x = False"), Assign(V("x"), FalseE()));
  EXPECT_EQ(one("x = y"), Assign(V("x"), V("y")));
  EXPECT_EQ(one("x.f = y.g"), Assign(F(V("x"), "f"), F(V("y"), "g")));
  EXPECT_EQ(one("x[\"f\"] = y[k]"), Assign(I(V("x"), Str("f")), I(V("y"), V("k"))));
  EXPECT_EQ(one("a.b[c.d] = e[f[g]]"),
            Assign(I(F(V("a"), "b"), F(V("c"), "d")), I(V("e"), I(V("f"), V("g")))));
  EXPECT_EQ(one("x.__proto__ = p"), Assign(F(V("x"), "__proto__"), V("p")));
  EXPECT_EQ(one("x.if = y"), Assign(F(V("x"), "if"), V("y"))); // keywords may name fields
  EXPECT_EQ(one("x = move y"), Assign(V("x"), Mv(V("y"))));
  EXPECT_EQ(one("x.f = move y.g[k]"), Assign(F(V("x"), "f"), Mv(I(F(V("y"), "g"), V("k")))));
  EXPECT_EQ(one("res = b == None"), Assign(V("res"), EqE(V("b"), NoneE())));
  EXPECT_EQ(one("res = b != a.f"), Assign(V("res"), NeE(V("b"), F(V("a"), "f"))));
  EXPECT_EQ(one("x = f(a, b)"), Assign(V("x"), C("f", {V("a"), V("b")})));
  EXPECT_EQ(one("x = o.m(a)"), Assign(V("x"), M(V("o"), "m", {V("a")})));
  EXPECT_EQ(one("x = y[True]"), Assign(V("x"), I(V("y"), TrueE())));
  EXPECT_EQ(one("_0 = 123"), Assign(V("_0"), V("123"))); // names are [0-9A-Za-z_]+
  EXPECT_EQ(one("x = None_y"), Assign(V("x"), V("None_y")));
}

TEST(ProgramParser, DropAndMove) {
  EXPECT_EQ(one("drop x"), Drop(V("x")));
  EXPECT_EQ(one("drop x.f[\"g\"]"), Drop(I(F(V("x"), "f"), Str("g"))));
  Stmt d = one("drop x");
  EXPECT_TRUE(d.is_drop);
  EXPECT_EQ(d.value.kind, ExprKind::None);
  EXPECT_EQ(one("move x"), ExprS(Mv(V("x"))));
  EXPECT_EQ(one("move x.f"), ExprS(Mv(F(V("x"), "f"))));
}

TEST(ProgramParser, CallsAndMethods) {
  EXPECT_EQ(one("pass()"), ExprS(C("pass")));
  EXPECT_EQ(one("r = Region()"), Assign(V("r"), C("Region")));
  EXPECT_EQ(one("c = Cown(move r)"), Assign(V("c"), C("Cown", {Mv(V("r"))})));
  EXPECT_EQ(one("merge(a, b)"), ExprS(C("merge", {V("a"), V("b")})));
  EXPECT_EQ(one("mermaid_show(x, y.f)"), ExprS(C("mermaid_show", {V("x"), F(V("y"), "f")})));
  EXPECT_EQ(one("f({}, \"s\", None, a == b, move c)"),
            ExprS(C("f", {New(), Str("s"), NoneE(), EqE(V("a"), V("b")), Mv(V("c"))})));
  EXPECT_EQ(one("x.m(y)"), ExprS(M(V("x"), "m", {V("y")})));
  EXPECT_EQ(one("a.b.m()"), ExprS(M(F(V("a"), "b"), "m")));
  EXPECT_EQ(one("a[\"m\"](z)"), ExprS(M(V("a"), "m", {V("z")})));
  EXPECT_EQ(one("object().name()"), ExprS(M(C("object"), "name")));
  EXPECT_EQ(one("x = f().g"), Assign(V("x"), F(C("f"), "g")));
  EXPECT_EQ(one("f(g(h(x)))"), ExprS(C("f", {C("g", {C("h", {V("x")})})})));
}

TEST(ProgramParser, IfElseWhile) {
  Program p = parse_program("if a == b:\n    f()\nelse:\n    g()\n");
  EXPECT_EQ(p, prog({IfElse(EqE(V("a"), V("b")), {ExprS(C("f"))}, {ExprS(C("g"))})}));
  p = parse_program("if a != None:\n    f()\n");
  EXPECT_EQ(p, prog({If(NeE(V("a"), NoneE()), {ExprS(C("f"))})}));
  EXPECT_FALSE(p.body[0].has_else);
  // A condition that is not a comparison means `e == True`.
  EXPECT_EQ(parse_program("if is_closed(r.c):\n    f()\n"),
            prog({If(EqE(C("is_closed", {F(V("r"), "c")}), TrueE()), {ExprS(C("f"))})}));
  EXPECT_EQ(parse_program("while x.b:\n    x = x.n\n"),
            prog({While(EqE(F(V("x"), "b"), TrueE()), {Assign(V("x"), F(V("x"), "n"))})}));
  EXPECT_EQ(parse_program("while x.m() != None:\n    pass()\n"),
            prog({While(NeE(M(V("x"), "m"), NoneE()), {ExprS(C("pass"))})}));
  // Nested if/else, comments and blank lines inside blocks.
  p = parse_program("if a:\n    # c\n\n    if b:\n        f()\n    else:\n        g()\nelse:\n"
                    "    h()\nk()\n");
  EXPECT_EQ(p, prog({IfElse(EqE(V("a"), TrueE()),
                            {IfElse(EqE(V("b"), TrueE()), {ExprS(C("f"))}, {ExprS(C("g"))})},
                            {ExprS(C("h"))}),
                     ExprS(C("k"))}));
}

TEST(ProgramParser, ForDefReturnWhen) {
  EXPECT_EQ(parse_program("for k, v in a.set:\n    l = v\n"),
            prog({For("k", "v", F(V("a"), "set"), {Assign(V("l"), V("v"))})}));
  EXPECT_EQ(parse_program("def f():\n    return\n"), prog({Def("f", {}, {Ret()})}));
  EXPECT_EQ(parse_program("def f(a, b):\n    return a == b\n"),
            prog({Def("f", {"a", "b"}, {Ret(EqE(V("a"), V("b")))})}));
  EXPECT_EQ(parse_program("def f(x):\n    def g(y):\n        return {}\n    return g(x)\n"),
            prog({Def("f", {"x"}, {Def("g", {"y"}, {Ret(New())}), Ret(C("g", {V("x")}))})}));
  EXPECT_EQ(parse_program("when (c1, c2):\n    c1.value.f = c2\n"),
            prog({When({"c1", "c2"}, {Assign(F(F(V("c1"), "value"), "f"), V("c2"))})}));
  EXPECT_EQ(parse_program("when (c):\n    def f():\n        return\n"),
            prog({When({"c"}, {Def("f", {}, {Ret()})})}));
  EXPECT_EQ(parse_program("when = {}\nwhen.x = when\n"),
            prog({Assign(V("when"), New()), Assign(F(V("when"), "x"), V("when"))}));
}

TEST(ProgramParser, Indentation) {
  // Tabs count one level each; a file may use tabs on some lines and spaces on others.
  Program p = parse_program("if a:\n\tf()\n    g()\n");
  EXPECT_EQ(p, prog({If(EqE(V("a"), TrueE()), {ExprS(C("f")), ExprS(C("g"))})}));
  // Dedenting several levels at once.
  p = parse_program("if a:\n    if b:\n        if c:\n            f()\ng()\n");
  ASSERT_EQ(p.body.size(), 2u);
  EXPECT_EQ(p.body[1], ExprS(C("g")));
  // Comment lines are ignored whatever their indentation.
  p = parse_program("if a:\n    f()\n# dedented comment\n            # deep comment\n    g()\n");
  EXPECT_EQ(p, prog({If(EqE(V("a"), TrueE()), {ExprS(C("f")), ExprS(C("g"))})}));
}

TEST(ProgramParser, LineEndingsAndEncoding) {
  Program lf = parse_program("x = {}\nif x:\n    f()\n");
  EXPECT_EQ(parse_program("x = {}\r\nif x:\r\n    f()\r\n"), lf);
  EXPECT_EQ(parse_program("x = {}\nif x:\n    f()"), lf);               // no final newline
  EXPECT_EQ(parse_program("\xEF\xBB\xBFx = {}\nif x:\n    f()\n"), lf); // byte order mark
  EXPECT_EQ(one("x = \"caf\xC3\xA9 \xF0\x9F\x90\x9F\" # \xE2\x82\xAC"),
            Assign(V("x"), Str("caf\xC3\xA9 \xF0\x9F\x90\x9F")));
}

// ---- Locations and statement texts ---------------------------------------------------------

TEST(ProgramParser, Locations) {
  Program p = parse_program("# c\n\nx.f = move y[k]\nif a == b:\n    z = g(a, \"\xC3\xA9\", b)\n");
  const Stmt &a = p.body[0];
  EXPECT_EQ(a.loc, (SourceLoc{3, 1}));
  EXPECT_EQ(a.target.loc, (SourceLoc{3, 1}));
  EXPECT_EQ(a.target.args[0].loc, (SourceLoc{3, 1}));
  EXPECT_EQ(a.value.loc, (SourceLoc{3, 7}));
  EXPECT_EQ(a.value.args[0].loc, (SourceLoc{3, 12}));
  EXPECT_EQ(a.value.args[0].args[1].loc, (SourceLoc{3, 14}));
  const Stmt &i = p.body[1];
  EXPECT_EQ(i.loc, (SourceLoc{4, 1}));
  EXPECT_EQ(i.value.loc, (SourceLoc{4, 4}));
  EXPECT_EQ(i.value.args[1].loc, (SourceLoc{4, 9}));
  const Stmt &z = i.body[0];
  EXPECT_EQ(z.loc, (SourceLoc{5, 5}));
  EXPECT_EQ(z.value.loc, (SourceLoc{5, 9}));
  EXPECT_EQ(z.value.args[1].loc, (SourceLoc{5, 14}));
  EXPECT_EQ(z.value.args[2].loc, (SourceLoc{5, 19})); // columns count code points
  // The True of `if e:` is synthetic.
  Program q = parse_program("while c:\n    f()\n");
  EXPECT_EQ(q.body[0].value.args[1].loc, (SourceLoc{0, 0}));
  EXPECT_EQ(q.body[0].value.args[0].loc, (SourceLoc{1, 7}));
}

TEST(ProgramParser, StatementTextsAreFrankenScripts) {
  Program q = parse_program("x  =   y.f   # comment\n"
                            "c = a[\"field1\"]\n"
                            "c[\"g\"] = c[d[e] ]\n"
                            "def f(a, b):\n"
                            "    if  a==b :   # c\n"
                            "        return\n"
                            "    return a[b]\n"
                            "for k, v in x[\"a:b\"]:\n"
                            "    drop v\n"
                            "when (c1, c2):\n"
                            "    obj.m( a )\n");
  std::vector<std::string> texts;
  std::function<void(const std::vector<Stmt> &)> walk = [&](const std::vector<Stmt> &b) {
    for (const Stmt &s : b) {
      texts.push_back(s.text);
      walk(s.body);
      walk(s.orelse);
    }
  };
  walk(q.body);
  std::vector<std::string> expected = {"x  =   y.f",     "c = a[\"field1\"",   "c[\"g\"] = c[d[e",
                                       "def f(a, b):",   "if  a==b :",         "return",
                                       "return a[b",     "for k, v in x[\"a:", "drop v",
                                       "when (c1, c2):", "obj.m( a )"};
  EXPECT_EQ(texts, expected);
}

TEST(ProgramPrinter, AssignStatementTexts) {
  Program p = prog({Assign(V("c"), I(V("a"), Str("f"))),
                    Def("f", {"a"}, {IfElse(EqE(V("a"), TrueE()), {Ret(V("a"))}, {Ret()})}),
                    When({"x", "y"}, {ExprS(M(V("x"), "m"))})});
  assign_statement_texts(p);
  EXPECT_EQ(p.body[0].text, "c = a[\"f\"");
  EXPECT_EQ(p.body[1].text, "def f(a):");
  EXPECT_EQ(p.body[1].body[0].text, "if a:");
  EXPECT_EQ(p.body[1].body[0].body[0].text, "return a");
  EXPECT_EQ(p.body[1].body[0].orelse[0].text, "return");
  EXPECT_EQ(p.body[2].text, "when (x, y):");
  EXPECT_EQ(p.body[2].body[0].text, "x.m()");
  // The texts of a parsed canonical program are the ones assign_statement_texts gives.
  Program q = parse_program(print_program(p));
  Program r = q;
  assign_statement_texts(r);
  EXPECT_EQ(print_program(q), print_program(r));
  EXPECT_EQ(q.body[0].text, r.body[0].text);
  EXPECT_EQ(q.body[1].body[0].text, r.body[1].body[0].text);
}

// ---- Printer -------------------------------------------------------------------------------

TEST(ProgramPrinter, Expressions) {
  EXPECT_EQ(print_expr(New()), "{}");
  EXPECT_EQ(print_expr(Str("a b")), "\"a b\"");
  EXPECT_EQ(print_expr(I(F(V("a"), "b"), Str("c"))), "a.b[\"c\"]");
  EXPECT_EQ(print_expr(M(F(V("a"), "b"), "m", {Mv(V("x")), NoneE()})), "a.b.m(move x, None)");
  EXPECT_EQ(print_expr(NeE(C("f"), FalseE())), "f() != False");
  EXPECT_EQ(print_expr(F(V("x"), "not a word")), "x[\"not a word\"]");
}

TEST(ProgramPrinter, CanonicalProgram) {
  Program p = prog({Assign(V("r"), C("Region")),
                    IfElse(EqE(C("is_closed", {V("r")}), TrueE()), {Drop(V("r"))},
                           {While(NeE(V("r"), NoneE()), {Assign(V("r"), NoneE())})}),
                    For("k", "v", V("r"), {ExprS(C("pass"))}),
                    Def("f", {"a", "b"}, {Ret(EqE(V("a"), V("b")))}),
                    When({"c"}, {ExprS(Mv(F(V("c"), "value")))})});
  EXPECT_EQ(print_program(p), "r = Region()\n"
                              "if is_closed(r):\n"
                              "    drop r\n"
                              "else:\n"
                              "    while r != None:\n"
                              "        r = None\n"
                              "for k, v in r:\n"
                              "    pass()\n"
                              "def f(a, b):\n"
                              "    return a == b\n"
                              "when (c):\n"
                              "    move c.value\n");
  expect_round_trip(p, "canonical");
  EXPECT_EQ(print_program(Program{}), "");
}

TEST(ProgramPrinter, BuiltinNames) {
  for (const char *n :
       {"Region", "Cown", "create", "freeze", "close", "is_closed", "merge", "dissolve",
        "is_released", "pass", "unreachable", "pragma_enable_implicit_freezing", "breakpoint",
        "set_freezable", "mermaid_show", "mermaid_anything", "pragma_mermaid_draw_regions_nested"})
    EXPECT_TRUE(is_builtin_name(n)) << n;
  for (const char *n : {"", "region", "f", "mermaid", "pragma_other", "Cown2", "x"})
    EXPECT_FALSE(is_builtin_name(n)) << n;
}

// ---- Round trips ---------------------------------------------------------------------------

const char *const kPrograms[] = {
    // Objects, fields, prototypes.
    "a = {}\na.f = {}\na[\"g\"] = a.f\nk = \"g\"\nb = a[k]\na.__proto__ = b\nc = create(b)\n"
    "drop a\ndrop b\ndrop c\n",
    // Regions, merge, dissolve, cowns.
    "r1 = Region()\nr2 = Region()\nr1.c = r2\ndrop r2\nmerge(r1.c, r1)\nr3 = Region()\n"
    "dissolve(r3)\nc = Cown(move r1)\nb = is_released(c)\nif b:\n    pass()\nelse:\n"
    "    unreachable()\n",
    // Functions and methods.
    "def object():\n    def str_name(self):\n        return \"Dictionary\"\n    value = {}\n"
    "    value.name = str_name\n    return value\nobj = object()\nobj.name()\n"
    "name = object().name()\nthree(\"A\", object(), move name)\n",
    // Loops.
    "lst = {}\nlst.next = {}\nobj = lst\nwhile obj != None:\n    obj = obj.next\n"
    "for key, value in lst:\n    l = value\n    drop l\nwhile x.bool():\n    unreachable()\n",
    // Behaviours.
    "c1 = Cown(None)\nc2 = Cown(Region())\nwhen (c1, c2):\n    x = c2.value\n"
    "    when (c1):\n        pass()\n",
    // Deeply nested but within the limits.
    "if a:\n    if b:\n        while c:\n            for k, v in d:\n                def f():\n"
    "                    return e == f(g(h[i.j]))\n",
};

TEST(ProgramRoundTrip, OwnPrograms) {
  for (const char *src : kPrograms) {
    Program p = parse_program(src);
    expect_round_trip(p, src);
    EXPECT_EQ(print_program(p), src); // these are written in canonical form
  }
}

TEST(ProgramRoundTrip, Examples) {
  std::vector<fs::path> files = files_in(source_dir() / "examples");
  EXPECT_GE(files.size(), 6u);
  for (const fs::path &f : files) {
    Program p;
    ASSERT_NO_THROW(p = parse_program_file(f.string())) << f;
    EXPECT_FALSE(p.body.empty()) << f;
    expect_round_trip(p, f.string());
  }
}

// ---- Malformed input -----------------------------------------------------------------------

// Each file in tests/inputs/program/bad/ starts with `# expect LINE:COL message-substring`.
TEST(ProgramBadInput, Files) {
  std::vector<fs::path> files = files_in(source_dir() / "tests/inputs/program/bad");
  EXPECT_GE(files.size(), 25u);
  for (const fs::path &f : files) {
    std::string bytes = read_bytes(f);
    std::string first = bytes.substr(0, bytes.find('\n'));
    const std::string tag = "# expect ";
    ASSERT_EQ(first.rfind(tag, 0), 0u) << f;
    std::istringstream in(first.substr(tag.size()));
    uint32_t line = 0, col = 0;
    char colon = 0;
    in >> line >> colon >> col;
    std::string message;
    std::getline(in >> std::ws, message);
    ASSERT_EQ(colon, ':') << f;
    try {
      parse_program_file(f.string());
      ADD_FAILURE() << f << ": no error";
    } catch (const InputError &e) {
      EXPECT_EQ(e.file, f.string());
      EXPECT_EQ(e.line, line) << f << ": " << e.what();
      EXPECT_EQ(e.col, col) << f << ": " << e.what();
      EXPECT_NE(e.detail.find(message), std::string::npos) << f << ": " << e.what();
      std::string where = f.string() + ":" + std::to_string(line) + ":" + std::to_string(col);
      EXPECT_EQ(std::string(e.what()).rfind(where + ": ", 0), 0u) << e.what();
    }
  }
}

TEST(ProgramBadInput, Inline) {
  struct Case {
    const char *src;
    uint32_t line, col;
    const char *message;
  };
  const Case cases[] = {
      {"if a:\n    return\n", 2, 5, "'return' outside a function"},
      {"if x:\n", 1, 5, "expected an indented block after ':'"},
      {"if x:\n    f()\nelse:\n", 3, 5, "expected an indented block"},
      {"def f():\ng()\n", 1, 8, "expected an indented block"},
      {"for k in x:\n    f()\n", 1, 7, "expected ',' between the key and value names"},
      {"for k, v in f():\n    g()\n", 1, 13, "expected a variable, field or index after 'in'"},
      {"x = move\n", 1, 9, "expected a variable, field or index after 'move'"},
      {"x = y[]\n", 1, 7, "expected a key"},
      {"x = {}.f\n", 1, 7, "cannot look up a field of {}"},
      {"x = None.f\n", 1, 9, "cannot look up a field of None"},
      {"f()()\n", 1, 4, "cannot call a call"},
      {"x = (y)\n", 1, 5, "expected an expression, found '('"},
      {"x = y[k](z)\n", 1, 9, "cannot call an index"},
      {"True = x\n", 1, 1, "cannot assign to True"},
      {"def f(a, if):\n    pass()\n", 1, 10, "expected a parameter name, found keyword 'if'"},
      {"when (a, a):\n    pass()\n", 1, 10, "duplicate name 'a'"},
      {"when (a.b):\n    pass()\n", 1, 8, "expected ',' or ')'"},
      {"if x == \"s\":\n    f()\n", 1, 9, "cannot compare a string literal"},
      {"while {}:\n    f()\n", 1, 7, "a condition cannot be {}"},
      {"if:\n    f()\n", 1, 3, "expected a condition after 'if'"},
      {"x = y z\n", 1, 7, "expected end of line after the assigned expression"},
      {"f() g\n", 1, 5, "expected '=' or end of line"},
      {"\"s\"\n", 1, 1, "a string literal is not a statement"},
      {"a == b\n", 1, 1, "a comparison is not a statement"},
      {"x = f(,)\n", 1, 7, "expected an argument, found ','"},
      {"x = ]\n", 1, 5, "expected an expression, found ']'"},
      {"x = 1\n\x7f\n", 2, 1, "control character 0x7f"},
      {"x = \"\xED\xA0\x80\"\n", 1, 6, "non-UTF-8 byte 0xed"},     // a UTF-16 surrogate
      {"x = \"\xF4\x90\x80\x80\"\n", 1, 6, "non-UTF-8 byte 0xf4"}, // beyond U+10FFFF
  };
  for (const Case &c : cases) {
    Err e = error_of(c.src);
    EXPECT_EQ(e.line, c.line) << c.src << " -> " << e.detail;
    EXPECT_EQ(e.col, c.col) << c.src << " -> " << e.detail;
    EXPECT_NE(e.detail.find(c.message), std::string::npos) << c.src << " -> " << e.detail;
  }
}

TEST(ProgramBadInput, UnreadableFile) {
  try {
    parse_program_file((source_dir() / "no/such/file.lf").string());
    FAIL() << "no error";
  } catch (const InputError &e) {
    EXPECT_EQ(e.line, 0u);
    EXPECT_NE(e.detail.find("cannot read"), std::string::npos);
  }
  EXPECT_THROW(parse_program_file(source_dir().string()), InputError);
}

TEST(ProgramBadInput, LimitsAreExactlyAtTheEdge) {
  // 256 nested blocks are fine; 257 are not.
  std::string src;
  for (int k = 0; k < 256; ++k)
    src += std::string(k, '\t') + "if x:\n";
  std::string ok = src + std::string(256, '\t') + "pass()\n";
  EXPECT_NO_THROW(parse_program(ok));
  Err e = error_of(src + std::string(256, '\t') + "if x:\n" + std::string(257, '\t') + "f()\n");
  EXPECT_EQ(e.line, 257u);
  EXPECT_NE(e.detail.find("nested too deeply"), std::string::npos);
  // A line of exactly 16384 bytes is fine (plus its CRLF).
  std::string line = "x = \"" + std::string(16384 - 6, 'a') + "\"";
  ASSERT_EQ(line.size(), 16384u);
  EXPECT_NO_THROW(parse_program(line + "\r\n"));
  EXPECT_EQ(error_of(line + "a\n").col, 16385u);
}

TEST(ProgramBadInput, ManyLinesAreFine) {
  std::string src;
  for (int k = 0; k < 200000; ++k)
    src += "x" + std::to_string(k % 100) + " = {}\n";
  Program p = parse_program(src);
  EXPECT_EQ(p.body.size(), 200000u);
}

// Random byte edits of valid programs: the parser either accepts (and then the printed form
// round-trips) or throws InputError; it never crashes or hangs.
TEST(ProgramBadInput, MutatedProgramsNeverCrash) {
  std::vector<std::string> seeds(std::begin(kPrograms), std::end(kPrograms));
  for (const fs::path &f : files_in(source_dir() / "examples"))
    seeds.push_back(read_bytes(f));
  std::mt19937 rng(12345);
  const std::string alphabet = std::string("xyf()[]{}.,:=!\"# \t\n\r\\@\x00\xff\xc3", 24) + "    ";
  int accepted = 0, rejected = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string s = seeds[rng() % seeds.size()];
    int edits = 1 + rng() % 4;
    for (int k = 0; k < edits && !s.empty(); ++k) {
      size_t at = rng() % s.size();
      char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0:
          s[at] = c;
          break;
        case 1:
          s.insert(s.begin() + long(at), c);
          break;
        default:
          s.erase(at, 1 + rng() % 8);
      }
    }
    try {
      Program p = parse_program(s, "m.lf");
      ++accepted;
      expect_round_trip(p, s);
    } catch (const InputError &e) {
      ++rejected;
      EXPECT_GE(e.line, 1u);
      EXPECT_GE(e.col, 1u);
    }
  }
  EXPECT_GT(accepted, 0);
  EXPECT_GT(rejected, 0);
}

} // namespace
} // namespace lungfish
