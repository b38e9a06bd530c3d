// The public face of the checker: the invariant table (one row per invariant: id, name, statement,
// when it is checked and the function that checks it), the whole-state check and the rendering of
// violations. The invariants themselves live in heap_invariants.cc, region_invariants.cc,
// cown_invariants.cc and cpython_invariants.cc over a shared Analysis.
#include "checker/analysis.h"

#include <array>
#include <cctype>

namespace lungfish {

namespace checker_detail {                              // checker/cpython_invariants.cc
void check_frozen_scc_counts(Analysis &a, Reporter &r); // I18
void check_freezability(Analysis &a, Reporter &r);      // I19
} // namespace checker_detail

namespace {

using checker_detail::Analysis;
using checker_detail::Reporter;

using StateCheck = void (*)(Analysis &, Reporter &);

/// When an invariant is checked: after every statement (State; CpythonState only under the
/// cpython and pep795 profiles), across one primitive (Step: compares two states, see
/// cown_invariants.cc), or once at the end of the run (End).
enum class When { State, CpythonState, Step, End };

/// One row per invariant, in id order: the table is the only place that lists them.
struct InvariantRow {
  Invariant id;
  std::string_view name;
  std::string_view title;
  std::string_view description;
  When when;
  StateCheck check; // nullptr for the step invariant, checked by check_step
};

constexpr std::array<InvariantRow, static_cast<size_t>(Invariant::Count)> kInvariants = {{
    {Invariant::I1, "I1", "location",
     "location: every live object is in exactly one place (a LOCAL, a live region, IMM or COWN) "
     "and the member lists agree with it",
     When::State, checker_detail::check_location},
    {Invariant::I2, "I2", "deep immutability",
     "deep immutability: a frozen object references only None, frozen objects and cowns",
     When::State, checker_detail::check_deep_immutability},
    {Invariant::I3, "I3", "local isolation",
     "local isolation: an object of a LOCAL is referenced only from that same LOCAL", When::State,
     checker_detail::check_local_isolation},
    {Invariant::I4, "I4", "region entry",
     "region entry: an edge from region R into another region S targets S's bridge, and S is a "
     "child of R",
     When::State, checker_detail::check_region_entry},
    {Invariant::I5, "I5", "single owner",
     "single owner: a region with a parent is referenced by exactly one owning reference",
     When::State, checker_detail::check_single_owner},
    {Invariant::I6, "I6", "region forest",
     "region forest: following parents never cycles and ends at no parent or at a live cown",
     When::State, checker_detail::check_region_forest},
    {Invariant::I7, "I7", "bridge",
     "bridge: each live region has one live bridge inside it, and only recorded bridges act as "
     "bridges",
     When::State, checker_detail::check_bridge},
    {Invariant::I8, "I8", "LRC",
     "LRC: a clean region's LRC is exactly the number of LOCAL references into its objects; a "
     "dirty one's is at least that",
     When::State, checker_detail::check_lrc},
    {Invariant::I9, "I9", "SBRC",
     "SBRC: a region's SBRC is the number of its direct children that are open", When::State,
     checker_detail::check_sbrc},
    {Invariant::I10, "I10", "closed",
     "closed: no LOCAL reference points directly into a closed region or any of its "
     "descendants",
     When::State, checker_detail::check_closed},
    {Invariant::I11, "I11", "liveness",
     "liveness: a region with no parent and LRC 0 does not survive (it is collected)", When::State,
     checker_detail::check_liveness},
    {Invariant::I12, "I12", "cown contents",
     "cown contents: a cown's fields hold only None, frozen objects, cowns, or bridges of "
     "regions that cown owns",
     When::State, checker_detail::check_cown_contents},
    {Invariant::I13, "I13", "release",
     "release: every region a Released cown owns, directly or through ancestors, is closed",
     When::State, checker_detail::check_release},
    {Invariant::I14, "I14", "opacity",
     "opacity: no LOCAL reference reaches into a region a Released cown owns, and no LOCAL "
     "prototype chain passes through a Released cown",
     When::State, checker_detail::check_opacity},
    {Invariant::I15, "I15", "cown ownership",
     "cown ownership (step): only a write to a cown, or a move out of it, changes the parent of "
     "a region it owns; nothing merges or dissolves such a region",
     When::Step, nullptr},
    {Invariant::I16, "I16", "reference counts",
     "reference counts: rc and local_rc equal the incoming references (all, and from LOCAL), "
     "and no reference points to a freed object",
     When::State, checker_detail::check_reference_counts},
    {Invariant::I17, "I17", "isolation of behaviours",
     "isolation of behaviours: two LOCALs never share a mutable object or a region, and a "
     "running behaviour reaches only free regions and regions of cowns it holds",
     When::State, checker_detail::check_behaviour_isolation},
    {Invariant::I18, "I18", "frozen SCC counts",
     "frozen SCC counts: an SCC representative's count is the number of references into the "
     "SCC from outside it",
     When::CpythonState, checker_detail::check_frozen_scc_counts},
    {Invariant::I19, "I19", "freezability",
     "freezability: no frozen object is unfreezable, and an explicit-only object is frozen only "
     "as a root of its freeze",
     When::CpythonState, checker_detail::check_freezability},
    {Invariant::I20, "I20", "no leak",
     "no leak: at the end of the run every live object is reachable from a root, a reachable "
     "region's bridge or a reachable cown",
     When::End, checker_detail::check_no_leak},
}};

constexpr bool rows_in_id_order() {
  for (size_t k = 0; k < kInvariants.size(); ++k)
    if (static_cast<size_t>(kInvariants[k].id) != k) return false;
  return true;
}
static_assert(rows_in_id_order(), "kInvariants is indexed by Invariant");

const InvariantRow &info(Invariant i) {
  return kInvariants[static_cast<size_t>(i)];
}

/// Whether a row is checked at statement boundaries under profile p.
bool checked_at_boundaries(const InvariantRow &row, Profile p) {
  if (row.when == When::State) return true;
  return row.when == When::CpythonState && (p == Profile::Cpython || p == Profile::Pep795);
}

std::vector<Violation> run_one(StateCheck check, const World &w, const CheckContext &c) {
  std::vector<Violation> out;
  Analysis a(w, c);
  Reporter rep(a, out);
  check(a, rep);
  return out;
}

} // namespace

std::string_view invariant_name(Invariant i) {
  return info(i).name;
}

std::string_view invariant_description(Invariant i) {
  return info(i).description;
}

std::optional<Invariant> parse_invariant(std::string_view s) {
  for (size_t k = 0; k < kInvariants.size(); ++k) {
    std::string_view n = kInvariants[k].name;
    if (s.size() != n.size()) continue;
    bool same = true;
    for (size_t j = 0; j < s.size() && same; ++j)
      same = std::toupper(static_cast<unsigned char>(s[j])) == n[j];
    if (same) return static_cast<Invariant>(k);
  }
  return std::nullopt;
}

std::vector<Violation> check_location(const World &w, const CheckContext &c) {
  return run_one(checker_detail::check_location, w, c);
}
std::vector<Violation> check_deep_immutability(const World &w, const CheckContext &c) {
  return run_one(checker_detail::check_deep_immutability, w, c);
}
std::vector<Violation> check_local_isolation(const World &w, const CheckContext &c) {
  return run_one(checker_detail::check_local_isolation, w, c);
}
std::vector<Violation> check_region_entry(const World &w, const CheckContext &c) {
  return run_one(checker_detail::check_region_entry, w, c);
}
std::vector<Violation> check_single_owner(const World &w, const CheckContext &c) {
  return run_one(checker_detail::check_single_owner, w, c);
}
std::vector<Violation> check_region_forest(const World &w, const CheckContext &c) {
  return run_one(checker_detail::check_region_forest, w, c);
}
std::vector<Violation> check_bridge(const World &w, const CheckContext &c) {
  return run_one(checker_detail::check_bridge, w, c);
}
std::vector<Violation> check_lrc(const World &w, const CheckContext &c) {
  return run_one(checker_detail::check_lrc, w, c);
}
std::vector<Violation> check_sbrc(const World &w, const CheckContext &c) {
  return run_one(checker_detail::check_sbrc, w, c);
}
std::vector<Violation> check_closed(const World &w, const CheckContext &c) {
  return run_one(checker_detail::check_closed, w, c);
}
std::vector<Violation> check_liveness(const World &w, const CheckContext &c) {
  return run_one(checker_detail::check_liveness, w, c);
}
std::vector<Violation> check_cown_contents(const World &w, const CheckContext &c) {
  return run_one(checker_detail::check_cown_contents, w, c);
}
std::vector<Violation> check_release(const World &w, const CheckContext &c) {
  return run_one(checker_detail::check_release, w, c);
}
std::vector<Violation> check_opacity(const World &w, const CheckContext &c) {
  return run_one(checker_detail::check_opacity, w, c);
}
std::vector<Violation> check_reference_counts(const World &w, const CheckContext &c) {
  return run_one(checker_detail::check_reference_counts, w, c);
}
std::vector<Violation> check_behaviour_isolation(const World &w, const CheckContext &c) {
  return run_one(checker_detail::check_behaviour_isolation, w, c);
}
std::vector<Violation> check_no_leak(const World &w, const CheckContext &c) {
  return run_one(checker_detail::check_no_leak, w, c);
}

std::vector<Violation> check_selected(const World &w, const CheckContext &c, uint32_t which,
                                      bool first_only) {
  std::vector<Violation> out;
  Analysis a(w, c);
  Reporter rep(a, out);
  for (const InvariantRow &row : kInvariants) {
    if (row.when != When::State || !(which & (1u << static_cast<unsigned>(row.id)))) continue;
    row.check(a, rep);
    if (first_only && !out.empty()) break;
  }
  return out;
}

std::vector<Violation> check_state(const World &w, const CheckContext &c, bool first_only) {
  std::vector<Violation> out;
  Analysis a(w, c); // shared, so the counts and the forest are computed once for all
  Reporter rep(a, out);
  for (const InvariantRow &row : kInvariants) {
    if (!checked_at_boundaries(row, c.profile)) continue;
    row.check(a, rep);
    if (first_only && !out.empty()) break;
  }
  return out;
}

std::string format_violation(const World &w, const Violation &v) {
  CheckContext c;
  Analysis a(w, c); // names only: nothing is computed
  std::string out = std::string(info(v.invariant).name) + " (" +
                    std::string(info(v.invariant).title) + ") broken: " + v.message;
  const Witness &wit = v.witness;
  std::string parts;
  if (!wit.objects.empty()) {
    parts += "objects: ";
    for (size_t k = 0; k < wit.objects.size(); ++k)
      parts += (k ? ", " : "") + a.name_at(wit.objects[k]);
  }
  if (!wit.regions.empty()) {
    parts += parts.empty() ? "regions: " : "; regions: ";
    for (size_t k = 0; k < wit.regions.size(); ++k)
      parts += (k ? ", " : "") + a.region_name(wit.regions[k]);
  }
  if (!wit.path.empty()) parts += (parts.empty() ? "path: " : "; path: ") + wit.path;
  if (!parts.empty()) out += " [" + parts + "]";
  return out;
}

} // namespace lungfish
