// Fuzzes replay itself on native traces that parse: the model driven by a runtime's statements
// and snapshots (adoption of a snapshot after a divergence included), with a step bound. The
// input goes through a file so that the same stream as `lungfish replay` reads it.
#include "model/text/program_text.h"
#include "traces/replay/replay.h"

#include <cstdint>
#include <fstream>
#include <string>

#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const std::string path =
      "/tmp/lungfish-fuzz-replay-" + std::to_string(getpid()) + ".jsonl";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char *>(data), static_cast<std::streamsize>(size));
  }
  try {
    std::string header_profile;
    auto source = lungfish::traces::open_native_source(path, &header_profile);
    lungfish::traces::ReplayOptions ro;
    ro.profile = lungfish::parse_profile(header_profile).value_or(lungfish::Profile::Lungfish);
    ro.max_steps = 5000; // as --max-steps: a trace full of loops ends with outcome limit
    auto report = lungfish::traces::replay_stream(*source, ro, path);
    (void)lungfish::traces::report_to_text(report);
    (void)lungfish::traces::report_to_json(report).dump();
  } catch (const lungfish::InputError &) {
  }
  return 0;
}
