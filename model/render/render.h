// Renderers of a World (heap + threads): text, FrankenScript-style Mermaid, Graphviz DOT, TikZ,
// and JSON.
//
// Every renderer names objects and regions by their serials (`#12`, `R3`, synthetic addresses),
// never by slot indices, so the same run always prints the same text. The builtin globals
// (prototypes, True, False) are hidden in text, DOT and TikZ (a field holding one shows its name)
// and shown in Mermaid exactly as FrankenScript shows them; function objects are hidden in
// Mermaid, as FrankenScript hides them.
#pragma once

#include "model/world.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lungfish {

/// Stable display name of an object: `#<serial>`, or the global's name (`[Frame]`, `True`).
std::string object_name(const State &heap, ObjectId o);
/// Stable display name of a region: `R<serial>`.
std::string region_name(const State &heap, RegionId r);

/// Compact human-readable listing: frames and variables, objects, regions, cowns.
std::string render_text(const World &w);

/// The synthetic address Mermaid shows for an object serial: 0x10000 + serial * 16.
uint64_t mermaid_object_address(uint64_t serial);
/// The synthetic address naming a region's subgraph (`reg0x...`): 0x80000000 + serial * 16.
uint64_t mermaid_region_address(uint64_t serial);
/// Formats an address as FrankenScript does with 12 hex digits: `0x000000010040`.
std::string format_address(uint64_t address);
/// FrankenScript's label escaping (`[`→`#91;`, ..., newline→`<br/>`).
std::string mermaid_escape(std::string_view text);

/// What one Mermaid diagram draws.
struct MermaidOptions {
  uint32_t thread = 0;             // whose LOCAL is `LocalReg` and whose top frame is the root
  std::vector<ObjectId> roots;     // empty: the thread's current frame (a `Line N:` step)
  std::vector<ObjectId> highlight; // nodes given `class idN highlight;`
  std::vector<ObjectId> error;     // nodes given `class idN error;` (drawn even if unreachable)
  bool show_functions = false;     // FrankenScript's mermaid_show_functions()
};

/// One diagram body: the `<div ...>` ... ```mermaid ... ``` ... `</div>` block of a step.
std::string render_mermaid(const World &w, const MermaidOptions &opts = {});
/// One whole step: `<pre><code>MESSAGE</code></pre>` followed by the diagram. A file of such
/// steps is a FrankenScript-style `mermaid.md`.
std::string render_mermaid_step(const World &w, std::string_view message,
                                const MermaidOptions &opts = {});
/// The roots FrankenScript draws for an `Error:` step: the thread's LOCAL objects in address
/// (serial) order, then the given error objects.
std::vector<ObjectId> mermaid_error_roots(const World &w, uint32_t thread,
                                          const std::vector<ObjectId> &error_objects);

/// Graphviz digraph: LOCALs and regions as (nested) clusters, frozen objects and cowns outside.
std::string render_dot(const World &w);

/// A reference to emphasise in a TikZ picture: `source.field` (field `__proto__` for the
/// prototype edge).
struct TikzEdge {
  ObjectId source = kNone;
  std::string field;
};

/// A `tikzpicture` (needs the TikZ libraries of tikz_preamble()): regions as nested boxes,
/// bridges as trapezia, owning references thick, borrowed ones dashed, frozen objects and cowns.
std::string render_tikz(const World &w, const std::optional<TikzEdge> &highlight = {});
/// Text escaped for LaTeX (the ten special characters, and < > which OT1 fonts misprint).
std::string tex_escape(std::string_view s);
/// The `\usetikzlibrary{...}` line and styles render_tikz's output relies on.
std::string tikz_preamble();
/// A complete standalone LaTeX document around one picture.
std::string render_tikz_document(const World &w, const std::optional<TikzEdge> &highlight = {});

/// The state as JSON (docs/json-output.md): {"objects": [...], "regions": [...], "cowns": [...],
/// "threads": [...]}; ids are serials.
nlohmann::json state_to_json(const World &w);

} // namespace lungfish
