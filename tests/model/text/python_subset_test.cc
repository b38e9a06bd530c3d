// The Python subset (model/text/python_subset.h): parsing into model statements, errors with
// file:line:col, running under the cpython profile, and emitting back to Python.
#include "model/text/python_subset.h"
#include "tests/model/test_util.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace lungfish::test {
namespace {

std::string model_text(const Program &p) {
  std::string out;
  for (const Stmt &s : p.body)
    out += std::to_string(s.loc.line) + ": " + s.text + "\n";
  return out;
}

TEST(PythonSubset, MapsStatements) {
  const char *py = "from immutable import freeze, set_freezable, FREEZABLE_NO\n"
                   "class Node:\n"
                   "    def __init__(self, n, nxt):\n"
                   "        self.name = n\n"
                   "        self.next = nxt\n"
                   "        self.kids = []\n"
                   "a = Node('a', None)\n"
                   "b = Node(\"b\", a)\n"
                   "a.next = b  # a cycle\n"
                   "xs = [a, 1, (2, 'x')]\n"
                   "xs.append(b)\n"
                   "d = {'k': xs, 3: None}\n"
                   "d['k'] = a.next\n"
                   "set_freezable(b, FREEZABLE_NO)\n"
                   "del b\n"
                   "freeze(a, d)\n";
  Program p = parse_python_subset(py, "t.py");
  EXPECT_EQ(model_text(p), "2: Node = {}\n"
                           "7: a = create(Node)\n7: a.name = None\n7: a.next = None\n"
                           "7: a.kids = {}\n"
                           "8: b = create(Node)\n8: b.name = None\n8: b.next = a\n8: b.kids = {}\n"
                           "9: a.next = b\n"
                           "10: xs = {}\n10: xs[\"0\"] = a\n10: xs[\"1\"] = None\n"
                           "10: xs[\"2\"] = None\n"
                           "11: xs[\"3\"] = b\n"
                           "12: d = {}\n12: d[\"k\"] = xs\n12: d[\"3\"] = None\n"
                           "13: d[\"k\"] = a.next\n"
                           "14: set_freezable(b, \"no\")\n"
                           "15: drop b\n"
                           "16: freeze(a, d)\n");
}

// An instance stored straight into an attribute, and a freeze whose root is reached through
// attributes; an instance whose __init__ sets attributes is built in place, attribute by
// attribute.
TEST(PythonSubset, InstanceIntoAnAttributeAndFreezeOfAPath) {
  Program p = parse_python_subset("class Obj:\n    pass\n\nx = Obj()\nx.f = Obj()\n"
                                  "y = x.f\nfreeze(x.f)\n");
  EXPECT_EQ(model_text(p), "1: Obj = {}\n4: x = create(Obj)\n5: x.f = create(Obj)\n"
                           "6: y = x.f\n7: freeze(x.f)\n");
  Program q = parse_python_subset("class N:\n    def __init__(self):\n        self.a = None\n"
                                  "x = N()\nx.f = N()\n");
  EXPECT_EQ(model_text(q), "1: N = {}\n4: x = create(N)\n4: x.a = None\n5: x.f = create(N)\n"
                           "5: x.f.a = None\n");
}

// Nested literals and calls build each object where it is stored; an argument stored twice is
// built once; the target may not be read on the right of a compound value (it is overwritten
// before the items are stored).
TEST(PythonSubset, NestedLiteralsAndInstancesAreBuiltInPlace) {
  Program p = parse_python_subset("class P:\n    def __init__(self, a, b):\n        self.a = a\n"
                                  "        self.b = a\n"
                                  "x = [P([], 1), {'k': [None]}, {1, 'two'}]\n");
  EXPECT_EQ(model_text(p), "1: P = {}\n5: x = {}\n5: x[\"0\"] = create(P)\n"
                           "5: x[\"0\"].a = {}\n5: x[\"0\"].b = x[\"0\"].a\n"
                           "5: x[\"1\"] = {}\n5: x[\"1\"][\"k\"] = {}\n"
                           "5: x[\"1\"][\"k\"][\"0\"] = None\n5: x[\"2\"] = {}\n");
  EXPECT_THROW(parse_python_subset("x = []\nx = [x]\n"), InputError);
  EXPECT_THROW(parse_python_subset("class C:\n    pass\nx = C()\nx.f = [x.f]\n"), InputError);
  EXPECT_NO_THROW(parse_python_subset("class C:\n    pass\nx = C()\nx.f = [x]\n"));
  // A set holding objects is outside (the recorder draws no items of a set).
  EXPECT_THROW(parse_python_subset("x = []\ny = {x}\n"), InputError);
}

// Methods other than __init__ are function objects replay does not compare: their bodies are
// skipped (whatever Python they hold); class attributes of immutable values are fields.
TEST(PythonSubset, MethodsAreSkippedClassAttributesKept) {
  Program p = parse_python_subset("class C:\n    \"\"\"Doc.\"\"\"\n    limit = 3\n"
                                  "    def __init__(self, v):\n        self.v = v\n"
                                  "    def get(self, *args, **kw):\n        return self.v + 1\n\n"
                                  "    def __pre_freeze__(self):\n        self.v = None\n"
                                  "x = C([])\n");
  EXPECT_EQ(model_text(p), "1: C = {}\n1: C.limit = None\n11: x = create(C)\n11: x.v = {}\n");
}

TEST(PythonSubset, ContainerMethodsAndBases) {
  Program p = parse_python_subset("class B:\n    def __init__(self, v):\n        self.v = v\n"
                                  "class D(B):\n    pass\n"
                                  "xs = [1]\nxs.extend([D(xs), None])\nxs.insert(3, [])\n"
                                  "d = {}\nd.update({'k': xs})\n");
  EXPECT_EQ(model_text(p), "1: B = {}\n4: D = {}\n4: D.__proto__ = B\n6: xs = {}\n"
                           "6: xs[\"0\"] = None\n7: xs[\"1\"] = create(D)\n"
                           "7: xs[\"1\"].v = xs\n7: xs[\"2\"] = None\n8: xs[\"3\"] = {}\n"
                           "9: d = {}\n10: d[\"k\"] = xs\n");
  EXPECT_THROW(parse_python_subset("xs = [1, 2]\nxs.insert(0, None)\n"), InputError);
  EXPECT_THROW(parse_python_subset("class D(int):\n    pass\n"), InputError);
  EXPECT_THROW(parse_python_subset("xs = [1]\nxs.pop()\n"), InputError);
}

TEST(PythonSubset, AppendFollowsAliases) {
  Program p = parse_python_subset("xs = []\nys = xs\nys.append(None)\nd = {'l': xs}\n"
                                  "z = d['l']\nz.append(1)\n");
  EXPECT_EQ(p.body[2].text, "ys[\"0\"] = None");
  EXPECT_EQ(p.body.back().text, "z[\"1\"] = None");
}

TEST(PythonSubset, ErrorsAreLocated) {
  auto err = [](const char *text) {
    try {
      parse_python_subset(text, "e.py");
    } catch (const InputError &e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(err("x = {}\nif x:\n"), "e.py:2:1: 'if' is outside the subset");
  EXPECT_EQ(err("x = 1\nx.append(2)\n"), "e.py:2:1: 'x' is not a list whose length is known here");
  EXPECT_EQ(err("class C:\n    print(1)\n"), "e.py:2:5: expected a method or a class attribute");
  EXPECT_EQ(err("x = y + 1\n"), "e.py:1:7: unexpected character '+' (outside the Python subset)");
  EXPECT_EQ(err("Region = 1\n"), "e.py:1:1: 'Region' is outside the subset");
  EXPECT_EQ(err("freeze()\n"), "e.py:1:1: freeze needs at least one root");
}

TEST(PythonSubset, RunsUnderCpython) {
  Program p = parse_python_subset("class C:\n    def __init__(self, o):\n        self.o = o\n"
                                  "l = [None]\nc = C(l)\nl.append(c)\nfreeze(c)\nl.append(1)\n");
  MachineOptions o;
  o.profile = Profile::Cpython;
  Machine m(compile(p), o);
  EXPECT_EQ(m.run(), Outcome::Rejected);
  ASSERT_TRUE(m.error());
  EXPECT_EQ(m.error()->code, ErrorCode::E_IMMUTABLE); // l was frozen through c.o
  EXPECT_EQ(m.error()->line, 8u);
}

// Rejections at a read or a freeze are reported at the Python line too, not at line 1 (the
// line of the model text the statement was parsed from).
TEST(PythonSubset, ReadAndFreezeRejectionsHaveThePythonLine) {
  for (const auto &[text, line] : std::vector<std::pair<std::string, uint32_t>>{
           {"class C:\n    pass\nx = C()\ny = None\nz = y.f\n", 5},
           {"class C:\n    pass\nx = C()\n\nfreeze(x.f)\n", 5},
           {"x = []\nset_freezable(x, FREEZABLE_NO)\ny = [x]\nfreeze(y)\n", 4}}) {
    MachineOptions o;
    o.profile = Profile::Cpython;
    Machine m(compile(parse_python_subset(text)), o);
    EXPECT_EQ(m.run(), Outcome::Rejected) << text;
    ASSERT_TRUE(m.error()) << text;
    EXPECT_EQ(m.error()->line, line) << text;
  }
}

TEST(PythonSubset, EmitsPython) {
  Program p =
      parse_program("a = {}\nb = {}\na.f = b\nb[\"g\"] = a\nset_freezable(b, \"explicit\")\n"
                    "freeze(a, b)\ndrop a\n");
  auto py = emit_python_subset(p);
  ASSERT_TRUE(py);
  EXPECT_EQ(*py,
            "from immutable import freeze, set_freezable, FREEZABLE_YES, FREEZABLE_NO, "
            "FREEZABLE_EXPLICIT\nclass Obj:\n    pass\na = Obj()\nb = Obj()\na.f = b\nb.g = a\n"
            "set_freezable(b, FREEZABLE_EXPLICIT)\nfreeze(a, b)\ndel a\n");
  // Back through the subset parser: the same heap operations (Obj is a class object).
  Program back = parse_python_subset(*py);
  EXPECT_EQ(back.body.size(), p.body.size() + 1);
  EXPECT_FALSE(emit_python_subset(parse_program("r = Region()\n")));
}

// Malformed Python (issue 9): tests/inputs/python/bad/*.py, each opening with
// `# expect LINE:COL MESSAGE`; every one is rejected with that location and message, never a
// crash (truncated files, Python 2, statements outside the subset, non-UTF-8, control bytes,
// binary garbage, enormous lines, deep nesting).
TEST(PythonSubset, BadInputFiles) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (const auto &e :
       fs::directory_iterator(fs::path(LUNGFISH_SOURCE_DIR) / "tests/inputs/python/bad"))
    if (e.path().extension() == ".py") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  EXPECT_GE(files.size(), 25u);
  for (const fs::path &f : files) {
    std::ifstream in(f, std::ios::binary);
    std::string first;
    std::getline(in, first);
    const std::string tag = "# expect ";
    ASSERT_EQ(first.rfind(tag, 0), 0u) << f;
    std::istringstream hdr(first.substr(tag.size()));
    uint32_t line = 0, col = 0;
    char colon = 0;
    hdr >> line >> colon >> col;
    std::string message;
    std::getline(hdr >> std::ws, message);
    try {
      parse_python_subset_file(f.string());
      ADD_FAILURE() << f << ": no error";
    } catch (const InputError &e) {
      EXPECT_EQ(e.line, line) << f << ": " << e.what();
      EXPECT_EQ(e.col, col) << f << ": " << e.what();
      EXPECT_NE(e.detail.find(message), std::string::npos) << f << ": " << e.what();
      std::string where = f.string() + ":" + std::to_string(line) + ":" + std::to_string(col);
      EXPECT_EQ(std::string(e.what()).rfind(where + ": ", 0), 0u) << e.what();
    }
  }
}

TEST(PythonSubset, DeepNestingIsAnErrorNotAStackOverflow) {
  std::string deep = "x = " + std::string(100000, '(') + "1" + std::string(100000, ')');
  // One line over the line limit is refused before parsing; within it the nesting bound holds.
  EXPECT_THROW(parse_python_subset(deep, "deep.py"), InputError);
  std::string nested = "x = " + std::string(5000, '(') + "1" + std::string(5000, ')') + "\n";
  try {
    parse_python_subset(nested, "nested.py");
    ADD_FAILURE() << "no error";
  } catch (const InputError &e) {
    EXPECT_NE(std::string(e.what()).find("nested deeper than"), std::string::npos) << e.what();
  }
}

// An empty Python file is a valid (empty) program, as for CPython; so are blank lines and comments
// only. The malformed cases next to "empty" are truncated blocks (tests/inputs/python/bad/).
TEST(PythonSubset, EmptyFileIsAnEmptyProgram) {
  for (const char *text : {"", "\n\n\n", "# only a comment\n", "   \n# c\n\t\n"})
    EXPECT_TRUE(parse_python_subset(text, "empty.py").body.empty()) << text;
}

// Python integers have no size limit and the model sees a literal as None (an immutable value),
// so a long integer is not an error; past 16384 bytes the line limit refuses it
// (bad/enormous-number.py).
TEST(PythonSubset, LongIntegerLiteralIsAnImmutableValue) {
  Program p = parse_python_subset("x = " + std::string(400, '9') + "\n", "big.py");
  ASSERT_EQ(p.body.size(), 1u);
  EXPECT_EQ(p.body[0].text, "x = None");
}

// Python 2 and other Python statements outside the subset are named, not reported as a missing
// '='.
TEST(PythonSubset, OtherPythonStatementsAreNamed) {
  for (const char *kw : {"try", "with", "raise", "global", "nonlocal", "assert", "yield"}) {
    try {
      parse_python_subset(std::string(kw) + " x\n", "kw.py");
      ADD_FAILURE() << kw << ": no error";
    } catch (const InputError &e) {
      EXPECT_EQ(e.detail, "'" + std::string(kw) + "' is outside the subset") << e.what();
      EXPECT_EQ(e.col, 1u) << e.what();
    }
  }
  EXPECT_THROW(parse_python_subset("print 'x'\n", "p2.py"), InputError);
}

TEST(PythonSubset, ReadingAnInstanceDictMaterialisesItOnce) {
  const char *py = "class N:\n"
                   "    def __init__(self, v):\n"
                   "        self.v = v\n"
                   "a = N(None)\n"
                   "b = N(a)\n"
                   "a.__dict__\n"
                   "d = a.__dict__\n"
                   "e = vars(b)\n"
                   "dir(b)\n"
                   "a.v = b\n";
  Program p = parse_python_subset(py, "t.py");
  EXPECT_EQ(model_text(p), "1: N = {}\n4: a = create(N)\n4: a.v = None\n"
                           "5: b = create(N)\n5: b.v = a\n"
                           "6: a.__dict__ = {}\n7: d = a.__dict__\n"
                           "8: b.__dict__ = {}\n8: e = b.__dict__\n"
                           "10: a.v = b\n");
  // Under the model the dict is an object of the instance, frozen with it, holding nothing.
  MachineOptions o;
  o.profile = Profile::Cpython;
  Program frozen = parse_python_subset(std::string(py) + "freeze(a)\n");
  for (Stmt &st : parse_program("d.w = None\n").body) { // a write the subset does not allow
    st.loc.line = 12;
    frozen.body.push_back(std::move(st));
  }
  Machine m(compile(frozen), o);
  EXPECT_EQ(m.run(), Outcome::Rejected);
  ASSERT_TRUE(m.error());
  EXPECT_EQ(m.error()->code, ErrorCode::E_IMMUTABLE);
  EXPECT_EQ(m.error()->line, 12u);
  // Back to Python: the store is the read that materialises.
  auto back = emit_python_subset(parse_program("a = {}\na.__dict__ = {}\n"));
  ASSERT_TRUE(back);
  EXPECT_NE(back->find("\na.__dict__\n"), std::string::npos) << *back;
}

TEST(PythonSubset, WhatAnInstanceDictCannotDoIsOutsideTheSubset) {
  for (const char *py : {"class N:\n    pass\na = N()\na.__dict__ = {}\n",
                         "class N:\n    pass\na = N()\nd = vars(a)\nd['k'] = None\n",
                         "xs = []\nd = xs.__dict__\n", "class N:\n    pass\nN.__dict__\n",
                         "class N:\n    def __init__(self):\n        self.__dict__ = {}\n"}) {
    try {
      parse_python_subset(py, "d.py");
      ADD_FAILURE() << py << ": no error";
    } catch (const InputError &e) {
      EXPECT_NE(e.detail.find("outside the subset"), std::string::npos) << e.what();
    }
  }
}

} // namespace
} // namespace lungfish::test
