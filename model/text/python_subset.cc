// The Python subset of docs/semantics.md 7, parsed line by line into model statements (see the
// header for the mapping). The subset has no control flow, so list lengths (for `append`) are
// known by a small abstract interpretation of the straight-line program: each allocation is an
// abstract object, variables and fields point to them.
#include "model/text/python_subset.h"

#include "model/text/program_lexer.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace lungfish {

namespace {

struct Tok {
  enum Kind { Name, Int, Str, Punct, End } kind;
  std::string text;
  uint32_t col; // 1-based
};

struct ClassInfo {
  std::vector<std::string> params; // without self
  std::vector<std::pair<std::string, std::string>>
      attrs; // attribute, value (param or model rvalue)
};

class PyParser {
public:
  PyParser(std::string_view text, const std::string &file, const PythonRuntimeFacts *facts)
      : text_(text), file_(file), facts_(facts) {}
  Program parse();

private:
  std::string_view text_;
  std::string file_;
  const PythonRuntimeFacts *facts_;
  std::vector<std::string> lines_;
  uint32_t line_ = 0;
  std::vector<Tok> toks_;
  size_t pos_ = 0;
  std::map<std::string, ClassInfo> classes_;
  // Abstract heap: -1 = unknown.
  std::map<std::string, int> vars_;
  std::map<std::pair<int, std::string>, int> fields_;
  std::map<int, size_t> list_len_;
  std::set<int> no_instance_dict_; // containers, classes and instance dicts: no `__dict__`
  std::set<int> dict_views_;       // the materialised `__dict__` of an instance
  int next_obj_ = 0;
  Program out_;
  int tuple_depth_ = 0;
  static constexpr int kMaxTupleDepth = 200;
  int build_depth_ = 0;
  static constexpr int kMaxBuildDepth = 64;

  [[noreturn]] void error(uint32_t col, const std::string &msg) {
    throw InputError(file_, line_, col, msg);
  }
  void tokenize(const std::string &l, size_t start);
  const Tok &peek(size_t k = 0) const { return toks_[std::min(pos_ + k, toks_.size() - 1)]; }
  Tok next() { return toks_[std::min(pos_++, toks_.size() - 1)]; }
  bool at(std::string_view p) const { return peek().kind == Tok::Punct && peek().text == p; }
  void expect(std::string_view p) {
    if (!at(p)) error(peek().col, "expected '" + std::string(p) + "'");
    next();
  }
  std::string name(const char *what);
  void end() {
    if (peek().kind != Tok::End) error(peek().col, "unexpected '" + peek().text + "'");
  }
  void emit(const std::string &model_text);
  int new_obj() { return next_obj_++; }
  int var_obj(const std::string &v) const {
    auto it = vars_.find(v);
    return it == vars_.end() ? -1 : it->second;
  }

  bool literal(std::string *key = nullptr);
  std::string key();
  std::string simple(int *obj);
  int build(const std::string &lhs, const std::string &guard);
  int build_instance(const std::string &lhs, const std::string &guard);
  void skip_expr();
  bool method_statement();
  std::string instance_dict(const std::string &v, uint32_t col, int *obj);
  bool dict_read_statement();
  void statement(size_t indent);
  void class_def(size_t indent);
  void assignment();
};

bool is_reserved(std::string_view n) {
  static constexpr std::string_view kw[] = {"def",  "return", "for",  "in",     "while", "if",
                                            "else", "drop",   "move", "when",   "True",  "False",
                                            "None", "class",  "del",  "import", "from",  "pass"};
  // Python's other keywords: a statement or expression the subset does not have is named as such
  // ("'try' is outside the subset"), not reported as a missing '='.
  static constexpr std::string_view python_kw[] = {
      "and",  "as",     "assert",  "async",  "await", "break",  "continue",
      "elif", "except", "finally", "global", "is",    "lambda", "nonlocal",
      "not",  "or",     "raise",   "try",    "with",  "yield"};
  for (auto k : kw)
    if (n == k) return true;
  for (auto k : python_kw)
    if (n == k) return true;
  return is_builtin_name(n) && n != "freeze" && n != "set_freezable";
}

void PyParser::tokenize(const std::string &l, size_t i) {
  toks_.clear();
  pos_ = 0;
  while (i < l.size()) {
    char c = l[i];
    uint32_t col = static_cast<uint32_t>(i + 1);
    if (c == ' ' || c == '\t') {
      ++i;
    } else if (c == '#') {
      break;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t j = i;
      while (j < l.size() && (std::isalnum(static_cast<unsigned char>(l[j])) || l[j] == '_'))
        ++j;
      toks_.push_back({Tok::Name, l.substr(i, j - i), col});
      i = j;
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '-' && i + 1 < l.size() &&
                std::isdigit(static_cast<unsigned char>(l[i + 1])))) {
      size_t j = i + 1;
      while (j < l.size() && std::isdigit(static_cast<unsigned char>(l[j])))
        ++j;
      toks_.push_back({Tok::Int, l.substr(i, j - i), col});
      i = j;
    } else if (c == '"' || c == '\'') {
      if (i + 2 < l.size() && l[i + 1] == c && l[i + 2] == c)
        error(col, "triple-quoted strings are outside the subset");
      size_t j = l.find(c, i + 1);
      if (j == std::string::npos) error(col, "unterminated string literal");
      std::string s = l.substr(i + 1, j - i - 1);
      if (s.find('\\') != std::string::npos)
        error(col, "escapes in strings are outside the subset");
      toks_.push_back({Tok::Str, s, col});
      i = j + 1;
    } else if (std::string_view("()[]{}:,.=").find(c) != std::string_view::npos) {
      if (c == '=' && i + 1 < l.size() && l[i + 1] == '=') error(col, "'==' is outside the subset");
      toks_.push_back({Tok::Punct, std::string(1, c), col});
      ++i;
    } else {
      // The whole UTF-8 sequence, so that the message shows the character (check_encoding has
      // already rejected invalid bytes and control characters).
      size_t n = 1;
      while (i + n < l.size() && (static_cast<unsigned char>(l[i + n]) & 0xC0) == 0x80)
        ++n;
      error(col, "unexpected character '" + l.substr(i, n) + "' (outside the Python subset)");
    }
  }
  toks_.push_back({Tok::End, "", static_cast<uint32_t>(l.size() + 1)});
}

std::string PyParser::name(const char *what) {
  if (peek().kind != Tok::Name) error(peek().col, std::string("expected ") + what);
  return next().text;
}

// Every location of the statement is the Python line's (a rejection is reported at the
// expression that fails, whose location the model's parser set to line 1).
void relocate(Expr &e, uint32_t line) {
  e.loc = SourceLoc{line, 1};
  for (Expr &a : e.args)
    relocate(a, line);
}

void PyParser::emit(const std::string &model_text) {
  Program p = parse_program(model_text + "\n", file_);
  for (Stmt &s : p.body) {
    s.loc = SourceLoc{line_, 1};
    relocate(s.target, line_);
    relocate(s.value, line_);
    out_.body.push_back(std::move(s));
  }
}

// An immutable literal (int, str, True/False, a tuple of literals); `key` gets a dict key's text.
bool PyParser::literal(std::string *key) {
  const Tok &t = peek();
  if (t.kind == Tok::Int || t.kind == Tok::Str) {
    if (key) *key = t.text;
    next();
    return true;
  }
  if (t.kind == Tok::Name && (t.text == "True" || t.text == "False")) {
    if (key) *key = t.text;
    next();
    return true;
  }
  if (at("(")) {
    // Tuples nest by recursion: bound it, so that deep nesting is an error, not a stack overflow.
    if (++tuple_depth_ > kMaxTupleDepth)
      error(t.col, "tuples nested deeper than " + std::to_string(kMaxTupleDepth));
    struct Leave {
      int &d;
      ~Leave() { --d; }
    } leave{tuple_depth_};
    size_t save = pos_;
    next();
    while (!at(")")) {
      if (!literal()) {
        pos_ = save;
        return false;
      }
      if (!at(")")) expect(",");
    }
    next();
    if (key) error(t.col, "tuple keys are outside the subset");
    return true;
  }
  return false;
}

std::string PyParser::key() {
  std::string k;
  uint32_t col = peek().col;
  if (!literal(&k)) error(col, "expected an int or str literal as key");
  if (k.empty() || k.find('"') != std::string::npos) error(col, "this key is outside the subset");
  return k;
}

// A simple right-hand side as a model expression; *obj gets its abstract object (-1 unknown).
std::string PyParser::simple(int *obj) {
  *obj = -1;
  if (peek().kind == Tok::Name && peek().text == "None") {
    next();
    return "None";
  }
  if (literal()) return "None"; // immutable values are None to the model
  if (at("[") || at("{")) {
    bool list = at("[");
    next();
    expect(list ? "]" : "}");
    *obj = new_obj();
    if (list) list_len_[*obj] = 0;
    no_instance_dict_.insert(*obj);
    return "{}";
  }
  std::string v = name("a variable, None, a literal, [] or {}");
  if (v == "vars" && at("(")) { // vars(x) is x.__dict__
    next();
    uint32_t col = peek().col;
    std::string x = name("a variable");
    expect(")");
    return instance_dict(x, col, obj);
  }
  if (is_reserved(v)) error(toks_[pos_ - 1].col, "'" + v + "' is outside the subset");
  int o = var_obj(v);
  std::string out = v;
  if (at(".") && peek(1).text == "__dict__") {
    next();
    next();
    return instance_dict(v, toks_[pos_ - 1].col, obj);
  }
  if (at(".")) {
    next();
    std::string f = name("an attribute name");
    out += "." + f;
    auto it = fields_.find({o, f});
    *obj = o >= 0 && it != fields_.end() ? it->second : -1;
  } else if (at("[")) {
    next();
    std::string k = key();
    expect("]");
    out += "[\"" + k + "\"]";
    auto it = fields_.find({o, k});
    *obj = o >= 0 && it != fields_.end() ? it->second : -1;
  } else {
    *obj = o;
  }
  return out;
}

// Skips one expression (balanced brackets) up to the `,`, `:` or closing bracket that ends it.
void PyParser::skip_expr() {
  int depth = 0;
  while (peek().kind != Tok::End) {
    if (at("(") || at("[") || at("{")) ++depth;
    if (at(")") || at("]") || at("}")) {
      if (depth == 0) return;
      --depth;
    }
    if ((at(",") || at(":")) && depth == 0) return;
    next();
  }
}

// Builds the value of the expression at the cursor into the model lvalue `lhs`, one statement
// per object and per stored reference; returns its abstract object (-1 unknown, or none):
//
//   [e0, e1]          ->  lhs = {}; build(lhs["0"], e0); build(lhs["1"], e1)
//   {k: e}            ->  lhs = {}; build(lhs["k"], e)
//   {1, "a"}, set()   ->  lhs = {}      (a set of immutable values: the recorder draws no items)
//   C(a0, …)          ->  lhs = create(C); build(lhs.attr, a_i) per attribute __init__ sets
//   a simple value    ->  lhs = value
//
// Python evaluates the right-hand side before it stores; here the outer object is stored first,
// so a compound right-hand side may not read `guard` (the lvalue it overwrites) or below it.
int PyParser::build(const std::string &lhs, const std::string &guard) {
  // Containers nest by recursion (and each level lengthens the model's lvalue): bound it.
  if (++build_depth_ > kMaxBuildDepth)
    error(peek().col, "containers nested deeper than " + std::to_string(kMaxBuildDepth) +
                          " levels are outside the subset");
  struct Leave {
    int &d;
    ~Leave() { --d; }
  } leave{build_depth_};
  auto object = [&](bool list) {
    emit(lhs + " = {}");
    int o = new_obj();
    if (list) list_len_[o] = 0;
    no_instance_dict_.insert(o);
    return o;
  };
  if (at("[")) {
    next();
    int o = object(true);
    size_t n = 0;
    while (!at("]")) {
      std::string k = std::to_string(n++);
      fields_[{o, k}] = build(lhs + "[\"" + k + "\"]", guard);
      if (!at("]")) expect(",");
    }
    next();
    list_len_[o] = n;
    return o;
  }
  if (at("{")) {
    next();
    bool is_set = !at("}") && [&] {
      size_t save = pos_;
      skip_expr();
      bool set = !at(":");
      pos_ = save;
      return set;
    }();
    int o = object(false);
    while (!at("}")) {
      if (is_set) {
        uint32_t col = peek().col;
        if (peek().text == "None")
          next();
        else if (!literal())
          error(col, "a set of objects is outside the subset (its items are not drawn)");
      } else {
        std::string k = key();
        expect(":");
        fields_[{o, k}] = build(lhs + "[\"" + k + "\"]", guard);
      }
      if (!at("}")) expect(",");
    }
    next();
    return o;
  }
  if (peek().kind == Tok::Name && (peek().text == "set" || peek().text == "frozenset") &&
      peek(1).text == "(" && peek(2).text == ")") {
    pos_ += 3;
    return object(false);
  }
  if (peek().kind == Tok::Name && classes_.count(peek().text) && peek(1).text == "(")
    return build_instance(lhs, guard);
  int obj;
  uint32_t col = peek().col;
  std::string v = simple(&obj);
  if (!guard.empty() && (v == guard || v.starts_with(guard + ".") || v.starts_with(guard + "[")))
    error(col, "the target may not appear on the right (outside the subset)");
  emit(lhs + " = " + v);
  return obj;
}

// `C(a0, …)` into `lhs`: the instance, then each attribute __init__ sets, in its order; an
// argument stored twice is built once and aliased, one not stored is not built (it is garbage
// at once in Python too).
int PyParser::build_instance(const std::string &lhs, const std::string &guard) {
  uint32_t col = peek().col;
  std::string cls = next().text;
  const ClassInfo &info = classes_[cls];
  expect("(");
  std::vector<size_t> args; // token positions of the arguments
  while (!at(")")) {
    args.push_back(pos_);
    skip_expr();
    if (peek().kind == Tok::End) error(peek().col, "expected ')'");
    if (!at(")")) expect(",");
  }
  size_t after = pos_ + 1;
  if (args.size() != info.params.size())
    error(col, cls + "() takes " + std::to_string(info.params.size()) + " argument(s)");
  emit(lhs + " = create(" + cls + ")");
  int o = new_obj();
  std::map<size_t, std::string> built; // argument -> the attribute it was built into
  for (const auto &[attr, value] : info.attrs) {
    std::string target = lhs + "." + attr;
    size_t param = info.params.size();
    for (size_t i = 0; i < info.params.size(); ++i)
      if ("$" + info.params[i] == value) param = i;
    if (param == info.params.size()) {
      emit(target + " = " + value);
      if (value == "{}") fields_[{o, attr}] = new_obj();
      continue;
    }
    if (auto b = built.find(param); b != built.end()) {
      emit(target + " = " + lhs + "." + b->second);
      fields_[{o, attr}] = fields_[{o, b->second}];
      continue;
    }
    size_t save = pos_;
    pos_ = args[param];
    fields_[{o, attr}] = build(target, guard.empty() ? lhs : guard);
    if (!at(",") && !at(")")) error(peek().col, "unexpected '" + peek().text + "'");
    pos_ = save;
    built[param] = attr;
  }
  pos_ = after;
  return o;
}

// `v.__dict__` (also `vars(v)`, `dir(v)`): reading an instance's __dict__ materialises it as a
// heap object (notes/cpython-immutability.md 7.1), the field `__dict__` of the instance. Its
// entries stay the instance's own fields (they are its inline values), so the dict object has
// none. Emits `v.__dict__ = {}` unless the dict is known to exist; returns `v.__dict__`.
std::string PyParser::instance_dict(const std::string &v, uint32_t col, int *obj) {
  if (is_reserved(v)) error(col, "'" + v + "' is outside the subset");
  int o = var_obj(v);
  if (no_instance_dict_.count(o))
    error(col, "'" + v + "' is not an instance: its __dict__ is outside the subset");
  if (o < 0) vars_[v] = o = new_obj();
  auto it = fields_.find({o, "__dict__"});
  if (it == fields_.end()) {
    emit(v + ".__dict__ = {}");
    int d = new_obj();
    no_instance_dict_.insert(d);
    dict_views_.insert(d);
    it = fields_.emplace(std::make_pair(o, std::string("__dict__")), d).first;
  }
  *obj = it->second;
  return v + ".__dict__";
}

// A statement that only reads an instance's dict: `v.__dict__`, `vars(v)` or `dir(v)`.
bool PyParser::dict_read_statement() {
  size_t save = pos_;
  std::string v;
  uint32_t col = peek().col;
  if (peek().kind == Tok::Name && peek(1).text == "." && peek(2).text == "__dict__" &&
      peek(3).kind == Tok::End) {
    v = peek().text;
    pos_ += 3;
  } else if (peek().kind == Tok::Name && (peek().text == "vars" || peek().text == "dir") &&
             peek(1).text == "(" && peek(2).kind == Tok::Name && peek(3).text == ")" &&
             peek(4).kind == Tok::End) {
    v = peek(2).text;
    col = peek(2).col;
    pos_ += 4;
  } else {
    pos_ = save;
    return false;
  }
  int ignored;
  instance_dict(v, col, &ignored);
  return true;
}

// `x.append(e)`, `x.extend([e, …])`, `x.insert(i, e)` at the end of a list whose length is known
// here, `x.update({k: e, …})` on a dict: the stores they make, each value built into its item.
// Other methods of containers (pop, clear, remove, …) are outside the subset: replay maps them
// when the runtime's snapshot says their receiver is frozen (traces/cpython/steps.h).
bool PyParser::method_statement() {
  static const std::set<std::string> kMethods = {"append", "extend", "insert", "update"};
  if (peek().kind != Tok::Name || peek(1).text != "." || peek(2).kind != Tok::Name ||
      !kMethods.count(peek(2).text) || peek(3).text != "(")
    return false;
  Tok t = peek();
  std::string v = next().text;
  next();
  std::string m = next().text;
  next();
  if (is_reserved(v)) error(t.col, "'" + v + "' is outside the subset");
  int o = var_obj(v);
  if (facts_ && facts_->list_length && line_ >= facts_->from_line)
    if (auto n = facts_->list_length(v)) { // the runtime's length (an opaque step may change it)
      if (o < 0) vars_[v] = o = new_obj();
      list_len_[o] = *n;
      no_instance_dict_.insert(o);
    } else if (facts_->is_dict && facts_->is_dict(v)) {
      if (o < 0) vars_[v] = o = new_obj();
      list_len_.erase(o);
      no_instance_dict_.insert(o);
    }
  auto it = list_len_.find(o);
  auto item = [&](const std::string &k) {
    fields_[{o, k}] = build(v + "[\"" + k + "\"]", v + "[\"" + k + "\"]");
  };
  if (m == "update") {
    if (o < 0 || list_len_.count(o) || !no_instance_dict_.count(o) || dict_views_.count(o))
      error(t.col, "'" + v + "' is not a dict known here");
    expect("{");
    while (!at("}")) {
      std::string k = key();
      expect(":");
      item(k);
      if (!at("}")) expect(",");
    }
    next();
  } else {
    if (o < 0 || it == list_len_.end())
      error(t.col, "'" + v + "' is not a list whose length is known here");
    if (m == "insert") {
      uint32_t col = peek().col;
      if (peek().kind != Tok::Int || peek().text[0] == '-' ||
          (peek().text.size() < 18 && std::stoull(peek().text) < it->second))
        error(col, "insert before the end of a list is outside the subset");
      next();
      expect(",");
    }
    bool many = m == "extend";
    if (many) expect("[");
    while (!at(many ? "]" : ")")) {
      item(std::to_string(it->second++));
      if (!many) break;
      if (!at("]")) expect(",");
    }
    if (many) next();
  }
  expect(")");
  end();
  return true;
}

void PyParser::class_def(size_t indent) {
  next(); // class
  std::string cls = name("a class name");
  if (is_reserved(cls)) error(toks_[pos_ - 1].col, "'" + cls + "' cannot name a class here");
  std::string base; // a class of the program: the first base is the class's prototype
  if (at("(")) {
    next();
    if (peek().kind == Tok::Name && peek().text == "object") {
      next();
    } else if (!at(")")) {
      uint32_t col = peek().col;
      base = name("a base class");
      if (!classes_.count(base))
        error(col, "a base other than a class of the program is outside the subset");
    }
    expect(")");
  }
  expect(":");
  end();
  ClassInfo info;
  std::vector<std::string> class_attrs;
  uint32_t class_line = line_;
  size_t body_indent = 0;
  bool in_init = false;
  size_t init_indent = 0;
  size_t init_lines = 0;  // statements in the current __init__'s body
  uint32_t init_line = 0; // the line of its `def`
  while (line_ < lines_.size()) {
    const std::string &l = lines_[line_]; // the next line (line_ is 1-based for the current one)
    size_t ind = l.find_first_not_of(" \t");
    if (ind == std::string::npos || l[ind] == '#') {
      ++line_;
      continue;
    }
    if (ind <= indent) break;
    ++line_;
    if (body_indent == 0) body_indent = ind;
    if (ind == body_indent && l.compare(ind, 4, "def ") == 0 &&
        l.compare(ind, 13, "def __init__(") != 0) {
      // Another method: a function object, which replay does not compare; its body runs only
      // when it is called (an opaque step). A class's __pre_freeze__ hook makes the freezes that
      // reach it opaque (traces/cpython/steps.h).
      in_init = false;
      while (line_ < lines_.size()) {
        const std::string &b = lines_[line_];
        size_t bi = b.find_first_not_of(" \t");
        if (bi != std::string::npos && b[bi] != '#' && bi <= body_indent) break;
        ++line_;
      }
      continue;
    }
    if (ind == body_indent && l.size() >= ind + 6 &&
        (l.compare(ind, 3, "\"\"\"") == 0 || l.compare(ind, 3, "'''") == 0) &&
        l.find(l.substr(ind, 3), ind + 3) == l.size() - 3) {
      in_init = false; // a docstring on one line
      continue;
    }
    tokenize(l, ind);
    if (ind == body_indent) {
      in_init = false;
      if (peek().text == "pass") {
        next();
        end();
        continue;
      }
      if (peek().kind == Tok::Name && peek().text != "def" && peek(1).text == "=") {
        // A class attribute holding an immutable value.
        std::string attr = next().text;
        next();
        uint32_t col = peek().col;
        if (peek().text == "None")
          next();
        else if (!literal())
          error(col, "a class attribute other than None or a literal is outside the subset");
        end();
        class_attrs.push_back(attr);
        continue;
      }
      if (peek().text != "def") error(peek().col, "expected a method or a class attribute");
      next();
      if (name("a method name") != "__init__")
        error(toks_[pos_ - 1].col, "expected a method or a class attribute");
      expect("(");
      if (name("self") != "self") error(toks_[pos_ - 1].col, "expected 'self'");
      while (at(",")) {
        next();
        info.params.push_back(name("a parameter"));
      }
      expect(")");
      expect(":");
      end();
      if (in_init && init_lines == 0) {
        line_ = init_line;
        error(static_cast<uint32_t>(body_indent + 1),
              "expected an indented block after 'def __init__(...):'");
      }
      in_init = true;
      init_indent = 0;
      init_lines = 0;
      init_line = line_;
      continue;
    }
    if (!in_init) error(static_cast<uint32_t>(ind + 1), "unexpected indentation");
    ++init_lines;
    if (init_indent == 0) init_indent = ind;
    if (ind != init_indent) error(static_cast<uint32_t>(ind + 1), "unexpected indentation");
    if (peek().text == "pass") {
      next();
      end();
      continue;
    }
    if (name("self") != "self")
      error(toks_[pos_ - 1].col, "__init__ may only set attributes of self");
    expect(".");
    std::string attr = name("an attribute name");
    if (attr == "__dict__")
      error(toks_[pos_ - 1].col, "assigning an instance's __dict__ is outside the subset");
    expect("=");
    std::string value;
    if (peek().kind == Tok::Name && peek().text != "None" && peek().text != "True" &&
        peek().text != "False") {
      value = next().text;
      bool param = false;
      for (const auto &p : info.params)
        param |= p == value;
      if (!param)
        error(toks_[pos_ - 1].col,
              "an attribute value must be a parameter, None, a literal, [] or {}");
      value = "$" + value;
    } else {
      int ignored;
      value = simple(&ignored);
    }
    end();
    info.attrs.emplace_back(attr, value);
  }
  if (body_indent == 0) {
    line_ = class_line;
    error(static_cast<uint32_t>(indent + 1),
          "expected an indented block after 'class " + cls + ":'");
  }
  if (in_init && init_lines == 0) {
    line_ = init_line;
    error(static_cast<uint32_t>(body_indent + 1),
          "expected an indented block after 'def __init__(...):'");
  }
  bool own_init = !info.params.empty() || !info.attrs.empty() || init_line != 0;
  if (!base.empty() && !own_init) info = classes_[base]; // __init__ is inherited
  classes_[cls] = info;
  uint32_t after = line_;
  line_ = class_line;
  emit(cls + " = {}");
  if (!base.empty()) emit(cls + ".__proto__ = " + base);
  for (const std::string &a : class_attrs)
    emit(cls + "." + a + " = None");
  vars_[cls] = new_obj();
  no_instance_dict_.insert(vars_[cls]);
  line_ = after;
}

void PyParser::assignment() {
  // target
  Tok t0 = peek();
  std::string target = name("a statement");
  if (is_reserved(target)) error(t0.col, "'" + target + "' is outside the subset");
  int tobj = var_obj(target);
  std::string field;
  bool is_var = true, is_attr = false;
  if (at(".")) {
    next();
    field = name("an attribute name");
    if (field == "__dict__")
      error(toks_[pos_ - 1].col, "assigning an instance's __dict__ is outside the subset");
    is_var = false;
    is_attr = true;
  } else if (at("[")) {
    Tok open = next();
    field = key();
    expect("]");
    is_var = false;
    // Python raises TypeError for `xs["k"] = v` on a list; the model's list would take the field.
    if (tobj >= 0 && list_len_.count(tobj) &&
        (field.empty() ||
         !std::all_of(field.begin(), field.end(), [](char c) { return c >= '0' && c <= '9'; })))
      error(open.col, "a list index that is not an integer is outside the subset");
  }
  if (!is_var && dict_views_.count(tobj))
    error(t0.col, "writing through an instance's __dict__ is outside the subset");
  expect("=");
  auto store = [&](const std::string &value, int vobj) {
    if (is_var) {
      emit(target + " = " + value);
      vars_[target] = vobj;
    } else {
      emit(target + (is_attr ? "." + field : "[\"" + field + "\"]") + " = " + value);
      if (tobj >= 0) fields_[{tobj, field}] = vobj;
    }
  };
  // Containers and instances: built into the target, one statement per object and reference.
  bool compound = at("[") || at("{") ||
                  (peek().kind == Tok::Name && peek(1).text == "(" &&
                   (classes_.count(peek().text) ||
                    ((peek().text == "set" || peek().text == "frozenset") && peek(2).text == ")")));
  if (compound) {
    std::string lhs = is_var ? target : target + (is_attr ? "." + field : "[\"" + field + "\"]");
    int o = build(lhs, lhs);
    end();
    if (is_var)
      vars_[target] = o;
    else if (tobj >= 0)
      fields_[{tobj, field}] = o;
    return;
  }
  int vobj;
  std::string v = simple(&vobj);
  end();
  store(v, vobj);
}

void PyParser::statement(size_t indent) {
  const Tok &t = peek();
  if (t.kind != Tok::Name) error(t.col, "expected a statement");
  if (indent != 0) error(1, "unexpected indentation");
  if (t.text == "class") return class_def(indent);
  if (t.text == "import" || t.text == "from") return; // the runtime's own names
  if ((t.text == "print" || t.text == "exec") &&
      (peek(1).kind == Tok::Str || peek(1).kind == Tok::Int || peek(1).kind == Tok::Name))
    error(t.col,
          "Python 2 '" + t.text + "' statement (the subset is Python 3, without " + t.text + ")");
  if (t.text == "pass") {
    next();
    return end();
  }
  if (t.text == "del") {
    next();
    std::string v = name("a variable");
    if (at(".") || at("[")) error(peek().col, "only 'del x' of a variable is in the subset");
    end();
    emit("drop " + v);
    vars_.erase(v);
    return;
  }
  bool immutable_prefix = t.text == "immutable" && peek(1).text == ".";
  if (immutable_prefix) pos_ += 2;
  std::string head = peek().text;
  if ((head == "freeze" || head == "set_freezable") && peek(1).text == "(") {
    next();
    next();
    std::vector<std::string> args;
    while (!at(")")) {
      if (peek().kind != Tok::Name) error(peek().col, "expected a variable");
      std::string a = next().text;
      if (a == "immutable" && at(".")) {
        next();
        a = name("a name");
      } else if (head == "freeze") {
        while (at(".")) { // a root reached through attributes: freeze(x.f)
          next();
          a += "." + name("an attribute name");
        }
      }
      if (head == "set_freezable" && args.size() == 1) {
        static const std::map<std::string, std::string> kStatus = {
            {"FREEZABLE_YES", "yes"}, {"FREEZABLE_NO", "no"}, {"FREEZABLE_EXPLICIT", "explicit"}};
        auto it = kStatus.find(a);
        if (it == kStatus.end())
          error(toks_[pos_ - 1].col, "expected FREEZABLE_YES, _NO or _EXPLICIT");
        a = "\"" + it->second + "\"";
      }
      args.push_back(a);
      if (!at(")")) expect(",");
    }
    next();
    end();
    if (head == "set_freezable" && args.size() != 2)
      error(t.col, "set_freezable takes 2 arguments");
    if (args.empty()) error(t.col, "freeze needs at least one root");
    std::string text = head + "(";
    for (size_t i = 0; i < args.size(); ++i)
      text += (i ? ", " : "") + args[i];
    emit(text + ")");
    return;
  }
  if (immutable_prefix) error(t.col, "this part of the immutable module is outside the subset");
  if (dict_read_statement()) return;
  if (method_statement()) return;
  assignment();
}

Program PyParser::parse() {
  out_.file = file_;
  text::check_encoding(text_, file_); // UTF-8, no NUL or control bytes, as Python requires
  std::string all(text_);
  std::istringstream in(all);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    lines_.push_back(l);
  }
  while (line_ < lines_.size()) {
    const std::string &l = lines_[line_++];
    size_t ind = l.find_first_not_of(" \t");
    if (ind == std::string::npos || l[ind] == '#') continue;
    tokenize(l, ind);
    statement(ind);
  }
  return std::move(out_);
}

} // namespace

Program parse_python_subset(std::string_view text, const std::string &file,
                            const PythonRuntimeFacts *facts) {
  return PyParser(text, file, facts).parse();
}

Program parse_python_subset_file(const std::string &path) {
  return parse_python_subset(read_source_file(path), path);
}

} // namespace lungfish
