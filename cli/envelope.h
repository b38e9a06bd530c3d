// The envelope every `--json` report starts with (docs/json-output.md, checked against
// docs/json-output.schema.json by tests/cli/json_schema_test.cc): what produced it and how it
// ended, so a consumer reads any report the same way.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace lungfish::cli {

/// {"command", "version", "seed" (null without randomness), "outcome"}: `outcome` is `ok`,
/// `violation`, `rejected`, `limit` or `error`.
nlohmann::json envelope(const std::string &command, std::optional<uint64_t> seed,
                        const std::string &outcome);

/// Prints, with --json, the report of a command that could not run (bad input, an unwritable
/// file): the envelope with outcome `error` and `"error": {"message": ...}`; returns 2.
int json_error(const std::string &command, const std::string &message);

} // namespace lungfish::cli
