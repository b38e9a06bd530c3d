// Internal to traces/: a buffered line reader for the text formats (mermaid.md, NAME.out, JSONL).
//
// Reads the stream in 64 KiB blocks and hands out one line at a time as a string_view into its
// buffer (valid until the next call), without the '\n'. A last line without '\n' is reported as
// truncated (every format here ends each line with a newline). Lines longer than `max_line` are
// rejected so that a file without newlines cannot make memory grow without bound.
#pragma once

#include "model/text/program_text.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <istream>
#include <memory>
#include <string>
#include <string_view>

namespace lungfish::traces::detail {

class LineSource {
public:
  /// Opens `path`; throws InputError(path, 0, 0) if it cannot be read.
  explicit LineSource(const std::string &path, size_t max_line = 64u << 20)
      : file_(path), owned_(std::make_unique<std::ifstream>(path, std::ios::binary)), in_(*owned_),
        max_line_(max_line) {
    if (std::filesystem::is_directory(path)) throw InputError(path, 0, 0, "is a directory");
    if (!*owned_) throw InputError(path, 0, 0, "cannot open file");
  }
  /// Reads from a caller-owned stream; `file` names it in errors.
  LineSource(std::istream &in, std::string file, size_t max_line = 64u << 20)
      : file_(std::move(file)), in_(in), max_line_(max_line) {}

  /// The next line, or false at the end of the input.
  bool next(std::string_view &line) {
    for (;;) {
      const char *nl =
          static_cast<const char *>(std::memchr(buf_.data() + pos_, '\n', buf_.size() - pos_));
      if (nl) {
        size_t len = static_cast<size_t>(nl - (buf_.data() + pos_));
        line = std::string_view(buf_.data() + pos_, len);
        pos_ += len + 1;
        ++lineno_;
        return true;
      }
      if (eof_) {
        if (pos_ < buf_.size() && allow_truncated_) {
          line = std::string_view(buf_.data() + pos_, buf_.size() - pos_);
          pos_ = buf_.size();
          ++lineno_;
          truncated_ = true;
          return true;
        }
        if (pos_ < buf_.size())
          throw InputError(file_, lineno_ + 1, static_cast<uint32_t>(buf_.size() - pos_ + 1),
                           "truncated last line (no newline at end of file)");
        return false;
      }
      if (buf_.size() - pos_ > max_line_) throw InputError(file_, lineno_ + 1, 1, "line too long");
      buf_.erase(0, pos_);
      pos_ = 0;
      size_t old = buf_.size();
      buf_.resize(old + kBlock);
      in_.read(buf_.data() + old, kBlock);
      buf_.resize(old + static_cast<size_t>(in_.gcount()));
      if (in_.bad()) throw InputError(file_, lineno_ + 1, 1, "read error");
      if (!in_) eof_ = true;
    }
  }

  /// Hands out a last line without '\n' instead of rejecting it (a log cut by a crash).
  void allow_truncated() { allow_truncated_ = true; }
  /// True once a last line without '\n' was handed out.
  bool truncated() const { return truncated_; }

  /// The number of the line last returned (1-based).
  uint32_t lineno() const { return lineno_; }
  const std::string &file() const { return file_; }

private:
  static constexpr size_t kBlock = 64 * 1024;
  std::string file_;
  std::unique_ptr<std::ifstream> owned_;
  std::istream &in_;
  size_t max_line_;
  std::string buf_;
  size_t pos_ = 0;
  uint32_t lineno_ = 0;
  bool eof_ = false;
  bool allow_truncated_ = false;
  bool truncated_ = false;
};

/// The 1-based column of the first byte of `s` that is not valid UTF-8, or 0 if it is valid.
inline uint32_t invalid_utf8_col(std::string_view s) {
  size_t i = 0, n = s.size();
  while (i < n) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (len == 0 || c > 0xF4 || i + len > n) return static_cast<uint32_t>(i + 1);
    auto c1 = static_cast<unsigned char>(s[i + 1]);
    if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F) || (c == 0xF0 && c1 < 0x90) ||
        (c == 0xF4 && c1 > 0x8F))
      return static_cast<uint32_t>(i + 1);
    for (size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80)
        return static_cast<uint32_t>(i + k + 1);
    i += len;
  }
  return 0;
}

} // namespace lungfish::traces::detail
