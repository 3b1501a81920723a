#!/usr/bin/env bash
# Configures and builds genvec in ./build (Ninja when available, ccache when installed).
#   scripts/build.sh [extra cmake arguments, e.g. -DTorch_DIR=/opt/libtorch/share/cmake/Torch]
# CI=true turns warnings into errors.
set -euo pipefail
cd "$(dirname "$0")/.."
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
werror=OFF
[ "${CI:-}" = true ] && werror=ON
if [ ! -f build/CMakeCache.txt ]; then
  cmake -S . -B build "${generator[@]}" -DGENVEC_WERROR=$werror "$@"
else
  cmake -S . -B build -DGENVEC_WERROR=$werror "$@"
fi
cmake --build build --parallel "$(nproc)"
