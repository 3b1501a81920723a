#!/usr/bin/env bash
# genvec under Slurm, as users run it: (1) `srun --mpi=pmix -n 2 genvec doctor` and (2) an
# `sbatch --wait` job whose script runs `mpirun -np 2 genvec doctor`; both must report a world
# of 2 ranks; (3) the user's `sbatch slurm/train.sh` on configs/tiny.toml: the data stages on 2
# ranks write every cache and training runs to the end (metrics, checkpoint, the exported
# embedder). Skips (tests/skip.sh) when
# no Slurm controller answers: scripts/slurm-local.sh starts a single-node one (scripts/test.sh
# does so as root).
#   slurm_test.sh GENVEC
set -euo pipefail
genvec=$1
repo=$(cd "$(dirname "$0")/../.." && pwd)
source "$repo/tests/skip.sh"
if ! command -v srun >/dev/null || ! timeout 10 sinfo -h >/dev/null 2>&1; then
  skip_test "no Slurm cluster answers here (scripts/slurm-local.sh starts one)"
fi
fail() { echo "FAILED: $*"; exit 1; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

echo "--- srun --mpi=pmix -n 2 genvec doctor"
timeout 120 srun --mpi=pmix -n 2 -t 2 "$genvec" doctor | tee "$scratch/srun.out"
grep -q "world size 2," "$scratch/srun.out" || fail "srun: genvec did not see 2 ranks"

echo "--- sbatch --wait: mpirun -np 2 genvec doctor inside the allocation"
cat > "$scratch/job.sh" <<JOB
#!/usr/bin/env bash
#SBATCH -n 2
#SBATCH -t 2
#SBATCH -o $scratch/job.out
# Open MPI refuses to start as root without these (CI runs as root).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun -np 2 "$genvec" doctor
JOB
timeout 180 sbatch --wait "$scratch/job.sh" || { cat "$scratch/job.out" 2>/dev/null; fail "sbatch job failed"; }
cat "$scratch/job.out"
grep -q "world size 2," "$scratch/job.out" || fail "sbatch + mpirun: genvec did not see 2 ranks"

echo "--- sbatch --wait slurm/train.sh configs/tiny.toml: doctor, the data stages, training"
rc=0
(cd "$repo" && GENVEC=$genvec timeout 300 sbatch --wait -o "$scratch/train.out" slurm/train.sh \
  configs/tiny.toml --set run.dir="$scratch/run") || rc=$?
cat "$scratch/train.out"
[ "$rc" = 0 ] || fail "slurm/train.sh failed ($rc)"
grep -q "world size 2," "$scratch/train.out" || fail "slurm/train.sh: doctor did not see 2 ranks"
[ "$(ls "$scratch"/run/cache/teacher/*.h5 2>/dev/null | wc -l)" = 4 ] ||
  fail "slurm/train.sh: the data stages did not write the 4 teacher caches"
grep -q "2 rank(s) on cpu float32" "$scratch/train.out" || fail "slurm/train.sh: training not on 2 ranks"
# 20 training rows, and 2 of the evaluation during training (steps 10 and 20).
[ "$(grep -c '"loss"' "$scratch/run/metrics.jsonl")" = 20 ] &&
  [ "$(grep -c '"eval_score"' "$scratch/run/metrics.jsonl")" = 2 ] && [ -f "$scratch/run/embedder.h5" ] &&
  [ -f "$scratch/run/best.h5" ] &&
  [ "$(cat "$scratch/run/checkpoints/latest")" = step-00000020.h5 ] ||
  fail "slurm/train.sh: training did not reach step 20"
echo "--- ok"
