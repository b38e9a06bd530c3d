#include "generators/program_gen.h"

#include "generators/rng.h"

namespace lungfish::gen {

std::string_view family_name(Family f) {
  return f == Family::Biased ? "biased" : "raw";
}

Program generate_program(uint64_t seed, size_t size, Family family, Profile profile) {
  if (size == 0) return Program{};
  Rng rng(seed);
  size_t length = 1 + rng.below(size);
  uint64_t sub = rng.next();
  return family == Family::Biased ? generate_biased(sub, length, profile)
                                  : generate_raw(sub, length);
}

rc::Gen<Program> gen_program(Family family, Profile profile) {
  return rc::gen::withSize([family, profile](int size) {
    size_t k = static_cast<size_t>(size < 0 ? 0 : size) / 4 + 1; // RapidCheck sizes go to 100
    return rc::gen::noShrink(
        rc::gen::map(rc::gen::arbitrary<uint64_t>(), [k, family, profile](uint64_t seed) {
          return generate_program(seed, k, family, profile);
        }));
  });
}

} // namespace lungfish::gen
