#include "cli/reproduce.h"

#include <cstdlib>
#include <filesystem>
#include <sstream>

namespace lungfish::cli {

namespace fs = std::filesystem;

std::string shell_quote(const std::string &s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "0123456789_-./=:,+@%") == std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string quoted_absolute(const std::string &path) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  return shell_quote((ec ? fs::path(path) : p).lexically_normal().string());
}

std::string self_command() {
  static const std::string command = [] {
    std::error_code ec;
    fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec) return std::string("lungfish");
    const char *path = std::getenv("PATH");
    std::istringstream dirs(path ? path : "");
    for (std::string dir; std::getline(dirs, dir, ':');) {
      fs::path candidate = fs::path(dir.empty() ? "." : dir) / "lungfish";
      if (fs::exists(candidate, ec))
        return fs::equivalent(candidate, self, ec) ? std::string("lungfish") : shell_quote(self);
    }
    return shell_quote(self.string());
  }();
  return command;
}

std::string with_self_command(const std::string &text) {
  const std::string self = self_command();
  if (self == "lungfish") return text;
  std::string out;
  for (size_t i = 0; i < text.size();) {
    bool at_word = i == 0 || text[i - 1] == ' ' || text[i - 1] == '\n' || text[i - 1] == '\t';
    if (at_word && text.compare(i, 9, "lungfish ") == 0) {
      out += self + " ";
      i += 9;
      continue;
    }
    out += text[i++];
  }
  return out;
}

} // namespace lungfish::cli
