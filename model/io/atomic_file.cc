#include "model/io/atomic_file.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <system_error>

#include <signal.h>
#include <unistd.h>

namespace lungfish {

namespace fs = std::filesystem;

namespace {

/// ": reason" from errno when the library left one, else "".
std::string reason() {
  return errno != 0 ? std::string(": ") + std::strerror(errno) : std::string();
}

// ---- temporary files removed on SIGINT, SIGTERM and SIGHUP ----
//
// Every open temporary file holds a slot in a fixed table of C strings. The handler, installed
// the first time a temporary file is opened and only over the default disposition (a program
// that handles these signals itself keeps its handler), unlinks every path in the table, then
// restores the default and raises the signal again, so the process still dies of it. Only
// async-signal-safe calls run in the handler: unlink, signal, raise.

constexpr size_t kSlots = 64;
std::atomic<char *> g_temp_paths[kSlots];

void remove_temporaries(int sig) {
  for (auto &slot : g_temp_paths)
    if (char *p = slot.load()) ::unlink(p);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void install_cleanup_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
      struct sigaction old {};
      if (::sigaction(sig, nullptr, &old) != 0 || old.sa_handler != SIG_DFL) continue;
      struct sigaction sa {};
      sa.sa_handler = remove_temporaries;
      sigemptyset(&sa.sa_mask);
      ::sigaction(sig, &sa, nullptr);
    }
  });
}

/// Registers a temporary path; its slot, or kSlots when the table is full (then that file is
/// only removed by the next writer's sweep).
size_t register_temporary(const std::string &path) {
  install_cleanup_once();
  char *copy = ::strdup(path.c_str());
  for (size_t k = 0; k < kSlots; ++k) {
    char *expected = nullptr;
    if (g_temp_paths[k].compare_exchange_strong(expected, copy)) return k;
  }
  std::free(copy);
  return kSlots;
}

void unregister_temporary(size_t slot) {
  if (slot >= kSlots) return;
  char *p = g_temp_paths[slot].exchange(nullptr);
  std::free(p);
}

/// Removes `<path>.<pid>.<n>.tmp` files left by processes that no longer exist (killed with
/// SIGKILL, or dead of a crash): the next writer of the same path sweeps them.
void sweep_dead_temporaries(const std::string &path) {
  fs::path target(path);
  fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  std::string prefix = target.filename().string() + ".";
  std::error_code ec;
  fs::directory_iterator it(dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() + 4 || name.compare(0, prefix.size(), prefix) != 0 ||
        name.compare(name.size() - 4, 4, ".tmp") != 0)
      continue;
    // <pid>.<n> between the prefix and ".tmp", both decimal
    std::string mid = name.substr(prefix.size(), name.size() - prefix.size() - 4);
    size_t dot = mid.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == mid.size() ||
        mid.find_first_not_of("0123456789.") != std::string::npos ||
        mid.find('.', dot + 1) != std::string::npos || dot > 9)
      continue;
    long pid = std::strtol(mid.substr(0, dot).c_str(), nullptr, 10);
    if (pid <= 0 || pid == static_cast<long>(::getpid())) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue; // alive, or unknown
    std::error_code rm;
    fs::remove(it->path(), rm);
  }
}

/// A temporary name unique to this process and call, so two writers of one path never share a
/// temporary file.
std::string temp_name(const std::string &path) {
  static std::atomic<unsigned long> counter{0};
  return path + "." + std::to_string(static_cast<long>(::getpid())) + "." +
         std::to_string(counter.fetch_add(1)) + ".tmp";
}

} // namespace

bool AtomicFile::open(const std::string &path, std::string &error) {
  discard();
  path_ = path;
  temp_ = temp_name(path);
  fs::path parent = fs::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty() && !fs::is_directory(parent, ec)) {
    // Say which step failed and where: "Permission denied" on ro/, not ENOENT on ro/sub/t.
    fs::create_directories(parent, ec);
    if (ec) {
      error = "cannot write " + path + ": cannot create directory " + parent.string() + ": " +
              ec.message();
      temp_.clear();
      return false;
    }
  }
  sweep_dead_temporaries(path);
  slot_ = register_temporary(temp_);
  errno = 0;
  out_.open(temp_, std::ios::binary | std::ios::trunc);
  if (!out_) {
    error = "cannot write " + path + reason();
    out_ = std::ofstream();
    unregister_temporary(slot_);
    temp_.clear();
    return false;
  }
  return true;
}

bool AtomicFile::commit(std::string &error) {
  if (!out_.is_open()) {
    error = "cannot write " + path_ + ": not open";
    return false;
  }
  errno = 0;
  out_.flush();
  bool ok = static_cast<bool>(out_);
  out_.close(); // a full disk or a failing NFS server shows here, not as a half-written file
  ok = ok && static_cast<bool>(out_);
  if (!ok) {
    error = "cannot write " + path_ + reason();
    discard();
    return false;
  }
  std::error_code ec;
  fs::rename(temp_, path_, ec);
  if (ec) {
    error = "cannot rename " + temp_ + " to " + path_ + ": " + ec.message();
    discard();
    return false;
  }
  unregister_temporary(slot_);
  temp_.clear();
  return true;
}

void AtomicFile::discard() {
  if (out_.is_open()) out_.close();
  if (!temp_.empty()) {
    std::error_code ec;
    fs::remove(temp_, ec);
    unregister_temporary(slot_);
    temp_.clear();
  }
}

bool write_file_atomically(const std::string &path, std::string_view content, std::string &error) {
  AtomicFile f;
  if (!f.open(path, error)) return false;
  f.stream().write(content.data(), static_cast<std::streamsize>(content.size()));
  return f.commit(error);
}

} // namespace lungfish
