#include "traces/diff/diff.h"
#include "traces/cpython/steps.h"
#include "traces/replay/defects.h"

#include "generators/ast_build.h"
#include "generators/emit.h"
#include "generators/program_gen.h"
#include "generators/python_gen.h"
#include "generators/rng.h"
#include "generators/shrink.h"
#include "model/io/atomic_file.h"
#include "model/text/program_text.h"
#include "traces/replay/replay.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace lungfish::traces {

namespace fs = std::filesystem;

namespace {

std::string read_file_text(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file_text(const std::string &path, const std::string &text) {
  std::string error;
  if (!write_file_atomically(path, text, error)) throw std::runtime_error(error);
}

std::string make_temp_dir() {
  const char *tmp = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/lungfish-diff-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data()))
    throw std::runtime_error("cannot create a temporary directory: " +
                             std::string(std::strerror(errno)));
  return std::string(buf.data());
}

bool is_python(const DiffConfig &c) {
  return c.runtime == "cpython";
}

/// The program as source for the runtime, nullopt if it has no such form. FrankenScript with
/// behaviours (pldi27) writes `when` as the model does; a bare `move` is a syntax error there too.
std::optional<std::string> emit_for(const DiffConfig &c, const Program &p) {
  if (is_python(c)) return gen::emit_python(p);
  if (c.behaviours)
    return gen::has_non_call_expression_statement(p.body) ? std::nullopt
                                                          : std::optional(print_program(p));
  return gen::emit_frankenscript(p);
}

/// Program i of the campaign: the first of a few derived seeds whose program the runtime's
/// emitter accepts (FrankenScript: no `when`; CPython: inside the subset); with behaviours, the
/// first that has a `when`.
/// CPython: a program of the Python generator (generators/python_gen.h) of 10 to 30 statements.
size_t python_size(uint64_t s) {
  return 10 + static_cast<size_t>(s % 21);
}

std::optional<Program> campaign_program(const DiffConfig &c, uint64_t index) {
  Profile profile = is_python(c) ? Profile::Cpython : Profile::Frankenscript;
  uint64_t s = gen::derive_seed(c.seed, index);
  int attempts = c.behaviours ? 256 : 16;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    Program p = is_python(c) ? gen::generate_python_program(s, python_size(s))
                             : gen::generate_program(s, c.max_size, gen::Family::Biased, profile);
    if (!p.body.empty() && (!c.behaviours || gen::has_when(p.body)) && emit_for(c, p)) return p;
    s = gen::derive_seed(s, static_cast<uint64_t>(attempt) + 1);
  }
  return std::nullopt;
}

/// The seed of program i's schedule (its answers to the runtime's prompts).
uint64_t schedule_seed(const DiffConfig &c, uint64_t index) {
  return gen::derive_seed(gen::derive_seed(c.seed, index), 0x5c4edu);
}

std::string shell_quote(const std::string &s) {
  bool plain = !s.empty();
  for (char ch : s)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || std::strchr("/._-+=:,@%{}", ch)))
      plain = false;
  if (plain) return s;
  std::string out = "'";
  for (char ch : s)
    out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return out + "'";
}

/// One program run on the runtime and replayed: the outcome the campaign needs.
struct Probe {
  RuntimeRun run;
  bool crashed = false;
  std::string crash_reason;
  std::optional<FindingKey> finding;
  std::string detail;
};

FindingKey first_finding(const ReplayReport &r, std::string *detail) {
  const Divergence *d = nullptr;
  const ReplayViolation *v = nullptr;
  if (!r.divergences.empty()) d = &r.divergences.front();
  if (!r.violations.empty()) v = &r.violations.front();
  if (d && (!v || d->event <= v->event)) {
    *detail = "event " + std::to_string(d->event) + ", line " + std::to_string(d->line) + ": " +
              d->detail;
    return {d->kind, d->defect.value_or("unclassified")};
  }
  *detail = "event " + std::to_string(v->event) + ", line " + std::to_string(v->line) + ": " +
            v->rendered;
  return {"invariant", v->defect.value_or("unclassified")};
}

std::string signal_text(int sig) {
  const char *name = strsignal(sig);
  return "signal " + std::to_string(sig) + (name ? " (" + std::string(name) + ")" : "");
}

/// The last line of a dead runtime's stderr (else stdout) that says why: a failed assertion, a
/// FrankenScript error or "still has references"; empty if none.
std::string abort_message(const std::string &dir, const std::string &stdout_text) {
  std::string err;
  try {
    err = read_file_text(dir + "/stderr.txt");
  } catch (const std::exception &) {
  }
  for (const std::string *text : {static_cast<const std::string *>(&err), &stdout_text}) {
    std::string found;
    std::istringstream lines(*text);
    for (std::string line; std::getline(lines, line);)
      if (line.find("Assertion") != std::string::npos ||
          line.find("assert fail") != std::string::npos ||
          line.find("still has references") != std::string::npos || line.rfind("Error: ", 0) == 0)
        found = line;
    if (!found.empty()) return found.size() > 300 ? found.substr(0, 300) + "..." : found;
  }
  return "";
}

/// FrankenScript's run as a user keeps it: prog.out holds what it printed (its stdout, then its
/// stderr: an assertion's text comes last either way), beside prog.frank and mermaid.md.
std::string write_frankenscript_log(const std::string &dir, const RuntimeRun &run) {
  std::string err;
  try {
    err = read_file_text(dir + "/stderr.txt");
  } catch (const std::exception &) {
  }
  std::string log = dir + "/prog.out";
  write_file_text(log, run.stdout_text + err);
  return log;
}

/// Runs `source` in a fresh directory and replays what the runtime wrote: for FrankenScript the
/// recording with its log and the program, as `lungfish replay DIR/mermaid.md` does, so that the
/// statement it failed or died in is judged.
Probe probe(const DiffConfig &c, const std::vector<std::string> &argv, const std::string &source,
            uint64_t schedule = 0) {
  Probe pr;
  std::string dir = make_temp_dir();
  std::string prog = dir + (is_python(c) ? "/prog.py" : "/prog.frank");
  write_file_text(prog, source);
  std::string answers;
  if (c.behaviours) {
    answers = dir + "/schedule.txt";
    write_file_text(answers, schedule_answers(schedule));
  }
  pr.run = run_runtime(argv, dir, prog, c.timeout_seconds, answers, c.max_output_bytes);
  switch (pr.run.end) {
    case RuntimeRun::End::TimedOut:
      pr.crashed = true;
      pr.crash_reason =
          "timeout after " + std::to_string(static_cast<long>(c.timeout_seconds)) + " s";
      return pr;
    case RuntimeRun::End::OutputCapped:
      pr.crashed = true;
      pr.crash_reason = "output over " + std::to_string(c.max_output_bytes >> 20) +
                        " MB (killed; a prompt asked for ever?)";
      return pr;
    case RuntimeRun::End::Signaled:
      pr.crashed = true;
      pr.crash_reason = signal_text(pr.run.status);
      if (is_python(c)) return pr;
      break;
    case RuntimeRun::End::ExecFailed:
      pr.crashed = true;
      pr.crash_reason = "cannot run '" + argv.front() + "': " + std::strerror(pr.run.status);
      return pr;
    case RuntimeRun::End::Exited:
      break;
  }
  if (is_python(c) && pr.run.stdout_text.empty() && pr.run.status != 0) {
    // Not one line of a trace: the command could not start the recorder (a wrong path, a
    // python without the module). Said as the runtime said it, and the campaign stops.
    std::string err;
    try {
      err = read_file_text(dir + "/stderr.txt");
    } catch (const std::exception &) {
    }
    while (!err.empty() && err.back() == '\n')
      err.pop_back();
    pr.run.end = RuntimeRun::End::ExecFailed;
    pr.crashed = true;
    pr.crash_reason = "'" + argv.front() + "' exited with status " + std::to_string(pr.run.status) +
                      " without writing a trace" +
                      (err.empty() ? "" : ": " + err.substr(err.rfind('\n') + 1));
    return pr;
  }
  try {
    ReplayOptions ro;
    ReplayReport report;
    if (is_python(c)) {
      std::string trace = dir + "/trace.jsonl";
      write_file_text(trace, pr.run.stdout_text);
      std::string profile;
      auto src = open_native_trace(trace, &profile);
      ro.profile = Profile::Cpython;
      if (auto p = parse_profile(profile)) ro.profile = *p;
      report = replay_stream(*src, ro, trace);
    } else {
      std::string mermaid = dir + "/mermaid.md";
      if (!fs::exists(mermaid)) {
        if (pr.run.stdout_text.empty() && pr.run.end == RuntimeRun::End::Exited) {
          // A run that ended and recorded nothing cannot be clean: it is a failure of that run.
          // (One killed by a signal may have died before its first diagram: its log says.)
          pr.crashed = true;
          pr.crash_reason = "the runtime wrote no recording (exit " +
                            std::to_string(pr.run.status) + "; no mermaid.md, empty stdout)";
          return pr;
        }
        write_file_text(mermaid, pr.run.stdout_text);
        pr.run.mermaid_from_stdout = true;
      }
      ReplayFiles f;
      f.trace = mermaid;
      f.format = "frankenscript";
      f.profile = "frankenscript";
      f.log = write_frankenscript_log(dir, pr.run);
      f.program = prog;
      if (pr.run.end == RuntimeRun::End::Exited) f.exit_code = pr.run.status;
      report = replay_files(f, ro);
    }
    if (c.ignore_unmapped_errors) {
      uint32_t cut = UINT32_MAX;
      for (const auto &d : report.divergences)
        if (d.detail.rfind("the runtime aborted", 0) == 0) cut = std::min(cut, d.event);
      std::erase_if(report.divergences, [&](const Divergence &d) { return d.event >= cut; });
      std::erase_if(report.violations, [&](const ReplayViolation &v) { return v.event >= cut; });
    }
    if (pr.run.end == RuntimeRun::End::Signaled) {
      // The runtime died: a finding when replay names the defect it died of (a Debug build's
      // failed assertion, a known crash); otherwise a crash, reported apart with what replay
      // said of the statement it died in.
      auto death = std::find_if(report.divergences.begin(), report.divergences.end(),
                                [](const Divergence &d) {
                                  return d.detail.rfind("the runtime aborted", 0) == 0 ||
                                         d.detail.rfind("the runtime died", 0) == 0;
                                });
      if (death != report.divergences.end() && death->defect) {
        pr.crashed = false;
        pr.finding = first_finding(report, &pr.detail);
        return pr;
      }
      if (std::string m = abort_message(dir, pr.run.stdout_text); !m.empty())
        pr.crash_reason += ": " + m;
      if (death != report.divergences.end())
        pr.crash_reason += " (in the model: " + death->detail + ")";
      std::erase_if(report.divergences, [&](const Divergence &d) {
        return d.detail.rfind("the runtime aborted", 0) == 0 ||
               d.detail.rfind("the runtime died", 0) == 0;
      });
      if (!report.clean()) { // what replay found in the steps before the death
        std::string detail;
        FindingKey key = first_finding(report, &detail);
        pr.crash_reason +=
            " (before it: " + key.kind + ", defect " + key.defect + ", " + detail + ")";
      }
      return pr;
    }
    if (!report.clean()) pr.finding = first_finding(report, &pr.detail);
  } catch (const std::exception &e) {
    pr.crashed = true;
    pr.crash_reason =
        pr.run.end == RuntimeRun::End::Signaled
            ? pr.crash_reason + " (unreadable output: " + e.what() + ")"
            : "unreadable output (exit " + std::to_string(pr.run.status) + "): " + e.what();
  }
  return pr;
}

void remove_dir(const std::string &dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
}

std::string reproduce_command(const DiffConfig &c, const std::vector<std::string> &argv,
                              const RuntimeRun &run) {
  std::string cmd = "cd " + shell_quote(run.dir) + " &&";
  for (const auto &a : argv)
    cmd += " " + shell_quote(a == "{file}" ? run.program_path : a);
  if (c.behaviours) cmd += " < schedule.txt"; // the schedule: the answers to its prompts
  if (is_python(c))
    cmd += " > trace.jsonl && lungfish replay --format native trace.jsonl";
  else // as a user runs it: the log and the program beside the recording
    cmd += std::string(run.mermaid_from_stdout ? " > mermaid.md 2> prog.out" : " > prog.out 2>&1") +
           " ; lungfish replay --profile frankenscript mermaid.md";
  return cmd;
}

} // namespace

std::vector<std::string> split_command(const std::string &cmd) {
  std::vector<std::string> out;
  std::istringstream in(cmd);
  std::string tok;
  bool has_file = false;
  while (in >> tok) {
    has_file = has_file || tok == "{file}";
    out.push_back(tok);
  }
  if (out.empty()) throw std::invalid_argument("--cmd is empty");
  if (!has_file) throw std::invalid_argument("--cmd has no {file} token: '" + cmd + "'");
  return out;
}

std::string schedule_answers(uint64_t seed, size_t count) {
  gen::Rng rng(seed);
  std::string out;
  for (size_t i = 0; i < count; ++i)
    out += std::to_string(rng.chance(1, 2) ? 0 : rng.below(3)) + "\n";
  return out;
}

RuntimeRun run_runtime(const std::vector<std::string> &argv_template, const std::string &dir,
                       const std::string &program_path, double timeout_seconds,
                       const std::string &stdin_path, uint64_t max_output_bytes) {
  RuntimeRun r;
  r.dir = dir;
  r.program_path = program_path;
  std::vector<std::string> args;
  for (const auto &a : argv_template)
    args.push_back(a == "{file}" ? program_path : a);
  std::vector<char *> cargv;
  for (auto &a : args)
    cargv.push_back(a.data());
  cargv.push_back(nullptr);
  std::string out_path = dir + "/stdout.txt", err_path = dir + "/stderr.txt";

  // Everything the child needs is prepared before fork: only async-signal-safe calls after it.
  int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int null_fd = ::open(stdin_path.empty() ? "/dev/null" : stdin_path.c_str(), O_RDONLY | O_CLOEXEC);
  int exec_pipe[2] = {-1, -1}; // closed by a successful exec; carries errno otherwise
  if (out_fd < 0 || err_fd < 0 || null_fd < 0 || pipe2(exec_pipe, O_CLOEXEC) != 0)
    throw std::runtime_error("cannot create output files in " + dir);
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed: " + std::string(std::strerror(errno)));
  if (pid == 0) {
    setpgid(0, 0);
    if (chdir(dir.c_str()) != 0) _exit(127);
    dup2(null_fd, 0);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    execvp(cargv[0], cargv.data());
    int err = errno;
    ssize_t ignored = write(exec_pipe[1], &err, sizeof err);
    (void)ignored;
    _exit(127);
  }
  ::close(exec_pipe[1]);
  int exec_errno = 0;
  bool exec_failed = ::read(exec_pipe[0], &exec_errno, sizeof exec_errno) > 0;
  ::close(exec_pipe[0]);
  setpgid(pid, pid); // also from the parent, so the group exists before any kill
  ::close(out_fd);
  ::close(err_fd);
  ::close(null_fd);

  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(static_cast<long>(timeout_seconds * 1000));
  int status = 0;
  auto pause = std::chrono::microseconds(200);
  for (;;) {
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) break;
    bool capped = false;
    if (max_output_bytes) {
      struct stat st {};
      capped = ::stat(out_path.c_str(), &st) == 0 &&
               static_cast<uint64_t>(st.st_size) > max_output_bytes;
    }
    if (capped || std::chrono::steady_clock::now() >= deadline) {
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      r.end = capped ? RuntimeRun::End::OutputCapped : RuntimeRun::End::TimedOut;
      break;
    }
    std::this_thread::sleep_for(pause);
    if (pause < std::chrono::milliseconds(10)) pause *= 2;
  }
  if (r.end != RuntimeRun::End::TimedOut && r.end != RuntimeRun::End::OutputCapped) {
    if (WIFSIGNALED(status)) {
      r.end = RuntimeRun::End::Signaled;
      r.status = WTERMSIG(status);
    } else {
      r.status = WEXITSTATUS(status);
      if (exec_failed) {
        r.end = RuntimeRun::End::ExecFailed;
        r.status = exec_errno;
      }
    }
  }
  r.stdout_text = read_file_text(out_path);
  return r;
}

namespace {

/// How a run died, for grouping signal crashes: the signal and the runtime's message with
/// addresses blanked, without what replay found before it (which the shrinking changes).
std::string crash_kind(const std::string &reason) {
  std::string kind =
      reason.substr(0, std::min(reason.find(" (in the model: "), reason.find(" (before it: ")));
  std::string out;
  for (size_t i = 0; i < kind.size(); ++i) {
    if (kind.compare(i, 2, "0x") == 0) {
      out += "0x?";
      i += 2;
      while (i < kind.size() && std::isxdigit(static_cast<unsigned char>(kind[i])))
        ++i;
      --i;
    } else {
      out += kind[i];
    }
  }
  return out;
}

/// Shrinks the first program (by index) of each kind of signal crash while a rerun still dies
/// the same way; the result goes to that crash's `shrunk` fields. Timeouts and unreadable output
/// are not shrunk (a timeout costs the whole time limit per run).
void shrink_signal_crashes(const DiffConfig &c, const std::vector<std::string> &argv,
                           const std::vector<std::pair<uint64_t, Program>> &signalled,
                           std::vector<DiffCrash> &crashes) {
  std::set<std::string> done;
  for (DiffCrash &cr : crashes) {
    auto it = std::find_if(signalled.begin(), signalled.end(),
                           [&](const auto &s) { return s.first == cr.index; });
    if (it == signalled.end()) continue;
    const std::string kind = crash_kind(cr.reason);
    if (!done.insert(kind).second) continue;
    uint64_t runs = 0;
    auto still_dies = [&](const Program &cand) {
      auto src = emit_for(c, cand);
      if (!src) return false;
      ++runs;
      Probe pr = probe(c, argv, *src, schedule_seed(c, cr.index));
      remove_dir(pr.run.dir);
      return pr.crashed && pr.run.end == RuntimeRun::End::Signaled &&
             crash_kind(pr.crash_reason) == kind;
    };
    Program small = gen::shrink_program(it->second, still_dies, c.shrink_budget);
    cr.shrunk = *emit_for(c, small);
    cr.shrunk_statements = gen::python_statements(small);
    cr.shrink_runs = runs;
    Probe last = probe(c, argv, cr.shrunk, schedule_seed(c, cr.index)); // the reproduction's
    cr.shrunk_reproduce = reproduce_command(c, argv, last.run);
    if (!c.keep_dirs) remove_dir(last.run.dir);
  }
}

} // namespace

namespace {
/// The kept directory of program i.
std::string kept_dir(const DiffConfig &c, uint64_t i) {
  char name[32];
  std::snprintf(name, sizeof name, "%06llu", static_cast<unsigned long long>(i));
  return c.keep_all + "/" + name;
}

/// Copies program i's run into KEEP/NNNNNN/: the program, the log (with the exit status in the
/// corpus's `###` header) and the recording, the files `lungfish replay KEEP/NNNNNN/mermaid.md`
/// finds beside it; and what diff found.
void keep_run(const DiffConfig &c, uint64_t i, const Probe &pr) {
  std::string to = kept_dir(c, i);
  std::error_code ec;
  fs::create_directories(to, ec);
  if (ec) throw std::runtime_error("--keep: cannot create " + to + ": " + ec.message());
  // The log keeps how the process ended, which a raw log cannot say (a signal leaves no line):
  // the `###` header the shared corpus uses, which replay reads.
  if (fs::exists(pr.run.dir + "/prog.out")) {
    int status = pr.run.end == RuntimeRun::End::Signaled ? 128 + pr.run.status : pr.run.status;
    write_file_text(to + "/prog.out", "### program: " + pr.run.program_path +
                                          "\n### exit_code=" + std::to_string(status) +
                                          "\n### --- combined stdout+stderr follows ---\n" +
                                          read_file_text(pr.run.dir + "/prog.out"));
  }
  for (const char *name : {"prog.frank", "prog.py", "mermaid.md", "trace.jsonl", "schedule.txt"})
    if (fs::exists(pr.run.dir + "/" + name)) {
      fs::copy_file(pr.run.dir + "/" + name, to + "/" + name, fs::copy_options::overwrite_existing,
                    ec);
      if (ec) throw std::runtime_error("--keep: cannot copy into " + to + ": " + ec.message());
    }
  std::string verdict = pr.crashed   ? "crash\t" + pr.crash_reason
                        : pr.finding ? "finding\t" + pr.finding->kind + "\t" + pr.finding->defect
                                     : "clean";
  write_file_text(to + "/diff-verdict.txt", verdict + "\n");
}
} // namespace

bool diff_runtime_supported(const std::string &runtime) {
  return runtime == "frankenscript" || runtime == "cpython";
}

DiffResult run_diff(const DiffConfig &c, const std::function<void(uint64_t)> &on_seed) {
  std::vector<std::string> argv = split_command(c.cmd);
  if (on_seed) on_seed(c.seed);
  DiffResult result;
  result.seed = c.seed;

  struct Found {
    uint64_t index;
    Program program;
    FindingKey key;
  };
  std::mutex mu;
  std::vector<Found> found;
  std::vector<std::pair<uint64_t, Program>> signalled; // the programs of signal crashes
  std::vector<DiffCrash> crashes;
  std::atomic<uint64_t> next{0}, ran{0}, skipped{0}, statements{0};
  std::string exec_error;
  auto worker = [&] {
    for (uint64_t i = next++; i < c.count; i = next++) {
      std::optional<Program> p = campaign_program(c, i);
      if (!p) {
        ++skipped;
        continue;
      }
      std::string source = *emit_for(c, *p);
      statements += gen::python_statements(*p);
      if (is_python(c)) {
        uint64_t s = gen::derive_seed(c.seed, i);
        std::lock_guard<std::mutex> lock(mu);
        for (const auto &[feature, n] : gen::python_features(s, python_size(s)))
          if (n) ++result.generated[feature];
      }
      Probe pr = probe(c, argv, source, schedule_seed(c, i));
      ++ran;
      if (!c.keep_all.empty() && pr.run.end != RuntimeRun::End::ExecFailed) keep_run(c, i, pr);
      std::lock_guard<std::mutex> lock(mu);
      if (pr.run.end == RuntimeRun::End::ExecFailed) {
        exec_error = pr.crash_reason;
        remove_dir(pr.run.dir);
        next = c.count; // nothing else can run either
        continue;
      }
      if (pr.crashed) {
        DiffCrash cr;
        cr.index = i;
        cr.reason = pr.crash_reason;
        cr.program = source;
        cr.reproduce = reproduce_command(c, argv, pr.run);
        crashes.push_back(std::move(cr));
        if (pr.run.end == RuntimeRun::End::Signaled) signalled.emplace_back(i, *p);
        continue; // keep the directory: the reproduction command runs there
      }
      if (pr.finding) found.push_back({i, *p, *pr.finding});
      remove_dir(pr.run.dir);
    }
  };
  uint64_t jobs = std::max<uint64_t>(1, std::min<uint64_t>(c.jobs, std::max<uint64_t>(1, c.count)));
  std::vector<std::thread> threads;
  for (uint64_t j = 1; j < jobs; ++j)
    threads.emplace_back(worker);
  worker();
  for (auto &t : threads)
    t.join();
  if (!exec_error.empty()) throw std::invalid_argument(exec_error);
  result.programs = ran;
  result.skipped = skipped;
  result.mean_statements = ran ? static_cast<double>(statements) / static_cast<double>(ran) : 0;
  if (!c.keep_all.empty()) {
    // One line per program kept, in index order: what diff found in it.
    std::string index =
        "# index <TAB> clean | finding <TAB> kind <TAB> defect | crash <TAB> reason\n";
    for (uint64_t i = 0; i < c.count; ++i) {
      std::string v = kept_dir(c, i) + "/diff-verdict.txt";
      if (fs::exists(v)) index += std::to_string(i) + "\t" + read_file_text(v);
    }
    write_file_text(c.keep_all + "/index.tsv", index);
  }

  std::sort(crashes.begin(), crashes.end(),
            [](const DiffCrash &a, const DiffCrash &b) { return a.index < b.index; });
  shrink_signal_crashes(c, argv, signalled, crashes);
  result.crashes = std::move(crashes);
  std::sort(found.begin(), found.end(),
            [](const Found &a, const Found &b) { return a.index < b.index; });

  // Group by key; shrink the smallest program of each group (by the shrinker's measure).
  std::map<FindingKey, std::vector<const Found *>> groups;
  for (const auto &f : found)
    groups[f.key].push_back(&f);
  for (const auto &group : groups) {
    // Plain references, not a structured binding: the lambda below captures `key`, and capturing
    // a structured binding needs C++20 support clang only has from version 16.
    const FindingKey &key = group.first;
    const std::vector<const Found *> &members = group.second;
    const Found *smallest = members.front();
    for (const Found *f : members)
      if (gen::program_size(f->program) < gen::program_size(smallest->program)) smallest = f;
    DiffGroup g;
    g.key = key;
    g.count = members.size();
    g.first_index = members.front()->index;
    uint64_t runs = 0;
    auto still_fails = [&](const Program &cand) {
      auto src = emit_for(c, cand);
      if (!src) return false;
      ++runs;
      Probe pr = probe(c, argv, *src, schedule_seed(c, smallest->index));
      remove_dir(pr.run.dir);
      return !pr.crashed && pr.finding && *pr.finding == key;
    };
    Program small = gen::shrink_program(smallest->program, still_fails, c.shrink_budget);
    g.shrink_runs = runs;
    g.program = *emit_for(c, small);
    g.statements = gen::python_statements(small);
    // Rerun once: its directory is the reproduction's.
    Probe last = probe(c, argv, g.program, schedule_seed(c, smallest->index));
    g.detail = last.detail;
    g.reproduce = reproduce_command(c, argv, last.run);
    if (!c.keep_dirs) remove_dir(last.run.dir);
    result.groups.push_back(std::move(g));
  }
  return result;
}

std::string diff_to_text(const DiffResult &r) {
  std::ostringstream os;
  os << r.programs << " programs run (" << r.skipped << " skipped, mean "
     << static_cast<double>(static_cast<long>(r.mean_statements * 10 + 0.5)) / 10
     << " statements), " << r.groups.size() << " divergence group"
     << (r.groups.size() == 1 ? "" : "s") << ", " << r.crashes.size() << " runtime crash"
     << (r.crashes.size() == 1 ? "" : "es") << "\n";
  for (const auto &g : r.groups) {
    os << "\ndivergence: " << g.key.kind << ", defect " << g.key.defect << " (" << g.count
       << " program" << (g.count == 1 ? "" : "s") << ", first #" << g.first_index << ")\n";
    if (!g.detail.empty()) os << "  " << g.detail << "\n";
    os << "  smallest program (" << g.statements << " statement" << (g.statements == 1 ? "" : "s")
       << ", " << g.shrink_runs << " shrinking runs):\n";
    std::istringstream lines(g.program);
    for (std::string line; std::getline(lines, line);)
      os << "    " << line << "\n";
    os << "  reproduce: " << g.reproduce << "\n";
  }
  for (const auto &cr : r.crashes) {
    os << "\nruntime crash: program #" << cr.index << ": " << cr.reason << "\n";
    std::istringstream lines(cr.program);
    for (std::string line; std::getline(lines, line);)
      os << "    " << line << "\n";
    os << "  reproduce: " << cr.reproduce << "\n";
    if (cr.shrunk_reproduce.empty()) continue;
    os << "  smallest program dying the same way (" << cr.shrunk_statements << " statements, "
       << cr.shrink_runs << " shrinking runs):\n";
    std::istringstream small(cr.shrunk);
    for (std::string line; std::getline(small, line);)
      os << "    " << line << "\n";
    os << "  reproduce: " << cr.shrunk_reproduce << "\n";
  }
  return os.str();
}

nlohmann::ordered_json diff_to_json(const DiffResult &r) {
  nlohmann::ordered_json j;
  j["seed"] = r.seed;
  j["programs"] = r.programs;
  j["skipped"] = r.skipped;
  j["mean_statements"] = r.mean_statements;
  if (!r.generated.empty()) j["generated"] = r.generated;
  j["divergences"] = nlohmann::ordered_json::array();
  for (const auto &g : r.groups)
    j["divergences"].push_back({{"kind", g.key.kind},
                                {"defect", g.key.defect},
                                {"count", g.count},
                                {"statements", g.statements},
                                {"detail", g.detail},
                                {"program", g.program},
                                {"reproduce", g.reproduce}});
  j["crashes"] = nlohmann::ordered_json::array();
  for (const auto &cr : r.crashes) {
    nlohmann::ordered_json x = {{"index", cr.index},
                                {"reason", cr.reason},
                                {"program", cr.program},
                                {"reproduce", cr.reproduce}};
    if (!cr.shrunk_reproduce.empty()) {
      x["shrunk"] = {{"program", cr.shrunk},
                     {"statements", cr.shrunk_statements},
                     {"shrink_runs", cr.shrink_runs},
                     {"reproduce", cr.shrunk_reproduce}};
    }
    j["crashes"].push_back(std::move(x));
  }
  return j;
}

} // namespace lungfish::traces
