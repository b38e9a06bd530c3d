// Graphviz DOT: each LOCAL and each region is a cluster, child regions nested in their parent's
// cluster; frozen objects and cowns sit outside. Frames are drawn as variable tables.
#include "model/render/render.h"
#include "model/render/util.h"

#include <map>
#include <sstream>

namespace lungfish {

using namespace render_detail;

namespace {

std::string dot_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

class DotWriter {
public:
  explicit DotWriter(const World &w) : w_(w), h_(w.heap) {}

  std::string write() {
    os_ << "digraph lungfish {\n  compound=true;\n  rankdir=LR;\n"
        << "  node [fontname=\"Helvetica\", fontsize=10];\n"
        << "  edge [fontname=\"Helvetica\", fontsize=9];\n";
    std::map<uint32_t, std::vector<ObjectId>> locals;
    std::map<RegionId, std::vector<ObjectId>> members;
    std::vector<ObjectId> outside;
    for (ObjectId o : live_objects_by_serial(h_)) {
      if (h_.is_global(o)) continue;
      const Location &l = h_.obj(o).loc;
      if (l.kind == LocationKind::Local)
        locals[l.index].push_back(o);
      else if (l.kind == LocationKind::Region)
        members[l.index].push_back(o);
      else
        outside.push_back(o);
    }
    for (auto &[local, objs] : locals) {
      os_ << "  subgraph cluster_local" << local << " {\n    label=\"LOCAL"
          << (local ? prefixed(" ", local) : "") << "\";\n"
          << "    style=filled; fillcolor=\"#eefcdd\";\n";
      for (ObjectId o : objs)
        node(o, "    ");
      os_ << "  }\n";
    }
    std::map<RegionId, std::vector<RegionId>> children;
    std::vector<RegionId> roots;
    for (RegionId r : live_regions_by_serial(h_)) {
      const Region &rg = h_.region(r);
      if (rg.parent_kind == ParentKind::Region && h_.is_live_region(rg.parent))
        children[rg.parent].push_back(r);
      else
        roots.push_back(r);
    }
    std::map<RegionId, bool> done;
    for (RegionId r : roots)
      cluster(r, members, children, done, "  ");
    for (RegionId r : live_regions_by_serial(h_))
      cluster(r, members, children, done, "  ");
    for (ObjectId o : outside)
      node(o, "  ");
    for (ObjectId o : live_objects_by_serial(h_))
      if (!h_.is_global(o)) edges(o);
    os_ << "}\n";
    return os_.str();
  }

private:
  void cluster(RegionId r, std::map<RegionId, std::vector<ObjectId>> &members,
               std::map<RegionId, std::vector<RegionId>> &children, std::map<RegionId, bool> &done,
               const std::string &indent) {
    if (done[r]) return;
    done[r] = true;
    const Region &rg = h_.region(r);
    os_ << indent << "subgraph cluster_r" << rg.serial << " {\n"
        << indent << "  label=\"" << region_name(h_, r) << " lrc=" << rg.lrc
        << (rg.dirty ? " (dirty)" : "") << " sbrc=" << rg.sbrc
        << (h_.is_open(r) ? " open" : " closed") << "\";\n"
        << indent << "  style=filled; fillcolor=\"#fcfbdd\";\n";
    for (ObjectId o : members[r])
      node(o, indent + "  ");
    for (RegionId c : children[r])
      cluster(c, members, children, done, indent + "  ");
    os_ << indent << "}\n";
  }

  // Globals and None print as text inside the node; other references become edges.
  static bool is_edge_target(const State &h, ObjectId v) {
    return v != kNone && h.is_live(v) && !h.is_global(v);
  }

  void node(ObjectId o, const std::string &indent) {
    const Object &ob = h_.obj(o);
    std::string label = object_name(h_, o);
    std::string attrs;
    switch (ob.kind) {
      case ObjectKind::Frame:
        label = "frame " + label;
        attrs = "shape=box, style=rounded";
        break;
      case ObjectKind::String:
        label += " \\\"" + dot_escape(symbol_name(ob.payload)) + "\\\"";
        break;
      case ObjectKind::Function:
        label += " function";
        break;
      case ObjectKind::Iterator:
        label += " iterator";
        break;
      case ObjectKind::Cown:
        label += "\\n" + std::string(cown_status_name(ob.status));
        attrs = "shape=box, peripheries=2";
        break;
      default:
        break;
    }
    if (h_.is_bridge(o))
      attrs = "shape=trapezium, style=filled, fillcolor=white";
    else if (ob.loc.is_immutable())
      attrs = "shape=ellipse, style=filled, fillcolor=\"#94f7ff\"";
    if (attrs.empty()) attrs = "shape=box";
    label += "\\nrc=" + std::to_string(ob.rc);
    for (const Field &f : ob.fields)
      if (!is_edge_target(h_, f.value))
        label += "\\n" + dot_escape(symbol_name(f.name)) + " = " + object_name(h_, f.value);
    os_ << indent << "o" << ob.serial << " [label=\"" << label << "\", " << attrs << "];\n";
  }

  void edge(ObjectId src, const std::string &key, ObjectId dst) {
    const Location &a = h_.obj(src).loc, &b = h_.obj(dst).loc;
    std::string style;
    if (h_.is_bridge(dst) && a != b && !a.is_local())
      style = "penwidth=2.5"; // owning
    else if (a.is_local() && b.is_region())
      style = "style=dashed"; // borrowed
    else if (b.is_immutable())
      style = "color=\"#76c5cc\"";
    else if (a != b)
      style = "color=orange";
    os_ << "  o" << h_.obj(src).serial << " -> o" << h_.obj(dst).serial << " [label=\""
        << dot_escape(key) << "\"" << (style.empty() ? "" : ", " + style) << "];\n";
  }

  void edges(ObjectId o) {
    const Object &ob = h_.obj(o);
    if (is_edge_target(h_, ob.proto)) edge(o, "__proto__", ob.proto);
    for (const Field &f : ob.fields)
      if (is_edge_target(h_, f.value)) edge(o, symbol_name(f.name), f.value);
    if (ob.kind == ObjectKind::Frame)
      for (auto &[k, v] : stack_slots(w_, o))
        if (is_edge_target(h_, v)) edge(o, k, v);
  }

  const World &w_;
  const State &h_;
  std::ostringstream os_;
};

} // namespace

std::string render_dot(const World &w) {
  return DotWriter(w).write();
}

} // namespace lungfish
