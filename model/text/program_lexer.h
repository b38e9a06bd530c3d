// Internal to the program-text parser: splitting the text into lines and lines into tokens.
// The grammar (model/text/parser.cc) works on the result; nothing else should include this header.
#pragma once

#include "model/text/program_text.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lungfish::text {

/// Longest accepted physical line, in bytes (without its line terminator).
inline constexpr size_t kMaxLineBytes = 16384;

enum class Tok : uint8_t {
  Word,     // [0-9A-Za-z_]+ (identifiers, keywords and field names)
  String,   // "..." (the token spans the quotes)
  Empty,    // {}
  LParen,   // (
  RParen,   // )
  LBracket, // [
  RBracket, // ]
  Dot,      // .
  Comma,    // ,
  Colon,    // :
  Assign,   // =
  EqEq,     // ==
  NotEq,    // !=
  End,      // end of the statement (end of line or start of a comment)
  Error,    // a lexical error at this column (Line::error says which); the parser reports it
            // when it reaches the token, so the first problem in file order is the one reported
};

/// One token of a line: byte range [begin, end) in the line and 1-based columns (code points).
struct Token {
  Tok kind = Tok::End;
  uint32_t begin = 0, end = 0;
  uint32_t col = 0, end_col = 0; // end_col: the column just after the token
};

/// A line that holds a statement (blank and comment-only lines are dropped).
struct Line {
  uint32_t number = 0;       // 1-based line number in the file
  std::string_view text;     // the physical line, without "\n" or "\r\n"
  uint32_t level = 0;        // indentation level (4 spaces or one tab per level)
  std::vector<Token> tokens; // never empty: the last token is End
  std::string error;         // the message of its Error token, if it has one
  bool indent_error = false; // the error is in its indentation: its level is unknown
};

/// Checks only the encoding of a text (UTF-8, no NUL, no control bytes but tab and CR LF, line
/// length); throws InputError at the first bad byte (the Python subset's parser uses it).
void check_encoding(std::string_view text, const std::string &file);

/// Checks the whole text (UTF-8, no NUL or control bytes, line length; throws InputError at the
/// first problem) and returns its statement lines, tokenized. A lexical error ends its line's
/// tokens with an Error token: the parser reports it when it gets there.
std::vector<Line> split_lines(std::string_view text, const std::string &file);

/// The source text of a token.
inline std::string_view lexeme(const Line &l, const Token &t) {
  return l.text.substr(t.begin, t.end - t.begin);
}

/// True for [0-9A-Za-z_].
inline bool is_word_char(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

} // namespace lungfish::text
