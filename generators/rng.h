// A small seeded PRNG (SplitMix64) so that generation is byte-for-byte reproducible from a seed
// on every platform (std::uniform_int_distribution is implementation-defined).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lungfish::gen {

class Rng {
public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  /// The next 64 random bits.
  uint64_t next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, n); 0 when n is 0. The modulo bias is irrelevant at these sizes.
  size_t below(size_t n) { return n ? static_cast<size_t>(next() % n) : 0; }
  /// True with probability num/den.
  bool chance(unsigned num, unsigned den) { return below(den) < num; }
  /// A uniformly chosen element (the vector must not be empty).
  template <class T> const T &pick(const std::vector<T> &v) { return v[below(v.size())]; }
  /// An index drawn with the given weights (all zero: 0).
  size_t weighted(const std::vector<unsigned> &w) {
    unsigned total = 0;
    for (unsigned x : w)
      total += x;
    if (!total) return 0;
    unsigned r = static_cast<unsigned>(below(total));
    for (size_t i = 0; i < w.size(); ++i) {
      if (r < w[i]) return i;
      r -= w[i];
    }
    return w.size() - 1;
  }

private:
  uint64_t s_;
};

/// Mixes a campaign seed and an index into an independent per-program seed.
inline uint64_t derive_seed(uint64_t seed, uint64_t index) {
  Rng r(seed ^ (index * 0xd1b54a32d192ed03ULL));
  r.next();
  return r.next();
}

} // namespace lungfish::gen
