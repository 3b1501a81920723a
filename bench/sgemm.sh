#!/usr/bin/env bash
# sgemm speed as libtorch sees it, through `genvec doctor` (1024x1024 float32, median of 5), with
# the BLAS setup.sh selects (OpenBLAS) and, in the same run, with Debian's reference BLAS forced
# through LD_LIBRARY_PATH: why setup.sh installs libopenblas0-openmp; and OpenBLAS with the
# kernels it picks itself (GENVEC_BLAS_KERNELS=keep) next to those genvec picks where OpenBLAS
# does not know the CPU (common/blas_kernels.h). Appends to bench/RESULTS.md.
#   bench/sgemm.sh [--no-record]
set -euo pipefail
cd "$(dirname "$0")/.."
genvec=build/launcher/genvec
[ -x "$genvec" ] || { echo "build first: scripts/build.sh" >&2; exit 1; }
reference_dir=/usr/lib/x86_64-linux-gnu/blas

gflops() { "$@" | sed -n 's/^sgemm .*float32: \([0-9]*\) GFLOP\/s on rank 0 (\([0-9]*\) thread.*/\1 \2/p'; }
blas() { "$@" | sed -n 's/^BLAS *//p' | head -1; }

rows=""
for threads in 1 2; do
  read -r openblas _ < <(gflops $genvec doctor --set dist.threads_per_rank=$threads)
  rows+="| $(blas $genvec doctor) | $threads | $openblas |"$'\n'
  read -r own _ < <(GENVEC_BLAS_KERNELS=keep gflops $genvec doctor --set dist.threads_per_rank=$threads)
  rows+="| $(GENVEC_BLAS_KERNELS=keep blas $genvec doctor) (its own kernel choice, GENVEC_BLAS_KERNELS=keep) | $threads | $own |"$'\n'
  if [ -f "$reference_dir/libblas.so.3" ]; then
    read -r reference _ < <(LD_LIBRARY_PATH=$reference_dir gflops $genvec doctor --set dist.threads_per_rank=$threads)
    rows+="| Debian reference BLAS (LD_LIBRARY_PATH=$reference_dir) | $threads | $reference |"$'\n'
  fi
done
read -r np2 _ < <(OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 gflops mpirun -np 2 $genvec doctor)

block=$(cat <<MD

### sgemm, $(date -u +%Y-%m-%d) — \`bench/sgemm.sh\`
Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')); libtorch via \`genvec doctor\`, 1024×1024 float32, median of 5.

| BLAS answering sgemm_ | threads | GFLOP/s |
|---|---|---|
${rows}
Under \`mpirun -np 2\` (1 thread per rank, both ranks at once): rank 0 measured $np2 GFLOP/s.
MD
)
echo "$block"
[ "${1:-}" = --no-record ] || echo "$block" >> bench/RESULTS.md
