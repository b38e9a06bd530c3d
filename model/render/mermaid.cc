// FrankenScript-style Mermaid diagrams: the exact conventions of FrankenScript's
// src/rt/ui/mermaid.cc (notes/frankenscript-output.md section 4), applied to the model's World.
//
// Addresses are synthetic (derived from serials), so "pointer order" is serial order.
#include "model/render/mermaid_format.h"
#include "model/render/render.h"
#include "model/render/util.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace lungfish {

using namespace render_detail;

uint64_t mermaid_object_address(uint64_t serial) {
  return 0x10000 + serial * 16;
}
uint64_t mermaid_region_address(uint64_t serial) {
  return 0x80000000ULL + serial * 16;
}

std::string format_address(uint64_t address) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%012llx", static_cast<unsigned long long>(address));
  return buf;
}

std::string mermaid_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\n') {
      out += "<br/>";
      continue;
    }
    auto e = std::find_if(mermaid_format::kEntities.begin(), mermaid_format::kEntities.end(),
                          [c](const auto &x) { return x.second == c; });
    if (e != mermaid_format::kEntities.end())
      out += e->first;
    else
      out += c;
  }
  return out;
}


std::vector<ObjectId> mermaid_error_roots(const World &w, uint32_t thread,
                                          const std::vector<ObjectId> &error_objects) {
  const State &h = w.heap;
  uint32_t local = thread < w.threads.size() ? w.threads[thread].local : 0;
  std::vector<ObjectId> roots;
  for (ObjectId o : live_objects_by_serial(h))
    if (h.obj(o).loc == Location::local(local)) roots.push_back(o);
  for (ObjectId o : error_objects)
    if (h.is_live(o)) roots.push_back(o);
  return roots;
}

namespace {

constexpr const char *kImmutableEdge = "#76c5cc";
constexpr const char *kCrossRegionEdge = "orange";
constexpr const char *kDefaultEdge = "#777777";
constexpr const char *kRegionColours[] = {"#fcfbdd", "#f9f7bc", "#f7f39b",
                                          "#f4ef7a", "#f2ec59", "#d9d450"};

class Diagram {
public:
  Diagram(const World &w, const MermaidOptions &o)
      : w_(w), h_(w.heap), opts_(o),
        local_(o.thread < w.threads.size() ? w.threads[o.thread].local : 0) {}

  std::string draw() {
    for (std::string_view l : mermaid_format::kHeader)
      out_ << l << '\n';
    draw_nodes();
    draw_regions();
    for (ObjectId o : opts_.highlight)
      if (ids_.count(o)) out_ << "class id" << ids_[o] << " highlight;\n";
    for (ObjectId o : opts_.error)
      if (ids_.count(o)) out_ << "class id" << ids_[o] << " error;\n";
    for (std::string_view l : mermaid_format::kClassDefs)
      out_ << l << '\n';
    for (std::string_view l : mermaid_format::kFooter)
      out_ << l << '\n';
    return out_.str();
  }

private:
  // FrankenScript's get_region(): LOCAL, a user region, IMM or COWN, as one comparable key.
  using RegionKey = std::pair<int, uint32_t>;
  RegionKey region_key(ObjectId o) const {
    const Location &l = h_.obj(o).loc;
    return {static_cast<int>(l.kind), l.index};
  }
  bool in_local(ObjectId o) const { return h_.obj(o).loc == Location::local(local_); }
  bool frozen(ObjectId o) const { return h_.obj(o).loc.is_immutable(); }

  bool hidden(ObjectId dst, bool reachable) const {
    if (dst == kNone) return false;
    const Object &ob = h_.obj(dst);
    if (dst == h_.builtin_proto(BuiltinProto::Cown)) return true; // hide_cown_region()
    if (!reachable && h_.is_global(dst)) return true;
    return !opts_.show_functions && ob.kind == ObjectKind::Function;
  }

  std::string name(ObjectId o) const {
    const Object &ob = h_.obj(o);
    std::string addr = format_address(mermaid_object_address(ob.serial));
    switch (ob.kind) {
      case ObjectKind::Cown:
        return "<cown>\nstatus=" + std::string(cown_status_name(ob.status));
      case ObjectKind::String:
        return "\"" + symbol_name(ob.payload) + "\"";
      case ObjectKind::Boolean:
        return ob.payload ? "\"True\"" : "\"False\"";
      case ObjectKind::Prototype:
        if (h_.is_global(o)) return std::string(proto_name(static_cast<BuiltinProto>(ob.payload)));
        return addr;
      case ObjectKind::Iterator:
        return "<iterator>";
      default:
        break;
    }
    if (h_.is_bridge(o)) {
      const Region &r = h_.region(ob.loc.index);
      return addr + "\nlrc=" + std::to_string(r.lrc) + (r.dirty ? " (dirty)" : "") +
             "\nsbrc=" + std::to_string(r.sbrc);
    }
    if (frozen(o) && ob.proto == h_.builtin_proto(BuiltinProto::RegionObject))
      return addr + "\nlrc=<frozen>\nsbrc=<frozen>";
    return addr;
  }

  std::pair<const char *, const char *> shape(ObjectId o) const {
    const Object &ob = h_.obj(o);
    if (ob.kind == ObjectKind::Cown) return {"[[", "]]"};
    if (ob.proto == h_.builtin_proto(BuiltinProto::RegionObject) && !frozen(o))
      return {"[\\", "/]"};
    if (frozen(o)) return {"(", ")"};
    return {"[", "]"};
  }

  // The outgoing edges in the order FrankenScript's visit() pushes them (fields ascending, then
  // the prototype); they are popped in reverse.
  std::vector<std::pair<std::string, ObjectId>> edges(ObjectId o) const {
    std::vector<std::pair<std::string, ObjectId>> out;
    for (const Field &f : h_.obj(o).fields)
      out.emplace_back(symbol_name(f.name), f.value);
    if (h_.obj(o).kind == ObjectKind::Frame) {
      auto slots = stack_slots(w_, o);
      out.insert(out.end(), slots.begin(), slots.end());
      std::sort(out.begin(), out.end(),
                [](const auto &a, const auto &b) { return a.first < b.first; });
    }
    if (h_.obj(o).proto != kNone) out.emplace_back("__proto__", h_.obj(o).proto);
    return out;
  }

  void colour_edge(size_t id, const char *colour) {
    out_ << "  linkStyle " << id << " stroke:" << colour << ",stroke-width:2px\n";
  }

  // Draws an edge (src may be kNone for a root) and its target; returns true if the target is
  // new and must be expanded.
  bool explore(ObjectId src, const std::string &key, ObjectId dst, bool reachable) {
    if (hidden(dst, reachable)) return false;
    long edge_id = -1;
    if (src != kNone) {
      bool borrow = dst != kNone && region_key(src) != region_key(dst) && in_local(src);
      out_ << "id" << ids_.at(src) << (borrow ? "-.->" : "-->") << " |" << mermaid_escape(key)
           << "| ";
      edge_id = static_cast<long>(edge_counter_++);
    }
    bool fresh = false;
    if (dst == kNone) {
      out_ << "id0\n";
    } else if (auto it = ids_.find(dst); it != ids_.end()) {
      out_ << "id" << it->second << "\n";
    } else {
      size_t id = next_id_++;
      ids_[dst] = id;
      auto [open, close] = shape(dst);
      out_ << "id" << id << open << mermaid_escape(name(dst)) << "<br/>rc=" << h_.obj(dst).rc
           << (h_.is_global(dst) ? " #40;global#41;" : "") << close
           << (frozen(dst) ? ":::immutable" : "") << "\n";
      fresh = true;
    }
    if (edge_id >= 0) {
      if (dst == kNone || frozen(dst))
        colour_edge(edge_id, kImmutableEdge);
      else if (region_key(src) != region_key(dst))
        colour_edge(edge_id, kCrossRegionEdge);
      else
        colour_edge(edge_id, kDefaultEdge);
    }
    if (fresh) {
      if (in_local(dst))
        local_nodes_.push_back(ids_[dst]);
      else if (h_.obj(dst).loc.is_region())
        region_nodes_[h_.obj(dst).loc.index].push_back(ids_[dst]);
    }
    return fresh;
  }

  // FrankenScript's visit(): an explicit-stack DFS.
  void visit(ObjectId root, bool reachable) {
    if (!explore(kNone, "", root, reachable)) return;
    struct Item {
      ObjectId src;
      std::string key;
      ObjectId dst;
    };
    std::vector<Item> stack;
    auto push = [&](ObjectId o) {
      for (auto &[k, v] : edges(o))
        stack.push_back({o, k, v});
    };
    push(root);
    while (!stack.empty()) {
      Item it = std::move(stack.back());
      stack.pop_back();
      if (explore(it.src, it.key, it.dst, reachable)) push(it.dst);
    }
  }

  void draw_nodes() {
    std::vector<ObjectId> roots = opts_.roots;
    if (roots.empty()) {
      if (opts_.thread < w_.threads.size() && !w_.threads[opts_.thread].calls.empty() &&
          h_.is_live(w_.threads[opts_.thread].calls.back().frame))
        roots.push_back(w_.threads[opts_.thread].calls.back().frame);
      else
        roots = mermaid_error_roots(w_, opts_.thread, {});
    }
    for (ObjectId r : roots)
      if (h_.is_live(r)) visit(r, true);
    for (ObjectId o : opts_.error)
      if (h_.is_live(o) && !ids_.count(o)) visit(o, true);
    for (ObjectId o : live_objects_by_serial(h_))
      visit(o, false);
  }

  void draw_region(RegionId r, std::string &indent) {
    if (!drawn_.insert(r).second) return;
    size_t depth = indent.size() / 2;
    std::string sg = "reg" + format_address(mermaid_region_address(h_.region(r).serial));
    out_ << indent << "subgraph " << sg << "[\" \"]\n";
    indent += "  ";
    for (size_t id : region_nodes_[r])
      out_ << indent << "id" << id << "\n";
    for (RegionId c : children_[r])
      draw_region(c, indent);
    indent.resize(indent.size() - 2);
    out_ << indent << "end\n";
    out_ << indent << "style " << sg << " fill:" << kRegionColours[depth % 6] << "\n";
  }

  void draw_regions() {
    out_ << "subgraph LocalReg[\"Local region\"]\n";
    for (size_t id : local_nodes_)
      out_ << "  id" << id << "\n";
    out_ << "end\nstyle LocalReg fill:#eefcdd\n";

    // Regions with a drawn object, and their ancestors (drawn as possibly empty subgraphs).
    std::vector<RegionId> shown;
    std::unordered_set<RegionId> seen;
    for (auto &[r, _] : region_nodes_) {
      for (RegionId x = r; h_.is_live_region(x) && seen.insert(x).second;) {
        shown.push_back(x);
        const Region &rg = h_.region(x);
        if (rg.parent_kind != ParentKind::Region) break;
        x = rg.parent;
      }
    }
    auto by_serial = [&](RegionId a, RegionId b) {
      return h_.region(a).serial < h_.region(b).serial;
    };
    std::sort(shown.begin(), shown.end(), by_serial);
    std::vector<RegionId> free_roots, cown_roots;
    for (RegionId r : shown) {
      const Region &rg = h_.region(r);
      if (rg.parent_kind == ParentKind::Region)
        children_[rg.parent].push_back(r);
      else
        (rg.parent_kind == ParentKind::Cown ? cown_roots : free_roots).push_back(r);
    }
    std::string indent;
    for (RegionId r : free_roots)
      draw_region(r, indent);
    for (RegionId r : cown_roots)
      draw_region(r, indent);
    // A parent cycle (only with E_CYCLE switched off) has no root: draw it flat at top level.
    for (RegionId r : shown)
      draw_region(r, indent);
  }

  const World &w_;
  const State &h_;
  const MermaidOptions &opts_;
  uint32_t local_;
  std::ostringstream out_;
  std::unordered_map<ObjectId, size_t> ids_;
  size_t next_id_ = 1;
  size_t edge_counter_ = 0;
  std::vector<size_t> local_nodes_;
  std::map<RegionId, std::vector<size_t>> region_nodes_;
  std::unordered_map<RegionId, std::vector<RegionId>> children_;
  std::unordered_set<RegionId> drawn_;
};

} // namespace

std::string render_mermaid(const World &w, const MermaidOptions &opts) {
  return Diagram(w, opts).draw();
}

std::string render_mermaid_step(const World &w, std::string_view message,
                                const MermaidOptions &opts) {
  std::string out(mermaid_format::kOpen);
  out += message;
  out += mermaid_format::kClose;
  out += '\n';
  return out + render_mermaid(w, opts);
}

} // namespace lungfish
