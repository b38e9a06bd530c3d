// The renderers on a hand-built World: FrankenScript's Mermaid conventions (DFS order, shapes,
// arrows, colours, nesting), determinism, and the shapes of the JSON, DOT and TikZ output.
#include <gtest/gtest.h>

#include "model/render/render.h"

namespace lungfish {
namespace {

// The state of FrankenScript's merge1 step "Line 6: r1.r2 = r2" plus a string and a cown.
struct Fixture {
  World w;
  ObjectId frame, b1, b2, a, cown, str;
  RegionId r1, r2;
  Fixture() {
    State &h = w.heap;
    frame = h.new_object(ObjectKind::Frame, Location::local(0), 1);
    h.obj(frame).rc = 1; // the live-frame reference
    proto(frame, BuiltinProto::Frame);
    r1 = h.new_region(1);
    b1 = h.new_object(ObjectKind::Plain, Location::region(r1), 1);
    h.region(r1).bridge = b1;
    proto(b1, BuiltinProto::RegionObject);
    r2 = h.new_region(2);
    b2 = h.new_object(ObjectKind::Plain, Location::region(r2), 2);
    h.region(r2).bridge = b2;
    proto(b2, BuiltinProto::RegionObject);
    a = h.new_object(ObjectKind::Plain, Location::region(r2), 3);
    set(b2, "a", a);
    set(b1, "r2", b2);
    set(frame, "r1", b1);
    set(frame, "r2", b2);
    h.region(r1).lrc = 1;
    h.region(r1).sbrc = 1;
    h.region(r2).lrc = 1;
    h.region(r2).parent_kind = ParentKind::Region;
    h.region(r2).parent = r1;
    cown = h.new_object(ObjectKind::Cown, Location::cown(), 4);
    h.obj(cown).status = CownStatus::Released;
    proto(cown, BuiltinProto::Cown);
    set(cown, "value", kNone);
    set(frame, "c", cown);
    str = h.new_object(ObjectKind::String, Location::local(0), 5);
    h.obj(str).payload = intern("a_b");
    proto(str, BuiltinProto::String);
    set(frame, "s", str);
    Thread t;
    t.calls.push_back(Activation{frame});
    w.threads.push_back(t);
  }
  void proto(ObjectId o, BuiltinProto p) {
    w.heap.obj(o).proto = w.heap.builtin_proto(p);
    w.heap.obj(w.heap.builtin_proto(p)).rc++;
  }
  void set(ObjectId o, const char *f, ObjectId v) {
    w.heap.set_field_raw(o, intern(f), v);
    if (v != kNone) w.heap.obj(v).rc++;
  }
  std::string addr(ObjectId o) const {
    return format_address(mermaid_object_address(w.heap.obj(o).serial));
  }
};

bool contains(const std::string &s, const std::string &what) {
  return s.find(what) != std::string::npos;
}

TEST(Render, MermaidFollowsFrankenScriptConventions) {
  Fixture f;
  std::string m = render_mermaid_step(f.w, "Line 6: r1.r2 = r2");
  EXPECT_EQ(m.rfind("<pre><code>Line 6: r1.r2 = r2</code></pre>\n<div style='background: "
                    "#fff'>\n\n```mermaid\n",
                    0),
            0u);
  // DFS from the frame: __proto__ first, then fields in reverse order (s, r2, r1, c).
  std::string expected_prefix =
      "graph TD\n  id0(None):::immutable\n"
      "id1[" +
      f.addr(f.frame) +
      "<br/>rc=1]\n"
      "id1-.-> |#95;#95;proto#95;#95;| id2(#91;Frame#93;<br/>rc=2 #40;global#41;):::immutable\n"
      "  linkStyle 0 stroke:#76c5cc,stroke-width:2px\n"
      "id1--> |s| id3[#34;a#95;b#34;<br/>rc=1]\n"
      "  linkStyle 1 stroke:#777777,stroke-width:2px\n"
      "id3-.-> |#95;#95;proto#95;#95;| id4(#91;String#93;<br/>rc=";
  EXPECT_TRUE(contains(m, expected_prefix)) << m;
  EXPECT_TRUE(contains(m, "id1-.-> |r2| id5[\\" + f.addr(f.b2) +
                              "<br/>lrc=1<br/>sbrc=0<br/>rc=2/]\n"
                              "  linkStyle 3 stroke:orange,stroke-width:2px\n"))
      << m;
  EXPECT_TRUE(contains(m, "id5--> |a| id7[" + f.addr(f.a) +
                              "<br/>rc=1]\n"
                              "  linkStyle 5 stroke:#777777,stroke-width:2px\n"))
      << m;
  EXPECT_TRUE(contains(m, "id8--> |r2| id5\n  linkStyle 8 stroke:orange,stroke-width:2px\n")) << m;
  // The cown: no address, status, its hidden [Cown] prototype not drawn; value None.
  EXPECT_TRUE(contains(m, "id1-.-> |c| id9[[#60;cown#62;<br/>status=Released<br/>rc=1]]\n")) << m;
  EXPECT_TRUE(contains(m, "id9--> |value| id0\n  linkStyle 10 stroke:#76c5cc")) << m;
  EXPECT_FALSE(contains(m, "#91;Cown#93;")) << m;
  // Regions nest; LocalReg lists the LOCAL nodes in discovery order.
  std::string r1 = "reg" + format_address(mermaid_region_address(f.w.heap.region(f.r1).serial));
  std::string r2 = "reg" + format_address(mermaid_region_address(f.w.heap.region(f.r2).serial));
  EXPECT_TRUE(contains(m, "subgraph LocalReg[\"Local region\"]\n  id1\n  id3\nend\n"
                          "style LocalReg fill:#eefcdd\n"))
      << m;
  EXPECT_TRUE(contains(m, "subgraph " + r1 + "[\" \"]\n  id8\n  subgraph " + r2 +
                              "[\" \"]\n    id5\n    id7\n  end\n  style " + r2 +
                              " fill:#f9f7bc\nend\nstyle " + r1 + " fill:#fcfbdd\n"))
      << m;
  EXPECT_TRUE(contains(m, "classDef immutable fill:#94f7ff\n```\n</div>\n"
                          "<div style='break-after:page'></div>\n\n"))
      << m;
  EXPECT_EQ(m, render_mermaid_step(f.w, "Line 6: r1.r2 = r2")) << "deterministic";
}

TEST(Render, MermaidHidesFunctionsAndMarksErrors) {
  Fixture f;
  ObjectId fn = f.w.heap.new_object(ObjectKind::Function, Location::local(0), 7);
  f.set(f.frame, "g", fn);
  MermaidOptions opts;
  opts.roots = mermaid_error_roots(f.w, 0, {f.b2});
  opts.error = {f.b2};
  std::string m = render_mermaid_step(f.w, "Error: x", opts);
  EXPECT_FALSE(contains(m, "|g|")) << m;
  EXPECT_TRUE(contains(m, " error;\n")) << m;
}

TEST(Render, EscapingMatchesFrankenScript) {
  EXPECT_EQ(mermaid_escape("[a](b)_<c>\"\n|#"), "#91;a#93;#40;b#41;#95;#60;c#62;#34;<br/>|#");
  EXPECT_EQ(format_address(0x10040), "0x000000010040");
}

TEST(Render, JsonUsesSerialsAndDocumentedKeys) {
  Fixture f;
  nlohmann::json j = state_to_json(f.w);
  const State &h = f.w.heap;
  bool found_bridge = false;
  for (const auto &o : j["objects"]) {
    if (o["id"] != h.obj(f.b1).serial) continue;
    found_bridge = true;
    EXPECT_EQ(o["kind"], "object");
    EXPECT_EQ(o["location"], "region:" + std::to_string(h.region(f.r1).serial));
    EXPECT_EQ(o["fields"]["r2"], h.obj(f.b2).serial);
    EXPECT_EQ(o["rc"], 1);
  }
  EXPECT_TRUE(found_bridge);
  ASSERT_EQ(j["regions"].size(), 2u);
  EXPECT_EQ(j["regions"][1]["parent"], "region:" + std::to_string(h.region(f.r1).serial));
  EXPECT_EQ(j["regions"][0]["parent"], nullptr);
  EXPECT_EQ(j["regions"][0]["sbrc"], 1);
  ASSERT_EQ(j["cowns"].size(), 1u);
  EXPECT_EQ(j["cowns"][0]["status"], "Released");
  EXPECT_EQ(j, state_to_json(f.w));
}

TEST(Render, TextDotAndTikz) {
  Fixture f;
  std::string t = render_text(f.w);
  EXPECT_TRUE(contains(t, "R2 bridge=#")) << t;
  EXPECT_TRUE(contains(t, "parent=R1 lrc=1 sbrc=0 open")) << t;
  EXPECT_FALSE(contains(t, "[Frame]")) << "globals hidden: " << t;
  std::string d = render_dot(f.w);
  EXPECT_TRUE(contains(d, "digraph lungfish {")) << d;
  auto outer = d.find("subgraph cluster_r1 "), inner = d.find("subgraph cluster_r2 ");
  ASSERT_NE(outer, std::string::npos);
  ASSERT_NE(inner, std::string::npos);
  EXPECT_LT(outer, inner);
  std::string k = render_tikz(f.w, TikzEdge{f.b1, "r2"});
  EXPECT_EQ(k.rfind("\\begin{tikzpicture}", 0), 0u);
  EXPECT_TRUE(contains(k, "\\draw[highlighted]")) << k;
  EXPECT_TRUE(contains(k, "bridge")) << k;
  EXPECT_TRUE(contains(render_tikz_document(f.w), "\\documentclass")) << k;
}

} // namespace
} // namespace lungfish
