// `lungfish paper`: runs the hunt and a tiny verification, then writes every generated file.
#include "generators/paper.h"

#include "checker/invariants.h"
#include "model/render.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace lungfish::gen {

namespace fs = std::filesystem;

bool write_file_atomically(const std::string &path, const std::string &text, std::string &error) {
  fs::path p(path);
  std::error_code ec;
  if (p.has_parent_path()) fs::create_directories(p.parent_path(), ec);
  fs::path tmp = p;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
      error = "cannot write " + tmp.string();
      return false;
    }
  }
  fs::rename(tmp, p, ec);
  if (ec) {
    error = "cannot rename " + tmp.string() + " to " + p.string() + ": " + ec.message();
    fs::remove(tmp, ec);
    return false;
  }
  return true;
}

namespace {

class Writer {
public:
  explicit Writer(const PaperOptions &o, PaperResult &r) : o_(o), r_(r) {}
  bool put(const std::string &name, const std::string &text) {
    if (!r_.error.empty()) return false;
    std::string error;
    if (!write_file_atomically((fs::path(o_.out) / name).string(), text, error)) {
      r_.error = error;
      return false;
    }
    r_.files.push_back(name);
    return true;
  }

private:
  const PaperOptions &o_;
  PaperResult &r_;
};

/// A TeX macro name for a number (letters only): `\NumKilled`.
std::string macro(const std::string &key) {
  std::string out = "\\Num";
  bool upper = true;
  static const char *digits[] = {"Zero", "One", "Two",   "Three", "Four",
                                 "Five", "Six", "Seven", "Eight", "Nine"};
  for (char c : key) {
    if (c == '_') {
      upper = true;
      continue;
    }
    if (c >= '0' && c <= '9') { // TeX control words are letters only
      out += digits[c - '0'];
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

} // namespace

PaperResult write_paper(const PaperOptions &o) {
  PaperResult res;
  Writer w(o, res);
  MutantOptions mo;
  mo.seed = o.seed;
  mo.budget_programs = o.budget_programs;
  mo.use_z3 = o.use_z3;
  std::vector<MutantResult> mutants = hunt_mutants(mo);

  std::optional<VerifyReport> report;
  if (o.run_verify) {
    VerifyOptions vo;
    vo.bound = o.verify_bound;
    vo.steps = o.verify_steps;
    vo.solver_timeout = 0; // bounded by the scope, never by time: the table is reproducible
    report = run_verify(vo);
  }

  // The numbers quoted in the text: one place, written both as JSON and as TeX macros.
  nlohmann::ordered_json numbers;
  size_t rules = 0, switchable = 0;
  for (const RuleInfo &r : all_rules()) {
    ++rules;
    switchable += r.switchable;
  }
  size_t killed = 0, masked = 0, check_mutants = 0, rule_mutants = 0, max_statements = 0;
  size_t by_exhaustive = 0, by_random = 0, by_z3 = 0;
  uint64_t searched = 0;
  for (const MutantResult &m : mutants) {
    (m.spec.kind == MutantKind::Check ? check_mutants : rule_mutants)++;
    searched += m.searched;
    if (m.status == "killed") {
      ++killed;
      max_statements = std::max(max_statements, m.statements);
      by_exhaustive += m.engine == "exhaustive";
      by_random += m.engine == "random";
      by_z3 += m.engine == "z3";
    }
    masked += m.status == "masked";
  }
  res.survived = mutants.size() - killed - masked;
  numbers["seed"] = o.seed;
  numbers["budget_programs"] = o.budget_programs;
  numbers["rules"] = rules;
  numbers["switchable_rules"] = switchable;
  numbers["invariants"] = static_cast<size_t>(Invariant::Count);
  numbers["mutants"] = mutants.size();
  numbers["check_mutants"] = check_mutants;
  numbers["rule_mutants"] = rule_mutants;
  numbers["killed"] = killed;
  numbers["masked"] = masked;
  numbers["survived"] = res.survived;
  numbers["killed_by_exhaustive"] = by_exhaustive;
  numbers["killed_by_random"] = by_random;
  numbers["killed_by_z3"] = by_z3;
  numbers["programs_searched"] = searched;
  numbers["max_counterexample_statements"] = max_statements;
  size_t proved = 0, cex = 0, unknown = 0;
  if (report)
    for (const VerifyResult &r : report->results) {
      proved += r.verdict == Verdict::Proved;
      cex += r.verdict == Verdict::Counterexample;
      unknown += r.verdict == Verdict::Unknown;
    }
  numbers["verify_steps"] = o.verify_steps;
  numbers["verify_objects"] = o.verify_bound.objects;
  numbers["verify_regions"] = o.verify_bound.regions;
  numbers["verify_proved"] = proved;
  numbers["verify_counterexamples"] = cex;
  numbers["verify_unknown"] = unknown;
  nlohmann::ordered_json per = nlohmann::ordered_json::object();
  for (const MutantResult &m : mutants)
    per[m.spec.name] = {{"status", m.status},         {"invariant", m.invariant},
                        {"engine", m.engine},         {"searched", m.searched},
                        {"statements", m.statements}, {"objects", m.objects}};

  std::string macros = "% Generated by `lungfish paper`: the numbers of numbers.json.\n";
  for (const auto &[k, v] : numbers.items())
    macros += "\\newcommand{" + macro(k) + "}{" + v.dump() + "}\n";
  numbers["per_mutant"] = std::move(per);

  w.put("tikz-preamble.tex", tikz_preamble());
  w.put("rules.tex", rules_tex());
  w.put("invariants.tex", invariants_tex());
  w.put("mutants.tex", mutants_tex(mutants, mo));
  w.put("verify.tex", verify_tex(report ? &*report : nullptr, o));
  w.put("figures.tex", figures_tex(mutants, mo));
  for (const MutantResult &m : mutants) {
    if (m.status != "killed") continue;
    std::string stem = file_stem(m.spec.name);
    w.put(stem + ".lf",
          "# " + m.spec.name + " (" + m.spec.flag() + ") breaks " + m.invariant + "\n" + m.text);
    w.put(stem + "-before.tex", render_tikz(m.run.before));
    w.put(stem + "-after.tex", render_tikz(m.run.after, m.highlight));
    MermaidOptions mopts;
    w.put(stem + "-before.mmd", render_mermaid(m.run.before, mopts));
    if (m.highlight) mopts.highlight = {m.highlight->source};
    w.put(stem + "-after.mmd", render_mermaid(m.run.after, mopts));
    w.put(stem + "-before.dot", render_dot(m.run.before));
    w.put(stem + "-after.dot", render_dot(m.run.after));
  }
  w.put("numbers.tex", macros);
  w.put("numbers.json", numbers.dump(2) + "\n");
  return res;
}

} // namespace lungfish::gen
