#!/usr/bin/env bash
# Builds the fuzz targets with clang (tests/fuzz) and fuzzes one for a while, growing its corpus
# in build-fuzz/corpus-NAME (the seeds in tests/fuzz/corpus/NAME stay untouched).
#   scripts/fuzz.sh [TARGET=config] [SECONDS=600]
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-config} seconds=${2:-600}
cmake -S tests/fuzz -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ >/dev/null
cmake --build build-fuzz --target "${target}_fuzz"
mkdir -p "build-fuzz/corpus-$target"
"build-fuzz/${target}_fuzz" "build-fuzz/corpus-$target" "tests/fuzz/corpus/$target" \
  -max_total_time="$seconds" -print_final_stats=1
