#include "traces/formats/mermaid_reader.h"

#include "model/render/mermaid_format.h"

#include "traces/formats/line_source.h"

#include <array>
#include <unordered_set>

namespace lungfish::traces {

namespace {

using detail::LineSource;
using std::string_view;

using mermaid_format::kClassDefs;
using mermaid_format::kClose;
using mermaid_format::kEntities;
using mermaid_format::kFooter;
using mermaid_format::kHeader;
using mermaid_format::kOpen;
constexpr uint64_t kMaxId = 100'000'000, kMaxCount = 0xFFFFFFFFull;
constexpr size_t kMaxMessage = 1u << 20;
// A scheduler step: `### <heading>`, FrankenScript's diagram header, this one node, its footer.
constexpr string_view kSchedule = "### ", kSchedulerNode = "  id0(Scheduler):::immutable";

enum class Shape : uint8_t { Plain, Cown, Bridge, Round };
enum class Phase : uint8_t { Nodes, Regions, Overlays };
enum class SgKind : uint8_t { Local, Imm, Cown, Region };

struct Node {
  std::string key, label;
  Shape shape = Shape::Plain;
  SnapKind kind = SnapKind::Object;
  int64_t rc = 0;
  bool global = false, immutable = false, unreachable = false, address = false;
  bool current_bridge = false, dirty = false;
  int64_t lrc = 0, sbrc = 0;
  std::optional<std::string> status;
  std::vector<std::pair<std::string, uint32_t>> fields; // target id, 0 = None
  int32_t subgraph = -1;
};

struct Subgraph {
  std::string id;
  SgKind kind;
  int32_t parent; // enclosing subgraph, -1 at top level
  uint32_t line;
};

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

} // namespace

std::string_view step_kind_name(StepKind k) {
  static constexpr std::array<string_view, 9> kNames = {
      "Line", "Error", "Internal", "Builtin", "Cycles", "Leak", "MergeSame", "Schedule", "Other"};
  return kNames[static_cast<size_t>(k)];
}

std::string_view flow_marker_text(FlowMarker m) {
  static constexpr std::array<string_view, 7> kTexts = {"",        "(True)",  "(False)", "(Next)",
                                                        "(Break)", "(Enter)", "(Exit)"};
  return kTexts[static_cast<size_t>(m)];
}

FlowMarker flow_marker_of(std::string_view message) {
  if (message.empty() || message.back() != ')') return FlowMarker::None; // the common case
  for (size_t k = 1; k < 7; ++k) {
    auto m = static_cast<FlowMarker>(k);
    string_view t = flow_marker_text(m);
    if (message.size() > t.size() && message.ends_with(t) &&
        message[message.size() - t.size() - 1] == ' ')
      return m;
  }
  return FlowMarker::None;
}

struct MermaidReader::Impl {
  LineSource src;
  uint32_t steps = 0;
  bool flat = false;
  // Per step:
  string_view l; // current line
  uint32_t step_line = 0;
  std::vector<Node> nodes;             // index = id; [0] = None
  std::vector<uint32_t> error_targets; // targets of `| ERROR |` edges
  std::vector<Subgraph> subgraphs;
  std::vector<int32_t> open; // stack of open subgraphs
  std::unordered_set<std::string> keys, subgraph_ids;
  uint32_t edges = 0;
  std::vector<uint32_t> edge_targets; // per edge index: its target node
  int64_t pending_link = -1;          // edge whose linkStyle must come next
  int32_t pending_style = -1;         // subgraph whose style line must come next
  Phase phase = Phase::Nodes;
  bool local_seen = false;

  explicit Impl(const std::string &path) : src(path) {}
  Impl(std::istream &in, const std::string &file) : src(in, file) {}

  [[noreturn]] void fail(size_t col, const std::string &msg) {
    throw InputError(src.file(), src.lineno(), static_cast<uint32_t>(col), msg);
  }

  // The next line, validated as UTF-8 without control characters; throws at end of file.
  string_view need(const char *what) {
    if (!src.next(l))
      throw InputError(src.file(), src.lineno() + 1, 1,
                       std::string("unexpected end of file: expected ") + what +
                           " (step starting at line " + std::to_string(step_line) + ")");
    check_bytes();
    return l;
  }
  void check_bytes() {
    for (size_t i = 0; i < l.size(); ++i) {
      auto c = static_cast<unsigned char>(l[i]);
      if (c < 0x20 && c != '\t') fail(i + 1, "control character in line");
      if (c >= 0x80) {
        if (uint32_t col = detail::invalid_utf8_col(l)) fail(col, "invalid UTF-8");
        break;
      }
    }
  }
  void expect_exact(string_view want) {
    need("a diagram line");
    if (l != want) {
      size_t i = 0;
      while (i < l.size() && i < want.size() && l[i] == want[i])
        ++i;
      fail(i + 1, "expected `" + std::string(want) + "`");
    }
  }

  uint64_t number(size_t &p, uint64_t max, const char *what) {
    if (p >= l.size() || !is_digit(l[p])) fail(p + 1, std::string("expected ") + what);
    size_t start = p;
    uint64_t v = 0;
    while (p < l.size() && is_digit(l[p])) {
      if (p - start >= 19 || (v = v * 10 + static_cast<uint64_t>(l[p] - '0')) > max)
        fail(start + 1, std::string(what) + " too large");
      ++p;
    }
    if (l[start] == '0' && p - start > 1) fail(start + 1, std::string("leading zero in ") + what);
    return v;
  }
  uint32_t node_id(size_t &p) {
    if (l.substr(p, 2) != "id") fail(p + 1, "expected a node id `idN`");
    p += 2;
    return static_cast<uint32_t>(number(p, kMaxId, "node id"));
  }
  uint32_t defined_id(size_t &p) {
    size_t at = p;
    uint32_t id = node_id(p);
    if (id >= nodes.size()) fail(at + 1, "reference to undefined node id" + std::to_string(id));
    return id;
  }

  std::string unescape(string_view esc, size_t col, const char *where);
  bool next_step(MermaidStep &out);
  bool schedule_step(MermaidStep &out);
  void read_message(MermaidStep &out);
  void classify(MermaidStep &out);
  bool body_line();
  void node_or_edge_line();
  void define_node(size_t p, uint32_t id, size_t id_col);
  void parse_name(Node &n, string_view esc, size_t col);
  void link_style(bool must_follow_edge);
  void subgraph_line(size_t indent);
  void build(MermaidStep &out);
};

// Undoes FrankenScript's label escaping; a raw character it would have escaped is an error.
std::string MermaidReader::Impl::unescape(string_view esc, size_t col, const char *where) {
  std::string out;
  out.reserve(esc.size());
  for (size_t i = 0; i < esc.size();) {
    if (esc[i] == '#') {
      bool hit = false;
      for (auto [ent, c] : kEntities)
        if (esc.substr(i, ent.size()) == ent) {
          out += c, i += ent.size(), hit = true;
          break;
        }
      if (hit) continue;
    } else if (esc.substr(i, 5) == "<br/>") {
      out += '\n', i += 5;
      continue;
    } else if (string_view("[]()_<>\"").find(esc[i]) != string_view::npos) {
      fail(col + i, std::string("unescaped `") + esc[i] + "` in " + where);
    }
    out += esc[i++];
  }
  return out;
}

bool MermaidReader::Impl::next_step(MermaidStep &out) {
  if (!src.next(l)) return false;
  check_bytes();
  step_line = src.lineno();
  if (l.starts_with(kSchedule)) return schedule_step(out);
  if (!l.starts_with(kOpen)) fail(1, "expected `<pre><code>` or `### ` starting a step");
  out = MermaidStep{};
  out.index = ++steps;
  out.file_line = step_line;
  read_message(out);
  for (string_view h : kHeader)
    expect_exact(h);
  nodes.assign(1, Node{});
  error_targets.clear();
  subgraphs.clear();
  open.clear();
  keys.clear();
  subgraph_ids.clear();
  edges = 0;
  edge_targets.clear();
  pending_link = -1;
  pending_style = -1;
  phase = Phase::Nodes;
  local_seen = false;
  for (;;) {
    need("a diagram body line or `classDef`");
    if (!body_line()) break;
  }
  for (size_t i = 1; i < kClassDefs.size(); ++i)
    expect_exact(kClassDefs[i]);
  for (string_view f : kFooter)
    expect_exact(f);
  out.error_target_is_bridge = false;
  for (uint32_t t : error_targets)
    if (t < nodes.size() && (nodes[t].shape == Shape::Bridge || nodes[t].current_bridge))
      out.error_target_is_bridge = true;
  build(out);
  return true;
}

// A scheduler step (FrankenScript's behaviours): a `### ` heading, then the scheduler's diagram,
// which is one fixed node. The heading is the message; the step has no heap.
bool MermaidReader::Impl::schedule_step(MermaidStep &out) {
  out = MermaidStep{};
  out.index = ++steps;
  out.file_line = step_line;
  out.message.assign(l.substr(kSchedule.size()));
  if (out.message.empty()) fail(5, "expected a heading after `### `");
  out.kind = StepKind::Schedule;
  for (size_t i = 0; i + 1 < kHeader.size(); ++i)
    expect_exact(kHeader[i]);
  expect_exact(kSchedulerNode);
  for (string_view f : kFooter)
    expect_exact(f);
  return true;
}

void MermaidReader::Impl::read_message(MermaidStep &out) {
  string_view first = l.substr(kOpen.size());
  std::string &m = out.message;
  uint32_t open_line = src.lineno();
  auto unterminated = [&] {
    throw InputError(src.file(), open_line, 1, "unterminated `<pre><code>` (no `</code></pre>`)");
  };
  if (first.ends_with(kClose)) {
    m.assign(first.substr(0, first.size() - kClose.size()));
  } else {
    m.assign(first);
    for (;;) {
      if (!src.next(l)) unterminated();
      check_bytes();
      if (l.starts_with(kOpen) || l == kHeader[0] || l == kHeader[2]) unterminated();
      m += '\n';
      if (l.ends_with(kClose)) {
        m.append(l.substr(0, l.size() - kClose.size()));
        break;
      }
      m.append(l);
      if (m.size() > kMaxMessage) fail(1, "message too long");
    }
  }
  classify(out);
}

void MermaidReader::Impl::classify(MermaidStep &out) {
  string_view m = out.message;
  auto kind_of = [&]() {
    if (m.starts_with("Error: ")) return StepKind::Error;
    if (m.starts_with("Internal: ")) return StepKind::Internal;
    if (m.starts_with("Builtin: ")) return StepKind::Builtin;
    if (m == "Cycles detected in local region.") return StepKind::Cycles;
    if (m == "Memory leak detected!") return StepKind::Leak;
    if (m.starts_with("Trying to merge the same region: ")) return StepKind::MergeSame;
    return StepKind::Other;
  };
  out.kind = kind_of();
  if (!m.starts_with("Line ")) return;
  size_t p = 5;
  uint64_t n = 0;
  while (p < m.size() && is_digit(m[p]) && p < 15)
    n = n * 10 + static_cast<uint64_t>(m[p++] - '0');
  if (p == 5 || p >= 15 || m.substr(p, 2) != ": " || n > kMaxCount) return; // not a Line step
  out.kind = StepKind::Line;
  out.line = static_cast<uint32_t>(n);
  string_view stmt = m.substr(p + 2);
  for (uint8_t k = 1; k <= 6; ++k) {
    auto marker = static_cast<FlowMarker>(k);
    std::string suffix = ": " + std::string(flow_marker_text(marker));
    if (stmt.ends_with(suffix)) {
      out.marker = marker;
      stmt.remove_suffix(suffix.size() - 1); // keep the ':'
      break;
    }
  }
  out.stmt.assign(stmt);
  if (out.stmt == "pragma_mermaid_draw_regions_nested(False)") flat = true;
  if (out.stmt == "pragma_mermaid_draw_regions_nested(True)") flat = false;
  out.flat_regions = flat;
}

// One body line; false when it is the first `classDef` line (the end of the body).
bool MermaidReader::Impl::body_line() {
  if (pending_link >= 0) {
    link_style(true);
    return true;
  }
  if (pending_style >= 0) {
    const Subgraph &sg = subgraphs[static_cast<size_t>(pending_style)];
    size_t indent = 2 * open.size();
    std::string want = std::string(indent, ' ') + "style " + sg.id + " fill:#";
    if (!l.starts_with(want) || l.size() != want.size() + 6)
      fail(1, "expected `" + want + "XXXXXX` after `end`");
    for (size_t i = want.size(); i < l.size(); ++i)
      if (!is_hex(l[i])) fail(i + 1, "expected a hex colour");
    pending_style = -1;
    return true;
  }
  size_t indent = 0;
  while (indent < l.size() && l[indent] == ' ')
    ++indent;
  string_view r = l.substr(indent);
  if (indent == 0 && r.starts_with("id")) {
    node_or_edge_line();
  } else if (indent == 2 && r.starts_with("linkStyle ")) {
    if (phase == Phase::Nodes || !open.empty()) fail(3, "`linkStyle` not after its edge");
    phase = Phase::Overlays;
    link_style(false);
  } else if (r.starts_with("subgraph ") || r == "end") {
    subgraph_line(indent);
  } else if (r.starts_with("id") && !open.empty()) {
    if (indent != 2 * open.size()) fail(1, "wrong indentation of a subgraph member");
    size_t p = indent;
    uint32_t id = defined_id(p);
    if (p != l.size()) fail(p + 1, "unexpected text after a subgraph member");
    if (id == 0) { // FrankenScript files None under the immutable region
      if (subgraphs[static_cast<size_t>(open.back())].kind != SgKind::Imm)
        fail(indent + 1, "None listed outside `ImmReg`");
      return true;
    }
    Node &n = nodes[id];
    if (n.subgraph >= 0) fail(indent + 1, "node listed in two subgraphs");
    n.subgraph = open.back();
  } else if (indent == 0 && r.starts_with("class ")) {
    if (!open.empty() || phase == Phase::Nodes) fail(1, "`class` line outside the overlay section");
    phase = Phase::Overlays;
    size_t p = 6;
    defined_id(p);
    string_view rest = l.substr(p);
    if (rest != " tainted;" && rest != " tainted_immutable;" && rest != " highlight;" &&
        rest != " error;")
      fail(p + 1, "expected ` tainted;`, ` tainted_immutable;`, ` highlight;` or ` error;`");
  } else if (indent == 0 && r.starts_with("classDef ")) {
    if (!open.empty()) fail(1, "`classDef` inside an open subgraph");
    if (!local_seen) fail(1, "diagram without a `LocalReg` subgraph");
    if (l != kClassDefs[0]) fail(1, "expected `" + std::string(kClassDefs[0]) + "`");
    return false;
  } else {
    fail(indent + 1, "unrecognised line in diagram body");
  }
  return true;
}

void MermaidReader::Impl::node_or_edge_line() {
  size_t p = 0;
  size_t id_col = p + 1;
  uint32_t a = node_id(p);
  string_view rest = l.substr(p);
  if (rest.empty()) { // a bare line: a no-op, but the id must exist
    if (phase != Phase::Nodes) fail(1, "bare node line after the subgraphs");
    if (a >= nodes.size()) fail(id_col, "reference to undefined node id" + std::to_string(a));
    return;
  }
  if (rest[0] == '[' || rest[0] == '(') {
    if (phase != Phase::Nodes) fail(1, "node definition after the subgraphs");
    define_node(p, a, id_col);
    return;
  }
  bool dotted = rest.starts_with("-.->");
  if (!dotted && !rest.starts_with("-->")) fail(p + 1, "expected `-->`, `-.->` or a node shape");
  if (a >= nodes.size()) fail(id_col, "reference to undefined node id" + std::to_string(a));
  if (!dotted && rest.starts_with("--> | ERROR | ") && phase != Phase::Nodes) {
    if (!open.empty()) fail(1, "`ERROR` edge inside a subgraph");
    p += 14;
    uint32_t target = defined_id(p);
    if (p != l.size()) fail(p + 1, "unexpected text after the `ERROR` edge");
    error_targets.push_back(target);
    phase = Phase::Overlays;
    edge_targets.push_back(target);
    pending_link = edges++;
    return;
  }
  if (phase != Phase::Nodes) fail(1, "edge after the subgraphs");
  if (a == 0) fail(id_col, "edge out of None");
  p += dotted ? 4 : 3;
  if (l.substr(p, 2) != " |") fail(p + 1, "expected ` |` before the edge label");
  size_t label_start = p + 2, q = label_start;
  for (;;) { // the label ends at the first `| id<digit>`
    q = l.find("| id", q);
    if (q == string_view::npos) fail(label_start, "edge label without `| idN` after it");
    if (q + 4 < l.size() && is_digit(l[q + 4])) break;
    ++q;
  }
  std::string name =
      unescape(l.substr(label_start, q - label_start), label_start + 1, "edge label");
  p = q + 2;
  size_t b_col = p + 1;
  uint32_t b = node_id(p);
  if (p == l.size()) {
    if (b >= nodes.size()) fail(b_col, "reference to undefined node id" + std::to_string(b));
  } else {
    define_node(p, b, b_col);
  }
  for (const auto &f : nodes[a].fields)
    if (f.first == name) fail(label_start + 1, "duplicate field `" + name + "`");
  nodes[a].fields.emplace_back(std::move(name), b);
  edge_targets.push_back(b);
  pending_link = edges++;
}

// Defines node `id` (whose `idN` starts at column id_col) from the shape starting at l[p].
void MermaidReader::Impl::define_node(size_t p, uint32_t id, size_t id_col) {
  if (id < nodes.size()) fail(id_col, "duplicate definition of node id" + std::to_string(id));
  if (id != nodes.size())
    fail(id_col, "node id" + std::to_string(id) + " defined out of order (expected id" +
                     std::to_string(nodes.size()) + ")");
  Node n;
  string_view d = l.substr(p);
  string_view close;
  size_t open_len = 1;
  if (d.starts_with("[["))
    n.shape = Shape::Cown, open_len = 2, close = "]]";
  else if (d.starts_with("[\\"))
    n.shape = Shape::Bridge, open_len = 2, close = "/]";
  else if (d.starts_with("["))
    n.shape = Shape::Plain, close = "]";
  else if (d.starts_with("("))
    n.shape = Shape::Round, close = ")";
  else
    fail(p + 1, "unknown node shape");
  if (d.ends_with(":::immutable"))
    n.immutable = true, d.remove_suffix(12);
  else if (d.ends_with(":::unreachable"))
    n.unreachable = true, d.remove_suffix(14);
  if (d.size() < open_len + close.size() || !d.ends_with(close))
    fail(p + d.size() + 1, "expected `" + std::string(close) + "` closing the node shape");
  string_view label = d.substr(open_len, d.size() - open_len - close.size());
  size_t label_col = p + open_len + 1;
  size_t br = label.rfind("<br/>rc=");
  if (br == string_view::npos) fail(label_col, "node label without `<br/>rc=`");
  size_t q = p + open_len + br + 8; // position of the rc digits in l
  size_t label_end = p + open_len + label.size();
  string_view saved = l;
  l = l.substr(0, label_end); // number() must not run past the label
  n.rc = static_cast<int64_t>(number(q, kMaxCount, "rc"));
  l = saved;
  string_view tail = l.substr(q, label_end - q);
  if (tail == " #40;global#41;")
    n.global = true;
  else if (!tail.empty())
    fail(q + 1, "unexpected text after rc");
  parse_name(n, label.substr(0, br), label_col);
  if (n.shape == Shape::Round && !n.immutable) fail(p + 1, "`(..)` node without `:::immutable`");
  if (n.shape == Shape::Plain && n.immutable) fail(p + 1, "`[..]` node marked `:::immutable`");
  if ((n.shape == Shape::Cown) != (n.kind == SnapKind::Cown))
    fail(p + 1, "cown shape `[[..]]` and `<cown>` label must go together");
  if (n.shape == Shape::Bridge && !n.address) fail(p + 1, "bridge shape without an address");
  if (n.kind == SnapKind::Prototype && !n.global) fail(p + 1, "prototype not marked global");
  if (n.key.empty()) n.key = "id" + std::to_string(id);
  if (!keys.insert(n.key).second) fail(label_col, "object `" + n.key + "` drawn twice");
  nodes.push_back(std::move(n));
}

// Classifies a node by its (escaped) name: address, "string", <cown>, <iterator>, [Prototype].
void MermaidReader::Impl::parse_name(Node &n, string_view esc, size_t col) {
  std::string name = unescape(esc, col, "node label");
  string_view s = name;
  std::vector<string_view> parts;
  for (size_t start = 0;;) {
    size_t nl = s.find('\n', start);
    parts.push_back(s.substr(start, nl == string_view::npos ? string_view::npos : nl - start));
    if (nl == string_view::npos) break;
    start = nl + 1;
  }
  auto is_address = [](string_view a) {
    if (a.size() < 3 || a.size() > 18 || !a.starts_with("0x")) return false;
    for (char c : a.substr(2))
      if (!is_hex(c)) return false;
    return true;
  };
  auto counter = [&](string_view line, string_view prefix, bool allow_dirty, int64_t &v) {
    if (!line.starts_with(prefix))
      fail(col, "expected `" + std::string(prefix) + "` in bridge label");
    line.remove_prefix(prefix.size());
    if (allow_dirty && line.ends_with(" (dirty)")) n.dirty = true, line.remove_suffix(8);
    // FrankenScript prints its counters as size_t: a counter decremented below 0 shows as
    // 2^64 - k (e.g. lrc=18446744073709551615). That is the runtime's underflow, read as -k so
    // that replay reports it, not an unreadable file.
    if (line.empty() || line.size() > 20) fail(col, "bad or too large counter in bridge label");
    uint64_t x = 0;
    for (char c : line) {
      if (!is_digit(c)) fail(col, "bad counter in bridge label");
      uint64_t d = static_cast<uint64_t>(c - '0');
      if (x > (UINT64_MAX - d) / 10) fail(col, "counter too large in bridge label");
      x = x * 10 + d;
    }
    if (x > kMaxCount && x < UINT64_MAX - kMaxCount) fail(col, "counter too large in bridge label");
    v = x <= kMaxCount ? static_cast<int64_t>(x) : -static_cast<int64_t>(UINT64_MAX - x) - 1;
  };
  if (is_address(parts[0])) {
    n.address = true;
    n.key = n.label = std::string(parts[0]);
    n.kind = SnapKind::Object;
    if (parts.size() == 1) return; // plain object, or a former bridge after merge
    if (parts.size() != 3) fail(col, "unexpected lines in node label");
    // A frozen former bridge keeps its counter lines, drawn as `(..):::immutable`.
    if (parts[1] == "lrc=<frozen>" && parts[2] == "sbrc=<frozen>") {
      if (!n.immutable) fail(col, "frozen bridge label on a mutable node");
      return;
    }
    // FrankenScript draws a bridge as a trapezoid when its prototype is [RegionObject]; one whose
    // `__proto__` was rewritten is a rectangle, still with its region's counters.
    if (n.shape != Shape::Bridge && n.shape != Shape::Plain)
      fail(col, "unexpected lines in node label");
    if (n.immutable) fail(col, "counters on a frozen bridge");
    counter(parts[1], "lrc=", true, n.lrc);
    counter(parts[2], "sbrc=", false, n.sbrc);
    n.current_bridge = true;
  } else if (parts.size() == 1 && s.size() >= 2 && s.front() == '"' && s.back() == '"') {
    n.label = std::string(s.substr(1, s.size() - 2));
    n.kind = SnapKind::String;
    if (n.global && (n.label == "True" || n.label == "False"))
      n.kind = SnapKind::Boolean, n.key = n.label;
  } else if (parts.size() == 2 && parts[0] == "<cown>" && parts[1].starts_with("status=")) {
    string_view st = parts[1].substr(7);
    if (st != "Pending" && st != "Released" && st != "Acquired") fail(col, "unknown cown status");
    n.kind = SnapKind::Cown;
    n.status = std::string(st);
    n.label = "<cown>";
  } else if (s == "<iterator>") {
    n.kind = SnapKind::Iterator;
    n.label = name;
  } else if (parts.size() == 1 && s.size() > 2 && s.front() == '[' && s.back() == ']' &&
             s.find_first_of("[]", 1) == s.size() - 1) {
    n.kind = SnapKind::Prototype;
    n.key = n.label = name;
  } else {
    fail(col, "unrecognised node name `" + name + "`");
  }
}

void MermaidReader::Impl::link_style(bool must_follow_edge) {
  constexpr string_view kPrefix = "  linkStyle ";
  if (!l.starts_with(kPrefix))
    fail(1, "expected `  linkStyle " + std::to_string(pending_link) + " ...` after an edge");
  size_t p = kPrefix.size();
  size_t at = p;
  uint64_t idx = number(p, kMaxId, "edge index");
  if (must_follow_edge && idx != static_cast<uint64_t>(pending_link))
    fail(at + 1, "linkStyle for edge " + std::to_string(idx) + ", expected " +
                     std::to_string(pending_link));
  if (idx >= edges) fail(at + 1, "linkStyle of an undefined edge");
  if (l.substr(p, 8) != " stroke:") fail(p + 1, "expected ` stroke:`");
  p += 8;
  bool known = false;
  // A restyled edge drawn red is the edge an error is about (the runtime draws it before it
  // refuses it).
  if (!must_follow_edge && l.substr(p, 4) == "red," && idx < edge_targets.size())
    error_targets.push_back(edge_targets[idx]);
  for (string_view c : {"#76c5cc", "orange", "#777777", "#9589dc", "red"})
    if (l.substr(p, c.size()) == c && l.substr(p + c.size(), 14) == ",stroke-width:") {
      p += c.size() + 14, known = true;
      break;
    }
  if (!known) fail(p + 1, "unknown edge colour");
  number(p, 100, "stroke width");
  if (l.substr(p) != "px") fail(p + 1, "expected `px` at end of linkStyle");
  pending_link = -1;
}

void MermaidReader::Impl::subgraph_line(size_t indent) {
  if (indent !=
      2 * (l.substr(indent) == "end" ? open.size() - (open.empty() ? 0 : 1) : open.size()))
    fail(1, "wrong indentation of a subgraph line");
  if (l.substr(indent) == "end") {
    if (open.empty()) fail(indent + 1, "`end` without an open subgraph");
    pending_style = open.back();
    open.pop_back();
    return;
  }
  if (phase == Phase::Overlays) fail(1, "subgraph after the overlay section");
  phase = Phase::Regions;
  string_view r = l.substr(indent + 9);
  Subgraph sg{"", SgKind::Region, open.empty() ? -1 : open.back(), src.lineno()};
  auto top_level = [&](string_view id, string_view label, SgKind k) {
    if (r != std::string(id) + std::string(label)) return false;
    if (!open.empty()) fail(indent + 10, std::string(id) + " nested in another subgraph");
    sg.id = id, sg.kind = k;
    return true;
  };
  if (top_level("LocalReg", "[\"Local region\"]", SgKind::Local))
    local_seen = true;
  else if (top_level("ImmReg", "[\"Immutable region\"]", SgKind::Imm)) {
  } else if (top_level("CownReg", "[\"Cown region\"]", SgKind::Cown)) {
  } else if (r.starts_with("reg0x")) {
    size_t e = 5;
    while (e < r.size() && is_hex(r[e]))
      ++e;
    if (e == 5 || e > 21) fail(indent + 10, "bad region subgraph id");
    if (r.substr(e) != "[\" \"]") fail(indent + 10 + e, "expected `[\" \"]` after the region id");
    sg.id = std::string(r.substr(0, e));
  } else {
    fail(indent + 10, "unknown subgraph id");
  }
  if (!subgraph_ids.insert(sg.id).second) fail(indent + 10, "subgraph `" + sg.id + "` drawn twice");
  subgraphs.push_back(std::move(sg));
  open.push_back(static_cast<int32_t>(subgraphs.size() - 1));
}

void MermaidReader::Impl::build(MermaidStep &out) {
  Snapshot &s = out.snapshot;
  auto key_of = [&](uint32_t id) -> std::optional<std::string> {
    if (id == 0) return std::nullopt;
    return nodes[id].key;
  };
  s.objects.reserve(nodes.size() - 1);
  std::vector<int32_t> region_of_sg(subgraphs.size(), -1);
  for (size_t i = 0; i < subgraphs.size(); ++i)
    if (subgraphs[i].kind == SgKind::Region) {
      region_of_sg[i] = static_cast<int32_t>(s.regions.size());
      SnapRegion r;
      r.name = subgraphs[i].id;
      int32_t par = subgraphs[i].parent;
      if (par >= 0 && subgraphs[static_cast<size_t>(par)].kind == SgKind::Region)
        r.parent_kind = SnapParentKind::Region, r.parent = subgraphs[static_cast<size_t>(par)].id;
      s.regions.push_back(std::move(r));
    }
  for (size_t id = 1; id < nodes.size(); ++id) {
    Node &n = nodes[id];
    SnapObject o;
    o.key = n.key;
    o.label = n.label;
    o.kind = n.kind;
    o.rc = n.rc;
    o.status = n.status;
    o.is_global = n.global;
    o.unreachable = n.unreachable;
    o.frozen = n.immutable;
    for (auto &[name, t] : n.fields) {
      if (n.kind == SnapKind::Object && name == "__proto__" && t != 0) {
        const std::string &pl = nodes[t].label;
        if (pl == "[Frame]")
          o.kind = SnapKind::Frame;
        else if (pl == "[BytecodeFunction]" || pl == "[BuiltinFunction]" || pl == "[Function]")
          o.kind = SnapKind::Function;
      }
      o.fields.push_back({name, key_of(t)});
    }
    if (o.kind == SnapKind::Object && n.global && n.address) o.kind = SnapKind::Function;
    if (n.subgraph >= 0) {
      const Subgraph &sg = subgraphs[static_cast<size_t>(n.subgraph)];
      switch (sg.kind) {
        case SgKind::Local:
          o.loc = {LocKind::Local, ""};
          break;
        case SgKind::Imm:
          o.loc = {LocKind::Imm, ""};
          break;
        case SgKind::Cown:
          o.loc = {LocKind::Cown, ""};
          break;
        case SgKind::Region:
          o.loc = {LocKind::Region, sg.id};
          break;
      }
    } else if (n.immutable) {
      o.loc = {LocKind::Imm, ""};
    } else if (n.kind == SnapKind::Cown) {
      o.loc = {LocKind::Cown, ""};
    } else {
      o.loc = {LocKind::Unknown, ""};
    }
    if (n.current_bridge && o.loc.kind == LocKind::Region) {
      SnapRegion &r = s.regions[static_cast<size_t>(region_of_sg[static_cast<size_t>(n.subgraph)])];
      if (r.bridge)
        throw InputError(src.file(), subgraphs[static_cast<size_t>(n.subgraph)].line, 1,
                         "region `" + r.name + "` has two bridges");
      o.is_bridge = true;
      r.bridge = n.key, r.lrc = n.lrc, r.sbrc = n.sbrc, r.dirty = n.dirty;
    }
    s.objects.push_back(std::move(o));
  }
  // Parents not given by nesting: a cown's `value` edge, or (flat drawing) an owning edge.
  std::unordered_map<std::string, size_t> region_by_bridge;
  for (size_t i = 0; i < s.regions.size(); ++i)
    if (s.regions[i].bridge) region_by_bridge.emplace(*s.regions[i].bridge, i);
  for (const SnapObject &o : s.objects)
    for (const SnapField &f : o.fields) {
      if (!f.target) continue;
      auto it = region_by_bridge.find(*f.target);
      if (it == region_by_bridge.end()) continue;
      SnapRegion &r = s.regions[it->second];
      if (r.parent_kind != SnapParentKind::None) continue;
      if (o.kind == SnapKind::Cown && f.name == "value")
        r.parent_kind = SnapParentKind::Cown, r.parent = o.key;
      else if (out.flat_regions && o.loc.kind == LocKind::Region && o.loc.name != r.name)
        r.parent_kind = SnapParentKind::Region, r.parent = o.loc.name;
    }
  // Roots: the current frame is id1 in Line/Builtin steps; otherwise the frames no other frame
  // calls (no `__parent__` edge into them), in drawing order.
  if ((out.kind == StepKind::Line || out.kind == StepKind::Builtin) && nodes.size() > 1) {
    s.roots.push_back(nodes[1].key);
  } else {
    std::unordered_set<std::string> callers;
    for (const SnapObject &o : s.objects)
      if (o.kind == SnapKind::Frame)
        for (const SnapField &f : o.fields)
          if (f.name == "__parent__" && f.target) callers.insert(*f.target);
    for (const SnapObject &o : s.objects)
      if (o.kind == SnapKind::Frame && !callers.count(o.key)) s.roots.push_back(o.key);
  }
}

MermaidReader::MermaidReader(const std::string &path) : impl_(std::make_unique<Impl>(path)) {}
MermaidReader::MermaidReader(std::istream &in, const std::string &file)
    : impl_(std::make_unique<Impl>(in, file)) {}
MermaidReader::~MermaidReader() = default;

bool MermaidReader::next(MermaidStep &out) {
  return impl_->next_step(out);
}

std::vector<MermaidStep> read_mermaid_file(const std::string &path) {
  MermaidReader r(path);
  std::vector<MermaidStep> steps;
  MermaidStep s;
  while (r.next(s))
    steps.push_back(std::move(s));
  return steps;
}

} // namespace lungfish::traces
