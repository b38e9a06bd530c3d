// Shared helpers of the traces tests: where the data is, and the bad-input table check.
#pragma once

#include "model/text/program_text.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <vector>

namespace lungfish::traces::test {

inline std::string source_dir() {
  return LUNGFISH_SOURCE_DIR;
}
inline std::string inputs_dir() {
  return source_dir() + "/tests/inputs";
}
inline std::string corpus_dir() {
  return source_dir() + "/../shared/corpus";
}

/// Files in `dir` whose names end with `suffix`, sorted.
inline std::vector<std::string> files_with_suffix(const std::string &dir,
                                                  const std::string &suffix) {
  std::vector<std::string> out;
  if (!std::filesystem::is_directory(dir)) return out;
  for (const auto &e : std::filesystem::directory_iterator(dir))
    if (e.path().filename().string().ends_with(suffix)) out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

/// One malformed input and where it must be reported.
struct BadCase {
  const char *file; // name under tests/inputs/<format>/bad/
  uint32_t line, col;
};

/// Every case must raise InputError at exactly its line:col; every file in the folder must have a
/// case (so that a new bad input cannot be added without saying where it fails).
inline void check_bad_inputs(const std::string &format, const std::vector<BadCase> &cases,
                             const std::function<void(const std::string &)> &read) {
  std::string dir = inputs_dir() + "/" + format + "/bad/";
  std::set<std::string> listed;
  for (const auto &c : cases) {
    listed.insert(c.file);
    SCOPED_TRACE(c.file);
    try {
      read(dir + c.file);
      ADD_FAILURE() << "accepted a malformed input";
    } catch (const InputError &e) {
      EXPECT_EQ(e.line, c.line) << e.what();
      EXPECT_EQ(e.col, c.col) << e.what();
      EXPECT_EQ(std::filesystem::path(e.file).filename().string(), c.file);
    }
  }
  for (const auto &e : std::filesystem::directory_iterator(dir))
    EXPECT_TRUE(listed.count(e.path().filename().string()))
        << e.path() << " has no entry in the table";
  EXPECT_GE(cases.size(), 25u);
}

} // namespace lungfish::traces::test
