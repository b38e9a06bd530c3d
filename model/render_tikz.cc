// TikZ pictures for the paper: a deterministic column layout.
//
//   column 0: the LOCALs (variables of every frame, then the other LOCAL objects)
//   then each region tree: a region's objects in one column, its children in the next columns,
//   each region a box fitted around its objects and its children's boxes
//   then the frozen objects, then the cowns.
#include "model/render.h"
#include "model/render_util.h"

#include <map>
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
    draw_edges();
    os_ << "\\end{tikzpicture}\n";
    return os_.str();
  }

private:
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
    column_[o] = col;
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
          os_ << "\\node[var] (" << v << ") at (0," << -row * kRow << ") {" << tex_escape(name)
              << (shown(f.value) ? "" : " = " + tex_escape(object_name(h_, f.value))) << "};\n";
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

  // Parallel edges between the same two objects bend apart (the k-th one by k * 20 degrees), so
  // that a highlighted edge is never hidden under another.
  void edge(const std::string &from, ObjectId src, ObjectId dst, const std::string &key) {
    int k = parallel_[{std::min(src, dst), std::max(src, dst)}]++;
    std::string path = from == id(dst) ? "to[loop right]"
                       : k == 0        ? "to"
                                       : "to[bend left=" + std::to_string(20 * k) + "]";
    os_ << "\\draw[" << style(src, dst, key) << "] (" << from << ") " << path << " node[field] {"
        << tex_escape(key) << "} (" << id(dst) << ");\n";
  }

  // Edges go on the background layer (above the region boxes drawn before them, below nodes).
  void draw_edges() {
    os_ << "\\begin{scope}[on background layer]\n";
    for (auto &v : vars_)
      if (shown(v.target) && placed_[v.target]) {
        // A variable's edge to a far column bends, so it does not run through the nodes of the
        // columns in between (drawn on the same row).
        bool far = column_[v.target] > 1;
        os_ << "\\draw[" << style(kNone, v.target, "") << "] (" << v.node << ") "
            << (far ? "to[bend left=12]" : "to") << " (" << id(v.target) << ");\n";
      }
    for (ObjectId o : live_objects_by_serial(h_)) {
      if (!placed_[o]) continue;
      const Object &ob = h_.obj(o);
      if (shown(ob.proto) && placed_[ob.proto]) edge(id(o), o, ob.proto, "__proto__");
      for (const Field &f : ob.fields)
        if (shown(f.value) && placed_[f.value]) edge(id(o), o, f.value, symbol_name(f.name));
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
  std::map<ObjectId, int> column_;
  std::map<std::pair<ObjectId, ObjectId>, int> parallel_;
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
