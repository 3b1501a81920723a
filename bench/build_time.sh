#!/usr/bin/env bash
# Build time is a resource on a 2-core machine. Measures, in a scratch build folder:
#   1. a clean build with an empty compiler cache (what a fresh clone costs),
#   2. the rebuild after editing one stage file (the edit-compile loop),
#   3. a clean build with a warm ccache (a second checkout, CI on the same machine).
# Targets (issue 2): clean <= 8 min, incremental <= 60 s. Appends a dated block to
# bench/RESULTS.md with the machine and the command.
#   bench/build_time.sh [--no-record]
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d /tmp/genvec-build-time.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
export CCACHE_DIR="$scratch/ccache"  # private and empty: no earlier compile is reused
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

seconds() { awk -v start="$1" -v now="$(date +%s%N)" 'BEGIN { printf "%.1f", (now - start) / 1e9 }'; }

start=$(date +%s%N)
cmake -S . -B "$scratch/build" "${generator[@]}" >/dev/null
cmake --build "$scratch/build" --parallel "$(nproc)" >/dev/null
clean=$(seconds "$start")

# A real edit (not just touch, which ccache would answer from its cache); restored afterwards.
cp stages/doctor.cpp "$scratch/doctor.cpp"
trap 'cp "$scratch/doctor.cpp" stages/doctor.cpp; rm -rf "$scratch"' EXIT
echo "// build-time probe $(date +%s%N)" >> stages/doctor.cpp
start=$(date +%s%N)
cmake --build "$scratch/build" --parallel "$(nproc)" >/dev/null
incremental=$(seconds "$start")
cp "$scratch/doctor.cpp" stages/doctor.cpp

rm -rf "$scratch/build"
start=$(date +%s%N)
cmake -S . -B "$scratch/build" "${generator[@]}" >/dev/null
cmake --build "$scratch/build" --parallel "$(nproc)" >/dev/null
warm=$(seconds "$start")

translation_units=$(find common dist stages launcher tests -name '*.cpp' | wc -l)
block=$(cat <<MD

### Build time, $(date -u +%Y-%m-%d) — \`bench/build_time.sh\`
Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')),
$(free -g | awk '/Mem:/ {print $2}') GiB; $(g++ --version | head -1); git $(git describe --always --dirty).
$translation_units translation units, torch headers precompiled once (GENVEC_TORCH_PCH).

| build | seconds | target |
|---|---|---|
| clean, empty ccache (configure + build) | $clean | <= 480 |
| incremental after editing stages/doctor.cpp | $incremental | <= 60 |
| clean, warm ccache | $warm | - |
MD
)
echo "$block"
[ "${1:-}" = --no-record ] || echo "$block" >> bench/RESULTS.md
