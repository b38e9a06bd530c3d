#include "generators/campaigns/campaign.h"

#include "generators/campaigns/parallel.h"

#include "checker/monitor.h"
#include "generators/ast_build.h"
#include "generators/rng.h"
#include "generators/shrink.h"
#include "model/code.h"
#include "model/io/atomic_file.h"
#include "model/text/program_text.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <sstream>

namespace lungfish::gen {

namespace fs = std::filesystem;

std::vector<RuleId> applicable_switchable_rules(Profile p) {
  std::vector<RuleId> out;
  for (const RuleInfo &r : all_rules()) {
    if (!r.switchable) continue;
    if (r.id == RuleId::FreezeNotFreezable && p != Profile::Cpython && p != Profile::Pep795)
      continue;
    if (r.id == RuleId::FreezeNotSelfContained && p != Profile::Pep795) continue;
    out.push_back(r.id);
  }
  return out;
}

Family campaign_family(uint64_t index) {
  return index % 5 == 4 ? Family::Raw : Family::Biased;
}

namespace {

std::string hex64(uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

uint64_t fnv1a(const std::string &s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s)
    h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

std::string flags(const CampaignOptions &o) {
  std::string out;
  if (o.config.profile != Profile::Lungfish)
    out += " --profile " + std::string(profile_name(o.config.profile));
  for (const std::string &d : o.disabled_names)
    out += " --disable-check " + d;
  if (o.config.check != CheckMode::Incremental)
    out += " --check " + std::string(check_mode_name(o.config.check));
  return out;
}

/// The comment that ends a saved case: after the program, so that the file's line numbers are
/// the report's and `lungfish run` names the same line.
std::string trailer(const Counterexample &c, const CampaignOptions &o) {
  return "# lungfish check failure: " + c.failure.property + " " + c.failure.invariant +
         "\n# options:" + flags(o) + "\n# origin: " + c.origin + "\n";
}

/// The command reproducing a saved case: `lungfish run FILE` for an invariant, a check of its
/// directory alone for the other properties.
std::string reproduce(const Counterexample &c, const CampaignOptions &o, const fs::path &file) {
  if (c.failure.property == "invariant")
    return o.binary + " run " + o.quote_path(file.string()) + flags(o);
  return o.binary + " check --count 0 --save-failures " +
         o.quote_path(file.parent_path().string()) + flags(o);
}

/// Saves a counterexample: invariant failures as DIR/<hash>.lf (reproduced by `lungfish run`),
/// the other properties as DIR/<hash>/case.lf (reproduced by a check of that directory alone).
void save(Counterexample &c, const CampaignOptions &o, std::string &error) {
  std::string hash = hex64(fnv1a(c.text + flags(o) + c.failure.invariant));
  fs::path dir = o.save_dir.empty() ? fs::path(".lungfish/failures") : fs::path(o.save_dir);
  fs::path file = c.failure.property == "invariant" ? dir / (hash + ".lf") : dir / hash / "case.lf";
  c.path = file.string();
  c.reproduce = reproduce(c, o, file);
  write_file_atomically(file.string(), c.text + trailer(c, o), error);
}

size_t non_global_objects(const Program &p, const CheckConfig &cfg) {
  // The failing state is not kept by check_program; count the objects the program allocates
  // up to the failure instead, by re-running it with the same options.
  Program parsed = parse_program(print_program(p));
  MachineOptions mo;
  mo.profile = cfg.profile;
  mo.disabled = cfg.disabled;
  mo.max_steps = cfg.max_steps;
  mo.record_history = false;
  Machine m(compile(parsed), mo);
  Monitor monitor(CheckContext{cfg.profile}, MonitorOptions{cfg.check});
  monitor.attach(m);
  size_t objects = 0;
  m.run([&](const Machine &mm, const Event &e) {
    const State &h = mm.heap();
    objects = 0;
    for (ObjectId o = 1; o < h.object_end(); ++o)
      if (h.is_live(o) && !h.is_global(o)) ++objects;
    return monitor.observe(mm, e);
  });
  return objects;
}

Counterexample make_counterexample(const Program &p, const ProgramFailure &f,
                                   const CampaignOptions &o, std::string origin) {
  Counterexample c;
  c.program = p;
  c.text = print_program(p);
  c.statements = count_statements(p.body);
  c.failure = f;
  c.origin = std::move(origin);
  try {
    c.objects = non_global_objects(p, o.config);
  } catch (const std::exception &) {
    c.objects = 0;
  }
  return c;
}

/// Adds one program's result; `fam` is null for a saved case (no family).
void account(CampaignResult &r, const ProgramResult &pr, const Family *fam,
             const CheckConfig &cfg) {
  if (fam) ++r.programs; // saved cases are counted apart (`saved`)
  r.steps += pr.steps;
  r.accepted_steps += pr.accepted;
  if (fam) {
    FamilyStats &fs = *fam == Family::Biased ? r.biased : r.raw;
    ++fs.programs;
    fs.statements += pr.statements;
    fs.accepted += pr.accepted;
  }
  if (pr.outcome == Outcome::Rejected && pr.error) {
    ++r.rejected_steps;
    ++r.rule_hits[std::string(rule_info(pr.error->rule).name)];
  }
  // A disabled check "hit": a run where it was off and an invariant broke.
  if (pr.failure && pr.failure->property == "invariant")
    for (const RuleInfo &ri : all_rules())
      if (cfg.disabled.disabled(ri.id)) ++r.rule_hits[std::string(ri.name)];
}

std::vector<fs::path> saved_cases(const std::string &dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec))
    if (it->is_regular_file() && it->path().extension() == ".lf") out.push_back(it->path());
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace

CampaignResult run_campaign(const CampaignOptions &o,
                            const std::function<void(uint64_t)> &progress) {
  CampaignResult r;
  for (RuleId id : applicable_switchable_rules(o.config.profile))
    r.rule_hits[std::string(rule_info(id).name)] = 0;

  // Saved failures first: each is rerun as it is (it is already minimal).
  for (const fs::path &path : o.begin == 0 ? saved_cases(o.save_dir) : std::vector<fs::path>{}) {
    Program p;
    try {
      p = parse_program_file(path.string());
    } catch (const InputError &) {
      continue; // not ours, or damaged: ignore
    }
    p.file.clear();
    ++r.saved;
    ProgramResult pr = check_program(p, o.config);
    account(r, pr, nullptr, o.config);
    if (pr.failure) {
      Counterexample c = make_counterexample(p, *pr.failure, o, "saved " + path.string());
      c.path = path.string();
      c.reproduce = reproduce(c, o, path);
      r.failures.push_back(std::move(c));
    }
  }
  if (!r.failures.empty()) return r;

  // Programs in blocks: each block is generated and checked on a worker, the blocks are
  // accounted in index order here, and the first failure (by index) stops the campaign, so
  // every number is the one a sequential run gives.
  const uint64_t begin = std::min(o.begin, o.count), end = std::min(o.end, o.count);
  constexpr uint64_t kBlock = 128;
  const uint64_t blocks = (end - begin + kBlock - 1) / kBlock;
  using Block = std::vector<ProgramResult>;
  std::function<Block(uint64_t)> work = [&](uint64_t b) {
    Block out;
    for (uint64_t i = begin + b * kBlock; i < std::min(end, begin + (b + 1) * kBlock); ++i) {
      Program p = generate_program(derive_seed(o.seed, i), o.max_size, campaign_family(i),
                                   o.config.profile);
      out.push_back(check_program(p, o.config));
      if (out.back().failure) break; // the rest of the block would be discarded
    }
    return out;
  };
  std::optional<uint64_t> failing;
  std::optional<ProgramFailure> failure;
  std::function<bool(uint64_t, Block &)> consume = [&](uint64_t b, Block &results) {
    for (size_t k = 0; k < results.size(); ++k) {
      uint64_t i = begin + b * kBlock + k;
      Family fam = campaign_family(i);
      account(r, results[k], &fam, o.config);
      if (results[k].failure) {
        failing = i;
        failure = results[k].failure;
        return false;
      }
    }
    if (progress) progress(std::min(end, begin + (b + 1) * kBlock) - begin);
    return true;
  };
  if (progress) progress(0);
  ordered_parallel<Block>(blocks, o.jobs, work, consume);
  if (failing) {
    // Shrinking is deterministic, on this thread.
    uint64_t i = *failing;
    Family fam = campaign_family(i);
    Program p = generate_program(derive_seed(o.seed, i), o.max_size, fam, o.config.profile);
    ProgramFailure want = *failure;
    Program small = shrink_program(p, [&](const Program &c) {
      ProgramResult cr = check_program(c, o.config);
      return cr.failure && cr.failure->same_kind(want);
    });
    ProgramResult fr = check_program(small, o.config);
    if (!fr.failure) { // cannot happen (the shrinker keeps failing programs); be safe
      small = p;
      fr = check_program(p, o.config);
    }
    Counterexample c =
        make_counterexample(small, *fr.failure, o,
                            "program #" + std::to_string(i) + " (" + std::string(family_name(fam)) +
                                ", --seed " + std::to_string(o.seed) + ")");
    save(c, o, r.save_error);
    r.failures.push_back(std::move(c));
  }
  if (progress && !failing) progress(end - begin);
  return r;
}

} // namespace lungfish::gen
