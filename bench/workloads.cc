#include "bench/workloads.h"
#include "checker/incremental/incremental.h"
#include "checker/monitor.h"

#include "model/text/program_text.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <sstream>

namespace lungfish::bench {

namespace {

// Each block leaves nothing behind once the next block overwrites its variables; no block
// builds a cycle, so reference counting alone reclaims it and the heap stays flat.
constexpr std::string_view kLocalBlock = R"(a = {}
b = {}
a.f = b
c = a.f
a.g = c
a.f = None
drop c
b.h = {}
d = b.h
b = a
drop a
drop b
drop d
)";

// A pull of a three-object local graph, a nested region reached through its parent, and
// borrowed references into both regions.
constexpr std::string_view kRegionBlock = R"(r = Region()
r.a = {}
r.a.b = {}
x = {}
y = {}
x.n = y
y.m = {}
r.a.c = x
drop x
drop y
s = Region()
s.v = {}
r.child = s
drop s
p = r.child.v
p.w = {}
drop p
q = r.a.b
drop q
drop r
)";

// Freeze a small graph, read through it, store it into a region, send the region to a cown and
// schedule a behaviour on it (behaviours run after the main program).
constexpr std::string_view kFreezeBlock = R"(f = {}
f.a = {}
f.a.b = {}
freeze(f)
g = f.a.b
drop g
r = Region()
r.d = {}
r.d.k = f
c = Cown(move r)
when (c):
    c.value.d.z = {}
drop c
drop f
)";

std::string_view block(Workload w) {
  switch (w) {
    case Workload::LocalChurn:
      return kLocalBlock;
    case Workload::RegionHeavy:
      return kRegionBlock;
    case Workload::FreezeCown:
      return kFreezeBlock;
  }
  return {};
}

} // namespace

std::string_view workload_name(Workload w) {
  switch (w) {
    case Workload::LocalChurn:
      return "local";
    case Workload::RegionHeavy:
      return "region";
    case Workload::FreezeCown:
      return "freeze_cown";
  }
  return "?";
}

std::string_view checking_name(Checking c) {
  switch (c) {
    case Checking::Off:
      return "off";
    case Checking::State:
      return "full";
    case Checking::Run:
      return "full+I15";
    case Checking::Incremental:
      return "incremental";
    case Checking::Monitor:
      return "monitor";
  }
  return "?";
}

size_t workload_block_lines(Workload w) {
  size_t n = 0;
  for (char ch : block(w))
    n += ch == '\n';
  return n;
}

std::string workload_text(Workload w, size_t blocks) {
  std::string out;
  std::string_view b = block(w);
  out.reserve(b.size() * blocks);
  for (size_t i = 0; i < blocks; ++i)
    out += b;
  return out;
}

std::string heap_program_text(HeapKind kind, size_t objects, size_t suffix_pairs,
                              uint32_t *marker_line) {
  // sqrt(objects) chains of sqrt(objects) objects: a template chain written out, then one loop
  // per chain that walks the template and prepends one new object per element.
  size_t len = std::max<size_t>(1, static_cast<size_t>(std::sqrt(static_cast<double>(objects))));
  size_t chains = std::max<size_t>(1, objects / len);
  std::ostringstream os;
  uint32_t line = 0;
  // Pieces are streamed rather than joined with `"lit" + std::string`, which trips GCC 12's
  // false -Wrestrict (GCC bug 105651) at -O3.
  auto emit = [&](std::initializer_list<std::string_view> parts) {
    for (std::string_view p : parts)
      os << p;
    os << '\n';
    ++line;
  };
  emit({"t = None"});
  for (size_t i = 0; i < len; ++i) {
    emit({"u = {}"});
    emit({"u.next = t"});
    emit({"t = u"});
  }
  emit({"drop u"});
  // The chains hang off fields of one `root` object, so the frame keeps the same few variables
  // at every heap size and the timed statement's own cost does not depend on the heap.
  emit({"root = {}"});
  for (size_t k = 0; k < chains; ++k) {
    std::string b = std::to_string(k); // "root.b" + k, without GCC 12's false -Wrestrict
    b.insert(0, "root.b");
    if (kind == HeapKind::Local) {
      emit({b, " = None"});
    } else {
      emit({b, " = Region()"});
      emit({b, ".head = None"});
    }
    emit({"p = t"});
    emit({"while p != None:"});
    emit({"    n = {}"});
    if (kind == HeapKind::Local) {
      emit({"    n.next = ", b});
      emit({"    ", b, " = n"});
    } else {
      // n refers into the region, then the store pulls n (alone) into it: constant cost.
      emit({"    n.next = ", b, ".head"});
      emit({"    ", b, ".head = n"});
    }
    emit({"    p = p.next"});
    emit({"drop n"});
  }
  emit({"pass()"});
  *marker_line = line;
  for (size_t i = 0; i < suffix_pairs; ++i) {
    emit({"s = {}"});
    emit({"drop s"});
  }
  return os.str();
}

std::shared_ptr<const CompiledProgram> compile_text(const std::string &text) {
  try {
    return compile(parse_program(text, "<bench>"));
  } catch (const InputError &e) {
    std::fprintf(stderr, "lungfish_bench: a generated workload does not parse: %s\n", e.what());
    std::abort();
  }
}

RunStats run_program(const std::shared_ptr<const CompiledProgram> &program, Checking checking,
                     Profile profile) {
  MachineOptions mo;
  mo.profile = profile;
  mo.record_history = false; // as `check` runs programs: an oracle does not print histories
  Machine m(program, mo);
  RunStats s;
  CheckContext ctx{profile};
  World before;
  if (checking == Checking::Run) before = m.world();
  IncrementalChecker incremental(ctx);
  if (checking == Checking::Incremental) incremental.attach(m.world());
  Monitor monitor(ctx);
  if (checking == Checking::Monitor) {
    monitor.attach(m);
    Observer observe = monitor.observer();
    s.outcome = m.run([&](const Machine &mm, const Event &e) {
      s.statements += e.kind == EventKind::Statement;
      return observe(mm, e);
    });
    monitor.finish(m, s.outcome);
    s.violations = monitor.findings().size();
    s.steps = m.steps();
    return s;
  }
  Observer observer = [&](const Machine &mm, const Event &e) {
    if (e.kind == EventKind::End) {
      if (checking != Checking::Off) s.violations += check_no_leak(mm.world(), ctx).size();
      return true;
    }
    ++s.statements;
    if (checking == Checking::Off) return true;
    if (checking == Checking::Incremental) {
      s.violations += incremental.check(mm.world(), true).size();
      return true;
    }
    s.violations += check_state(mm.world(), ctx, true).size();
    if (checking == Checking::Run) {
      s.violations += check_cown_ownership(before, mm.world(), kNone, ctx).size();
      before = mm.world();
    }
    return true;
  };
  s.outcome = m.run(observer);
  s.steps = m.steps();
  return s;
}

} // namespace lungfish::bench
