// TikZ pictures for the paper: a deterministic column layout.
//
//   column 0: the LOCALs (variables of every frame, then the other LOCAL objects)
//   then each region tree: a region's objects in one column, its children in the next columns,
//   each region a box fitted around its objects and its children's boxes
//   then the frozen objects, then the cowns, then a ghost node for each freed object a field
//   still refers to (a dangling reference, I16).
// Each edge is a straight line unless that line would run through another node: then it bends
// (the least bend that clears every other node, in a fixed order of candidates), so an edge never
// looks as if it went through an object it does not touch.
#include "model/render/render.h"
#include "model/render/util.h"

#include <cmath>
#include <map>
#include <set>
#include <sstream>

namespace lungfish {

using namespace render_detail;

namespace {

constexpr double kColumn = 2.4; // cm
constexpr double kRow = 1.1;    // cm

class TikzWriter {
public:
  TikzWriter(const World &w, const std::optional<TikzEdge> &hl) : w_(w), h_(w.heap), hl_(hl) {}

  std::string write() {
    os_ << "\\begin{tikzpicture}[\n"
        << "  obj/.style={draw, fill=white, rectangle, minimum size=5mm, font=\\scriptsize},\n"
        << "  bridge/.style={draw, fill=white, trapezium, trapezium left angle=75, trapezium right "
           "angle=75, minimum size=5mm, font=\\scriptsize},\n"
        << "  frozen/.style={draw, rounded corners=2mm, fill=cyan!15, minimum size=5mm, "
           "font=\\scriptsize},\n"
        << "  cown/.style={draw, fill=white, double, rectangle, minimum size=5mm, "
           "font=\\scriptsize},\n"
        << "  var/.style={font=\\scriptsize\\ttfamily},\n"
        << "  region/.style={draw, rounded corners, fill=yellow!20, fill opacity=0.5, inner "
           "sep=2.5mm},\n"
        << "  localbox/.style={draw, dashed, rounded corners, inner sep=2.5mm},\n"
        << "  boxlabel/.style={anchor=south west, font=\\tiny, inner sep=1pt},\n"
        << "  ref/.style={-{Stealth}},\n"
        << "  owning/.style={ref, very thick},\n"
        << "  borrowed/.style={ref, dashed},\n"
        << "  toimm/.style={ref, draw=cyan!50!black},\n"
        << "  highlighted/.style={ref, draw=red, ultra thick},\n"
        << "  freed/.style={draw=red!70!black, dashed, text=red!70!black, rectangle, minimum "
           "size=5mm, font=\\scriptsize},\n"
        << "  dangling/.style={ref, draw=red!70!black},\n"
        << "  field/.style={midway, fill=white, inner sep=1pt, font=\\tiny\\ttfamily}]\n";
    layout_locals();
    std::vector<RegionId> roots;
    for (RegionId r : live_regions_by_serial(h_)) {
      const Region &rg = h_.region(r);
      if (rg.parent_kind == ParentKind::Region && h_.is_live_region(rg.parent))
        children_[rg.parent].push_back(r);
      else
        roots.push_back(r);
    }
    for (RegionId r : roots)
      layout_region(r);
    for (RegionId r : live_regions_by_serial(h_))
      layout_region(r); // parent cycles
    layout_column([&](const Object &ob) { return ob.loc.is_immutable(); });
    layout_column([&](const Object &ob) { return ob.kind == ObjectKind::Cown; });
    layout_freed();
    draw_edges();
    os_ << "\\end{tikzpicture}\n";
    return os_.str();
  }

private:
  struct Node {
    double x, y, w, h; // centre and half extents, cm
  };

  std::string id(ObjectId o) const { return prefixed("o", h_.obj(o).serial); }
  bool shown(ObjectId o) const { return o != kNone && h_.is_live(o) && !h_.is_global(o); }

  std::string label(ObjectId o) const {
    const Object &ob = h_.obj(o);
    std::string s = "$o_{" + std::to_string(ob.serial) + "}$";
    if (ob.kind == ObjectKind::String) s = "``" + tex_escape(symbol_name(ob.payload)) + "''";
    if (ob.kind == ObjectKind::Cown) s += "\\\\" + std::string(cown_status_name(ob.status));
    if (ob.kind == ObjectKind::Function) s += " fn";
    return s;
  }

  void place(ObjectId o, int col, int row) {
    const Object &ob = h_.obj(o);
    const char *style = h_.is_bridge(o)               ? "bridge"
                        : ob.loc.is_immutable()       ? "frozen"
                        : ob.kind == ObjectKind::Cown ? "cown, align=center"
                                                      : "obj";
    os_ << "\\node[" << style << "] (" << id(o) << ") at (" << col * kColumn << "," << -row * kRow
        << ") {" << label(o) << "};\n";
    placed_[o] = true;
    bool wide = h_.is_bridge(o) || ob.kind == ObjectKind::Cown || ob.kind == ObjectKind::String;
    nodes_[id(o)] = {col * kColumn, -row * kRow, wide ? 0.5 : 0.3,
                     ob.kind == ObjectKind::Cown ? 0.42 : 0.3};
  }

  // A freed object that a live object's field still refers to: a ghost node, so the dangling
  // reference (I16) can be drawn and highlighted.
  void layout_freed() {
    int row = 0;
    for (ObjectId o : live_objects_by_serial(h_)) {
      if (!placed_[o]) continue;
      for (const Field &f : h_.obj(o).fields) {
        ObjectId v = f.value;
        if (v == kNone || h_.is_live(v) || v >= h_.object_end() || freed_.count(v)) continue;
        std::string n = prefixed("freed", v);
        freed_[v] = n;
        os_ << "\\node[freed] (" << n << ") at (" << next_col_ * kColumn << "," << -row * kRow
            << ") {freed};\n";
        nodes_[n] = {next_col_ * kColumn, -row * kRow, 0.5, 0.3};
        ++row;
      }
    }
    if (row) ++next_col_;
  }

  void layout_locals() {
    int row = 0;
    std::vector<std::string> fit;
    for (const Thread &t : w_.threads)
      for (const Activation &a : t.calls) {
        if (!h_.is_live(a.frame)) continue;
        for (const Field &f : h_.obj(a.frame).fields) {
          std::string name = symbol_name(f.name);
          if (name == "__parent__") continue;
          std::string v = prefixed("v", vars_.size());
          vars_.push_back({v, f.value, name});
          std::string text = name + (shown(f.value) ? "" : " = " + object_name(h_, f.value));
          os_ << "\\node[var] (" << v << ") at (0," << -row * kRow << ") {" << tex_escape(text)
              << "};\n";
          nodes_[v] = {0, -row * kRow, 0.06 * static_cast<double>(text.size()) + 0.05, 0.2};
          fit.push_back(v);
          ++row;
        }
      }
    int local_row = 0;
    for (ObjectId o : live_objects_by_serial(h_)) {
      const Object &ob = h_.obj(o);
      if (!ob.loc.is_local() || ob.kind == ObjectKind::Frame || !shown(o)) continue;
      place(o, 1, local_row++);
      fit.push_back(id(o));
    }
    if (!fit.empty()) {
      os_ << "\\begin{scope}[on background layer]\n\\node[localbox, fit=";
      for (auto &n : fit)
        os_ << "(" << n << ")";
      os_ << "] (local) {};\n\\end{scope}\n"
          << "\\node[boxlabel] at (local.north west) {LOCAL};\n";
      label_obstacle("local", fit, 0.45);
      next_col_ = local_row > 0 ? 2 : 1;
    }
  }

  // Places R's objects in a fresh column and its children to the right; draws R's box.
  void layout_region(RegionId r) {
    if (laid_out_[r]) return;
    laid_out_[r] = true;
    int col = next_col_++;
    int row = 0;
    std::vector<std::string> fit;
    const Region &rg = h_.region(r);
    if (h_.is_live(rg.bridge) && h_.region_of(rg.bridge) == r) {
      place(rg.bridge, col, row++);
      fit.push_back(id(rg.bridge));
    }
    for (ObjectId o : live_objects_by_serial(h_))
      if (o != rg.bridge && h_.region_of(o) == r) {
        place(o, col, row++);
        fit.push_back(id(o));
      }
    for (RegionId c : children_[r]) {
      layout_region(c);
      fit.push_back("box" + std::to_string(h_.region(c).serial));
    }
    std::string box = "box" + std::to_string(rg.serial);
    if (fit.empty()) {
      os_ << "\\coordinate (" << box << "in) at (" << col * kColumn << ",0);\n";
      fit.push_back(box + "in");
    }
    os_ << "\\begin{scope}[on background layer]\n\\node[region, fit=";
    for (auto &n : fit)
      os_ << "(" << n << ")";
    os_ << "] (" << box << ") {};\n\\end{scope}\n";
    os_ << "\\node[boxlabel] at (" << box << ".north west) {$R_{" << rg.serial
        << "}$ lrc=" << rg.lrc << (rg.dirty ? "*" : "") << " sbrc=" << rg.sbrc << "};\n";
    if (fit.back() == box + "in") extents_[box + "in"] = {col * kColumn, 0, 0, 0};
    label_obstacle(box, fit, 0.85);
  }

  // A box fitted around `fit` (inner sep 2.5mm) keeps its extent, and its label above its north
  // west corner (`width` cm wide) becomes an obstacle edges bend around.
  void label_obstacle(const std::string &box, const std::vector<std::string> &fit, double width) {
    double x0 = 1e9, x1 = -1e9, y0 = 1e9, y1 = -1e9;
    for (const std::string &n : fit) {
      // (A child box not drawn yet, in a cycle of parents, is not counted.)
      auto it = extents_.find(n);
      if (it == extents_.end()) it = nodes_.find(n);
      if (it == nodes_.end()) continue;
      const Node &e = it->second;
      x0 = std::min(x0, e.x - e.w);
      x1 = std::max(x1, e.x + e.w);
      y0 = std::min(y0, e.y - e.h);
      y1 = std::max(y1, e.y + e.h);
    }
    if (x0 > x1) return;
    constexpr double kSep = 0.25;
    x0 -= kSep, x1 += kSep, y0 -= kSep, y1 += kSep;
    extents_[box] = {(x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2};
    nodes_["label " + box] = {x0 + width / 2, y1 + 0.12, width / 2, 0.1};
  }

  template <typename Pred> void layout_column(Pred pred) {
    int row = 0;
    for (ObjectId o : live_objects_by_serial(h_))
      if (shown(o) && !placed_[o] && pred(h_.obj(o))) place(o, next_col_, row++);
    if (row) ++next_col_;
  }

  std::string style(ObjectId src, ObjectId dst, const std::string &key) const {
    if (hl_ && hl_->source == src && hl_->field == key) return "highlighted";
    const Location &b = h_.obj(dst).loc;
    bool local_src = src == kNone || h_.obj(src).loc.is_local();
    if (b.is_immutable()) return "toimm";
    if (h_.is_bridge(dst) && !local_src && h_.region_of(src) != h_.region_of(dst)) return "owning";
    if (local_src && (b.is_region() || b.kind == LocationKind::Cown)) return "borrowed";
    return "ref";
  }

  // The path of an edge from node `from` to node `to`: straight if that clears every other
  // node, else the least bend that does (TikZ's `bend left`: a cubic curve whose control points
  // leave the ends at the bend angle, 0.3915 times the distance away). Parallel edges between the
  // same two nodes never take the same path, so a highlighted edge is never hidden under another.
  std::string path(const std::string &from, const std::string &to) {
    if (from == to) return "to[loop right]";
    const Node &a = nodes_.at(from), &b = nodes_.at(to);
    // Bends are recorded relative to the direction from the lesser node name to the greater.
    bool flipped = to < from;
    std::set<int> &used = bends_[flipped ? std::make_pair(to, from) : std::make_pair(from, to)];
    static const int kCandidates[] = {0, 15, -15, 25, -25, 35, -35, 50, -50, 65, -65};
    int best = 0;
    size_t best_hits = SIZE_MAX;
    for (int bend : kCandidates) {
      int normal = flipped ? -bend : bend;
      bool taken = false;
      for (int u : used)
        taken |= std::abs(u - normal) < 20;
      if (taken) continue;
      size_t hits = collisions(a, b, bend, from, to);
      if (hits < best_hits) {
        best = bend;
        best_hits = hits;
      }
      if (hits == 0) break;
    }
    used.insert(flipped ? -best : best);
    if (best == 0) return "to";
    return best > 0 ? "to[bend left=" + std::to_string(best) + "]"
                    : "to[bend right=" + std::to_string(-best) + "]";
  }

  // How many other nodes the curve from a to b with this bend passes through (sampled).
  size_t collisions(const Node &a, const Node &b, int bend, const std::string &from,
                    const std::string &to) const {
    constexpr double kPi = 3.14159265358979323846;
    double dx = b.x - a.x, dy = b.y - a.y, d = std::hypot(dx, dy);
    double phi = std::atan2(dy, dx), theta = bend * kPi / 180, c = 0.3915 * d;
    double p1x = a.x + c * std::cos(phi + theta), p1y = a.y + c * std::sin(phi + theta);
    double p2x = b.x + c * std::cos(phi + kPi - theta), p2y = b.y + c * std::sin(phi + kPi - theta);
    std::set<std::string> hit;
    for (int k = 1; k < 40; ++k) {
      double t = k / 40.0, u = 1 - t;
      double x = u * u * u * a.x + 3 * u * u * t * p1x + 3 * u * t * t * p2x + t * t * t * b.x;
      double y = u * u * u * a.y + 3 * u * u * t * p1y + 3 * u * t * t * p2y + t * t * t * b.y;
      for (const auto &[name, n] : nodes_)
        if (name != from && name != to && std::abs(x - n.x) < n.w + 0.08 &&
            std::abs(y - n.y) < n.h + 0.08)
          hit.insert(name);
    }
    return hit.size();
  }

  void edge(const std::string &from, const std::string &to, std::string_view style,
            const std::string &key) {
    os_ << "\\draw[" << style << "] (" << from << ") " << path(from, to);
    if (!key.empty()) os_ << " node[field] {" << tex_escape(key) << "}";
    os_ << " (" << to << ");\n";
  }

  // Edges go on the background layer (above the region boxes drawn before them, below nodes).
  void draw_edges() {
    os_ << "\\begin{scope}[on background layer]\n";
    for (auto &v : vars_)
      if (shown(v.target) && placed_[v.target])
        edge(v.node, id(v.target), style(kNone, v.target, ""), "");
    for (ObjectId o : live_objects_by_serial(h_)) {
      if (!placed_[o]) continue;
      const Object &ob = h_.obj(o);
      if (shown(ob.proto) && placed_[ob.proto])
        edge(id(o), id(ob.proto), style(o, ob.proto, "__proto__"), "__proto__");
      for (const Field &f : ob.fields) {
        std::string key = symbol_name(f.name);
        if (shown(f.value) && placed_[f.value]) {
          edge(id(o), id(f.value), style(o, f.value, key), key);
        } else if (auto g = freed_.find(f.value); g != freed_.end()) {
          bool hl = hl_ && hl_->source == o && hl_->field == key;
          edge(id(o), g->second, hl ? "highlighted" : "dangling", key);
        }
      }
    }
    os_ << "\\end{scope}\n";
  }

  struct Var {
    std::string node;
    ObjectId target;
    std::string name;
  };
  const World &w_;
  const State &h_;
  const std::optional<TikzEdge> &hl_;
  std::ostringstream os_;
  std::vector<Var> vars_;
  std::map<ObjectId, bool> placed_;
  std::map<std::string, Node> nodes_;   // nodes and box labels: what edges must not cross
  std::map<std::string, Node> extents_; // the boxes (LOCAL, regions)
  std::map<std::pair<std::string, std::string>, std::set<int>> bends_;
  std::map<ObjectId, std::string> freed_;
  std::map<RegionId, bool> laid_out_;
  std::map<RegionId, std::vector<RegionId>> children_;
  int next_col_ = 0;
};

} // namespace

std::string tikz_preamble() {
  return "\\usetikzlibrary{fit,shapes.geometric,arrows.meta,backgrounds}\n";
}

std::string render_tikz(const World &w, const std::optional<TikzEdge> &highlight) {
  return TikzWriter(w, highlight).write();
}

std::string render_tikz_document(const World &w, const std::optional<TikzEdge> &highlight) {
  return "\\documentclass[tikz,border=4pt]{standalone}\n" + tikz_preamble() +
         "\\begin{document}\n" + render_tikz(w, highlight) + "\\end{document}\n";
}

std::string tex_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '_':
        out += "\\_";
        break;
      case '#':
        out += "\\#";
        break;
      case '%':
        out += "\\%";
        break;
      case '&':
        out += "\\&";
        break;
      case '$':
        out += "\\$";
        break;
      case '{':
        out += "\\{";
        break;
      case '}':
        out += "\\}";
        break;
      case '~':
        out += "\\textasciitilde{}";
        break;
      case '^':
        out += "\\textasciicircum{}";
        break;
      case '\\':
        out += "\\textbackslash{}";
        break;
      case '<':
        out += "\\textless{}";
        break;
      case '>':
        out += "\\textgreater{}";
        break;
      default:
        out += c;
    }
  }
  return out;
}

} // namespace lungfish
