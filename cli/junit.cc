#include "cli/junit.h"

#include "model/io/atomic_file.h"

namespace lungfish::cli {

namespace {

std::string xml(const std::string &s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        // Control characters other than tab and newline are not allowed in XML 1.0.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') continue;
        out += c;
    }
  }
  return out;
}

} // namespace

bool write_junit(const std::string &path, const std::string &suite,
                 const std::vector<JUnitCase> &cases, std::string &error) {
  size_t failures = 0, errors = 0, skipped = 0;
  for (const JUnitCase &c : cases) {
    failures += c.status == "failure";
    errors += c.status == "error";
    skipped += c.status == "skipped";
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n";
  out += "  <testsuite name=\"" + xml(suite) + "\" tests=\"" + std::to_string(cases.size()) +
         "\" failures=\"" + std::to_string(failures) + "\" errors=\"" + std::to_string(errors) +
         "\" skipped=\"" + std::to_string(skipped) + "\">\n";
  for (const JUnitCase &c : cases) {
    out += "    <testcase classname=\"" + xml(suite) + "\" name=\"" + xml(c.name) + "\"";
    if (c.status == "passed") {
      out += "/>\n";
      continue;
    }
    out += ">\n      <" + c.status + " message=\"" + xml(c.message) + "\"";
    out += c.detail.empty() ? "/>\n" : ">" + xml(c.detail) + "</" + c.status + ">\n";
    out += "    </testcase>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return write_file_atomically(path, out, error);
}

} // namespace lungfish::cli
