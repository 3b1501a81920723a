#!/usr/bin/env bash
# The test command: sets the machine up (packages, models), builds, and runs every test.
#   scripts/test.sh [ctest arguments, e.g. -L unit or -R config]
# Tests labelled gpu skip, saying so, where there is no GPU. As root, a local single-node Slurm
# is started so the srun tests run too (scripts/slurm-local.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [ "$(id -u)" = 0 ] && [ -x scripts/slurm-local.sh ]; then
  scripts/slurm-local.sh || echo "[test] Slurm did not come up; the srun tests will be skipped"
fi
scripts/build.sh
# The libFuzzer targets build with clang alone (tests/fuzz); build them so they cannot rot.
if command -v clang++ >/dev/null; then
  cmake -S tests/fuzz -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ >/dev/null
  cmake --build build-fuzz --parallel "$(nproc)"
else
  echo "[test] clang++ not found: the fuzz targets are not built (apt-get install clang)"
fi
cd build
ctest --output-on-failure --parallel "$(nproc)" "$@"
