#!/usr/bin/env bash
# Installs the Debian 12 packages lungfish needs (only those missing; apt-get update once) and
# builds build/ (Release, Ninja). Idempotent: a second run only rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake ninja-build pkg-config libz3-dev librapidcheck-dev
  nlohmann-json3-dev libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev clang llvm
  libclang-rt-14-dev python3 latexmk texlive-latex-recommended texlive-latex-extra
  texlive-pictures texlive-fonts-recommended parallel python3-yaml
  python3-jsonschema)

missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done

if ((${#missing[@]} > 0)); then
  echo "setup: installing ${missing[*]}"
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: run as root to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  "${sudo[@]}" apt-get update -qq
  available=()
  for p in "${missing[@]}"; do
    # Capture first: `grep -q` closing the pipe early would fail the pipeline under pipefail.
    policy=$(apt-cache policy "$p" 2>/dev/null || true)
    if grep -q 'Candidate: [^(]' <<<"$policy"; then
      available+=("$p")
    else
      echo "setup: package $p is not available here; skipping it" >&2
    fi
  done
  if ((${#available[@]} > 0)); then
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends "${available[@]}"
  fi
fi

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build
