#!/usr/bin/env bash
# The whole test suite: setup + Release build (build/), a Debug build with AddressSanitizer and
# UndefinedBehaviorSanitizer (build-asan/), ctest in both, every libFuzzer target for 60 s
# (build-fuzz/, clang), the main job (scripts/main-job.sh), and a consumer project built against
# a temporary `cmake --install` of the libraries.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh

cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DLUNGFISH_SANITIZE=ON
cmake --build build-asan

echo "== ctest (Release)"
ctest --test-dir build --output-on-failure -j2
echo "== ctest (Debug, ASan+UBSan)"
ctest --test-dir build-asan --output-on-failure -j2

echo "== fuzz (each libFuzzer target for 60 s, clang + ASan/UBSan; issue 9)"
./fuzz/run-all.sh "${LUNGFISH_FUZZ_SECONDS:-60}"

echo "== the main job (README's first command): check, replay of the bundled recordings, examples"
./scripts/main-job.sh

echo "== install consumer"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install build --prefix "$tmp/prefix"
cmake -S tests/install -B "$tmp/consumer" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$tmp/prefix"
cmake --build "$tmp/consumer"
"$tmp/consumer/consumer"
echo "test.sh: all passed"
