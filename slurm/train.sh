#!/usr/bin/env bash
# The main job on a Slurm cluster: every pipeline stage of genvec on one config, one MPI rank per
# task (srun --mpi=pmix). Submit from the repository root:
#   sbatch slurm/train.sh [CONFIG=configs/quickstart.toml] [genvec options, e.g. --set train.lr=3e-4]
# Resubmitting resumes: finished stages are skipped, the others continue from their last commit.
# Adjust the #SBATCH lines (or override them on the sbatch command line) for your cluster; on GPU
# nodes ask for one task per GPU, e.g. --ntasks-per-node=4 --gpus-per-node=4.
#SBATCH --job-name=genvec
#SBATCH --nodes=1
#SBATCH --ntasks-per-node=2
#SBATCH --cpus-per-task=1
#SBATCH --time=02:00:00
#SBATCH --output=genvec-%j.out
set -euo pipefail
cd "${SLURM_SUBMIT_DIR:-.}"
config=${1:-configs/quickstart.toml}
shift || true
genvec=${GENVEC:-build/launcher/genvec}
[ -x "$genvec" ] || { echo "genvec not found at $genvec: run scripts/build.sh or set GENVEC" >&2; exit 1; }

# --kill-on-bad-exit: a task that dies (out of memory, a node lost) ends the whole step at once,
# as mpirun does, instead of leaving the other ranks waiting for it; resubmitting resumes.
step() { srun --mpi=pmix --kill-on-bad-exit=1 "$genvec" "$@"; }
step doctor --config "$config" "$@"
# The stages one by one (each resumes or skips finished work), so sacct shows each as a step.
# Training stopped by SIGTERM (preemption, the time limit) or SIGUSR1 (sbatch --signal) saves a
# checkpoint and exits with 75: resubmitting resumes from it.
for stage in shard generate teacher train eval; do
  step $stage --config "$config" "$@"
done
