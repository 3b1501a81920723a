#!/usr/bin/env bash
# One pipeline stage as its own Slurm job, as slurm/submit.sh chains them (see there); in a job
# array, `generate` works on shard $SLURM_ARRAY_TASK_ID. Preemption, requeueing and logs as in
# slurm/train.sh (slurm/lib.sh).
#   sbatch [resources] slurm/stage.sh STAGE CONFIG [genvec options]
#SBATCH --job-name=genvec-stage
#SBATCH --nodes=1
#SBATCH --ntasks-per-node=2
#SBATCH --cpus-per-task=1
#SBATCH --time=02:00:00
#SBATCH --requeue
#SBATCH --signal=B:USR1@180
#SBATCH --output=genvec-%x-%j.out
set -uo pipefail
cd "${SLURM_SUBMIT_DIR:-.}" || exit 1
source slurm/lib.sh
[ $# -ge 2 ] || { echo "usage: sbatch slurm/stage.sh STAGE CONFIG [genvec options]" >&2; exit 2; }
stage=$1
genvec_job_start "${@:2}"
if [ "$stage" = generate ] && [ -n "${SLURM_ARRAY_TASK_ID:-}" ]; then
  genvec_stage generate --shard "$SLURM_ARRAY_TASK_ID"
else
  genvec_stage "$stage"
fi
genvec_summary "done: $stage"
