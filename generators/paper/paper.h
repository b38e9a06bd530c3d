// `lungfish paper`: regenerates paper/generated/ from the model's own tables and from a mutant
// hunt and a tiny Z3 run, deterministically for a seed (timings are never written).
//
// Files: rules.tex, invariants.tex, mutants.tex, verify.tex, figures.tex (one figure per
// counterexample), numbers.tex (a macro per number quoted in the text) and numbers.json (the same
// numbers), and per killed mutant NAME.lf, NAME-before.tex / NAME-after.tex (TikZ),
// NAME-before.mmd / NAME-after.mmd (Mermaid) and NAME-before.dot / NAME-after.dot (Graphviz).
#pragma once

#include "checker/verify/verify.h"
#include "generators/campaigns/mutants.h"
#include "model/io/atomic_file.h"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace lungfish::gen {

struct PaperOptions {
  std::string out = "paper/generated";
  uint64_t seed = 0;
  uint64_t budget_programs = 1500000; // per mutant: what kills every mutant (minutes)
  bool use_z3 = true;                 // Z3 as the mutants' third engine
  bool run_verify = true;             // verify.tex from a Z3 run (else it says "not run")
  Bound verify_bound{2, 1, 1, 2};     // objects, regions, fields, variables: a tiny scope
  int verify_steps = 2;
  unsigned jobs = 1; // threads for the hunt and the verification; the files do not depend on it
  std::function<void(const MutantResult &)> on_mutant; // after each mutant, in the list's order
};

struct PaperResult {
  std::vector<std::string> files; // written, relative to `out`, in writing order
  std::string error;              // empty on success
  size_t survived = 0;            // mutants neither killed nor documented as masked
};

/// Runs the hunt and the verification and writes every generated file atomically.
PaperResult write_paper(const PaperOptions &o);

/// Writes a file through a temporary file and a rename; creates the parent directories. False
/// (and `error`) on failure. One helper for every output file: model/io/atomic_file.h.
using ::lungfish::write_file_atomically;

/// Escapes LaTeX's special characters for text mode.
std::string latex_escape(std::string_view s);

/// A file-name stem for a mutant name (`barrier.has_parent` -> `barrier-has-parent`): LaTeX's
/// \input would take the dot for an extension.
std::string file_stem(std::string_view mutant);

// Internal: the generated LaTeX pieces (generators/paper/tex.cc).
std::string rules_tex();
std::string invariants_tex();
std::string mutants_tex(const std::vector<MutantResult> &results, const MutantOptions &o);
std::string figures_tex(const std::vector<MutantResult> &results, const MutantOptions &o);
std::string verify_tex(const VerifyReport *report, const PaperOptions &o);

} // namespace lungfish::gen
