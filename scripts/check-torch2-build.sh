#!/usr/bin/env bash
# Checks that genvec builds (warnings as errors) and passes its CPU tests against a CUDA libtorch
# 2.x, as cluster users build it: PyPI's Linux torch wheel is CUDA-enabled and is unpacked with
# the NVIDIA library wheels it links against, in pip's site-packages layout (torch finds them
# through its RPATH). The CUDA toolkit supplies the rest. Downloads ~2 GB into the work folder,
# so it is not part of CI; run it after changing CMake files or torch-facing code.
#   scripts/check-torch2-build.sh [TORCH_VERSION=2.15.0]
# GENVEC_TORCH2_WORK sets the work folder (default /tmp/genvec-torch2).
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:-2.15.0}
work=${GENVEC_TORCH2_WORK:-/tmp/genvec-torch2}
mkdir -p "$work/wheels" "$work/site"
say() { echo "[torch2] $*"; }

say "torch==$version from PyPI"
python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$work/wheels" "torch==$version"
wheel=$(ls "$work"/wheels/torch-"$version"-*.whl | head -1)
# The NVIDIA wheels torch pins (cudnn, cusparselt, nccl, nvshmem) plus cufile, which it reaches
# through the cuda-toolkit extras and a CUDA toolkit install may lack.
nvidia=$(unzip -p "$wheel" 'torch-*.dist-info/METADATA' |
         sed -n 's/^Requires-Dist: \(nvidia-[a-z0-9-]*==[0-9.]*\).*/\1/p')
say "NVIDIA libraries: $(echo $nvidia) nvidia-cufile"
python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$work/wheels" $nvidia nvidia-cufile
for w in "$work"/wheels/*.whl; do
  marker="$work/site/.unpacked-$(basename "$w")"
  [ -f "$marker" ] || { unzip -q -o "$w" -d "$work/site" && touch "$marker"; }
done

say "configure and build in $work/build"
rm -rf "$work/build"
CCACHE_DISABLE=1 cmake -S . -B "$work/build" -G Ninja -DGENVEC_WERROR=ON \
  -DTorch_DIR="$work/site/torch/share/cmake/Torch" -DCUDAToolkit_ROOT=/usr/local/cuda
CCACHE_DISABLE=1 cmake --build "$work/build" --parallel "$(nproc)"
"$work/build/launcher/genvec" doctor
say "tests (gpu tests need a GPU; the Slurm test is covered by scripts/test.sh)"
cd "$work/build"
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ctest --output-on-failure -LE gpu -E slurm
