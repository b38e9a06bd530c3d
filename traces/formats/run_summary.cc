// read_run_summary (declared in mermaid_reader.h): what a FrankenScript run log says of the run.
//
// The log is the runtime's stdout and stderr (`frankenscript build P > LOG 2>&1`). Its stdout is
// flushed line by line, so a run killed by a signal leaves a log that simply stops: neither an
// `Error:` nor the end-of-run leak check ("No memory leaks detected!" / "Memory leak detected!").
// The shared corpus prefixes logs with three `###` lines (program, exit code, a separator); they
// are optional.
#include "traces/formats/line_source.h"
#include "traces/formats/mermaid_reader.h"

#include <algorithm>

namespace lungfish::traces {

namespace {
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

/// A line saying the runtime aborted: a failed assertion, an uncaught exception, an abort.
bool is_abort_line(std::string_view l) {
  return l.find("Assertion `") != std::string_view::npos ||
         l.find("assert fail") != std::string_view::npos || l.starts_with("terminate called") ||
         l.find("still has references") != std::string_view::npos || l == "Aborted" ||
         l.starts_with("Aborted (core dumped)") || l.starts_with("Segmentation fault");
}
/// K of a listed `- I: Behavior_K` line; nullopt if the line is not one.
std::optional<uint32_t> behaviour_of_listing(std::string_view l) {
  size_t p = 2;
  while (p < l.size() && is_digit(l[p]))
    ++p;
  constexpr std::string_view kName = ": Behavior_";
  if (p == 2 || l.substr(p, kName.size()) != kName) return std::nullopt;
  p += kName.size();
  uint64_t k = 0;
  size_t start = p;
  for (; p < l.size() && is_digit(l[p]) && p - start < 9; ++p)
    k = k * 10 + static_cast<uint64_t>(l[p] - '0');
  if (p == start || p != l.size() || k == 0) return std::nullopt;
  return static_cast<uint32_t>(k);
}
} // namespace

RunSummary read_run_summary(const std::string &path) {
  detail::LineSource src(path);
  src.allow_truncated();
  RunSummary out;
  std::string_view l;
  if (!src.next(l)) return out; // an empty log: the run died before printing anything
  if (l.starts_with("### program: ")) {
    out.program = std::string(l.substr(13));
    if (!src.next(l))
      throw InputError(path, src.lineno() + 1, 1, "unexpected end of file in the `###` header");
    if (!l.starts_with("### exit_code="))
      throw InputError(path, src.lineno(), 1, "expected `### exit_code=`");
    std::string_view code = l.substr(14);
    bool neg = code.starts_with("-");
    if (neg) code.remove_prefix(1);
    if (code.empty() || code.size() > 9)
      throw InputError(path, src.lineno(), 15, "expected an exit code");
    int v = 0;
    for (size_t i = 0; i < code.size(); ++i) {
      if (!is_digit(code[i]))
        throw InputError(path, src.lineno(), static_cast<uint32_t>(15 + i + neg),
                         "expected a digit");
      v = v * 10 + (code[i] - '0');
    }
    out.exit_code = neg ? -v : v;
    if (!src.next(l))
      throw InputError(path, src.lineno() + 1, 1, "unexpected end of file in the `###` header");
    if (!l.starts_with("### ")) throw InputError(path, src.lineno(), 1, "expected `### `");
    if (!src.next(l)) l = {};
  }
  bool in_error = false;
  bool first = true;
  bool listing = false; // inside an `Available behaviors:` list
  for (; first || src.next(l); first = false) {
    // The prompt `> ` has no newline: what the runtime prints next (a re-prompt, the chosen
    // behaviour's first line) follows it on the same line.
    while (l.starts_with("> "))
      l.remove_prefix(2);
    if (l == "Available behaviors:") {
      listing = true;
      out.prompts.emplace_back();
      continue;
    }
    if (listing && l.starts_with("- ")) {
      if (auto k = behaviour_of_listing(l)) {
        out.prompts.back().push_back(*k);
        continue;
      }
    }
    listing = false;
    if (in_error) {
      if (l.starts_with("Destroying region: ") || is_abort_line(l))
        in_error = false;
      else {
        out.error_text += '\n';
        out.error_text.append(l);
        continue;
      }
    }
    if (l.starts_with("Error: ")) {
      if (!out.error_text.empty()) out.error_text += '\n';
      out.error_text.append(l.substr(7));
      in_error = true;
    } else if (l == "Memory leak detected!") {
      out.leak = out.finished = true;
    } else if (l == "No memory leaks detected!") {
      out.finished = true;
    } else if (is_abort_line(l)) {
      out.abort = true;
      out.abort_text = std::string(l.size() > 300 ? l.substr(0, 300) : l);
    }
  }
  out.truncated = src.truncated();
  // A prompt repeated after an invalid answer lists the same behaviours: one choice.
  std::erase_if(out.prompts, [](const std::vector<uint32_t> &p) { return p.empty(); });
  out.prompts.erase(std::unique(out.prompts.begin(), out.prompts.end()), out.prompts.end());
  for (size_t i = 0; i < out.prompts.size(); ++i) {
    const auto &now = out.prompts[i];
    uint32_t chosen = 0;
    if (i + 1 < out.prompts.size()) {
      const auto &next = out.prompts[i + 1];
      for (uint32_t k : now)
        if (std::find(next.begin(), next.end(), k) == next.end()) chosen = k;
    } else if (now.size() == 1) {
      chosen = now.front();
    }
    out.chosen.push_back(chosen);
  }
  if (out.exit_code && (*out.exit_code >= 128 || *out.exit_code < 0)) out.abort = true;
  return out;
}

} // namespace lungfish::traces
