// docs/semantics.md is the project's semantics: its rule, invariant, error-code and defect tables
// must say what the model's own tables say (model/rules.h `all_rules()` and `error_code_name`,
// checker/invariants.h `invariant_name`/`invariant_description`, traces/replay/defects.h
// `known_defects()`), and each `checked in` / `checked by` cell must name a function that really
// raises that rule or reports that invariant. The table formats are defined at the top of
// docs/semantics.md.
//
// Each comparison returns its findings as messages naming the document's line, so that a test on
// a deliberately broken copy of the document shows that the comparison can fail.
#include "checker/invariants.h"
#include "model/rules.h"
#include "traces/replay/defects.h"

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace lungfish {
namespace {

const std::string kDocPath = "docs/semantics.md";

std::string source_path(const std::string &relative) {
  return std::string(LUNGFISH_SOURCE_DIR) + "/" + relative;
}

/// The whole file, or nullopt if it cannot be read.
std::optional<std::string> read_text(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string trim(const std::string &s) {
  size_t b = s.find_first_not_of(" \t\r"), e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

bool is_ident(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

/// One Markdown table: its header cells and its rows, each with its line number (1-based).
struct Row {
  size_t line;
  std::vector<std::string> cells;
};
struct Table {
  size_t line;
  std::vector<std::string> header;
  std::vector<Row> rows;
};

/// Splits `| a | b |` into its trimmed cells; empty if the line is not a table row.
std::vector<std::string> split_row(const std::string &raw) {
  std::string line = trim(raw);
  if (line.size() < 2 || line.front() != '|' || line.back() != '|') return {};
  std::vector<std::string> cells;
  std::string cell;
  for (size_t i = 1; i + 1 < line.size(); ++i) {
    if (line[i] == '|') {
      cells.push_back(trim(cell));
      cell.clear();
    } else {
      cell += line[i];
    }
  }
  cells.push_back(trim(cell));
  return cells;
}

/// Every table of a Markdown text: a header row, a delimiter row, then rows up to the first line
/// that is not a table row.
std::vector<Table> tables(const std::string &text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    lines.push_back(l);
  std::vector<Table> out;
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    std::vector<std::string> header = split_row(lines[i]);
    std::vector<std::string> delim = split_row(lines[i + 1]);
    if (header.empty() || delim.empty() || delim[0].find("---") == std::string::npos) continue;
    Table t{i + 1, header, {}};
    size_t j = i + 2;
    for (; j < lines.size(); ++j) {
      std::vector<std::string> cells = split_row(lines[j]);
      if (cells.empty()) break;
      t.rows.push_back(Row{j + 1, cells});
    }
    out.push_back(std::move(t));
    i = j - 1;
  }
  return out;
}

/// The text of a cell written as one code span (`x`); nullopt if it is not one.
std::optional<std::string> code_span(const std::string &cell) {
  if (cell.size() < 2 || cell.front() != '`' || cell.back() != '`') return std::nullopt;
  std::string inner = cell.substr(1, cell.size() - 2);
  if (inner.find('`') != std::string::npos) return std::nullopt;
  return inner;
}

std::string at(size_t line) {
  return kDocPath + ":" + std::to_string(line) + ": ";
}

/// The enumerator of a rule id: `cown_write.not_bridge` -> `CownWriteNotBridge`.
std::string enumerator(std::string_view rule) {
  std::string out;
  bool upper = true;
  for (char c : rule) {
    if (c == '.' || c == '_') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

/// True if `text` contains `word` not followed by an identifier character.
bool mentions(const std::string &text, const std::string &word) {
  for (size_t p = text.find(word); p != std::string::npos; p = text.find(word, p + 1))
    if (p + word.size() == text.size() || !is_ident(text[p + word.size()])) return true;
  return false;
}

/// The body of the function `name` defined in `text`: from its definition line (a line at column
/// 0 naming `name(` that is not a declaration) to the first line that is exactly `}`.
std::optional<std::string> function_body(const std::string &text, const std::string &name) {
  std::istringstream in(text);
  std::string line, body;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!inside) {
      if (line.empty() || std::isspace(static_cast<unsigned char>(line[0])) || line[0] == '/')
        continue;
      size_t p = line.find(name + "(");
      if (p == std::string::npos || (p > 0 && is_ident(line[p - 1]))) continue;
      std::string code = trim(line.substr(0, line.find("//")));
      if (!code.empty() && code.back() == ';') continue; // a declaration
      inside = true;
    }
    body += line + "\n";
    if (line == "}") return body;
  }
  return std::nullopt;
}

/// Checks one `checked in` / `checked by` cell: each site (`file function`, separated by `;`)
/// must be a file that defines the function, whose body names `needle`. `—` claims that no file
/// of `model/` names it. Appends findings to `out`.
void check_sites(const Row &row, const std::string &cell, const std::string &what,
                 const std::string &needle, std::vector<std::string> &out) {
  if (cell == "—") {
    for (const auto &e : std::filesystem::directory_iterator(source_path("model"))) {
      auto text = read_text(e.path().string());
      if (text && mentions(*text, needle))
        out.push_back(at(row.line) + what + " is marked as raised nowhere (—), but model/" +
                      e.path().filename().string() + " names " + needle);
    }
    return;
  }
  std::istringstream sites(cell);
  for (std::string site; std::getline(sites, site, ';');) {
    auto span = code_span(trim(site));
    size_t space = span ? span->find(' ') : std::string::npos;
    if (space == std::string::npos) {
      out.push_back(at(row.line) + what + ": the site '" + trim(site) +
                    "' is not written as `file function`");
      continue;
    }
    std::string file = span->substr(0, space), function = trim(span->substr(space + 1));
    auto text = read_text(source_path(file));
    if (!text) {
      out.push_back(at(row.line) + what + ": the file " + file + " does not exist");
      continue;
    }
    auto body = function_body(*text, function);
    if (!body)
      out.push_back(at(row.line) + what + ": " + file + " defines no function " + function);
    else if (!mentions(*body, needle))
      out.push_back(at(row.line) + what + ": " + file + " " + function + " does not name " +
                    needle);
  }
}

const std::vector<std::string> kRuleHeader = {
    "rule", "code", "switchable", "primitive", "precondition", "when switched off", "checked in"};
const std::vector<std::string> kInvariantHeader = {"invariant", "statement", "checked by"};
const std::vector<std::string> kDefectHeader = {"defect", "what the runtime does"};
const std::vector<std::string> kCodeHeader = {"code", "rules"};

/// Compares the document's rule tables with all_rules().
std::vector<std::string> rule_table_problems(const std::string &doc) {
  std::vector<std::string> out;
  std::map<std::string, const RuleInfo *> model;
  for (const RuleInfo &r : all_rules())
    model[std::string(r.name)] = &r;
  auto rules_cc = read_text(source_path("model/rules.cc")).value_or("");
  std::set<std::string> seen;
  size_t tables_found = 0;
  for (const Table &t : tables(doc)) {
    if (t.header != kRuleHeader) continue;
    ++tables_found;
    for (const Row &row : t.rows) {
      if (row.cells.size() != kRuleHeader.size()) {
        out.push_back(at(row.line) + "a rule row has " + std::to_string(row.cells.size()) +
                      " cells, not " + std::to_string(kRuleHeader.size()));
        continue;
      }
      auto id = code_span(row.cells[0]);
      if (!id) {
        out.push_back(at(row.line) + "the rule id '" + row.cells[0] + "' is not a code span");
        continue;
      }
      auto it = model.find(*id);
      if (it == model.end()) {
        out.push_back(at(row.line) + "rule `" + *id +
                      "` is not in the model's rule table (model/rules.cc)");
        continue;
      }
      if (!seen.insert(*id).second) {
        out.push_back(at(row.line) + "rule `" + *id + "` has a second row");
        continue;
      }
      const RuleInfo &r = *it->second;
      auto differs = [&](const std::string &column, const std::string &doc_value,
                         const std::string &model_value) {
        if (doc_value != model_value)
          out.push_back(at(row.line) + "rule `" + *id + "`: " + column + " is '" + doc_value +
                        "' here but '" + model_value + "' in model/rules.cc");
      };
      differs("code", row.cells[1], "`" + std::string(error_code_name(r.code)) + "`");
      differs("switchable", row.cells[2], r.switchable ? "yes" : "no");
      differs("primitive", row.cells[3], "`" + std::string(r.primitive) + "`");
      differs("precondition", row.cells[4], std::string(r.check));
      differs("when switched off", row.cells[5],
              r.when_off.empty() ? "—" : std::string(r.when_off));
      std::string camel = enumerator(r.name);
      if (!mentions(rules_cc, "R::" + camel))
        out.push_back(at(row.line) + "rule `" + *id + "`: its enumerator is not RuleId::" + camel +
                      " (this test derives enumerators from ids; model/rules.cc disagrees)");
      else
        check_sites(row, row.cells[6], "rule `" + *id + "`", "RuleId::" + camel, out);
    }
  }
  if (tables_found == 0) out.push_back(kDocPath + ": no rule table (header: | rule | code | ...)");
  for (const RuleInfo &r : all_rules())
    if (!seen.count(std::string(r.name)))
      out.push_back(kDocPath + ": rule `" + std::string(r.name) +
                    "` (model/rules.cc) has no row in any rule table");
  return out;
}

/// Compares the document's invariant table with the checker's names and descriptions.
std::vector<std::string> invariant_table_problems(const std::string &doc) {
  std::vector<std::string> out;
  const Table *table = nullptr;
  std::vector<Table> all = tables(doc);
  for (const Table &t : all) {
    if (t.header != kInvariantHeader) continue;
    if (table) {
      out.push_back(at(t.line) + "a second invariant table");
      return out;
    }
    table = &t;
  }
  if (!table) return {kDocPath + ": no invariant table (header: | invariant | statement | ...)"};
  const size_t n = static_cast<size_t>(Invariant::Count);
  for (size_t k = 0; k < table->rows.size(); ++k) {
    const Row &row = table->rows[k];
    if (row.cells.size() != kInvariantHeader.size()) {
      out.push_back(at(row.line) + "an invariant row has " + std::to_string(row.cells.size()) +
                    " cells, not " + std::to_string(kInvariantHeader.size()));
      continue;
    }
    if (k >= n) {
      out.push_back(at(row.line) + "invariant " + row.cells[0] + " is not in checker/invariants.h");
      continue;
    }
    auto inv = static_cast<Invariant>(k);
    std::string name(invariant_name(inv)), description(invariant_description(inv));
    if (row.cells[0] != name) {
      out.push_back(at(row.line) + "row " + std::to_string(k + 1) + " is invariant " +
                    row.cells[0] + " here but " + name + " in checker/invariants.cc");
      continue;
    }
    if (row.cells[1] != description)
      out.push_back(at(row.line) + "invariant " + name + ": the statement is '" + row.cells[1] +
                    "' here but '" + description + "' in checker/invariants.cc");
    check_sites(row, row.cells[2], "invariant " + name, "Invariant::" + name, out);
  }
  for (size_t k = table->rows.size(); k < n; ++k)
    out.push_back(at(table->line) + "invariant " +
                  std::string(invariant_name(static_cast<Invariant>(k))) + " has no row");
  return out;
}

/// Compares the document's table of error codes with `ErrorCode` and the rules carrying each.
std::vector<std::string> code_table_problems(const std::string &doc) {
  std::vector<std::string> out;
  const Table *table = nullptr;
  std::vector<Table> all = tables(doc);
  for (const Table &t : all)
    if (t.header == kCodeHeader) table = &t;
  if (!table) return {kDocPath + ": no table of error codes (header: | code | rules |)"};
  const size_t n = static_cast<size_t>(ErrorCode::Count);
  for (size_t k = 0; k < table->rows.size(); ++k) {
    const Row &row = table->rows[k];
    if (row.cells.size() != kCodeHeader.size() || k >= n) {
      out.push_back(at(row.line) + "the row '" + row.cells[0] +
                    "' is not a code of ErrorCode (model/rules.h) in order");
      continue;
    }
    auto code = static_cast<ErrorCode>(k);
    std::string name = "`" + std::string(error_code_name(code)) + "`", rules;
    for (const RuleInfo &r : all_rules())
      if (r.code == code) rules += (rules.empty() ? "`" : ", `") + std::string(r.name) + "`";
    if (row.cells[0] != name)
      out.push_back(at(row.line) + "code " + std::to_string(k + 1) + " is " + row.cells[0] +
                    " here but " + name + " in model/rules.cc");
    else if (row.cells[1] != rules)
      out.push_back(at(row.line) + "code " + name + ": the rules are '" + row.cells[1] +
                    "' here but '" + rules + "' in model/rules.cc");
  }
  for (size_t k = table->rows.size(); k < n; ++k)
    out.push_back(at(table->line) + "code " +
                  std::string(error_code_name(static_cast<ErrorCode>(k))) + " has no row");
  return out;
}

/// Compares the document's defect table with the names replay reports.
std::vector<std::string> defect_table_problems(const std::string &doc) {
  std::vector<std::string> out;
  const Table *table = nullptr;
  std::vector<Table> all = tables(doc);
  for (const Table &t : all)
    if (t.header == kDefectHeader) table = &t;
  if (!table) return {kDocPath + ": no defect table (header: | defect | what the runtime does |)"};
  const std::vector<std::string> &names = traces::known_defects();
  for (size_t k = 0; k < table->rows.size() || k < names.size(); ++k) {
    if (k >= table->rows.size()) {
      out.push_back(at(table->line) + "defect '" + names[k] +
                    "' (traces/replay/defects.cc) has no row, or not in known_defects() order");
      continue;
    }
    const Row &row = table->rows[k];
    if (row.cells.size() != kDefectHeader.size())
      out.push_back(at(row.line) + "a defect row has " + std::to_string(row.cells.size()) +
                    " cells, not " + std::to_string(kDefectHeader.size()));
    else if (k >= names.size())
      out.push_back(at(row.line) + "defect '" + row.cells[0] +
                    "' is not in known_defects() (traces/replay/defects.cc)");
    else if (row.cells[0] != names[k])
      out.push_back(at(row.line) + "defect " + std::to_string(k + 1) + " is '" + row.cells[0] +
                    "' here but '" + names[k] + "' in known_defects() (traces/replay/defects.cc)");
  }
  return out;
}

std::string document() {
  auto text = read_text(source_path(kDocPath));
  EXPECT_TRUE(text) << "cannot read " << source_path(kDocPath);
  return text.value_or("");
}

std::string joined(const std::vector<std::string> &problems) {
  std::string s;
  for (const std::string &p : problems)
    s += p + "\n";
  return s;
}

/// The document with the first occurrence of `from` replaced by `to` (which must exist).
std::string edited(const std::string &doc, const std::string &from, const std::string &to) {
  size_t p = doc.find(from);
  EXPECT_NE(p, std::string::npos) << "the document no longer contains: " << from;
  if (p == std::string::npos) return doc;
  return doc.substr(0, p) + to + doc.substr(p + from.size());
}

bool any_contains(const std::vector<std::string> &problems, const std::string &what) {
  for (const std::string &p : problems)
    if (p.find(what) != std::string::npos) return true;
  return false;
}

TEST(SemanticsDoc, RuleTablesMatchTheModel) {
  std::vector<std::string> problems = rule_table_problems(document());
  EXPECT_TRUE(problems.empty()) << joined(problems);
}

TEST(SemanticsDoc, InvariantTableMatchesTheChecker) {
  std::vector<std::string> problems = invariant_table_problems(document());
  EXPECT_TRUE(problems.empty()) << joined(problems);
}

TEST(SemanticsDoc, CodeTableMatchesTheRules) {
  std::vector<std::string> problems = code_table_problems(document());
  EXPECT_TRUE(problems.empty()) << joined(problems);
}

TEST(SemanticsDoc, DefectTableMatchesReplay) {
  std::vector<std::string> problems = defect_table_problems(document());
  EXPECT_TRUE(problems.empty()) << joined(problems);
}

// The comparisons can fail: each kind of damage to a copy of the document is reported, naming the
// row.
TEST(SemanticsDoc, ABrokenRuleRowIsReported) {
  const std::string doc = document();
  auto p = rule_table_problems(
      edited(doc, "| k is a string | — | `model/barrier.cc Machine::Impl::load_field` |",
             "| k is a text | — | `model/barrier.cc Machine::Impl::load_field` |"));
  EXPECT_TRUE(any_contains(p, "rule `read.bad_key`: precondition is 'k is a text'")) << joined(p);
  p = rule_table_problems(
      edited(doc, "| `barrier.cycle` | `E_CYCLE` | yes |", "| `barrier.cycle` | `E_CYCLE` | no |"));
  EXPECT_TRUE(any_contains(p, "rule `barrier.cycle`: switchable is 'no'")) << joined(p);
  p = rule_table_problems(
      edited(doc, "| `unreachable` | `E_UNREACHABLE`", "| `unreached` | `E_UNREACHABLE`"));
  EXPECT_TRUE(any_contains(p, "rule `unreached` is not in the model's rule table")) << joined(p);
  EXPECT_TRUE(any_contains(p, "rule `unreachable` (model/rules.cc) has no row")) << joined(p);
}

TEST(SemanticsDoc, AWrongSiteIsReported) {
  const std::string doc = document();
  auto p = rule_table_problems(edited(doc, "`model/regions.cc Machine::Impl::is_released`",
                                      "`model/regions.cc Machine::Impl::is_closed`"));
  EXPECT_TRUE(any_contains(p, "Machine::Impl::is_closed does not name RuleId::IsReleasedNotCown"))
      << joined(p);
  p = rule_table_problems(edited(doc, "`model/regions.cc Machine::Impl::dissolve` |\n",
                                 "`model/region.cc Machine::Impl::dissolve` |\n"));
  EXPECT_TRUE(any_contains(p, "the file model/region.cc does not exist")) << joined(p);
  p = rule_table_problems(edited(doc,
                                 "| `unreachable` | `E_UNREACHABLE` | no | `unreachable()` | "
                                 "never executed | — | `model/regions.cc "
                                 "Machine::Impl::builtin` |",
                                 "| `unreachable` | `E_UNREACHABLE` | no | `unreachable()` | "
                                 "never executed | — | — |"));
  EXPECT_TRUE(any_contains(p, "names RuleId::Unreachable")) << joined(p);
}

TEST(SemanticsDoc, ABrokenInvariantRowIsReported) {
  const std::string doc = document();
  auto p = invariant_table_problems(
      edited(doc, "| I9 | SBRC: a region's SBRC is the number of its direct children that are open",
             "| I9 | SBRC: a region's SBRC is the number of its children that are open"));
  EXPECT_TRUE(any_contains(p, "invariant I9: the statement is")) << joined(p);
  p = invariant_table_problems(edited(doc, "`checker/region_invariants.cc check_lrc`",
                                      "`checker/region_invariants.cc check_sbrc`"));
  EXPECT_TRUE(any_contains(p, "check_sbrc does not name Invariant::I8")) << joined(p);
}

TEST(SemanticsDoc, ABrokenCodeRowIsReported) {
  auto p = code_table_problems(edited(document(), "| `E_NOT_PARENT` | `merge.not_parent` |",
                                      "| `E_NOT_PARENT` | `merge.not_parent`, `dissolve.child` |"));
  EXPECT_TRUE(any_contains(p, "code `E_NOT_PARENT`: the rules are")) << joined(p);
}

TEST(SemanticsDoc, ABrokenDefectRowIsReported) {
  auto p = defect_table_problems(
      edited(document(), "| merge leaves the sink dirty |", "| merge leaves the sink clean |"));
  EXPECT_TRUE(any_contains(p, "is 'merge leaves the sink clean' here but 'merge leaves the sink "
                              "dirty'"))
      << joined(p);
}

} // namespace
} // namespace lungfish
