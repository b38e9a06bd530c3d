// Fuzzes the Python subset's parser (model/text/python_subset.h): any input either parses or throws
// InputError with a location; anything else (a crash, a sanitizer report, a stack overflow,
// another exception) is a finding. A program that parses must also run under the cpython profile
// without crashing (its outcome does not matter).
#include "model/code.h"
#include "model/machine.h"
#include "model/text/python_subset.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view text(reinterpret_cast<const char *>(data), size);
  lungfish::Program p;
  try {
    p = lungfish::parse_python_subset(text, "<fuzz>");
  } catch (const lungfish::InputError &e) {
    if (e.line == 0) std::abort(); // every parse error must be located
    return 0;
  }
  lungfish::MachineOptions mo;
  mo.profile = lungfish::Profile::Cpython;
  mo.max_steps = 20000; // a limit, never a hang
  lungfish::Machine m(lungfish::compile(p), mo);
  m.run([](const lungfish::Machine &, const lungfish::Event &) { return true; });
  return 0;
}
