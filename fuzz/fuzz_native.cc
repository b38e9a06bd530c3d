// Fuzzes the native trace reader (header, events, snapshots with reference validation): every
// malformed input must be an InputError with a line number.
#include "traces/formats/native_trace.h"

#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char *>(data), size));
  try {
    lungfish::traces::NativeTraceReader reader(in, "<fuzz>");
    lungfish::traces::TraceEvent e;
    while (reader.next(e)) {
    }
  } catch (const lungfish::InputError &e) {
    if (e.line == 0) std::abort(); // a stream always has a line to point at
  }
  return 0;
}
