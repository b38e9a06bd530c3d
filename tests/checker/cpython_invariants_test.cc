// I18 (frozen SCC counts) and I19 (freezability) of checker/cpython_invariants.cc: a state from a
// correct cpython run passes; corrupting the SCC side table or a freezability is reported.
#include "checker/invariants.h"
#include "model/code.h"
#include "model/machine.h"
#include "model/text/program_text.h"

#include <gtest/gtest.h>

namespace lungfish {
namespace {

World run_cpython(const char *text, Profile p = Profile::Cpython) {
  MachineOptions o;
  o.profile = p;
  Machine m(compile(parse_program(text)), o);
  EXPECT_EQ(m.run(), Outcome::Ok);
  return m.world();
}

ObjectId var(const World &w, const char *name) {
  const Field *f = w.heap.find_field(w.threads[0].calls.front().frame, intern(name));
  return f ? f->value : kNone;
}

bool reports(const std::vector<Violation> &v, Invariant i) {
  for (const Violation &x : v)
    if (x.invariant == i) return true;
  return false;
}

const char *kCycle = "a = {}\nb = {}\na.n = b\nb.n = a\nc = {}\nset_freezable(c, \"explicit\")\n"
                     "b.c = c\nfreeze(a, c)\n";

TEST(CpythonInvariants, CorrectRunPasses) {
  World w = run_cpython(kCycle);
  EXPECT_TRUE(check_state(w, CheckContext{Profile::Cpython}, false).empty());
  EXPECT_TRUE(check_state(w, CheckContext{Profile::Pep795}, false).empty());
}

TEST(CpythonInvariants, I18WrongInternalCount) {
  World w = run_cpython(kCycle);
  ObjectId a = var(w, "a");
  ASSERT_EQ(w.heap.frozen_info[a].rep, a);
  w.heap.frozen_info[a].internal += 1; // the count is now one too low (CPython's bug 7.1)
  auto v = check_state(w, CheckContext{Profile::Cpython}, false);
  ASSERT_TRUE(reports(v, Invariant::I18));
  EXPECT_NE(v[0].message.find("references point into the SCC"), std::string::npos);
  // Other profiles do not look at the side table.
  EXPECT_FALSE(reports(check_state(w, CheckContext{Profile::Lungfish}, false), Invariant::I18));
}

TEST(CpythonInvariants, I18MemberWithoutRepresentative) {
  World w = run_cpython(kCycle);
  ObjectId b = var(w, "b");
  w.heap.frozen_info[var(w, "a")].serial = 0; // the representative's entry is gone
  auto v = check_state(w, CheckContext{Profile::Cpython}, false);
  ASSERT_TRUE(reports(v, Invariant::I18));
  EXPECT_EQ(v[0].witness.objects.front(), b);
}

TEST(CpythonInvariants, I19Unfreezable) {
  World w = run_cpython(kCycle);
  w.heap.obj(var(w, "b")).freezable = Freezability::No;
  EXPECT_TRUE(reports(check_state(w, CheckContext{Profile::Cpython}, false), Invariant::I19));
}

TEST(CpythonInvariants, I19ExplicitNotARoot) {
  World w = run_cpython(kCycle);
  ObjectId c = var(w, "c");
  ASSERT_TRUE(w.heap.frozen_info[c].root);
  w.heap.frozen_info[c].root = false;
  auto v = check_state(w, CheckContext{Profile::Cpython}, false);
  ASSERT_TRUE(reports(v, Invariant::I19));
  EXPECT_EQ(v[0].witness.objects.front(), c);
}

} // namespace
} // namespace lungfish
