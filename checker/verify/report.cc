// Text (a table operation x invariant) and JSON renderings of a verification report.
#include "checker/verify/verify.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

namespace lungfish {

namespace {

nlohmann::json cex_json(const VerifyCounterexample &c, const VerifyReport &r) {
  nlohmann::json j;
  j["program"] = c.program.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.program);
  j["statements"] = c.statements;
  j["objects"] = r.options.bound.objects;
  j["invariant"] = c.invariant;
  j["replayed"] = c.replayed;
  j["replay"] = c.replay;
  if (!c.pre_state.empty()) j["state"] = c.pre_state;
  std::string flags;
  for (const std::string &n : r.options.disabled.names())
    flags += " --disable-check " + n;
  j["reproduce"] = c.program.empty() ? std::string("") : "printf '" + [&] {
    std::string p;
    for (char ch : c.program)
      p += ch == '\n' ? std::string("\\n") : std::string(1, ch);
    return p;
  }() + "' > cex.lf && lungfish run cex.lf" + flags;
  return j;
}

} // namespace

std::string format_report_json(const VerifyReport &r) {
  nlohmann::json j;
  const Bound &b = r.options.bound;
  j["bound"] = {{"objects", b.objects},
                {"regions", b.regions},
                {"fields", b.fields},
                {"variables", b.vars},
                {"steps", r.options.steps}};
  j["mode"] = r.options.induction ? "induction" : "bmc";
  j["disabled"] = r.options.disabled.names();
  j["results"] = nlohmann::json::array();
  for (const VerifyResult &x : r.results) {
    nlohmann::json e;
    e["op"] = x.op;
    e["invariant"] = x.invariant;
    e["verdict"] = std::string(verdict_name(x.verdict));
    e["seconds"] = x.seconds;
    if (!x.classification.empty()) e["classification"] = x.classification;
    e["counterexample"] =
        x.counterexample ? cex_json(*x.counterexample, r) : nlohmann::json(nullptr);
    j["results"].push_back(e);
  }
  j["vacuity"] = nlohmann::json::array();
  for (auto &[op, v] : r.vacuity)
    j["vacuity"].push_back({{"op", op},
                            {"satisfiable", v == Verdict::Proved},
                            {"verdict", v == Verdict::Proved    ? "ok"
                                        : v == Verdict::Unknown ? "unknown"
                                                                : "vacuous"}});
  j["encoding_bugs"] = r.encoding_bugs;
  j["seconds"] = r.seconds;
  return j.dump(2);
}

std::string format_report_text(const VerifyReport &r) {
  std::ostringstream o;
  const Bound &b = r.options.bound;
  o << "lungfish verify (" << (r.options.induction ? "induction" : "bmc") << "): " << b.objects
    << " objects, " << b.regions << " regions, " << b.fields << " fields, " << b.vars
    << " variables, " << r.options.steps << " steps";
  for (const std::string &n : r.options.disabled.names())
    o << ", --disable-check " << n;
  o << "\n";
  std::vector<std::string> ops, invs;
  std::map<std::pair<std::string, std::string>, const VerifyResult *> cell;
  for (const VerifyResult &x : r.results) {
    if (std::find(ops.begin(), ops.end(), x.op) == ops.end()) ops.push_back(x.op);
    if (std::find(invs.begin(), invs.end(), x.invariant) == invs.end()) invs.push_back(x.invariant);
    cell[{x.op, x.invariant}] = &x;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%-11s", "op");
  o << buf;
  for (const std::string &i : invs) {
    std::snprintf(buf, sizeof buf, "%5s", i.c_str());
    o << buf;
  }
  o << "  seconds\n";
  for (const std::string &op : ops) {
    std::snprintf(buf, sizeof buf, "%-11s", op.c_str());
    o << buf;
    double secs = 0;
    for (const std::string &i : invs) {
      const VerifyResult *x = cell[{op, i}];
      const char *mark = "-";
      if (x) {
        secs = std::max(secs, x->seconds); // pairs proved by one shared query share its time
        if (x->verdict == Verdict::Proved)
          mark = x->classification.find("auxiliary") != std::string::npos ? "P+" : "P";
        else if (x->verdict == Verdict::Unknown)
          mark = "?";
        else if (x->verdict == Verdict::Vacuous)
          mark = "v";
        else
          mark = x->counterexample && !x->counterexample->program.empty() ? "C" : "c";
      }
      std::snprintf(buf, sizeof buf, "%5s", mark);
      o << buf;
    }
    std::snprintf(buf, sizeof buf, "%10.2f", secs);
    o << buf << "\n";
  }
  o << "P proved, P+ proved with auxiliary invariants, C counterexample (a trace), "
       "c counterexample to induction from an unreachable state, ? unknown (solver timeout), "
       "v vacuous (the operation is enabled on no state within the bound: nothing claimed)\n";
  for (auto &[op, v] : r.vacuity)
    if (v != Verdict::Proved)
      o << "vacuity: " << op << " is "
        << (v == Verdict::Unknown ? std::string("unknown")
            : r.options.induction
                ? std::string("never enabled on a state satisfying the invariants")
                : "not enabled on any state reachable in " + std::to_string(r.options.steps - 1) +
                      (r.options.steps == 2 ? " statement" : " statements"))
        << "\n";
  for (const VerifyResult &x : r.results) {
    if (!x.counterexample) continue;
    const VerifyCounterexample &c = *x.counterexample;
    o << "\n" << x.op << " / " << x.invariant << ": " << verdict_name(x.verdict);
    if (!x.classification.empty()) o << " (" << x.classification << ")";
    o << "\n";
    if (!c.program.empty()) {
      o << c.program;
      o << "  model: " << c.replay << (c.replayed ? "" : "  [NOT REPRODUCED: encoding bug]")
        << "\n";
    } else if (!c.pre_state.empty()) {
      o << "  pre-state: " << c.pre_state << "\n";
    }
  }
  for (const std::string &bug : r.encoding_bugs)
    o << "\nencoding bug: " << bug << "\n";
  std::snprintf(buf, sizeof buf, "%.2f", r.seconds);
  o << "\ntotal " << buf << " s\n";
  return o.str();
}

} // namespace lungfish
