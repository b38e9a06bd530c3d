// The program-text grammar: statements, blocks and expressions (docs/program-format.md).
#include "model/text/program_lexer.h"
#include "model/text/program_text.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace lungfish {
namespace {

using text::lexeme;
using text::Line;
using text::Tok;
using text::Token;

constexpr uint32_t kMaxBlockDepth = 256; // nested blocks
constexpr uint32_t kMaxExprDepth = 256;  // nested expressions (calls, lookups, keys)

/// Words that cannot name a variable, function or parameter (they may name fields).
bool is_keyword(std::string_view w) {
  static constexpr std::string_view kws[] = {"def",  "return", "for",  "in",   "while", "if",
                                             "else", "drop",   "move", "None", "True",  "False"};
  return std::find(std::begin(kws), std::end(kws), w) != std::end(kws);
}

bool is_lvalue(const Expr &e) {
  return e.kind == ExprKind::Var || e.kind == ExprKind::Field || e.kind == ExprKind::Index;
}

/// What FrankenScript accepts on either side of == and != (and as a bare condition).
bool is_comparable(const Expr &e) {
  switch (e.kind) {
    case ExprKind::Var:
    case ExprKind::Field:
    case ExprKind::Index:
    case ExprKind::None:
    case ExprKind::True:
    case ExprKind::False:
    case ExprKind::Call:
    case ExprKind::Method:
      return true;
    default:
      return false;
  }
}

/// What a field access, an index or a method call may start from.
bool is_lookup_base(const Expr &e) {
  switch (e.kind) {
    case ExprKind::Var:
    case ExprKind::Field:
    case ExprKind::Index:
    case ExprKind::True:
    case ExprKind::False:
    case ExprKind::Call:
    case ExprKind::Method:
      return true;
    default:
      return false;
  }
}

/// "a call", "None", ... for messages.
std::string describe(const Expr &e) {
  switch (e.kind) {
    case ExprKind::None:
      return "None";
    case ExprKind::True:
      return "True";
    case ExprKind::False:
      return "False";
    case ExprKind::NewObject:
      return "{}";
    case ExprKind::String:
      return "a string literal";
    case ExprKind::Var:
      return "a variable";
    case ExprKind::Field:
      return "a field";
    case ExprKind::Index:
      return "an index";
    case ExprKind::Move:
      return "a move";
    case ExprKind::Call:
      return "a call";
    case ExprKind::Method:
      return "a method call";
    case ExprKind::Eq:
    case ExprKind::Ne:
      return "a comparison";
  }
  return "an expression";
}

/// Parses the tokens of one line.
class LineParser {
public:
  LineParser(const Line &line, const std::string &file) : line_(line), file_(file) {}

  const Token &peek(size_t k = 0) const {
    return line_.tokens[std::min(pos_ + k, line_.tokens.size() - 1)];
  }
  bool at(Tok k) const { return peek().kind == k; }
  bool at_word(std::string_view w) const { return at(Tok::Word) && lexeme(line_, peek()) == w; }
  const Token &next() {
    const Token &t = peek();
    if (pos_ + 1 < line_.tokens.size()) ++pos_;
    return t;
  }
  SourceLoc loc(const Token &t) const { return {line_.number, t.col}; }

  /// A problem at `col`; a lexical error earlier on the line (or at col) comes first.
  [[noreturn]] void fail(uint32_t col, const std::string &msg) const {
    const auto &toks = line_.tokens;
    const Token &last = toks.size() >= 2 ? toks[toks.size() - 2] : toks.back();
    if (!line_.error.empty() && last.kind == Tok::Error && last.col <= col)
      throw InputError(file_, line_.number, last.col, line_.error);
    throw InputError(file_, line_.number, col, msg);
  }
  [[noreturn]] void fail(const Token &t, const std::string &msg) const { fail(t.col, msg); }
  [[noreturn]] void fail(const Expr &e, const std::string &msg) const { fail(e.loc.col, msg); }

  /// "'x'" or "end of line", for messages.
  std::string show(const Token &t) const {
    if (t.kind == Tok::End) return "end of line";
    std::string s(lexeme(line_, t));
    if (s.size() > 40) s = s.substr(0, 37) + "...";
    return "'" + s + "'";
  }

  /// Consumes a token of kind `k` or fails with "expected <what>".
  const Token &expect(Tok k, const std::string &what) {
    if (!at(k)) fail(peek(), "expected " + what + ", found " + show(peek()));
    return next();
  }

  void expect_end(const std::string &after) {
    if (!at(Tok::End))
      fail(peek(), "expected end of line after " + after + ", found " + show(peek()));
  }

  /// A variable, function or parameter name.
  std::string name(const std::string &what) {
    if (!at(Tok::Word)) fail(peek(), "expected " + what + ", found " + show(peek()));
    std::string w(lexeme(line_, peek()));
    if (is_keyword(w)) fail(peek(), "expected " + what + ", found keyword '" + w + "'");
    next();
    return w;
  }

  /// `( name, ... )` with distinct names; `allow_empty` permits `()`.
  std::vector<std::string> name_list(const std::string &what, bool allow_empty) {
    std::vector<std::string> names;
    expect(Tok::LParen, "'('");
    if (allow_empty && at(Tok::RParen)) {
      next();
      return names;
    }
    for (;;) {
      const Token &t = peek();
      std::string n = name(what);
      if (std::find(names.begin(), names.end(), n) != names.end())
        fail(t, "duplicate name '" + n + "'");
      names.push_back(std::move(n));
      if (at(Tok::RParen)) {
        next();
        return names;
      }
      expect(Tok::Comma, "',' or ')'");
    }
  }

  void check_depth(const Token &t, uint32_t depth) const {
    if (depth > kMaxExprDepth)
      fail(t,
           "expression nested too deeply (more than " + std::to_string(kMaxExprDepth) + " levels)");
  }

  /// expr := operand [('==' | '!=') operand]
  Expr expr(uint32_t depth) {
    check_depth(peek(), depth);
    Expr lhs = operand(depth);
    if (!at(Tok::EqEq) && !at(Tok::NotEq)) return lhs;
    const Token &op = next();
    Expr rhs = operand(depth + 1); // (the left side is one level deeper too; off by one at most)
    for (const Expr *side : {&lhs, &rhs})
      if (!is_comparable(*side))
        fail(*side, "cannot compare " + describe(*side) +
                        " (compare names, fields, indexes, calls, None, True or False)");
    if (at(Tok::EqEq) || at(Tok::NotEq)) fail(peek(), "comparisons cannot be chained");
    Expr e;
    e.kind = op.kind == Tok::EqEq ? ExprKind::Eq : ExprKind::Ne;
    e.loc = lhs.loc;
    e.args = {std::move(lhs), std::move(rhs)};
    return e;
  }

  /// operand := 'move' lvalue | postfix
  Expr operand(uint32_t depth) {
    check_depth(peek(), depth);
    if (!at_word("move")) return postfix(depth);
    const Token &kw = next();
    Expr e;
    e.kind = ExprKind::Move;
    e.loc = loc(kw);
    e.args.push_back(lvalue("after 'move'", depth + 1));
    return e;
  }

  /// A variable, field or index (the target of `=`, `drop`, `move` and `for`).
  Expr lvalue(const std::string &where, uint32_t depth) {
    const Token &start = peek();
    if (start.kind != Tok::Word && start.kind != Tok::String && start.kind != Tok::Empty)
      fail(start, "expected a variable, field or index " + where + ", found " + show(start));
    Expr e = postfix(depth);
    if (!is_lvalue(e))
      fail(e, "expected a variable, field or index " + where + ", found " + describe(e));
    return e;
  }

  /// postfix := primary { '.' name | '[' key ']' | '(' args ')' }
  Expr postfix(uint32_t depth) {
    Expr e = primary();
    for (uint32_t d = depth;; ++d) {
      const Token &t = peek();
      if (t.kind != Tok::Dot && t.kind != Tok::LBracket && t.kind != Tok::LParen) return e;
      check_depth(t, d + 1);
      next();
      if (t.kind == Tok::LParen) {
        e = call(std::move(e), t, d + 1); // arguments one level below the call
        continue;
      }
      if (!is_lookup_base(e)) fail(t, "cannot look up a field of " + describe(e));
      Expr look;
      look.loc = e.loc;
      look.args.push_back(std::move(e));
      if (t.kind == Tok::Dot) {
        look.kind = ExprKind::Field;
        look.name = std::string(lexeme(line_, next())); // the lexer put a word after '.'
      } else {
        look.kind = ExprKind::Index;
        const Token &kt = peek();
        if (kt.kind == Tok::RBracket || kt.kind == Tok::End)
          fail(kt, "expected a key inside '[ ]', found " + show(kt));
        Expr key = postfix(d + 1);
        if (!is_lvalue(key) && key.kind != ExprKind::String && key.kind != ExprKind::True &&
            key.kind != ExprKind::False)
          fail(key, "a key must be a name, field, index or string literal, not " + describe(key));
        look.args.push_back(std::move(key));
        expect(Tok::RBracket, "']'");
      }
      e = std::move(look);
    }
  }

  /// Turns `callee(` into a Call or a Method and parses the arguments.
  Expr call(Expr callee, const Token &paren, uint32_t depth) {
    Expr e;
    e.loc = callee.loc;
    if (callee.kind == ExprKind::Var) {
      e.kind = ExprKind::Call;
      e.name = std::move(callee.name);
    } else if (callee.kind == ExprKind::Field) {
      e.kind = ExprKind::Method;
      e.name = std::move(callee.name);
      e.args.push_back(std::move(callee.args[0]));
    } else if (callee.kind == ExprKind::Index && callee.args[1].kind == ExprKind::String) {
      e.kind = ExprKind::Method;
      e.name = std::move(callee.args[1].name);
      e.args.push_back(std::move(callee.args[0]));
    } else {
      fail(paren,
           "cannot call " + describe(callee) + " (only a function name or a method can be called)");
    }
    if (at(Tok::RParen)) {
      next();
      return e;
    }
    for (;;) {
      if (at(Tok::RParen) || at(Tok::Comma) || at(Tok::End))
        fail(peek(), "expected an argument, found " + show(peek()));
      e.args.push_back(expr(depth));
      if (at(Tok::RParen)) {
        next();
        return e;
      }
      expect(Tok::Comma, "',' or ')' in the argument list");
    }
  }

  /// primary := name | None | True | False | {} | "string"
  Expr primary() {
    const Token &t = peek();
    Expr e;
    e.loc = loc(t);
    switch (t.kind) {
      case Tok::Empty:
        e.kind = ExprKind::NewObject;
        break;
      case Tok::String: {
        std::string_view s = lexeme(line_, t);
        e.kind = ExprKind::String;
        e.name = std::string(s.substr(1, s.size() - 2));
        break;
      }
      case Tok::Word: {
        std::string_view w = lexeme(line_, t);
        if (w == "None") {
          e.kind = ExprKind::None;
        } else if (w == "True") {
          e.kind = ExprKind::True;
        } else if (w == "False") {
          e.kind = ExprKind::False;
        } else if (w == "move") {
          fail(t, "'move' is not allowed here");
        } else if (is_keyword(w)) {
          fail(t, "expected an expression, found keyword '" + std::string(w) + "'");
        } else {
          e.kind = ExprKind::Var;
          e.name = std::string(w);
        }
        break;
      }
      default:
        fail(t, "expected an expression, found " + show(t));
    }
    next();
    return e;
  }

  /// Source text from token `first` to the end of the last token that is not a ']'
  /// (FrankenScript's statement locations stop before closing brackets: `c = a["f"`).
  std::string span_text(const Token &first) const {
    size_t k = line_.tokens.size() - 1; // End
    while (k > 0 && (line_.tokens[k].kind == Tok::End || line_.tokens[k].kind == Tok::RBracket))
      --k;
    return std::string(line_.text.substr(first.begin, line_.tokens[k].end - first.begin));
  }

  /// FrankenScript's header text: from the keyword up to the first ':' of the line.
  std::string header_text(const Token &first) const {
    std::string_view rest = line_.text.substr(first.begin);
    return std::string(rest.substr(0, rest.find(':') + 1));
  }

  /// A condition; `if e:` means `if e == True:`.
  Expr condition(const std::string &what) {
    const Token &t = peek();
    if (t.kind == Tok::Colon || t.kind == Tok::End)
      fail(t, "expected a condition after '" + what + "'");
    Expr e = expr(1);
    if (e.kind == ExprKind::Eq || e.kind == ExprKind::Ne) return e;
    if (!is_comparable(e)) fail(e, "a condition cannot be " + describe(e));
    Expr eq;
    eq.kind = ExprKind::Eq;
    eq.loc = e.loc;
    Expr t_true;
    t_true.kind = ExprKind::True; // synthetic: loc stays 0:0
    eq.args = {std::move(e), std::move(t_true)};
    return eq;
  }

  /// Ends a compound header: ':' then end of line.
  void block_colon(const std::string &after) {
    expect(Tok::Colon, "':' after " + after);
    expect_end("':' (the block goes on the next lines, indented)");
  }

  /// Parses the line as one statement; compound statements get their header only.
  Stmt statement(bool in_function) {
    const Token &first = peek();
    Stmt s;
    s.loc = loc(first);
    std::string_view w = first.kind == Tok::Word ? lexeme(line_, first) : "";
    if (w == "if" || w == "while") {
      next();
      s.kind = w == "if" ? StmtKind::If : StmtKind::While;
      s.value = condition(std::string(w));
      block_colon(std::string(w) + " condition");
      s.text = header_text(first);
    } else if (w == "for") {
      next();
      s.kind = StmtKind::For;
      s.params.push_back(name("a key variable name after 'for'"));
      expect(Tok::Comma, "',' between the key and value names");
      s.params.push_back(name("a value variable name"));
      if (!at_word("in"))
        fail(peek(), "expected 'in' after the loop variables, found " + show(peek()));
      next();
      s.target = lvalue("after 'in'", 1);
      block_colon("the for header");
      s.text = header_text(first);
    } else if (w == "def") {
      next();
      s.kind = StmtKind::Def;
      s.name = name("a function name after 'def'");
      if (!at(Tok::LParen))
        fail(peek(), "expected '(' after the function name, found " + show(peek()));
      s.params = name_list("a parameter name", true);
      block_colon("the parameter list");
      s.text = header_text(first);
    } else if (w == "when" && peek(1).kind == Tok::LParen) {
      next();
      s.kind = StmtKind::When;
      s.params = name_list("a cown variable name", false);
      block_colon("when (...)");
      s.text = header_text(first);
    } else if (w == "return") {
      if (!in_function) fail(first, "'return' outside a function");
      next();
      s.kind = StmtKind::Return;
      if (!at(Tok::End)) {
        s.has_value = true;
        s.value = expr(1);
        expect_end("the returned expression");
      }
      s.text = span_text(first);
    } else if (w == "drop") {
      next();
      s.kind = StmtKind::Assign;
      s.is_drop = true;
      s.target = lvalue("after 'drop'", 1);
      expect_end("drop " + print_expr(s.target));
      s.text = span_text(first);
    } else if (w == "else") {
      fail(first, "'else' without a matching 'if'");
    } else {
      simple(s);
      s.text = span_text(first);
    }
    return s;
  }

  /// `lvalue = expr` or an expression statement (a call, a method call or a move).
  void simple(Stmt &s) {
    Expr e = expr(1);
    if (at(Tok::Assign)) {
      next();
      if (!is_lvalue(e))
        fail(e, "cannot assign to " + describe(e) +
                    " (the left of '=' must be a variable, field or index)");
      if (at(Tok::End)) fail(peek(), "expected an expression after '='");
      s.kind = StmtKind::Assign;
      s.target = std::move(e);
      s.value = expr(1);
      if (at(Tok::Assign)) fail(peek(), "chained assignment is not supported");
      expect_end("the assigned expression");
      return;
    }
    if (!at(Tok::End)) {
      if (is_lvalue(e) || e.kind == ExprKind::Call || e.kind == ExprKind::Method)
        fail(peek(), "expected '=' or end of line, found " + show(peek()));
      fail(peek(), "expected end of line, found " + show(peek()));
    }
    if (e.kind != ExprKind::Call && e.kind != ExprKind::Method && e.kind != ExprKind::Move)
      fail(e, describe(e) + " is not a statement (expected an assignment or a call)");
    s.kind = StmtKind::Expr;
    s.value = std::move(e);
  }

  /// Checks that the line is exactly `else:`.
  void else_header() {
    next();
    block_colon("'else'");
  }

  /// The ':' token of a compound header (for "expected a block" errors).
  const Token &colon_token() const { return line_.tokens[line_.tokens.size() - 2]; }

private:
  const Line &line_;
  const std::string &file_;
  size_t pos_ = 0;
};

bool is_compound(StmtKind k) {
  return k == StmtKind::If || k == StmtKind::While || k == StmtKind::For || k == StmtKind::Def ||
         k == StmtKind::When;
}

/// Builds the statement tree from the indented lines.
class BlockParser {
public:
  BlockParser(const std::vector<Line> &lines, const std::string &file)
      : lines_(lines), file_(file) {}

  std::vector<Stmt> run() { return block(0, false); }

private:
  [[noreturn]] void unexpected_indent(const Line &l, uint32_t expected) const {
    std::string want = expected == 0
                           ? "no indentation"
                           : std::to_string(expected * 4) + " spaces or " +
                                 std::to_string(expected) + (expected == 1 ? " tab" : " tabs");
    throw InputError(file_, l.number, l.tokens[0].col,
                     "unexpected indentation (expected " + want + ")");
  }

  /// A line whose indentation could not be read has no level: its error is reported when the
  /// parser reaches it, after every problem on the lines before it.
  void reach(size_t i) const {
    if (i < lines_.size() && lines_[i].indent_error)
      throw InputError(file_, lines_[i].number, lines_[i].tokens[0].col, lines_[i].error);
  }

  /// Statements at indentation `level` until a line indented less.
  std::vector<Stmt> block(uint32_t level, bool in_function) {
    std::vector<Stmt> out;
    while ((reach(i_), i_ < lines_.size()) && lines_[i_].level >= level) {
      const Line &l = lines_[i_];
      if (l.level > level) unexpected_indent(l, level);
      LineParser p(l, file_);
      Stmt s = p.statement(in_function);
      ++i_;
      if (is_compound(s.kind)) {
        bool fn = s.kind == StmtKind::Def ? true : s.kind == StmtKind::When ? false : in_function;
        s.body = child_block(l, p, level, fn);
        reach(i_);
        if (s.kind == StmtKind::If && i_ < lines_.size() && lines_[i_].level == level) {
          const Line &el = lines_[i_];
          LineParser ep(el, file_);
          if (ep.at_word("else")) {
            ep.else_header();
            ++i_;
            s.has_else = true;
            s.orelse = child_block(el, ep, level, in_function);
          }
        }
      }
      out.push_back(std::move(s));
    }
    return out;
  }

  /// The indented block after header line `l` (at `level`); it must not be empty.
  std::vector<Stmt> child_block(const Line &l, const LineParser &p, uint32_t level, bool fn) {
    if (level + 1 > kMaxBlockDepth)
      throw InputError(file_, l.number, l.tokens[0].col,
                       "blocks nested too deeply (more than " + std::to_string(kMaxBlockDepth) +
                           " levels)");
    reach(i_);
    if (i_ >= lines_.size() || lines_[i_].level <= level)
      p.fail(p.colon_token().col, "expected an indented block after ':'");
    if (lines_[i_].level > level + 1) unexpected_indent(lines_[i_], level + 1);
    return block(level + 1, fn);
  }

  const std::vector<Line> &lines_;
  const std::string &file_;
  size_t i_ = 0;
};

} // namespace

Program parse_program(std::string_view source, const std::string &file) {
  std::vector<Line> lines = text::split_lines(source, file);
  Program p;
  p.file = file;
  p.body = BlockParser(lines, file).run();
  return p;
}

std::string read_source_file(const std::string &path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw InputError(path, 0, 0, "cannot read the file: it is a directory");
  // POSIX reads, so that a read error (EIO, as /proc/self/mem gives) is reported with its errno
  // instead of ending the stream like an end of file.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw InputError(path, 0, 0, std::string("cannot read the file: ") + std::strerror(errno));
  std::string text;
  char block[65536];
  for (;;) {
    ssize_t n = ::read(fd, block, sizeof block);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      throw InputError(path, 0, 0, std::string("cannot read the file: ") + std::strerror(e));
    }
    text.append(block, static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

Program parse_program_file(const std::string &path) {
  return parse_program(read_source_file(path), path);
}

} // namespace lungfish
