// Where `lungfish run --show FORMAT` puts its pictures: every step on one stream (the default),
// one file per step (`--out-dir DIR`: DIR/step-0001.dot ...), or one step only (`--step N`,
// `--last`), so that `--show dot --last | dot -Tpng` draws the final state.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

namespace lungfish::cli {

class StepPictures {
public:
  /// `only`: the 1-based step to keep; `last`: keep the last step only.
  StepPictures(std::ostream &os, std::string format, std::string out_dir,
               std::optional<uint64_t> only, bool last)
      : os_(os), format_(std::move(format)), out_dir_(std::move(out_dir)), only_(only),
        last_(last) {}
  /// Creates --out-dir (its parent must exist); false and `error` otherwise.
  bool open(std::string &error);
  /// One step's picture (the steps are numbered from 1 in the order they come).
  void add(const std::string &picture);
  /// Writes what --last kept; false and `error` if a file could not be written, or if --step N
  /// named a step the run did not reach.
  bool finish(std::string &error);

private:
  void emit(uint64_t step, const std::string &picture);
  std::ostream &os_;
  std::string format_, out_dir_;
  std::optional<uint64_t> only_;
  bool last_ = false;
  uint64_t steps_ = 0;
  std::string kept_, error_;
};

} // namespace lungfish::cli
