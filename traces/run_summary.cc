// read_run_summary (declared in mermaid_reader.h): the header and tail of FrankenScript's NAME.out.
#include "traces/line_source.h"
#include "traces/mermaid_reader.h"

namespace lungfish::traces {

namespace {
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
} // namespace

RunSummary read_run_summary(const std::string &path) {
  detail::LineSource src(path);
  RunSummary out;
  std::string_view l;
  auto header = [&](std::string_view prefix) {
    if (!src.next(l))
      throw InputError(path, src.lineno() + 1, 1, "unexpected end of file in the `###` header");
    if (!l.starts_with(prefix))
      throw InputError(path, src.lineno(), 1, "expected `" + std::string(prefix) + "`");
    return l.substr(prefix.size());
  };
  out.program = std::string(header("### program: "));
  std::string_view code = header("### exit_code=");
  bool neg = code.starts_with("-");
  if (neg) code.remove_prefix(1);
  if (code.empty() || code.size() > 9)
    throw InputError(path, src.lineno(), 15, "expected an exit code");
  int v = 0;
  for (size_t i = 0; i < code.size(); ++i) {
    if (!is_digit(code[i]))
      throw InputError(path, src.lineno(), static_cast<uint32_t>(15 + i + neg), "expected a digit");
    v = v * 10 + (code[i] - '0');
  }
  out.exit_code = neg ? -v : v;
  header("### ");
  bool in_error = false;
  while (src.next(l)) {
    if (in_error) {
      if (l.starts_with("Destroying region: "))
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
      out.leak = true;
    } else if (l.find("Assertion `") != std::string_view::npos ||
               l.starts_with("terminate called") ||
               l.find("still has references") != std::string_view::npos || l == "Aborted" ||
               l.starts_with("Segmentation fault")) {
      out.abort = true;
    }
  }
  if (out.exit_code >= 128 || out.exit_code < 0) out.abort = true;
  return out;
}

} // namespace lungfish::traces
