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

} // namespace
} // namespace lungfish
