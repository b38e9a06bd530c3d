#!/bin/sh
# Builds the libFuzzer targets in build-fuzz/ (clang, ASan + UBSan) and fuzzes each for DURATION
# seconds (CI: 60). Exits 1 if any target finds a crash, a leak, a timeout or an out-of-memory;
# the reproducer is left in build-fuzz/artifacts/<target>/ (make it a regression input under
# tests/inputs/<format>/bad/ or a gtest).
#
#   fuzz/run-all.sh [DURATION] [TARGET...]        e.g.  fuzz/run-all.sh 60
#
# Seeds come from tests/inputs/** and examples/ (and ../shared/corpus/ when it is there); the
# corpus each target grows is kept in build-fuzz/corpus/<target>/ between runs.
set -eu

DURATION=${1:-60}
[ $# -gt 0 ] && shift
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${LUNGFISH_FUZZ_BUILD:-$ROOT/build-fuzz}
CXX=${CXX:-$(command -v clang++-14 || command -v clang++)}
CC=${CC:-$(command -v clang-14 || command -v clang)}
TARGETS=${*:-"fuzz_program fuzz_python fuzz_run fuzz_native fuzz_mermaid fuzz_cpython fuzz_replay"}

cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DLUNGFISH_FUZZ=ON -DLUNGFISH_TESTS=OFF -DLUNGFISH_BENCH=OFF -DLUNGFISH_WERROR=OFF >/dev/null
# shellcheck disable=SC2086
ninja -C "$BUILD" $TARGETS

# seeds TARGET: prints the seed directories/files of a target, one per line.
seeds() {
  case $1 in
    fuzz_program|fuzz_run) echo "$ROOT/tests/inputs/program"; echo "$ROOT/examples" ;;
    fuzz_python) echo "$ROOT/tests/inputs/python" ;;
    fuzz_native|fuzz_replay) echo "$ROOT/tests/inputs/native" ;;
    fuzz_mermaid) echo "$ROOT/tests/inputs/mermaid"
                  [ -d "$ROOT/../shared/corpus/frankenscript" ] && echo "$ROOT/../shared/corpus/frankenscript" ;;
    fuzz_cpython) echo "$ROOT/tests/inputs/cpython"
                  [ -d "$ROOT/../shared/corpus/cpython" ] && echo "$ROOT/../shared/corpus/cpython" ;;
  esac
  return 0
}

# maxlen TARGET: programs are short; traces and recordings need room for a few steps.
maxlen() {
  case $1 in
    fuzz_program|fuzz_run|fuzz_python) echo 4096 ;;
    *) echo 65536 ;;
  esac
}

status=0
for t in $TARGETS; do
  corpus="$BUILD/corpus/$t"
  artifacts="$BUILD/artifacts/$t"
  mkdir -p "$corpus" "$artifacts"
  # Seed the corpus (files only: libFuzzer reads directories one level deep).
  for s in $(seeds "$t"); do
    find "$s" -type f -size -256k -exec cp -n {} "$corpus/" \; 2>/dev/null || true
  done
  dict=""
  [ -f "$ROOT/fuzz/$t.dict" ] && dict="-dict=$ROOT/fuzz/$t.dict"
  echo "== $t: ${DURATION}s"
  # -timeout: one input taking over 10 s is a hang; -rss_limit_mb: one input over 2 GB is a
  # memory blow-up. Both count as findings.
  # shellcheck disable=SC2086
  if ! "$BUILD/fuzz/$t" "$corpus" -max_total_time="$DURATION" -max_len="$(maxlen "$t")" \
      -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" \
      -seed="${LUNGFISH_FUZZ_SEED:-1}" \
      $dict >"$BUILD/$t.log" 2>&1; then
    echo "FAIL $t: see $BUILD/$t.log and $artifacts/"
    grep -E "ERROR|SUMMARY|Test unit written" "$BUILD/$t.log" | head -5 || true
    status=1
  else
    grep -E "stat::number_of_executed_units|cov:" "$BUILD/$t.log" | tail -2 || true
    echo "ok   $t"
  fi
done
exit $status
