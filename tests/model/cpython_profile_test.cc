// The cpython and pep795 profiles (docs/semantics.md 7): freeze with several roots, freezability
// (all-or-nothing), the self-contained check, frozen SCCs and their collection.
#include "model/cpython_profile.h"
#include "tests/model/test_util.h"

namespace lungfish::test {
namespace {

RunConfig cpy(Profile p = Profile::Cpython, std::initializer_list<std::string> off = {}) {
  RunConfig c;
  c.profile = p;
  c.disabled = off;
  return c;
}

bool frozen(const World &w, ObjectId o) {
  return o != kNone && w.heap.obj(o).loc.is_immutable();
}

TEST(CpythonProfile, FreezeTakesSeveralRoots) {
  auto r = run_program("a = {}\nb = {}\nfreeze(a, b)\n", cpy());
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.report();
  EXPECT_TRUE(r.clean()) << r.report();
  EXPECT_TRUE(frozen(r.world(), var(r.world(), "a")));
  EXPECT_TRUE(frozen(r.world(), var(r.world(), "b")));
}

TEST(CpythonProfile, OtherProfilesKeepOneArgument) {
  auto r = run_program("a = {}\nb = {}\nfreeze(a, b)\n");
  EXPECT_EQ(r.outcome, Outcome::Rejected);
  EXPECT_EQ(r.machine().error()->code, ErrorCode::E_ARITY);
  auto z = run_program("freeze()\n", cpy());
  EXPECT_EQ(z.outcome, Outcome::Rejected);
  EXPECT_EQ(z.machine().error()->code, ErrorCode::E_ARITY);
}

TEST(CpythonProfile, UnfreezableFailsTheWholeFreeze) {
  auto r = run_program("a = {}\nb = {}\na.f = b\nset_freezable(b, \"no\")\nfreeze(a)\n", cpy());
  ASSERT_EQ(r.outcome, Outcome::Rejected) << r.report();
  EXPECT_EQ(r.machine().error()->code, ErrorCode::E_NOT_FREEZABLE);
  EXPECT_FALSE(frozen(r.world(), var(r.world(), "a"))); // all or nothing
  EXPECT_FALSE(frozen(r.world(), var(r.world(), "b")));
}

TEST(CpythonProfile, ExplicitOnlyAsRoot) {
  const char *prog = "a = {}\nb = {}\na.f = b\nset_freezable(b, \"explicit\")\n";
  auto r = run_program(std::string(prog) + "freeze(a)\n", cpy());
  ASSERT_EQ(r.outcome, Outcome::Rejected);
  EXPECT_EQ(r.machine().error()->code, ErrorCode::E_NOT_FREEZABLE);
  auto ok = run_program(std::string(prog) + "freeze(a, b)\n", cpy());
  ASSERT_EQ(ok.outcome, Outcome::Ok) << ok.report();
  EXPECT_TRUE(ok.clean()) << ok.report();
  EXPECT_TRUE(frozen(ok.world(), var(ok.world(), "b")));
}

TEST(CpythonProfile, DisabledFreezabilityCheckIsCaughtByI19) {
  auto r = run_program("a = {}\nset_freezable(a, \"no\")\nfreeze(a)\n",
                       cpy(Profile::Cpython, {"E_NOT_FREEZABLE"}));
  EXPECT_TRUE(r.broken.count(Invariant::I19)) << r.report();
  auto e = run_program("a = {}\nb = {}\na.f = b\nset_freezable(b, \"explicit\")\nfreeze(a)\n",
                       cpy(Profile::Cpython, {"freeze.not_freezable"}));
  EXPECT_TRUE(e.broken.count(Invariant::I19)) << e.report();
}

TEST(CpythonProfile, WritesToFrozenAreImmutable) {
  auto r = run_program("a = {}\nfreeze(a)\nb = {}\na.f = b\n", cpy());
  ASSERT_EQ(r.outcome, Outcome::Rejected);
  EXPECT_EQ(r.machine().error()->code, ErrorCode::E_IMMUTABLE);
}

TEST(CpythonProfile, Pep795RejectsAliasedInterior) {
  const char *prog = "a = {}\nb = {}\na.f = b\n";
  auto alias = run_program(std::string(prog) + "freeze(a)\n", cpy(Profile::Pep795));
  ASSERT_EQ(alias.outcome, Outcome::Rejected);
  EXPECT_EQ(alias.machine().error()->code, ErrorCode::E_NOT_SELF_CONTAINED);
  EXPECT_FALSE(frozen(alias.world(), var(alias.world(), "a")));
  // Through the roots only: accepted. The cpython profile has no such check.
  auto ok = run_program(std::string(prog) + "b = None\nfreeze(a)\n", cpy(Profile::Pep795));
  EXPECT_EQ(ok.outcome, Outcome::Ok) << ok.report();
  auto roots = run_program(std::string(prog) + "freeze(a, b)\n", cpy(Profile::Pep795));
  EXPECT_EQ(roots.outcome, Outcome::Ok) << roots.report();
  auto cpython = run_program(std::string(prog) + "freeze(a)\n", cpy());
  EXPECT_EQ(cpython.outcome, Outcome::Ok) << cpython.report();
}

TEST(CpythonProfile, CycleIsOneSccCountingOutsideReferences) {
  auto r = run_program("a = {}\nb = {}\na.n = b\nb.n = a\nc = {}\nb.p = c\nfreeze(a)\n", cpy());
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.report();
  EXPECT_TRUE(r.clean()) << r.report();
  const World &w = r.world();
  ObjectId a = var(w, "a"), b = var(w, "b"), c = var(w, "c");
  const FrozenInfo *ia = w.heap.frozen_info_of(a), *ib = w.heap.frozen_info_of(b),
                   *ic = w.heap.frozen_info_of(c);
  ASSERT_TRUE(ia && ib && ic);
  EXPECT_EQ(ia->rep, a);
  EXPECT_EQ(ib->rep, a);
  EXPECT_EQ(ic->rep, c);
  EXPECT_TRUE(ia->root);
  EXPECT_FALSE(ib->root);
  EXPECT_EQ(ia->members.size(), 2u);
  EXPECT_EQ(scc_count(w.heap, a), 2); // variables a and b
  EXPECT_EQ(scc_count(w.heap, c), 2); // variable c and b.p
}

TEST(CpythonProfile, LastReferenceFreesTheWholeScc) {
  auto r = run_program("a = {}\nb = {}\na.n = b\nb.n = a\nd = {}\nb.d = d\nd = None\n"
                       "freeze(a)\nb = None\nx = {}\na = None\ny = {}\n",
                       cpy());
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.report();
  EXPECT_TRUE(r.clean()) << r.report();
  const World &before = r.after_line(10), &after = r.after_line(11);
  EXPECT_EQ(before.heap.live_objects() - after.heap.live_objects(), 3u); // a, b and d
  EXPECT_TRUE(after.heap.cyclic_reps.empty());
}

TEST(CpythonProfile, WriteIntoFrozenSccBreaksI18) {
  // With E_IMMUTABLE off, a new edge inside the SCC makes the representative's count stale.
  auto r = run_program("a = {}\nb = {}\na.n = b\nb.n = a\nfreeze(a)\nb.m = a\n",
                       cpy(Profile::Cpython, {"E_IMMUTABLE"}));
  EXPECT_TRUE(r.broken.count(Invariant::I18)) << r.report();
}

TEST(CpythonProfile, ClassesAreReachedThroughThePrototype) {
  auto r = run_program("C = {}\nx = create(C)\nfreeze(x)\n", cpy());
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.report();
  EXPECT_TRUE(frozen(r.world(), var(r.world(), "C")));
}

TEST(CpythonProfile, LungfishFreezeUnchanged) {
  auto r = run_program("a = {}\nb = {}\na.n = b\nb.n = a\nfreeze(a)\n");
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.report();
  EXPECT_TRUE(r.world().heap.frozen_info.empty());
  EXPECT_TRUE(r.world().heap.cyclic_reps.empty());
}

} // namespace
} // namespace lungfish::test
