#include "model/io/atomic_file.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <unistd.h>

namespace lungfish {

namespace fs = std::filesystem;

namespace {

/// ": reason" from errno when the library left one, else "".
std::string reason() {
  return errno != 0 ? std::string(": ") + std::strerror(errno) : std::string();
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
  if (!parent.empty()) fs::create_directories(parent, ec); // a failure shows at the open below
  errno = 0;
  out_.open(temp_, std::ios::binary | std::ios::trunc);
  if (!out_) {
    error = "cannot write " + path + reason();
    out_ = std::ofstream();
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
  temp_.clear();
  return true;
}

void AtomicFile::discard() {
  if (out_.is_open()) out_.close();
  if (!temp_.empty()) {
    std::error_code ec;
    fs::remove(temp_, ec);
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
