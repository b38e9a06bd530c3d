// model/io/atomic_file.h: output files appear complete or not at all; every write, flush, close and
// rename error is reported, and no temporary file is left behind.
#include "model/io/atomic_file.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace lungfish {
namespace {

namespace fs = std::filesystem;

class AtomicFileTest : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("lungfish_atomic_test_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::string slurp(const fs::path &p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  // The names in a directory tree (files and directories), relative, sorted.
  std::vector<std::string> listing() const {
    std::vector<std::string> out;
    for (const auto &e : fs::recursive_directory_iterator(dir_))
      out.push_back(fs::relative(e.path(), dir_).string());
    std::sort(out.begin(), out.end());
    return out;
  }

  fs::path dir_;
};

TEST_F(AtomicFileTest, WritesCreatesParentsAndLeavesNoTemporary) {
  std::string path = (dir_ / "a" / "b" / "out.txt").string();
  std::string error;
  ASSERT_TRUE(write_file_atomically(path, "hello\n", error)) << error;
  EXPECT_EQ(slurp(path), "hello\n");
  EXPECT_EQ(listing(), (std::vector<std::string>{"a", "a/b", "a/b/out.txt"}));
  ASSERT_TRUE(write_file_atomically(path, std::string("x\0y", 3), error)) << error;
  EXPECT_EQ(slurp(path), std::string("x\0y", 3)) << "replaced, binary-safe";
}

TEST_F(AtomicFileTest, UnwritableDirectoryIsAnErrorAndChangesNothing) {
  std::ofstream(dir_ / "file") << "not a directory";
  std::string error;
  EXPECT_FALSE(write_file_atomically((dir_ / "file" / "out.txt").string(), "x", error));
  EXPECT_NE(error.find("cannot write " + (dir_ / "file" / "out.txt").string()), std::string::npos)
      << error;
  EXPECT_EQ(listing(), (std::vector<std::string>{"file"}));
  EXPECT_EQ(slurp(dir_ / "file"), "not a directory");
}

TEST_F(AtomicFileTest, RenameOntoADirectoryFailsAndRemovesTheTemporary) {
  fs::create_directories(dir_ / "target" / "inside");
  std::string error;
  EXPECT_FALSE(write_file_atomically((dir_ / "target").string(), "x", error));
  EXPECT_NE(error.find("cannot rename"), std::string::npos) << error;
  EXPECT_EQ(listing(), (std::vector<std::string>{"target", "target/inside"}));
}

TEST_F(AtomicFileTest, StreamingFileAppearsOnlyAtCommit) {
  fs::path path = dir_ / "trace.jsonl";
  std::ofstream(path) << "old\n";
  std::string error;
  {
    AtomicFile f;
    ASSERT_TRUE(f.open(path.string(), error)) << error;
    f.stream() << "new line 1\n";
    EXPECT_EQ(slurp(path), "old\n") << "the old file stays until commit()";
    EXPECT_TRUE(fs::exists(f.temp_path()));
    f.stream() << "new line 2\n";
    ASSERT_TRUE(f.commit(error)) << error;
  }
  EXPECT_EQ(slurp(path), "new line 1\nnew line 2\n");
  {
    AtomicFile f; // abandoned (an exception, an early return): the target is untouched
    ASSERT_TRUE(f.open(path.string(), error)) << error;
    f.stream() << "half";
  }
  EXPECT_EQ(slurp(path), "new line 1\nnew line 2\n");
  EXPECT_EQ(listing(), (std::vector<std::string>{"trace.jsonl"}));
}

// A write error at flush or close time (here: the file size limit, as a full disk would) is
// reported, and neither the target nor the temporary file remains. In a child process, so that
// the limit does not outlive the test.
[[noreturn]] void write_under_a_size_limit(const fs::path &dir) {
  std::signal(SIGXFSZ, SIG_IGN); // EFBIG instead of a signal
  rlimit rl{};
  rl.rlim_cur = rl.rlim_max = 4096;
  setrlimit(RLIMIT_FSIZE, &rl);
  std::string error;
  bool ok = write_file_atomically((dir / "big.txt").string(), std::string(1 << 20, 'x'), error);
  std::fprintf(stderr, "%s\n", error.c_str());
  std::_Exit(!ok && fs::is_empty(dir) ? 0 : 1);
}

TEST_F(AtomicFileTest, WriteErrorIsReportedAndLeavesNothing) {
  EXPECT_EXIT(write_under_a_size_limit(dir_), ::testing::ExitedWithCode(0),
              "cannot write .*big.txt");
}

// A process killed by SIGTERM or SIGHUP while writing leaves no temporary file: the handler
// removes it, and the process still dies of the signal. (SIGINT takes the same handler, but a
// shell starts background jobs with it ignored, and an ignored signal is left so.)
TEST_F(AtomicFileTest, TerminatedWriterLeavesNoTemporary) {
  for (int sig : {SIGTERM, SIGHUP}) {
    struct sigaction now {};
    sigaction(sig, nullptr, &now);
    if (now.sa_handler == SIG_IGN) { // started under nohup or the like: the handler stays off
      std::fprintf(stderr, "signal %d is ignored in this process: not tested\n", sig);
      continue;
    }
    fs::path target = dir_ / ("out-" + std::to_string(sig) + ".txt");
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      AtomicFile f;
      std::string error;
      if (!f.open(target.string(), error)) _exit(10);
      f.stream() << "partial";
      f.stream().flush();
      ::raise(sig);
      _exit(11); // not reached
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "exit " << WEXITSTATUS(status);
    EXPECT_EQ(WTERMSIG(status), sig);
  }
  EXPECT_TRUE(listing().empty()) << listing().front();
}

// A temporary file of a process that no longer exists (killed with SIGKILL) is removed by the
// next writer of the same path; one of a live process is left alone.
TEST_F(AtomicFileTest, NextWriterSweepsTemporariesOfDeadProcesses) {
  pid_t dead = fork();
  ASSERT_GE(dead, 0);
  if (dead == 0) _exit(0);
  int status = 0;
  ASSERT_EQ(waitpid(dead, &status, 0), dead);
  fs::path target = dir_ / "t.trace";
  std::string stale = "t.trace." + std::to_string(dead) + ".0.tmp";
  std::string live = "t.trace." + std::to_string(getppid()) + ".3.tmp";
  std::ofstream(dir_ / stale) << "stale";
  std::ofstream(dir_ / live) << "live";
  std::ofstream(dir_ / "t.trace.notapid.tmp") << "other";
  std::string error;
  ASSERT_TRUE(write_file_atomically(target.string(), "x", error)) << error;
  EXPECT_EQ(listing(), (std::vector<std::string>{"t.trace", live, "t.trace.notapid.tmp"}));
}

} // namespace
} // namespace lungfish
