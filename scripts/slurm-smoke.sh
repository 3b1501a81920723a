#!/usr/bin/env bash
# Smoke-test an already running Slurm cluster (see scripts/slurm-local.sh) with MPI:
#   1. srun --mpi=pmix -n 2 PROG                 (direct launch via Slurm's PMIx)
#   2. sbatch --wait -n 2 job running mpirun -np 2 PROG   (Open MPI inside an allocation)
#
#   scripts/slurm-smoke.sh [PROG]
#
# PROG must print one line per rank containing "rank=<r> size=<n>" and exit 0.
# Without PROG, a built-in MPI hello (with an MPI_Allreduce) is compiled with mpicc.
# Exits non-zero on the first failing check.
set -euo pipefail

NP=2
TIMEOUT=${SLURM_SMOKE_TIMEOUT:-120} # seconds per check; a stuck job must not hang CI

log() { printf '[slurm-smoke] %s\n' "$*"; }
fail() { printf '[slurm-smoke] FAIL: %s\n' "$*" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

prog=${1:-}
if [[ -z $prog ]]; then
    cat >"$tmp/hello.c" <<'C'
#include <mpi.h>
#include <stdio.h>
int main(int argc, char **argv) {
    int rank, size, one = 1, sum = 0;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Allreduce(&one, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    printf("rank=%d size=%d allreduce=%d\n", rank, size, sum);
    MPI_Finalize();
    return sum == size ? 0 : 1;
}
C
    mpicc -o "$tmp/hello" "$tmp/hello.c"
    prog=$tmp/hello
fi
prog=$(realpath "$prog") # the job may start in another directory
[[ -x $prog ]] || fail "$prog is not an executable"

# check_output FILE WHAT: every rank 0..NP-1 must report size=NP.
check_output() {
    local r
    for ((r = 0; r < NP; r++)); do
        grep -q "rank=$r size=$NP\b" "$1" || { cat "$1" >&2; fail "$2: rank $r did not report size=$NP"; }
    done
    log "$2: OK ($NP ranks, size=$NP)"
}

# 1. Direct launch. No Open MPI env needed: the root check lives only in mpirun.
log "srun --mpi=pmix -n $NP $prog"
rc=0
timeout "$TIMEOUT" srun --mpi=pmix -n "$NP" -t 2 "$prog" >"$tmp/srun.out" 2>&1 || rc=$?
((rc == 0)) || { cat "$tmp/srun.out" >&2; fail "srun exited with status $rc"; }
check_output "$tmp/srun.out" srun

# 2. mpirun inside a batch allocation (Open MPI reads the allocation from SLURM_* env).
cat >"$tmp/job.sh" <<JOB
#!/bin/bash
#SBATCH -J genvec-smoke
#SBATCH -n $NP
#SBATCH -t 2
#SBATCH -o $tmp/sbatch.out
# mpirun refuses to run as root unless explicitly allowed (CI containers run as root).
if [ "\$(id -u)" = 0 ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
exec mpirun -np $NP "$prog"
JOB
log "sbatch --wait (mpirun -np $NP $prog)"
rc=0
timeout "$TIMEOUT" sbatch --wait "$tmp/job.sh" >"$tmp/sbatch.submit" 2>&1 || rc=$?
((rc == 0)) || { cat "$tmp/sbatch.submit" "$tmp/sbatch.out" >&2 2>/dev/null; fail "sbatch job failed (status $rc)"; }
check_output "$tmp/sbatch.out" "sbatch+mpirun"

log "all checks passed"
