// Links the installed model and checker in-process, as a runtime would use the model as an
// oracle: parse a 3-line program, run it under the monitor (the checked run every lungfish
// command uses: the invariants at every statement, I15 per step, I20 at the end). Needs neither
// Z3 nor a JSON library: lungfish::model and lungfish::checker carry no dependency.
#include "checker/monitor.h"
#include "model/code.h"
#include "model/machine.h"
#include "model/text/program_text.h"

#include <iostream>

int main() {
  using namespace lungfish;
  Program p = parse_program("r = Region()\nr.f = {}\nx = r.f\n", "<consumer>");
  Machine m(compile(p), MachineOptions{});
  Monitor monitor(CheckContext{});
  monitor.attach(m);
  Outcome o = m.run(monitor.observer());
  monitor.finish(m, o);
  std::cout << "consumer: outcome " << outcome_name(o) << ", " << monitor.events() << " events, "
            << monitor.findings().size() << " violations\n";
  if (o != Outcome::Ok || monitor.events() != 4 || !monitor.findings().empty()) return 1;
  std::cout << "install consumer: ok\n";
  return 0;
}
