// `lungfish merge FILE...`: the `--json` reports of the shards of one campaign (`check`,
// `mutants`, `verify` run with --shard K/N or a scheduler's variables) combined into the report
// one unsharded run gives, with its exit code.
//
//   check:   shards are contiguous ranges of program indices; the run stops at its first
//            failure, so counts are summed over the shards in order up to and including the
//            first shard that failed, and that shard's (shrunk) failure is the report's
//   mutants: shards are round-robin parts of the mutant list; the report lists them in the
//            list's order
//   verify:  shards are round-robin parts of the operations; results, vacuity and encoding
//            bugs are joined in the operations' order, seconds summed
#include "checker/verify/verify.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "cli/scaling.h"
#include "generators/campaigns/mutants.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace lungfish::cli {

namespace {

using Json = nlohmann::json;

/// A merge that cannot be made: the message says why (exit 2).
struct MergeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Json read_report(const std::string &path) {
  std::ifstream in(path);
  if (!in) throw MergeError(path + ": cannot read");
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    Json j = Json::parse(ss.str());
    if (!j.is_object() || !j.contains("command"))
      throw MergeError(path + ": not a lungfish --json report (no \"command\")");
    return j;
  } catch (const Json::parse_error &e) {
    throw MergeError(path + ": not JSON (" + std::string(e.what()) + ")");
  }
}

/// Checks that the shards belong to one campaign and are each present once; returns them
/// ordered by shard index.
std::vector<Json> check_shards(std::vector<std::pair<std::string, Json>> files) {
  const std::string command = files[0].second["command"];
  for (const char *key : {"command", "version", "seed", "campaign"}) {
    for (auto &[path, j] : files) {
      Json a = files[0].second.value(key, Json()), b = j.value(key, Json());
      if (a != b)
        throw MergeError("shards of different campaigns: " + files[0].first + " has " + key + " " +
                         a.dump() + ", " + path + " has " + b.dump());
    }
  }
  unsigned count = 0;
  std::map<unsigned, Json> by_index;
  for (auto &[path, j] : files) {
    if (!j.contains("shard"))
      throw MergeError(path + ": not a shard (run with --shard K/N, or a scheduler's variables)");
    unsigned n = j["shard"]["count"], k = j["shard"]["index"];
    if (count && n != count)
      throw MergeError(path + ": shard " + std::to_string(k) + "/" + std::to_string(n) +
                       " of a campaign split " + std::to_string(n) + " ways, the others " +
                       std::to_string(count));
    count = n;
    if (!by_index.emplace(k, j).second)
      throw MergeError(path + ": shard " + std::to_string(k) + "/" + std::to_string(n) +
                       " given twice");
  }
  std::string missing;
  for (unsigned k = 1; k <= count; ++k)
    if (!by_index.count(k)) missing += (missing.empty() ? "" : ", ") + std::to_string(k);
  if (!missing.empty())
    throw MergeError(command + ": shard(s) " + missing + " of " + std::to_string(count) +
                     " missing");
  std::vector<Json> out;
  for (auto &[k, j] : by_index) {
    j.erase("shard");
    out.push_back(std::move(j));
  }
  return out;
}

int merge_check(const std::vector<Json> &shards, Json &out) {
  out = shards[0];
  for (const char *k : {"programs", "steps", "accepted_statements", "rejected_runs"})
    out[k] = 0;
  for (auto &[rule, n] : out["rule_hits"].items())
    n = 0;
  for (auto &[family, f] : out["families"].items())
    for (auto &[k, v] : f.items())
      v = 0;
  out["failures"] = Json::array();
  for (const Json &s : shards) {
    for (const char *k : {"programs", "steps", "accepted_statements", "rejected_runs"})
      out[k] = out[k].get<uint64_t>() + s[k].get<uint64_t>();
    for (auto &[rule, n] : s["rule_hits"].items())
      out["rule_hits"][rule] = out["rule_hits"].value(rule, uint64_t{0}) + n.get<uint64_t>();
    for (auto &[family, f] : s["families"].items())
      for (auto &[k, v] : f.items())
        out["families"][family][k] = out["families"][family][k].get<uint64_t>() + v.get<uint64_t>();
    if (!s["failures"].empty()) {
      out["failures"] = s["failures"]; // the first failure by index ends the campaign
      break;
    }
  }
  out["outcome"] = out["failures"].empty() ? "ok" : "violation";
  for (const Json &f : out["failures"])
    if (f.value("invariant", "") == "checker-disagreement") return kExitCheckerBug;
  return out["failures"].empty() ? kExitOk : kExitViolation;
}

int merge_mutants(const std::vector<Json> &shards, Json &out) {
  out = shards[0];
  std::map<std::string, Json> by_name;
  for (const Json &s : shards)
    for (const Json &m : s["mutants"])
      if (!by_name.emplace(m["name"].get<std::string>(), m).second)
        throw MergeError("mutant " + m["name"].get<std::string>() + " is in two shards");
  out["mutants"] = Json::array();
  bool survived = false;
  for (const gen::MutantSpec &spec : gen::all_mutant_specs()) {
    auto it = by_name.find(spec.name);
    if (it == by_name.end()) continue;
    survived |= it->second["status"] == "survived";
    out["mutants"].push_back(std::move(it->second));
    by_name.erase(it);
  }
  if (!by_name.empty())
    throw MergeError("mutant " + by_name.begin()->first + " is not one of this build's");
  out["outcome"] = survived ? "violation" : "ok";
  return survived ? kExitViolation : kExitOk;
}

int merge_verify(const std::vector<Json> &shards, Json &out) {
  out = shards[0];
  std::vector<std::string> ops = verify_operation_names();
  auto rank = [&](const Json &j) {
    return std::find(ops.begin(), ops.end(), j["op"].get<std::string>()) - ops.begin();
  };
  Json results = Json::array(), vacuity = Json::array(), bugs = Json::array();
  double seconds = 0;
  for (const Json &s : shards) {
    for (const Json &r : s["results"])
      results.push_back(r);
    for (const Json &v : s["vacuity"])
      vacuity.push_back(v);
    for (const Json &b : s["encoding_bugs"])
      bugs.push_back(b);
    seconds += s.value("seconds", 0.0);
  }
  // Stable sorts: within an operation the shard kept the invariants' order.
  std::stable_sort(results.begin(), results.end(),
                   [&](const Json &a, const Json &b) { return rank(a) < rank(b); });
  std::stable_sort(vacuity.begin(), vacuity.end(),
                   [&](const Json &a, const Json &b) { return rank(a) < rank(b); });
  auto bug_rank = [&](const Json &b) {
    std::string s = b.get<std::string>();
    return std::find(ops.begin(), ops.end(), s.substr(0, s.find('/'))) - ops.begin();
  };
  std::stable_sort(bugs.begin(), bugs.end(),
                   [&](const Json &a, const Json &b) { return bug_rank(a) < bug_rank(b); });
  out["results"] = results;
  out["vacuity"] = vacuity;
  out["encoding_bugs"] = bugs;
  out["seconds"] = seconds;
  bool induction = out["mode"] == "induction";
  bool bad = !bugs.empty(), unknown = false;
  for (const Json &r : results) {
    std::string v = r["verdict"];
    unknown |= v == "unknown";
    bad |= v == "counterexample" &&
           (!induction || r.value("classification", "").rfind("reachable", 0) == 0);
  }
  for (const Json &v : vacuity)
    unknown |= v["verdict"] == "unknown";
  int code = bad ? kExitViolation : unknown ? kExitLimit : kExitOk;
  out["outcome"] = bad ? "violation" : unknown ? "limit" : "ok";
  return code;
}

int merge_command(const std::vector<std::string> &paths) {
  try {
    std::vector<std::pair<std::string, Json>> files;
    for (const std::string &p : paths)
      files.emplace_back(p, read_report(p));
    std::vector<Json> shards = check_shards(std::move(files));
    std::string command = shards[0]["command"];
    Json out;
    int code;
    if (command == "check")
      code = merge_check(shards, out);
    else if (command == "mutants")
      code = merge_mutants(shards, out);
    else if (command == "verify")
      code = merge_verify(shards, out);
    else
      throw MergeError("`lungfish " + command + "` reports are not sharded");
    std::cerr << "lungfish merge: " << shards.size() << " shards of `lungfish " << command
              << "`: " << out["outcome"].get<std::string>() << "\n";
    std::cout << out.dump(2) << "\n";
    return code;
  } catch (const MergeError &e) {
    std::cerr << "lungfish merge: " << e.what() << "\n";
    return kExitUsage;
  } catch (const Json::exception &e) {
    std::cerr << "lungfish merge: a report lacks what its command writes (" << e.what() << ")\n";
    return kExitUsage;
  }
}

} // namespace

void add_merge_command(CLI::App &app, Handler &handler) {
  auto files = std::make_shared<std::vector<std::string>>();
  CLI::App *sub = app.add_subcommand(
      "merge", "Combine the --json reports of the shards of one campaign (check, mutants, "
               "verify) into the report, and the exit code, of one unsharded run");
  sub->add_option("FILE", *files, "A shard's --json report (every shard once)")
      ->required()
      ->check(CLI::ExistingFile);
  sub->callback([files, &handler] { handler = [files] { return merge_command(*files); }; });
}

} // namespace lungfish::cli
