// Lines and tokens of the program text (see model/text/program_lexer.h and docs/program-format.md).
#include "model/text/program_lexer.h"

#include <cstdio>

namespace lungfish::text {
namespace {

/// Length of the valid UTF-8 sequence of a non-ASCII lead byte at `i`, or 0 if it is invalid.
size_t utf8_length(std::string_view s, size_t i) {
  auto at = [&](size_t k) -> unsigned { return k < s.size() ? (unsigned char)s[k] : 0u; };
  auto cont = [&](size_t k, unsigned lo = 0x80, unsigned hi = 0xBF) {
    unsigned b = at(k);
    return b >= lo && b <= hi;
  };
  unsigned c = at(i);
  if (c >= 0xC2 && c <= 0xDF) return cont(i + 1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    return cont(i + 1, lo, hi) && cont(i + 2) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    return cont(i + 1, lo, hi) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  }
  return 0;
}

/// The code point of the (valid) UTF-8 sequence at `i`.
uint32_t decode(std::string_view s, size_t i) {
  unsigned char c = s[i];
  size_t n = c < 0x80 ? 1 : utf8_length(s, i);
  if (n <= 1) return c;
  uint32_t cp = c & (0x7F >> n);
  for (size_t k = 1; k < n; ++k)
    cp = (cp << 6) | ((unsigned char)s[i + k] & 0x3F);
  return cp;
}

std::string hex_byte(unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", c);
  return buf;
}

/// Splits one statement line into tokens.
class LineLexer {
public:
  LineLexer(std::string_view text, uint32_t number, const std::string &file)
      : text_(text), number_(number), file_(file) {}

  /// Tokenizes the line into `out`; returns false for a blank or comment-only line.
  bool run(Line &out) {
    try {
      return lex_line(out);
    } catch (const LexError &e) {
      out.number = number_;
      out.text = text_;
      out.error = e.msg;
      out.indent_error = e.indentation;
      uint32_t at = out.tokens.empty() ? 0 : out.tokens.back().end;
      out.tokens.push_back({Tok::Error, at, at, e.col, e.col});
      out.tokens.push_back({Tok::End, at, at, e.col, e.col});
      return true;
    }
  }

private:
  bool lex_line(Line &out) {
    size_t i = 0, spaces = 0, tabs = 0;
    for (; i < text_.size() && (text_[i] == ' ' || text_[i] == '\t'); ++i) {
      if ((text_[i] == ' ' && tabs > 0) || (text_[i] == '\t' && spaces > 0))
        indent_fail(uint32_t(i + 1), "indentation mixes tabs and spaces");
      ++(text_[i] == ' ' ? spaces : tabs);
    }
    if (i == text_.size() || text_[i] == '#') return false;
    if (spaces % 4 != 0)
      indent_fail(uint32_t(i + 1),
                  "indentation of " + std::to_string(spaces) + " spaces is not a multiple of 4");
    out.number = number_;
    out.text = text_;
    out.level = uint32_t(spaces / 4 + tabs);
    pos_ = i;
    col_ = uint32_t(i + 1);
    lex(out.tokens);
    return true;
  }

  /// A lexical error: thrown out of lex() and turned into the line's Error token by run().
  struct LexError {
    uint32_t col;
    std::string msg;
    bool indentation = false;
  };
  [[noreturn]] void fail(uint32_t col, const std::string &msg) const { throw LexError{col, msg}; }
  [[noreturn]] void indent_fail(uint32_t col, const std::string &msg) const {
    throw LexError{col, msg, true};
  }

  void push(std::vector<Token> &out, Tok kind, size_t len, uint32_t cols) {
    out.push_back({kind, uint32_t(pos_), uint32_t(pos_ + len), col_, col_ + cols});
    pos_ += len;
    col_ += cols;
  }

  void lex(std::vector<Token> &out) {
    while (pos_ < text_.size()) {
      unsigned char c = text_[pos_];
      unsigned char n = pos_ + 1 < text_.size() ? text_[pos_ + 1] : 0;
      if (c == ' ' || c == '\t') {
        ++pos_;
        ++col_;
      } else if (c == '#') {
        break;
      } else if (is_word_char(c)) {
        size_t len = 1;
        while (pos_ + len < text_.size() && is_word_char(text_[pos_ + len]))
          ++len;
        push(out, Tok::Word, len, uint32_t(len));
      } else if (c == '"') {
        lex_string(out);
      } else if (c == '{') {
        if (n != '}') fail(col_, "expected '}' after '{' (the only object literal is {})");
        push(out, Tok::Empty, 2, 2);
      } else if (c == '.') {
        if (!is_word_char(n)) fail(col_ + 1, "expected a field name after '.'");
        push(out, Tok::Dot, 1, 1);
      } else if (c == '=') {
        if (n == '=')
          push(out, Tok::EqEq, 2, 2);
        else
          push(out, Tok::Assign, 1, 1);
      } else if (c == '!') {
        if (n != '=') fail(col_, "unexpected character '!' (expected '!=')");
        push(out, Tok::NotEq, 2, 2);
      } else if (const Tok *t = punct(c)) {
        push(out, *t, 1, 1);
      } else if (c >= 0x80) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "U+%04X", unsigned(decode(text_, pos_)));
        fail(col_, std::string("unexpected character ") + buf);
      } else {
        fail(col_, std::string("unexpected character '") + char(c) + "'");
      }
    }
    uint32_t end = out.empty() ? col_ : out.back().end_col;
    uint32_t at = out.empty() ? uint32_t(pos_) : out.back().end;
    out.push_back({Tok::End, at, at, end, end});
  }

  static const Tok *punct(unsigned char c) {
    static const Tok kinds[] = {Tok::LParen,   Tok::RParen, Tok::LBracket,
                                Tok::RBracket, Tok::Comma,  Tok::Colon};
    static const char chars[] = "()[],:";
    for (size_t k = 0; k < 6; ++k)
      if (chars[k] == char(c)) return &kinds[k];
    return nullptr;
  }

  void lex_string(std::vector<Token> &out) {
    size_t close = text_.find('"', pos_ + 1);
    if (close == std::string_view::npos)
      fail(col_, "unterminated string literal (strings end on the same line)");
    if (close == pos_ + 1)
      fail(col_, "empty string literal (FrankenScript strings hold at least one character)");
    uint32_t cols = 0;
    for (size_t k = pos_; k <= close; ++k)
      if (((unsigned char)text_[k] & 0xC0) != 0x80) ++cols;
    push(out, Tok::String, close + 1 - pos_, cols);
  }

  std::string_view text_;
  uint32_t number_;
  const std::string &file_;
  size_t pos_ = 0;
  uint32_t col_ = 1;
};

} // namespace

void check_encoding(std::string_view text, const std::string &file) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  uint32_t number = 1, col = 1;
  size_t start = 0;
  auto fail = [&](const std::string &msg) { throw InputError(file, number, col, msg); };
  for (size_t i = 0; i < text.size();) {
    unsigned char c = text[i];
    if (c == '\n') {
      ++i;
      ++number;
      col = 1;
      start = i;
      continue;
    }
    bool crlf = c == '\r' && i + 1 < text.size() && text[i + 1] == '\n';
    if (i - start >= kMaxLineBytes && !crlf)
      fail("line is longer than " + std::to_string(kMaxLineBytes) + " bytes");
    if (c == 0) fail("NUL byte");
    if (c == '\r') {
      if (!crlf) fail("carriage return not followed by a line feed");
      ++i;
      continue;
    }
    if ((c < 0x20 && c != '\t') || c == 0x7F) fail("control character " + hex_byte(c));
    size_t n = c < 0x80 ? 1 : utf8_length(text, i);
    if (n == 0) fail("non-UTF-8 byte " + hex_byte(c));
    i += n;
    ++col;
  }
}

std::vector<Line> split_lines(std::string_view text, const std::string &file) {
  check_encoding(text, file); // every byte-level problem, located, before any line is lexed
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3); // a UTF-8 byte order mark
  std::vector<Line> out;
  uint32_t number = 1;
  size_t start = 0;
  for (size_t i = 0;; ++i) {
    if (i < text.size() && text[i] != '\n') continue;
    size_t end = i;
    if (end > start && text[end - 1] == '\r') --end;
    Line line;
    if (LineLexer(text.substr(start, end - start), number, file).run(line))
      out.push_back(std::move(line));
    if (i == text.size()) break;
    ++number;
    start = i + 1;
  }
  return out;
}

} // namespace lungfish::text
