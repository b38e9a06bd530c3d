// Fuzzes `run` on parsed programs: the machine with a step bound, checked by the monitor with
// both checkers (a disagreement aborts: a bug of lungfish), I20 at the end. The input is the whole
// program text (so the seed programs are useful as they are); its length modulo 8 picks the profile
// and the schedule mode, so all four profiles and `--schedules all` are exercised.
#include "checker/monitor.h"
#include "model/code.h"
#include "model/machine.h"
#include "model/text/program_text.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
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
  // The monitor as `run --check both` uses it: a disagreement of the two checkers is a bug.
  lungfish::Monitor monitor(lungfish::CheckContext{mo.profile},
                            lungfish::MonitorOptions{lungfish::CheckMode::Both});
  monitor.attach(m);
  m.run(monitor.observer());
  if (const auto &d = monitor.disagreement()) {
    std::fprintf(stderr, "%s\n", d->describe().c_str());
    std::abort();
  }
  for (const lungfish::Finding &f : monitor.findings())
    (void)lungfish::finding_text(m.world(), f);
  return 0;
}
