#!/usr/bin/env bash
# Configures and builds genvec in ./build (Ninja when available, ccache when installed).
#   scripts/build.sh [extra cmake arguments, e.g. -DTorch_DIR=/opt/libtorch/share/cmake/Torch]
# CI=true turns warnings into errors.
set -euo pipefail
cd "$(dirname "$0")/.."
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
# Only CI sets the warnings option: flipping it on every call would rebuild everything each time
# the quickstart and the tests take turns in one build folder.
werror=()
[ "${CI:-}" = true ] && werror=(-DGENVEC_WERROR=ON)
if [ ! -f build/CMakeCache.txt ]; then
  cmake -S . -B build "${generator[@]}" ${werror[@]+"${werror[@]}"} "$@"
else
  cmake -S . -B build ${werror[@]+"${werror[@]}"} "$@"
fi
cmake --build build --parallel "$(nproc)"
