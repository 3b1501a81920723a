#!/usr/bin/env bash
# The test command: sets the machine up (packages, models), builds, and runs every test.
#   scripts/test.sh [--strict] [ctest arguments, e.g. -L unit or -R config]
# A test that cannot run here (missing model, data or Slurm) skips and says why; with --strict,
# or CI=true, or GENVEC_STRICT_TESTS=1, such a skip is a failure, and only tests labelled gpu
# may skip (no GPU here). As root, a local single-node Slurm is started so the srun tests run too
# (scripts/slurm-local.sh). Ends with the count of tests that ran, passed, failed and skipped,
# per label.
set -euo pipefail
cd "$(dirname "$0")/.."
strict=${GENVEC_STRICT_TESTS:-0}
[ "${CI:-}" = true ] && strict=1
ctest_args=()
for arg in "$@"; do
  if [ "$arg" = --strict ]; then strict=1; else ctest_args+=("$arg"); fi
done
export GENVEC_STRICT_TESTS=$strict
scripts/setup.sh
if [ "$(id -u)" = 0 ] && [ -x scripts/slurm-local.sh ]; then
  scripts/slurm-local.sh || echo "[test] Slurm did not come up; the srun tests cannot run"
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
rm -f ctest-junit.xml
rc=0
ctest --output-on-failure --parallel "$(nproc)" --output-junit "$PWD/ctest-junit.xml" \
  ${ctest_args[@]+"${ctest_args[@]}"} || rc=$?
[ -f ctest-junit.xml ] || exit "$((rc == 0 ? 1 : rc))"
ctest --show-only=json-v1 ${ctest_args[@]+"${ctest_args[@]}"} > ctest-tests.json
summary_args=()
[ "$strict" = 1 ] && summary_args=(--strict)
python3 ../scripts/test_summary.py ctest-junit.xml ctest-tests.json \
  ${summary_args[@]+"${summary_args[@]}"} || rc=1
exit "$rc"
