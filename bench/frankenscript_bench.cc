#include "bench/frankenscript_bench.h"

#include "bench/trace_files.h"

#include "model/render/render.h"

#include <chrono>
#include <filesystem>
#include <fstream>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace lungfish::bench {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

} // namespace

SideBySide compare_frankenscript(const std::string &fs, Workload w, size_t blocks) {
  SideBySide r;
  r.workload = std::string(workload_name(w));
  std::string text = workload_text(w, blocks);
  std::string dir = scratch_dir() + "/fs-" + r.workload;
  std::filesystem::create_directories(dir);
  std::string prog = dir + "/prog.frank", md = dir + "/prog.md";
  std::ofstream(prog) << text;
  auto t0 = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    if (chdir(dir.c_str()) != 0) _exit(126);
    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, STDIN_FILENO);
    dup2(devnull, STDOUT_FILENO);
    dup2(devnull, STDERR_FILENO);
    execl(fs.c_str(), fs.c_str(), "build", "prog.frank", "--out", "prog.md",
          static_cast<char *>(nullptr));
    _exit(127);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) {
    r.error = "could not start " + fs;
    return r;
  }
  r.frankenscript_seconds = seconds_since(t0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    r.error = fs + " exited with status " +
              std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    return r;
  }
  auto program = compile_text(text);
  t0 = std::chrono::steady_clock::now();
  RunStats s = run_program(program, Checking::Monitor); // as `lungfish run` checks
  r.model_seconds = seconds_since(t0);
  r.statements = s.statements;
  {
    // The model rendering a mermaid.md of the same program (what FrankenScript always does).
    auto t1 = std::chrono::steady_clock::now();
    std::ofstream out(dir + "/model.md");
    MachineOptions mo;
    mo.profile = Profile::Frankenscript;
    mo.record_history = false;
    Machine m(program, mo);
    m.run([&](const Machine &mm, const Event &e) {
      if (e.kind == EventKind::Statement) {
        MermaidOptions opts;
        opts.thread = e.thread;
        out << render_mermaid_step(mm.world(), e.message, opts);
      }
      return true;
    });
    r.model_mermaid_seconds = seconds_since(t1);
  }
  r.ok = true;
  return r;
}

} // namespace lungfish::bench
