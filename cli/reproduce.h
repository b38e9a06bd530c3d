// The command lines lungfish prints for a user to copy: they must run as printed, from any
// directory, whether or not `lungfish` is on PATH.
#pragma once

#include <string>

namespace lungfish::cli {

/// How to invoke this binary: `lungfish` if that name on PATH is this very binary, else its
/// absolute path (shell-quoted).
std::string self_command();

/// `s` as one shell word: unchanged if it has only safe characters, else in single quotes.
std::string shell_quote(const std::string &s);

/// The absolute, normalised form of a path (relative to the current directory), shell-quoted.
std::string quoted_absolute(const std::string &path);

/// `text` with every command `lungfish SUB` (after the start, a space, `&&`, `;` or `|`)
/// invoking self_command() instead.
std::string with_self_command(const std::string &text);

} // namespace lungfish::cli
