// Fuzzes `run` on parsed programs: the machine with a step bound, the full checker after every
// statement and the no-leak check at the end. The input is the whole program text (so the seed
// programs are useful as they are); its length modulo 8 picks the profile and the schedule mode,
// so all four profiles and `--schedules all` are exercised.
#include "checker/invariants.h"
#include "model/code.h"
#include "model/machine.h"
#include "model/program_text.h"

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t mode = size % 8;
  std::string_view text(reinterpret_cast<const char *>(data), size);
  lungfish::Program program;
  try {
    program = lungfish::parse_program(text, "<fuzz>");
  } catch (const lungfish::InputError &) {
    return 0;
  }
  lungfish::MachineOptions mo;
  mo.profile = static_cast<lungfish::Profile>(mode % 4);
  mo.schedules = (mode & 4) ? lungfish::ScheduleMode::All : lungfish::ScheduleMode::Default;
  mo.max_schedules = 16;
  mo.max_steps = 5000; // the bound --max-steps gives; loops end with outcome limit
  lungfish::Machine m(lungfish::compile(program), mo);
  lungfish::CheckContext ctx{mo.profile};
  m.run([&](const lungfish::Machine &mm, const lungfish::Event &e) {
    if (e.kind == lungfish::EventKind::End) return lungfish::check_no_leak(mm.world(), ctx).empty();
    auto v = lungfish::check_state(mm.world(), ctx, true);
    for (const auto &x : v)
      (void)lungfish::format_violation(mm.world(), x);
    return v.empty();
  });
  return 0;
}
