// Fuzzes the reader of the reference CPython recordings (pyrona-heap-trace/v1).
#include "traces/cpython/recording.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view text(reinterpret_cast<const char *>(data), size);
  try {
    (void)lungfish::traces::parse_cpython_recording(text, "<fuzz>");
  } catch (const lungfish::InputError &e) {
    if (e.line == 0) std::abort();
  }
  return 0;
}
