// Replay of what a user has: the recording, the runtime's log and the program, found beside the
// recording or named (replay.h: find_replay_files, replay_files).
#include "model/code.h"
#include "model/text/python_subset.h"
#include "traces/cpython/replay.h"
#include "traces/cpython/steps.h"
#include "traces/formats/native_trace.h"
#include "traces/replay/defects.h"
#include "traces/replay/judge.h"
#include "traces/replay/replay.h"

#include <cctype>
#include <fstream>

#include <filesystem>

namespace lungfish::traces {

namespace fs = std::filesystem;

namespace {

bool is_file(const fs::path &p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

/// The only file in `dir` whose name ends in one of `suffixes`; "" if none or several.
std::string only_file(const fs::path &dir, std::initializer_list<std::string_view> suffixes) {
  std::string found;
  std::error_code ec;
  for (const auto &e : fs::directory_iterator(dir.empty() ? fs::path(".") : dir, ec)) {
    std::string name = e.path().filename().string();
    bool match = false;
    for (std::string_view s : suffixes)
      match = match || (name.size() > s.size() && name.ends_with(s));
    if (!match || !is_file(e.path())) continue;
    if (!found.empty()) return "";
    found = (dir / name).string();
  }
  return found;
}

std::string first_existing(std::initializer_list<fs::path> candidates) {
  for (const fs::path &p : candidates)
    if (is_file(p)) return p.string();
  return "";
}

std::string format_of(const ReplayFiles &f) {
  if (!f.format.empty()) return f.format;
  if (f.trace.ends_with(".md")) return "frankenscript";
  if (f.trace.ends_with(".json")) return "cpython";
  return "native";
}

void require_file(const std::string &path, const char *what) {
  if (path.empty()) return;
  std::error_code ec;
  if (!fs::exists(path, ec)) throw InputError(path, 0, 0, std::string(what) + ": no such file");
  if (fs::is_directory(path, ec))
    throw InputError(path, 0, 0, std::string(what) + ": is a directory");
}

bool is_python_profile(const std::string &p) {
  return p == "cpython" || p == "pep795";
}

} // namespace

ReplayFiles find_replay_files(ReplayFiles f) {
  f.format = format_of(f);
  require_file(f.trace, "recording");
  require_file(f.log, "log");
  require_file(f.program, "program");
  if (f.format != "frankenscript") return f;
  fs::path trace(f.trace);
  fs::path dir = trace.parent_path();
  std::string name = trace.filename().string();
  std::string stem = name.ends_with(".mermaid.md") ? name.substr(0, name.size() - 11)
                     : name.ends_with(".md")       ? name.substr(0, name.size() - 3)
                                                   : name;
  if (f.log.empty()) {
    f.log = first_existing({dir / (stem + ".out"), dir / (stem + ".log")});
    if (f.log.empty() && stem == "mermaid") f.log = only_file(dir, {".out", ".log"});
  }
  if (f.program.empty()) {
    std::string log_stem;
    if (!f.log.empty()) {
      std::string l = fs::path(f.log).filename().string();
      log_stem = l.substr(0, l.rfind('.'));
    }
    f.program = first_existing({dir / (stem + ".frank"), dir / (log_stem + ".frank")});
    if (f.program.empty() && stem == "mermaid") f.program = only_file(dir, {".frank"});
  }
  return f;
}

namespace {

/// True if the recording at `path` ends inside a diagram: the runtime died while drawing it.
bool recording_cut(const std::string &path) {
  try {
    read_frankenscript_steps(path, nullptr);
  } catch (const InputError &e) {
    return e.detail.starts_with("unexpected end of file");
  }
  return false;
}

/// The `when` header at the line where parsing `path` failed, if the error is in one.
std::optional<std::string> refused_when(const std::string &path, const InputError &e) {
  std::ifstream in(path, std::ios::binary);
  std::string line;
  for (uint32_t n = 1; std::getline(in, line); ++n)
    if (n == e.line) {
      line.erase(0, line.find_first_not_of(" \t"));
      while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
        line.pop_back();
      if (line.starts_with("when (") || line.starts_with("when:")) return line;
      return std::nullopt;
    }
  return std::nullopt;
}

/// The runtime ran a `when` header the model's language refuses (the report's note says so):
/// `when ():` and `when:` are the model's gap (decision 30), anything else the runtime's defect.
void judge_refused_when(ReplayReport &r, uint32_t line, const std::string &header) {
  std::vector<std::string> names = detail::when_names(header);
  bool plain = !names.empty(), duplicate = false;
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string &n = names[i];
    if (n.empty() || !(std::isalpha(static_cast<unsigned char>(n[0])) || n[0] == '_') ||
        n.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
            std::string::npos)
      plain = false;
    for (size_t j = 0; j < i; ++j)
      duplicate = duplicate || names[j] == n;
  }
  if (names.empty()) {
    r.notes.push_back("line " + std::to_string(line) + ": `" + header +
                      "` (a behaviour over no cowns) is not in the model's language (decision "
                      "30): the program was not followed");
    return;
  }
  Divergence d;
  d.line = line;
  d.kind = "statement";
  if (plain && duplicate) {
    d.detail = "the runtime spawned `" + header +
               "`, which names a cown twice: the model refuses it (a behaviour names each cown "
               "once, decision 30); the runtime makes the behaviour wait on itself and never runs "
               "it";
    d.defect = std::string(pldi27::kSelfWait);
  } else {
    d.detail = "the runtime spawned `" + header +
               "`, whose header is not a list of cown variables: the model refuses it; the "
               "runtime acquires only the names before the first other expression";
    d.defect = std::string(pldi27::kHeaderNames);
  }
  if (r.clean()) r.matched_prefix = 0;
  // The behaviour that never ends keeps what the scheduler holds: FrankenScript's exit check
  // then finds objects "still referenced". A consequence, not another defect.
  if (d.defect == std::string(pldi27::kSelfWait))
    for (Divergence &later : r.divergences)
      if (later.detail.find("still has references") != std::string::npos) later.defect = d.defect;
  r.divergences.insert(r.divergences.begin(), std::move(d));
}

} // namespace

ReplayReport replay_files(const ReplayFiles &given, ReplayOptions options) {
  ReplayFiles f = find_replay_files(given);
  std::vector<std::string> inputs;
  auto said = [](const std::string &given_path) {
    return given_path.empty() ? "found beside it" : "given";
  };
  inputs.push_back(f.trace + " (recording, " + f.format + ")");
  std::string header_profile;
  std::string profile_name = f.profile;

  if (f.format == "cpython") {
    options.profile =
        parse_profile(profile_name.empty() ? "cpython" : profile_name).value_or(Profile::Cpython);
    if (!f.program.empty())
      inputs.push_back(f.program + " (program, " + said(given.program) +
                       "; not followed: a CPython recording carries every statement it ran)");
    ReplayReport r = replay_cpython_recording(f.trace, options);
    r.inputs = inputs;
    return r;
  }

  std::unique_ptr<StepSource> source;
  std::string last_error;
  if (f.format == "frankenscript") {
    header_profile = "frankenscript";
    std::vector<uint32_t> chosen;
    std::vector<std::vector<uint32_t>> prompts;
    if (!f.log.empty()) {
      RunSummary summary = read_run_summary(f.log);
      chosen = summary.chosen;
      prompts = summary.prompts;
      if (f.exit_code) summary.exit_code = f.exit_code;
      options.end = runtime_end_of(summary);
      inputs.push_back(f.log + " (log, " + said(given.log) + ")");
    }
    if (options.end.kind == RuntimeEnd::Kind::Error && recording_cut(f.trace)) {
      // The runtime reported an error, then died while drawing its diagram (pldi27 after a
      // behaviour fails to start): the error is not how the run ended.
      options.end.kind = RuntimeEnd::Kind::Crash;
      options.end.text =
          "it printed `Error: " + options.end.text.substr(0, options.end.text.find('\n')) +
          "`, then stopped inside that step's diagram";
    }
    bool died =
        options.end.kind == RuntimeEnd::Kind::Abort || options.end.kind == RuntimeEnd::Kind::Crash;
    source = open_frankenscript_source(f.trace, died, std::move(chosen), std::move(prompts));
  } else {
    if (!f.log.empty())
      inputs.push_back(f.log + " (log, " + said(given.log) +
                       "; not used: a native trace says how each event ended)");
    source = open_native_trace(f.trace, &header_profile);
  }
  // Profile precedence: --profile, else the header's, else the format's own.
  std::string profile = !profile_name.empty() ? profile_name : header_profile;
  options.profile = parse_profile(profile).value_or(
      f.format == "frankenscript" ? Profile::Frankenscript : Profile::Lungfish);

  // The program: named, found beside, or carried by a native trace's header.
  std::optional<Program> program;
  std::pair<uint32_t, std::string> refused; // a `when` header the language refuses: line, text
  bool python = is_python_profile(header_profile);
  if (!f.program.empty()) {
    if (python) {
      inputs.push_back(f.program + " (program, " + said(given.program) +
                       "; not followed: a Python recording carries every statement it ran)");
    } else {
      try {
        program = f.program.ends_with(".py") ? parse_python_subset_file(f.program)
                                             : parse_program_file(f.program);
        inputs.push_back(f.program + " (program, " + said(given.program) + "; followed)");
      } catch (const InputError &e) {
        // A FrankenScript with behaviours runs `when` headers the model's language refuses:
        // the runtime ran the program, so the refusal is judged, not an input error.
        auto header = f.format == "frankenscript" ? refused_when(f.program, e) : std::nullopt;
        if (!header) throw;
        inputs.push_back(f.program + " (program, " + said(given.program) +
                         "; not followed: " + e.what() + ")");
        refused = {e.line, *header};
      }
    }
  } else if (f.format == "native" && !python) {
    NativeTraceReader header_reader(f.trace);
    const TraceHeader &h = header_reader.header();
    if (h.program_text) {
      // Errors in the carried program are located in the program, named after the trace.
      std::string name = f.trace + ": program " +
                         (h.program_file.empty() ? std::string("in its header") : h.program_file);
      program = h.program_file.ends_with(".py") ? parse_python_subset(*h.program_text, name)
                                                : parse_program(*h.program_text, name);
      inputs.push_back((h.program_file.empty() ? std::string("the program") : h.program_file) +
                       " (program, carried by the trace's header; followed)");
    }
  }
  if (program) options.program = compile(*program);

  ReplayReport report = replay_stream(*source, options, f.trace);
  report.inputs = std::move(inputs);
  if (refused.first) judge_refused_when(report, refused.first, refused.second);
  if (std::string n = source->end_note(); !n.empty()) report.notes.push_back(n);
  if (f.format == "frankenscript") {
    std::string last = report.runtime_outcome == "ok" || report.runtime_outcome == "leak"
                           ? ""
                           : report.runtime_outcome;
    if (!f.log.empty()) report.runtime_outcome = runtime_outcome_of(options.end, last);
  }
  return report;
}

} // namespace lungfish::traces
