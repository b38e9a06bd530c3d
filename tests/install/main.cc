// Links the installed model and checker in-process, as a runtime would use the model as an
// oracle: parse a 3-line program, run it, check the invariants at every statement.
#include "checker/invariants.h"
#include "model/code.h"
#include "model/machine.h"
#include "model/program_text.h"

#include <iostream>

int main() {
  using namespace lungfish;
  Program p = parse_program("r = Region()\nr.f = {}\nx = r.f\n", "<consumer>");
  Machine m(compile(p), MachineOptions{});
  size_t statements = 0, violations = 0;
  Outcome o = m.run([&](const Machine &machine, const Event &e) {
    if (e.kind != EventKind::Statement) return true;
    ++statements;
    violations += check_state(machine.world(), CheckContext{}).size();
    return true;
  });
  bool lrc_ok = check_lrc(m.world(), CheckContext{}).empty();
  std::cout << "consumer: outcome " << outcome_name(o) << ", " << statements << " statements, "
            << violations << " violations\n";
  if (o != Outcome::Ok || statements != 3 || violations != 0 || !lrc_ok) return 1;
  std::cout << "install consumer: ok\n";
  return 0;
}
