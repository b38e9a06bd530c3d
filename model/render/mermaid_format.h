// FrankenScript's mermaid.md, the parts that never vary (its ui/mermaid.cc writes them): the
// renderer (model/render/mermaid.cc) writes them and the reader (traces/formats/mermaid_reader.cc)
// requires them, so they are written down once, here.
//
//   <pre><code>MESSAGE</code></pre>
//   kHeader lines
//   the diagram: nodes and edges, region subgraphs, class overlays
//   kClassDefs lines
//   kFooter lines
#pragma once

#include <array>
#include <string_view>
#include <utility>

namespace lungfish::mermaid_format {

inline constexpr std::string_view kOpen = "<pre><code>", kClose = "</code></pre>";

inline constexpr std::array<std::string_view, 6> kHeader = {
    "<div style='background: #fff'>",
    "",
    "```mermaid",
    "%%{init: {'theme': 'neutral', 'themeVariables': { 'fontSize': '16px' }}}%%",
    "graph TD",
    "  id0(None):::immutable"};

inline constexpr std::array<std::string_view, 6> kClassDefs = {
    "classDef unreachable stroke-width:2px,stroke:red",
    "classDef highlight stroke-width:4px,stroke:yellow",
    "classDef error stroke-width:4px,stroke:red",
    "classDef tainted fill:#afa8db",
    "classDef tainted_immutable stroke-width:4px,stroke:#afa8db",
    "classDef immutable fill:#94f7ff"};

inline constexpr std::array<std::string_view, 4> kFooter = {
    "```", "</div>", "<div style='break-after:page'></div>", ""};

/// How labels are escaped: each character and its entity (a newline is `<br/>`).
inline constexpr std::array<std::pair<std::string_view, char>, 8> kEntities = {{{"#91;", '['},
                                                                                {"#93;", ']'},
                                                                                {"#40;", '('},
                                                                                {"#41;", ')'},
                                                                                {"#95;", '_'},
                                                                                {"#60;", '<'},
                                                                                {"#62;", '>'},
                                                                                {"#34;", '"'}}};

} // namespace lungfish::mermaid_format
