// Internal to traces/: checked access to parsed JSON that reports *where* in the text a problem
// is, although nlohmann's DOM keeps no positions.
//
// Converters walk the DOM through a `JsonCursor`, which remembers the path (object keys and array
// indices) to the value at hand. A problem throws JsonProblem{path, message}; the reader then
// re-scans the raw text along that path with a skipping scanner (strings, numbers, literals,
// nested containers; nothing is built) to find the byte offset of the value, and turns it into
// file:line:col. The scan runs only on the error path, so the happy path costs nothing extra.
#pragma once

#include "model/text/program_text.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lungfish::traces::detail {

using Json = nlohmann::json;

/// A problem at a JSON path ("steps", "3", "snapshot_after", ...).
struct JsonProblem {
  std::vector<std::string> path;
  std::string message;
};

/// The byte offset in `text` of the value at `path`, or of the deepest container on the path
/// that exists (the whole document if nothing matches).
size_t json_offset(std::string_view text, const std::vector<std::string> &path);

/// 1-based line and column of a byte offset.
std::pair<uint32_t, uint32_t> line_col(std::string_view text, size_t offset);

/// Converts a problem in `text` (which starts at line `first_line`) into an InputError.
InputError located_error(const std::string &file, std::string_view text, uint32_t first_line,
                         const JsonProblem &p);

/// Converts nlohmann's parse error on `text` into an InputError at the offending byte.
InputError parse_error(const std::string &file, std::string_view text, uint32_t first_line,
                       const nlohmann::json::parse_error &e);
/// Any other exception of nlohmann's parser (a number out of range, ...): located at the token
/// the library quotes in its message, else at the start of the text.
InputError json_exception_error(const std::string &file, std::string_view text, uint32_t first_line,
                                const nlohmann::json::exception &e);

/// Deepest nesting of arrays and objects the readers accept: the formats need a handful of levels;
/// a document nested deeper (a corrupted or hostile file) would exhaust the stack.
inline constexpr size_t kMaxJsonDepth = 512;

/// Parses `text` (which starts at line `first_line` of `file`) as one JSON document; nesting
/// deeper than kMaxJsonDepth, bad JSON and out-of-range numbers throw a located InputError.
Json parse_json(std::string_view text, const std::string &file, uint32_t first_line);

/// A position in a parsed document: the value and the path to it.
class JsonCursor {
public:
  JsonCursor(const Json &v, std::vector<std::string> path) : v_(&v), path_(std::move(path)) {}
  const Json &value() const { return *v_; }
  const std::vector<std::string> &path() const { return path_; }

  [[noreturn]] void fail(const std::string &message) const { throw JsonProblem{path_, message}; }

  /// Requires an object whose members are all in `allowed` (a typo is an error, not ignored).
  void expect_object(std::initializer_list<std::string_view> allowed) const;
  /// Requires an array.
  void expect_array() const;
  /// The member `key`; nullopt if absent (null counts as present).
  std::optional<JsonCursor> member(std::string_view key) const;
  /// The member `key`; fails if absent.
  JsonCursor required(std::string_view key) const;
  /// Element i of an array.
  JsonCursor at(size_t i) const;
  size_t size() const { return v_->size(); }
  bool is_null() const { return v_->is_null(); }

  std::string string() const;
  bool boolean() const;
  /// An integer within [lo, hi]; floats and out-of-range numbers fail.
  int64_t integer(int64_t lo, int64_t hi) const;

  // Optional members with defaults.
  std::string string_or(std::string_view key, std::string def) const;
  bool boolean_or(std::string_view key, bool def) const;

private:
  const Json *v_;
  std::vector<std::string> path_;
};

} // namespace lungfish::traces::detail
