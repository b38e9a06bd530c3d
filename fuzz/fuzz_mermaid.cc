// Fuzzes the FrankenScript mermaid.md reader: every malformed input must be an InputError with
// a line number, never a crash or a hang.
#include "traces/formats/mermaid_reader.h"

#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char *>(data), size));
  try {
    lungfish::traces::MermaidReader reader(in, "<fuzz>");
    lungfish::traces::MermaidStep s;
    while (reader.next(s)) {
    }
  } catch (const lungfish::InputError &e) {
    if (e.line == 0) std::abort();
  }
  return 0;
}
