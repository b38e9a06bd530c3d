// Whole programs in the style of FrankenScript's tests: each must run to the end (outcome Ok)
// with every invariant holding at every statement boundary and nothing leaked at the end (I20).
// Some also check the final state.
#include "tests/model/test_util.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace lungfish::test {
namespace {

struct ProgramCase {
  const char *name;
  const char *text;
};

void PrintTo(const ProgramCase &c, std::ostream *os) {
  *os << c.name;
}

const ProgramCase kPrograms[] = {
    {"nested_regions", R"(
outer = Region()
outer.data = {}
mid = Region()
mid.data = {}
inner = Region()
inner.data = {}
mid.inner = inner
outer.mid = mid
drop inner
drop mid
p = outer.mid.inner.data
drop p
closed = is_closed(outer.mid)
if closed:
    pass()
else:
    unreachable()
)"},
    {"pull_local_graph_with_cycles_and_shared_nodes", R"(
r = Region()
a = {}
b = {}
c = {}
shared = {}
a.b = b
a.c = c
b.shared = shared
c.shared = shared
shared.back = a
b.self = b
r.root = a
drop a
drop b
drop c
drop shared
x = r.root.b.shared.back.c
drop x
)"},
    {"pull_graph_with_frozen_parts_and_bridges", R"(
r = Region()
config = {}
config.name = "cfg"
freeze(config)
node = {}
node.config = config
child = Region()
node.child = child
other = Region()
node.other = other
drop other
r.node = node
drop node
drop child
)"},
    {"merge_chain", R"(
a = Region()
b = Region()
c = Region()
c.v = {}
b.c = c
a.b = b
drop c
drop b
merge(a.b, a)
merge(a.b.c, a)
v = a.b.c.v
drop v
)"},
    {"dissolve_and_reuse", R"(
tmp = Region()
tmp.list = {}
tmp.list.next = {}
child = Region()
tmp.child = child
drop child
item = tmp.list
dissolve(tmp)
item.extra = {}
r = Region()
r.item = item
drop item
drop tmp
)"},
    {"cowns_from_open_and_closed_regions", R"(
open = Region()
open.data = {}
c1 = Cown(open)
s1 = is_released(c1)
if s1:
    unreachable()
drop open
s2 = is_released(c1)
if s2:
    pass()
else:
    unreachable()
closed = Region()
closed.data = {}
c2 = Cown(move closed)
s3 = is_released(c2)
if s3:
    pass()
else:
    unreachable()
c3 = Cown(c2)
frozen = {}
freeze(frozen)
c4 = Cown(frozen)
c5 = Cown(None)
)"},
    {"pending_cown_written_and_moved", R"(
r = Region()
c = Cown(r)
s = Region()
c.extra = s
drop s
d = c.value
drop d
e = move c.extra
e.data = {}
drop e
drop r
)"},
    {"freeze_graph_reaching_bridges_and_cowns", R"(
c = Cown(None)
r = Region()
r.data = {}
r.gone = {}
kept = r.gone
r.gone = None
g = {}
g.c = c
g.r = r
g.list = {}
g.list.next = g
freeze(g)
kept.more = {}
d = g.r.data
s = is_released(c)
)"},
    {"linked_list_in_a_while_loop_inside_a_region", R"(
r = Region()
r.head = None
counter = {}
counter.next = {}
counter.next.next = {}
counter.next.next.next = None
cur = counter
while cur != None:
    node = {}
    node.next = r.head
    r.head = node
    drop node
    cur = cur.next
n = r.head.next.next
last = n.next
drop n
c = Cown(move r)
)"},
    {"functions_returning_regions", R"(
def make(tag):
    r = Region()
    r.tag = tag
    r.data = {}
    return r
def wrap(inner):
    outer = make("outer")
    outer.inner = inner
    return outer
a = make("a")
b = wrap(make("b"))
a.b = b
drop b
t = a.b.inner.tag
drop t
)"},
    {"methods_through_prototypes", R"(
def get(self):
    return self.value
def set(self, v):
    self.value = v
proto = {}
proto.get = get
proto.set = set
o = create(proto)
o.set({})
v = o.get()
sub = create(o)
w = sub.get()
same = v == w
if same:
    pass()
else:
    unreachable()
r = Region()
r.obj = o
x = r.obj.get()
drop x
)"},
    {"for_loops_over_objects", R"(
o = {}
o.a = {}
o.b = {}
o.c = "text"
r = Region()
for k, v in o:
    r[k] = v
names = {}
for k, v in r:
    names[k] = k
drop o
)"},
    {"functions_and_frames_close", R"(
def use(r):
    x = r.data
    close(r)
    return x
r = Region()
r.data = {}
y = use(r)
if y == None:
    pass()
else:
    unreachable()
)"},
    {"behaviours_over_regions", R"(
r = Region()
r.count = {}
c = Cown(move r)
log = Region()
when (c):
    x = c.value.count
    x.seen = {}
when (c):
    y = c.value.count.seen
    drop y
when (c):
    c.value.log = log
)"},
};

class ProgramTest : public ::testing::TestWithParam<ProgramCase> {};

TEST_P(ProgramTest, RunsCleanToTheEnd) {
  RunResult r = run_program(GetParam().text);
  EXPECT_EQ(r.outcome, Outcome::Ok) << r.report();
  EXPECT_TRUE(r.clean()) << r.report();
  ASSERT_FALSE(r.snapshots.empty());
  EXPECT_EQ(r.snapshots.back().event.kind, EventKind::End);
}

INSTANTIATE_TEST_SUITE_P(Programs, ProgramTest, ::testing::ValuesIn(kPrograms),
                         [](const ::testing::TestParamInfo<ProgramCase> &i) {
                           return std::string(i.param.name);
                         });

const char *program(const char *name) {
  for (const auto &p : kPrograms)
    if (std::string_view(p.name) == name) return p.text;
  ADD_FAILURE() << "no program " << name;
  return "";
}

TEST(Programs, LinkedListHasThreeNodesInTheRegion) {
  RunResult r = run_program(program("linked_list_in_a_while_loop_inside_a_region"));
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.report();
  const World &w = r.world();
  // The cown owns the region with bridge + 3 nodes; the last node's next is None.
  ObjectId c = var(w, "c");
  EXPECT_EQ(w.heap.obj(c).status, CownStatus::Released);
  RegionId reg = w.heap.region_of(field(w, c, "value"));
  ASSERT_NE(reg, kNoRegion);
  EXPECT_EQ(w.heap.region(reg).members, 4u);
  EXPECT_EQ(var(w, "last"), kNone);
  EXPECT_EQ(var(w, "cur"), kNone);
}

TEST(Programs, PulledGraphKeepsItsShapeAndCounters) {
  RunResult r = run_program(program("pull_local_graph_with_cycles_and_shared_nodes"));
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.report();
  const World &w = r.world();
  RegionId reg = region_of_var(w, "r");
  EXPECT_EQ(w.heap.region(reg).members, 5u); // bridge, a, b, c, shared
  EXPECT_EQ(w.heap.region(reg).lrc, 1);
  ObjectId a = field(w, var(w, "r"), "root");
  ObjectId shared = field(w, field(w, a, "b"), "shared");
  EXPECT_EQ(field(w, field(w, a, "c"), "shared"), shared);
  EXPECT_EQ(w.heap.obj(shared).rc, 2u);
}

TEST(Programs, PullWithFrozenPartsAndBridges) {
  RunResult r = run_program(program("pull_graph_with_frozen_parts_and_bridges"));
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.report();
  const World &w = r.world();
  RegionId reg = region_of_var(w, "r");
  ObjectId node = field(w, var(w, "r"), "node");
  EXPECT_EQ(w.heap.region_of(node), reg);
  EXPECT_TRUE(w.heap.obj(field(w, node, "config")).loc.is_immutable());
  RegionId child = w.heap.region_of(field(w, node, "child"));
  RegionId other = w.heap.region_of(field(w, node, "other"));
  EXPECT_EQ(w.heap.region(child).parent, reg);
  EXPECT_EQ(w.heap.region(other).parent, reg);
  EXPECT_EQ(w.heap.region(reg).sbrc, 0);
}

TEST(Programs, MergeChainLeavesOneRegion) {
  RunResult r = run_program(program("merge_chain"));
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.report();
  EXPECT_EQ(live_regions(r.world()), 1u);
  EXPECT_EQ(reg(r.world(), "a").members, 4u); // a's bridge, b and c's old bridges, c.v
}

TEST(Programs, ForLoopPullsEveryValueAndDropsTheIterator) {
  RunResult r = run_program(program("for_loops_over_objects"));
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.report();
  const World &w = r.world();
  ObjectId bridge = var(w, "r");
  for (const char *k : {"a", "b", "c"}) {
    ObjectId v = field(w, bridge, k);
    ASSERT_NE(v, kNone) << k;
    EXPECT_EQ(w.heap.region_of(v), region_of_var(w, "r")) << k;
  }
  ObjectId names = var(w, "names");
  EXPECT_EQ(w.heap.obj(names).fields.size(), 3u);
  EXPECT_EQ(var(w, "v"), kNone); // dropped after the loop
  for (ObjectId o = 1; o < w.heap.object_end(); ++o)
    EXPECT_FALSE(w.heap.is_live(o) && w.heap.obj(o).kind == ObjectKind::Iterator);
}

TEST(Programs, FreezeReachingCownKeepsTheCown) {
  RunResult r = run_program(program("freeze_graph_reaching_bridges_and_cowns"));
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.report();
  const World &w = r.world();
  EXPECT_EQ(w.heap.obj(var(w, "c")).kind, ObjectKind::Cown);
  EXPECT_EQ(w.heap.obj(var(w, "c")).loc.kind, LocationKind::Cown);
  EXPECT_TRUE(w.heap.obj(var(w, "g")).loc.is_immutable());
  EXPECT_TRUE(w.heap.obj(var(w, "d")).loc.is_immutable()); // reached through g.r.data
  EXPECT_TRUE(w.heap.obj(var(w, "kept")).loc.is_local());  // not reached: moved to LOCAL
  EXPECT_TRUE(w.heap.obj(field(w, var(w, "kept"), "more")).loc.is_local());
  EXPECT_TRUE(is_true(w, var(w, "s")));
  EXPECT_EQ(live_regions(w), 0u);
}

TEST(Programs, MethodsFindFunctionsOnThePrototypeChain) {
  RunResult r = run_program(program("methods_through_prototypes"));
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.report();
  const World &w = r.world();
  EXPECT_TRUE(is_true(w, var(w, "same")));
  ObjectId o = var(w, "o");
  EXPECT_EQ(w.heap.region_of(o), region_of_var(w, "r")); // pulled with its value
  EXPECT_EQ(w.heap.region_of(field(w, o, "value")), region_of_var(w, "r"));
}

TEST(Programs, BehavioursRunAfterMainInSpawnOrder) {
  RunResult r = run_program(program("behaviours_over_regions"));
  ASSERT_EQ(r.outcome, Outcome::Ok) << r.report();
  const World &w = r.world();
  ObjectId c = var(w, "c");
  EXPECT_EQ(w.heap.obj(c).status, CownStatus::Released);
  ObjectId bridge = field(w, c, "value");
  RegionId cr = w.heap.region_of(bridge);
  RegionId log = w.heap.region_of(field(w, bridge, "log"));
  EXPECT_NE(log, kNoRegion);
  EXPECT_EQ(w.heap.region(log).parent, cr);
  EXPECT_NE(field(w, field(w, bridge, "count"), "seen"), kNone);
}

// The example programs shipped with the repository (examples/*.lf) run clean.
TEST(Programs, ShippedExamplesRunClean) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(LUNGFISH_SOURCE_DIR) / "examples";
  ASSERT_TRUE(fs::is_directory(dir)) << dir;
  size_t n = 0;
  for (const auto &entry : fs::directory_iterator(dir)) {
    // Only the plain examples: `NAME.reject.lf` / `NAME.violation.lf` are expected to fail.
    if (entry.path().extension() != ".lf" || entry.path().stem().has_extension()) continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    RunResult r = run_program(text.str());
    EXPECT_EQ(r.outcome, Outcome::Ok) << entry.path() << "\n" << r.report();
    EXPECT_TRUE(r.clean()) << entry.path() << "\n" << r.report();
    ++n;
  }
  EXPECT_GT(n, 0u);
}

} // namespace
} // namespace lungfish::test
