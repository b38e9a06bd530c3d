// docs/json-output.schema.json checked on every subcommand's --json output, errors included,
// with python3-jsonschema (installed by scripts/setup.sh): one envelope, one documented shape.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;

TEST(JsonSchema, EverySubcommandsOutputValidates) {
  fs::path dir = fs::temp_directory_path() / ("lungfish_schema_test_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "ok.lf") << "r = Region()\nr.f = {}\n";
  std::ofstream(dir / "bad.lf") << "r = = Region()\n";
  std::ofstream(dir / "rej.lf") << "a = Region()\nb = Region()\nc = Region()\na.f = c\nb.f = c\n";
  const std::string L = LUNGFISH_BINARY;
  // Each output is one file; then one python3 process validates them all.
  const std::pair<std::string, std::string> runs[] = {
      {"run-ok", "run ok.lf"},
      {"run-rejected", "run rej.lf"},
      {"run-violation", "run rej.lf --disable-check barrier.has_parent"},
      {"run-syntax-error", "run bad.lf"},
      {"run-usage-error", "run ok.lf --max-steps -3"},
      {"check", "check --count 30 --save-failures f"},
      {"check-failure",
       "check --seed 42 --count 2000 --disable-check barrier.has_parent --save-failures f"},
      {"check-shard", "check --count 30 --shard 1/2 --save-failures f"},
      {"enumerate", "enumerate --depth 2 --save-failures f"},
      {"enumerate-violation",
       "enumerate --depth 3 --disable-check dissolve.child --save-failures f"},
      {"verify",
       "verify --objects 2 --regions 1 --fields 2 --steps 2 --only-op read --only-op new"},
      {"mutants", "mutants --only cown.not_bridge --budget-programs 2000 --no-z3 --out-dir m"},
      {"diff", "diff --runtime frankenscript --cmd '" + L +
                   " run --profile frankenscript --show mermaid {file}' --count 3"},
      {"diff-error", "diff --runtime frankenscript --cmd 'true' --count 3"},
      {"replay-error", "replay missing.mermaid.md"},
  };
  std::string files;
  for (const auto &[name, args] : runs) {
    std::string out = (dir / (name + ".json")).string();
    std::string cmd = "cd " + dir.string() + " && " + L + " " + args + " --json >" + out +
                      " 2>/dev/null </dev/null";
    int status = std::system(cmd.c_str());
    ASSERT_TRUE(WIFEXITED(status)) << name;
    files += " " + out;
  }
  // The trace of a run, replayed: replay's report too.
  std::system(("cd " + dir.string() + " && " + L + " run ok.lf --trace t.jsonl >/dev/null && " + L +
               " replay t.jsonl --json > replay.json")
                  .c_str());
  files += " " + (dir / "replay.json").string();
  std::string schema = std::string(LUNGFISH_SOURCE_DIR) + "/docs/json-output.schema.json";
  std::string py = "import json, sys, jsonschema\n"
                   "schema = json.load(open(sys.argv[1]))\n"
                   "v = jsonschema.Draft202012Validator(schema)\n"
                   "bad = 0\n"
                   "for f in sys.argv[2:]:\n"
                   "    try:\n"
                   "        doc = json.load(open(f))\n"
                   "    except ValueError as e:\n"
                   "        print(f, 'is not JSON:', e); bad += 1; continue\n"
                   "    for e in v.iter_errors(doc):\n"
                   "        print(f, list(e.absolute_path), e.message[:300]); bad += 1\n"
                   "sys.exit(1 if bad else 0)\n";
  std::ofstream(dir / "validate.py") << py;
  std::string cmd = "python3 " + (dir / "validate.py").string() + " " + schema + files + " > " +
                    (dir / "errors.txt").string() + " 2>&1";
  int status = std::system(cmd.c_str());
  std::ifstream in(dir / "errors.txt");
  std::string errors((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(WEXITSTATUS(status), 0) << errors;
  fs::remove_all(dir);
}

} // namespace
