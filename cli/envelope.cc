#include "cli/envelope.h"

#include "cli/options.h"
#include "cli/scaling.h"

#include <iostream>

namespace lungfish::cli {

nlohmann::json envelope(const std::string &command, std::optional<uint64_t> seed,
                        const std::string &outcome) {
  nlohmann::json j;
  j["command"] = command;
  j["version"] = lungfish_version();
  j["seed"] = seed ? nlohmann::json(*seed) : nlohmann::json(nullptr);
  j["outcome"] = outcome;
  return j;
}

int json_error(const std::string &command, const std::string &message) {
  nlohmann::json j = envelope(command, std::nullopt, "error");
  j["error"] = {{"message", message}};
  std::cout << j.dump(2) << "\n";
  return kExitUsage;
}

} // namespace lungfish::cli
