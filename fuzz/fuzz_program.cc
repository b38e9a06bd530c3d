// Fuzzes the program parser: any input either parses or throws InputError with a location;
// anything else (a crash, a sanitizer report, another exception) is a finding. A program that
// parses must print and parse back to itself (program_text.h's contract).
#include "model/text/program_text.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view text(reinterpret_cast<const char *>(data), size);
  lungfish::Program p;
  try {
    p = lungfish::parse_program(text, "<fuzz>");
  } catch (const lungfish::InputError &e) {
    if (e.line == 0) std::abort(); // every parse error must be located
    return 0;
  }
  std::string printed = lungfish::print_program(p);
  try {
    if (!(lungfish::parse_program(printed, "<printed>") == p)) std::abort();
  } catch (const lungfish::InputError &) {
    std::abort(); // the canonical print of a parsed program must parse
  }
  return 0;
}
