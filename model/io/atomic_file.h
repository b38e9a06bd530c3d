// Output files written atomically: a temporary file in the same directory, renamed over the
// target only once everything was written, flushed and closed without error. An interrupted
// `paper`, a saved failure or a trace cut short by a crash is never left half-written under its
// real name (issue 9, docs/robustness.md).
#pragma once

#include <fstream>
#include <ostream>
#include <string>
#include <string_view>

namespace lungfish {

/// A streaming output file. open() creates `<path>.<pid>.<n>.tmp` next to `path` (and the
/// missing parent directories); commit() flushes, closes and renames it to `path`. Destroyed
/// without a successful commit(), it removes the temporary file and leaves `path` untouched.
/// SIGINT, SIGTERM and SIGHUP remove the open temporary files before the process dies of them
/// (when the program has not set its own handler); open() removes the temporary files of `path`
/// left by processes that no longer exist (SIGKILL, a crash).
class AtomicFile {
public:
  AtomicFile() = default;
  AtomicFile(const AtomicFile &) = delete;
  AtomicFile &operator=(const AtomicFile &) = delete;
  ~AtomicFile() { discard(); }

  /// False with `error` ("cannot write PATH: reason") if the temporary file cannot be created.
  bool open(const std::string &path, std::string &error);
  /// The temporary file's stream; valid between open() and commit()/discard().
  std::ostream &stream() { return out_; }
  bool is_open() const { return out_.is_open(); }
  /// Flushes, closes and renames. False with `error` on any write, flush, close or rename error;
  /// the temporary file is then removed.
  bool commit(std::string &error);
  /// Closes and removes the temporary file (no-op when nothing is open).
  void discard();

  const std::string &path() const { return path_; }
  const std::string &temp_path() const { return temp_; }

private:
  std::string path_, temp_;
  std::ofstream out_;
  size_t slot_ = ~size_t(0); // its entry in the table the signal handler empties
};

/// Writes `content` to `path` through an AtomicFile. False with `error` set on failure, when
/// `path` is unchanged and no temporary file remains.
bool write_file_atomically(const std::string &path, std::string_view content, std::string &error);

} // namespace lungfish
