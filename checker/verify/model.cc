// The encoding against the executable model: abstraction of a World into the encoding's value
// space, replay of decoded counterexamples, and the small-scope successor cross-check.
//
// Abstraction: live objects other than frames and the frozen globals get object slots; a slot
// stays with its object while it lives, and an object created by a statement takes the lowest
// slot free before that statement (the encoding allocates the same way); regions likewise.
// Variables are the main frame's fields `a`, `b`, `c`, ...; field names are `value`, `f`, `g`...
#include "checker/verify/model.h"
#include "checker/verify/encoding.h"
#include "model/machine.h"
#include "model/text/program_text.h"

#include <algorithm>
#include <map>
#include <set>

namespace lungfish {
namespace verify_detail {

std::string field_name(int f) {
  static const char *kNames[] = {"value", "f", "g", "h", "k", "m"};
  if (f < 6) return kNames[f];
  std::string s("f");
  s += std::to_string(f);
  return s;
}
std::string var_name(int v) {
  return std::string(1, static_cast<char>('a' + v));
}

std::string prelude(const Bound &b) {
  std::string p;
  for (int v = 0; v < b.vars; ++v)
    p += var_name(v) + " = None\n";
  return p;
}

std::optional<ConcreteState> abstract_world(const World &w, const Bound &b, SlotMap &map,
                                            std::string *err) {
  const State &h = w.heap;
  auto fail = [&](std::string m) {
    if (err) *err = std::move(m);
    return std::nullopt;
  };
  if (w.threads.empty() || w.threads[0].calls.empty()) return fail("no main frame");
  ObjectId frame = w.threads[0].calls[0].frame;
  // Objects: keep the slots of survivors, give new ones the lowest free slots (by serial).
  std::map<ObjectId, int> objs;
  std::vector<std::pair<uint64_t, ObjectId>> fresh;
  for (ObjectId o = 1; o < h.object_end(); ++o) {
    if (!h.is_live(o) || h.is_global(o) || o == frame) continue;
    const Object &ob = h.obj(o);
    if (ob.kind != ObjectKind::Plain && ob.kind != ObjectKind::Cown)
      return fail("object kind " + std::string(object_kind_name(ob.kind)) + " is out of scope");
    auto it = map.objects.find(o);
    if (it != map.objects.end() && it->second.second == ob.serial)
      objs[o] = it->second.first;
    else
      fresh.push_back({ob.serial, o});
  }
  std::sort(fresh.begin(), fresh.end());
  // A new object takes the lowest slot free *before* the statement (the encoding allocates
  // before it collects), so the slots of objects that died meanwhile stay taken.
  std::set<int> used;
  for (auto &[o, s] : map.objects)
    used.insert(s.first);
  for (auto &[serial, o] : fresh) {
    int s = 0;
    while (used.count(s))
      ++s;
    if (s >= b.objects) return fail("more than " + std::to_string(b.objects) + " objects");
    used.insert(s);
    objs[o] = s;
  }
  std::map<RegionId, int> regs;
  std::vector<std::pair<uint64_t, RegionId>> fresh_r;
  for (RegionId r = 1; r < h.region_end(); ++r) {
    if (!h.is_live_region(r)) continue;
    auto it = map.regions.find(r);
    if (it != map.regions.end() && it->second.second == h.region(r).serial)
      regs[r] = it->second.first;
    else
      fresh_r.push_back({h.region(r).serial, r});
  }
  std::sort(fresh_r.begin(), fresh_r.end());
  std::set<int> used_r;
  for (auto &[r, s] : map.regions)
    used_r.insert(s.first);
  for (auto &[serial, r] : fresh_r) {
    int s = 0;
    while (used_r.count(s))
      ++s;
    if (s >= b.regions) return fail("more than " + std::to_string(b.regions) + " regions");
    used_r.insert(s);
    regs[r] = s;
  }
  map.objects.clear();
  for (auto &[o, s] : objs)
    map.objects[o] = {s, h.obj(o).serial};
  map.regions.clear();
  for (auto &[r, s] : regs)
    map.regions[r] = {s, h.region(r).serial};

  auto value = [&](ObjectId t, int *out) {
    if (t == kNone) return *out = 0, true;
    auto it = objs.find(t);
    if (it == objs.end()) return false;
    *out = it->second + 1;
    return true;
  };
  std::map<std::string, int> field_index;
  for (int f = 0; f < b.fields; ++f)
    field_index[field_name(f)] = f;

  ConcreteState c = empty_state(b);
  for (auto &[o, s] : objs) {
    const Object &ob = h.obj(o);
    c.alive[s] = 1;
    switch (ob.loc.kind) {
      case LocationKind::Local:
        if (ob.loc.index != 0) return fail("a behaviour's LOCAL is out of scope");
        c.loc[s] = kLocal;
        break;
      case LocationKind::Immutable:
        c.loc[s] = kImm;
        break;
      case LocationKind::Cown:
        c.loc[s] = kCown;
        break;
      case LocationKind::Region: {
        auto it = regs.find(ob.loc.index);
        if (it == regs.end()) return fail("an object in a dead region");
        c.loc[s] = kReg0 + it->second;
        break;
      }
    }
    if (ob.kind == ObjectKind::Cown) {
      if (ob.status == CownStatus::Acquired) return fail("an Acquired cown is out of scope");
      c.released[s] = ob.status == CownStatus::Released;
    }
    if (ob.proto != kNone && !h.is_global(ob.proto))
      return fail("a prototype edge is out of scope");
    for (const Field &f : ob.fields) {
      auto fi = field_index.find(symbol_name(f.name));
      if (fi == field_index.end()) return fail("field " + symbol_name(f.name) + " is out of scope");
      c.def[s][fi->second] = 1;
      if (!value(f.value, &c.fld[s][fi->second])) return fail("a field holds a global or a frame");
    }
  }
  for (auto &[r, s] : regs) {
    const Region &reg = h.region(r);
    c.ralive[s] = 1;
    if (!value(reg.bridge, &c.bridge[s])) return fail("a region's bridge is not an object");
    c.pk[s] = reg.parent_kind == ParentKind::None     ? kNoParent
              : reg.parent_kind == ParentKind::Region ? kParentRegion
                                                      : kParentCown;
    if (reg.parent_kind == ParentKind::Region) {
      auto it = regs.find(reg.parent);
      if (it == regs.end()) return fail("a region's parent is dead");
      c.par[s] = it->second;
    } else if (reg.parent_kind == ParentKind::Cown) {
      if (!value(reg.parent, &c.par[s])) return fail("a region's owner is not an object");
    }
    c.lrc[s] = static_cast<int>(reg.lrc);
    c.sbrc[s] = static_cast<int>(reg.sbrc);
  }
  for (int v = 0; v < b.vars; ++v) {
    const Field *f = h.find_field(frame, intern(var_name(v)));
    if (f && !value(f->value, &c.var[v]))
      return fail("variable " + var_name(v) + " holds a global");
  }
  for (const Field &f : h.obj(frame).fields) {
    const std::string &n = symbol_name(f.name);
    if (n.size() != 1 || n[0] < 'a' || n[0] >= 'a' + b.vars)
      return fail("variable " + n + " is out of scope");
  }
  if (!w.threads[0].stack.empty()) return fail("the operand stack is not empty");
  return c;
}

RunRecord run_program(const std::string &text, const DisabledChecks &disabled) {
  RunRecord rec;
  Program p = parse_program(text);
  MachineOptions mo;
  mo.disabled = disabled;
  mo.record_history = false;
  mo.max_steps = 100000;
  Machine m(compile(p), mo);
  CheckContext ctx{Profile::Lungfish};
  Observer obs = [&](const Machine &mm, const Event &e) {
    if (e.kind != EventKind::Statement) return true;
    rec.worlds.push_back(mm.world());
    rec.lines.push_back(e.line);
    rec.violations.push_back(check_state(mm.world(), ctx, false));
    return true;
  };
  rec.outcome = m.run(obs);
  if (m.error())
    rec.error = std::string(error_code_name(m.error()->code)) + " (" +
                std::string(rule_info(m.error()->rule).name) + "): " + m.error()->message;
  if (m.dangling()) rec.dangling = *m.dangling();
  return rec;
}

} // namespace verify_detail

using namespace verify_detail;

bool replay_breaks(const std::string &program, const std::string &invariant,
                   const DisabledChecks &disabled, std::string *what) {
  RunRecord rec = run_program(program, disabled);
  size_t statements = static_cast<size_t>(std::count(program.begin(), program.end(), '\n'));
  auto say = [&](std::string s) {
    if (what) *what = std::move(s);
  };
  if (rec.lines.size() < statements) {
    say(rec.dangling.empty()
            ? "rejected at statement " + std::to_string(rec.lines.size() + 1) + ": " + rec.error
            : "stopped: " + rec.dangling);
    return invariant == "I16" && !rec.dangling.empty();
  }
  std::string broken;
  bool hit = false;
  for (const Violation &v : rec.violations.back()) {
    std::string n(invariant_name(v.invariant));
    broken += (broken.empty() ? "" : ", ") + n;
    hit = hit || n == invariant;
  }
  if (!rec.dangling.empty()) {
    broken += (broken.empty() ? "" : ", ") + std::string("I16 (dangling)");
    hit = hit || invariant == "I16";
  }
  say(broken.empty() ? "no invariant broken" : "breaks " + broken);
  return hit;
}

} // namespace lungfish
