#include "traces/cpython_steps.h"

#include "model/python_subset.h"

#include <map>

namespace lungfish::traces {

std::vector<RecordedStep> python_steps_to_model(const std::vector<RecordedStep> &steps,
                                                const std::string &file) {
  std::vector<std::string> lines;
  for (const RecordedStep &s : steps) {
    if (s.line == 0) continue;
    size_t at = s.line - 1, start = 0;
    for (size_t k = 0;; ++k) {
      size_t end = s.stmt.find('\n', start);
      if (lines.size() <= at + k) lines.resize(at + k + 1);
      lines[at + k] = s.stmt.substr(start, end == std::string::npos ? end : end - start);
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  std::string text;
  for (const std::string &l : lines)
    text += l + "\n";
  Program p = parse_python_subset(text, file);
  std::map<uint32_t, std::vector<const Stmt *>> by_line;
  for (const Stmt &s : p.body)
    by_line[s.loc.line].push_back(&s);
  std::vector<RecordedStep> out;
  for (const RecordedStep &s : steps) {
    std::vector<std::string> texts;
    if (auto it = by_line.find(s.line); it != by_line.end())
      for (const Stmt *st : it->second)
        texts.push_back(st->text);
    if (texts.empty()) texts.push_back("pass()");
    for (size_t k = 0; k < texts.size(); ++k) {
      RecordedStep m;
      m.index = s.index;
      m.file_line = s.file_line;
      m.line = s.line;
      m.stmt = texts[k];
      m.message = "Line " + std::to_string(s.line) + ": " + texts[k];
      if (k + 1 == texts.size()) {
        m.outcome = s.outcome;
        m.snapshot = s.snapshot;
      }
      out.push_back(std::move(m));
    }
  }
  return out;
}

namespace {
class VectorSource : public StepSource {
public:
  explicit VectorSource(std::vector<RecordedStep> steps) : steps_(std::move(steps)) {}
  bool next(RecordedStep &out) override {
    if (at_ >= steps_.size()) return false;
    out = std::move(steps_[at_++]);
    return true;
  }

private:
  std::vector<RecordedStep> steps_;
  size_t at_ = 0;
};
} // namespace

std::unique_ptr<StepSource> vector_source(std::vector<RecordedStep> steps) {
  return std::make_unique<VectorSource>(std::move(steps));
}

std::unique_ptr<StepSource> open_native_trace(const std::string &path, std::string *profile) {
  std::string header_profile;
  auto source = open_native_source(path, &header_profile);
  if (profile) *profile = header_profile;
  if (header_profile != "cpython" && header_profile != "pep795") return source;
  std::vector<RecordedStep> steps;
  for (RecordedStep st; source->next(st);)
    steps.push_back(std::move(st));
  return vector_source(python_steps_to_model(steps, path));
}

} // namespace lungfish::traces
