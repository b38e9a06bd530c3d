#include "cli/step_pictures.h"

#include "model/io/atomic_file.h"

#include <cstdio>
#include <filesystem>
#include <ostream>

namespace lungfish::cli {

namespace {

std::string extension(const std::string &format) {
  if (format == "tikz") return "tex";
  if (format == "mermaid") return "md";
  if (format == "text") return "txt";
  return format; // dot, json
}

} // namespace

bool StepPictures::open(std::string &error) {
  if (out_dir_.empty()) return true;
  namespace fs = std::filesystem;
  fs::path dir(out_dir_);
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return true;
  if (!dir.parent_path().empty() && !fs::is_directory(dir.parent_path(), ec)) {
    error =
        "--out-dir " + out_dir_ + ": directory " + dir.parent_path().string() + " does not exist";
    return false;
  }
  if (!fs::create_directory(dir, ec) || ec) {
    error = "--out-dir " + out_dir_ + ": cannot create it" + (ec ? ": " + ec.message() : "");
    return false;
  }
  return true;
}

void StepPictures::emit(uint64_t step, const std::string &picture) {
  if (out_dir_.empty()) {
    os_ << picture;
    return;
  }
  char name[32];
  std::snprintf(name, sizeof name, "step-%04llu.", static_cast<unsigned long long>(step));
  std::string path = (std::filesystem::path(out_dir_) / (name + extension(format_))).string();
  std::string error;
  if (!write_file_atomically(path, picture, error) && error_.empty()) error_ = error;
}

void StepPictures::add(const std::string &picture) {
  ++steps_;
  if (last_) {
    kept_ = picture;
  } else if (!only_ || *only_ == steps_) {
    emit(steps_, picture);
  }
}

bool StepPictures::finish(std::string &error) {
  if (last_ && steps_) emit(steps_, kept_);
  if (only_ && *only_ > steps_ && error_.empty())
    error_ = "--step " + std::to_string(*only_) + ": the run has " + std::to_string(steps_) +
             (steps_ == 1 ? " step" : " steps");
  error = error_;
  return error_.empty();
}

} // namespace lungfish::cli
