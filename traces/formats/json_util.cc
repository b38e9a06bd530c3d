#include "traces/formats/json_util.h"

#include <algorithm>

namespace lungfish::traces::detail {

namespace {

struct Scanner {
  std::string_view t;
  size_t p = 0;
  int depth = 0;

  bool done() const { return p >= t.size(); }
  void ws() {
    while (p < t.size() && (t[p] == ' ' || t[p] == '\t' || t[p] == '\n' || t[p] == '\r'))
      ++p;
  }
  // Skips a string starting at '"'; returns its raw contents (escapes not decoded).
  std::string_view str() {
    size_t start = ++p;
    while (p < t.size() && t[p] != '"')
      p += t[p] == '\\' ? 2 : 1;
    std::string_view raw = t.substr(start, std::min(p, t.size()) - start);
    ++p;
    return raw;
  }
  void value() {
    ws();
    if (done()) return;
    if (t[p] == '"') {
      str();
    } else if (t[p] == '{' || t[p] == '[') {
      if (++depth > 512) { // the parser accepted this text, but stay bounded anyway
        p = t.size();
        return;
      }
      char close = t[p] == '{' ? '}' : ']';
      bool obj = t[p] == '{';
      ++p;
      for (;;) {
        ws();
        if (done() || t[p] == close) break;
        if (obj) {
          str();
          ws();
          ++p; // ':'
        }
        value();
        ws();
        if (!done() && t[p] == ',')
          ++p;
        else
          break;
      }
      ++p;
      --depth;
    } else {
      while (p < t.size() && std::string_view(",]} \t\r\n").find(t[p]) == std::string_view::npos)
        ++p;
    }
  }
};

std::string decode_key(std::string_view raw) {
  if (raw.find('\\') == std::string_view::npos) return std::string(raw);
  try {
    std::string quoted;
    quoted.reserve(raw.size() + 2);
    quoted.push_back('"');
    quoted.append(raw);
    quoted.push_back('"');
    return Json::parse(quoted).get<std::string>();
  } catch (...) {
    return std::string(raw);
  }
}

} // namespace

size_t json_offset(std::string_view text, const std::vector<std::string> &path) {
  Scanner s{text};
  s.ws();
  size_t found = s.p;
  for (const std::string &tok : path) {
    if (s.done()) break;
    found = s.p;
    char c = text[s.p];
    bool hit = false;
    if (c == '{') {
      ++s.p;
      for (;;) {
        s.ws();
        if (s.done() || text[s.p] != '"') break;
        std::string key = decode_key(s.str());
        s.ws();
        ++s.p; // ':'
        s.ws();
        if (key == tok) {
          hit = true;
          break;
        }
        s.value();
        s.ws();
        if (!s.done() && text[s.p] == ',')
          ++s.p;
        else
          break;
      }
    } else if (c == '[') {
      size_t want = 0;
      try {
        want = std::stoul(tok);
      } catch (...) {
        return found;
      }
      ++s.p;
      for (size_t i = 0;; ++i) {
        s.ws();
        if (s.done() || text[s.p] == ']') break;
        if (i == want) {
          hit = true;
          break;
        }
        s.value();
        s.ws();
        if (!s.done() && text[s.p] == ',')
          ++s.p;
        else
          break;
      }
    }
    if (!hit) return found;
    found = s.p;
  }
  return std::min(found, text.size());
}

std::pair<uint32_t, uint32_t> line_col(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  uint32_t line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i)
    if (text[i] == '\n') ++line, line_start = i + 1;
  return {line, static_cast<uint32_t>(offset - line_start + 1)};
}

InputError located_error(const std::string &file, std::string_view text, uint32_t first_line,
                         const JsonProblem &p) {
  auto [line, col] = line_col(text, json_offset(text, p.path));
  return InputError(file, first_line + line - 1, col, p.message);
}

InputError parse_error(const std::string &file, std::string_view text, uint32_t first_line,
                       const nlohmann::json::parse_error &e) {
  // e.byte is the 1-based index of the last byte read; point at it.
  size_t off = e.byte == 0 ? 0 : e.byte - 1;
  auto [line, col] = line_col(text, off);
  std::string msg = e.what();
  // nlohmann's text starts with "[json.exception.parse_error.101] parse error at line 1, ...: "
  if (auto k = msg.find("syntax error"); k != std::string::npos)
    msg = msg.substr(k);
  else if (auto j = msg.find("] "); j != std::string::npos)
    msg = msg.substr(j + 2);
  return InputError(file, first_line + line - 1, col, "invalid JSON: " + msg);
}

InputError json_exception_error(const std::string &file, std::string_view text, uint32_t first_line,
                                const nlohmann::json::exception &e) {
  std::string msg = e.what();
  if (auto j = msg.find("] "); j != std::string::npos) msg = msg.substr(j + 2);
  size_t off = 0;
  auto q1 = msg.find('\''), q2 = msg.rfind('\'');
  if (q1 != std::string::npos && q2 > q1 + 1)
    if (auto at = text.find(std::string_view(msg).substr(q1 + 1, q2 - q1 - 1));
        at != std::string_view::npos)
      off = at;
  auto [line, col] = line_col(text, off);
  return InputError(file, first_line + line - 1, col, "invalid JSON: " + msg);
}

void JsonCursor::expect_object(std::initializer_list<std::string_view> allowed) const {
  if (!v_->is_object()) fail("expected a JSON object");
  for (auto it = v_->begin(); it != v_->end(); ++it)
    if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end()) {
      auto p = path_;
      p.push_back(it.key());
      throw JsonProblem{p, "unknown member `" + it.key() + "`"};
    }
}

void JsonCursor::expect_array() const {
  if (!v_->is_array()) fail("expected a JSON array");
}

std::optional<JsonCursor> JsonCursor::member(std::string_view key) const {
  if (!v_->is_object()) fail("expected a JSON object");
  auto it = v_->find(key);
  if (it == v_->end()) return std::nullopt;
  auto p = path_;
  p.emplace_back(key);
  return JsonCursor(*it, std::move(p));
}

JsonCursor JsonCursor::required(std::string_view key) const {
  auto m = member(key);
  if (!m) fail("missing member `" + std::string(key) + "`");
  return *m;
}

JsonCursor JsonCursor::at(size_t i) const {
  auto p = path_;
  p.push_back(std::to_string(i));
  return JsonCursor((*v_)[i], std::move(p));
}

std::string JsonCursor::string() const {
  if (!v_->is_string()) fail("expected a string");
  return v_->get<std::string>();
}

bool JsonCursor::boolean() const {
  if (!v_->is_boolean()) fail("expected true or false");
  return v_->get<bool>();
}

int64_t JsonCursor::integer(int64_t lo, int64_t hi) const {
  if (v_->is_number_unsigned()) {
    auto u = v_->get<uint64_t>();
    if (u > static_cast<uint64_t>(hi)) fail("number too large");
    if (static_cast<int64_t>(u) < lo) fail("number out of range");
    return static_cast<int64_t>(u);
  }
  if (!v_->is_number_integer()) fail("expected an integer");
  auto v = v_->get<int64_t>();
  if (v < lo || v > hi) fail("number out of range");
  return v;
}

std::string JsonCursor::string_or(std::string_view key, std::string def) const {
  auto m = member(key);
  return m ? m->string() : def;
}

bool JsonCursor::boolean_or(std::string_view key, bool def) const {
  auto m = member(key);
  return m ? m->boolean() : def;
}

} // namespace lungfish::traces::detail

namespace lungfish::traces::detail {

Json parse_json(std::string_view text, const std::string &file, uint32_t first_line) {
  // Nesting is measured before parsing: the parser and the document's destructor recurse.
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) {
        auto [line, col] = line_col(text, i);
        throw InputError(file, first_line + line - 1, col,
                         "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  // A member named twice in one object would silently keep the last: the callback tracks the
  // path to each value and the names seen in each open object.
  struct Level {
    bool array;
    size_t index = 0;
    std::vector<std::string> names;
    std::string key;
  };
  std::vector<Level> levels;
  std::optional<JsonProblem> duplicate;
  auto path_to_here = [&] {
    std::vector<std::string> path;
    for (const Level &l : levels)
      path.push_back(l.array ? std::to_string(l.index) : l.key);
    return path;
  };
  auto value_seen = [&] {
    if (!levels.empty() && levels.back().array) ++levels.back().index;
  };
  Json::parser_callback_t cb = [&](int, Json::parse_event_t event, Json &parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
      case Json::parse_event_t::array_start:
        levels.push_back(Level{event == Json::parse_event_t::array_start, 0, {}, {}});
        break;
      case Json::parse_event_t::object_end:
      case Json::parse_event_t::array_end:
        levels.pop_back();
        value_seen();
        break;
      case Json::parse_event_t::key: {
        Level &l = levels.back();
        l.key = parsed.get<std::string>();
        if (std::find(l.names.begin(), l.names.end(), l.key) != l.names.end() && !duplicate)
          duplicate = JsonProblem{path_to_here(), "member `" + l.key + "` given twice"};
        l.names.push_back(l.key);
        break;
      }
      case Json::parse_event_t::value:
        value_seen();
        break;
    }
    return true;
  };
  Json doc;
  try {
    doc = Json::parse(text, cb);
  } catch (const Json::parse_error &e) {
    throw parse_error(file, text, first_line, e);
  } catch (const Json::exception &e) {
    throw json_exception_error(file, text, first_line, e);
  }
  if (duplicate) throw located_error(file, text, first_line, *duplicate);
  return doc;
}

} // namespace lungfish::traces::detail
