#include "generators/campaigns/parallel.h"

namespace lungfish::gen {

unsigned machine_cores() {
  return std::max(1u, std::thread::hardware_concurrency());
}

} // namespace lungfish::gen
