#!/usr/bin/env bash
# The pipeline as separate Slurm jobs, for users who split the work: shard (one task), then
# generation as a job array (one task per shard, each `genvec generate --shard I`), then the
# teacher, then training, then evaluation, each waiting for the one before with
# --dependency=afterok (a requeued job is waited for until it ends well). Every job runs
# slurm/stage.sh: preemption, requeueing and logs as in slurm/train.sh. Run from the repository
# root:
#   slurm/submit.sh CONFIG [genvec options, e.g. --set train.lr=3e-4]
# Prints the job ids, the last one (eval) alone on the last line. Environment knobs:
#   GENVEC_SBATCH            sbatch options for every job (e.g. "--partition=gpu --time=4:00:00")
#   GENVEC_SBATCH_GENERATE   ... and for the generation array only (e.g. "--gpus-per-task=1")
#   GENVEC_SBATCH_TEACHER, GENVEC_SBATCH_TRAIN, GENVEC_SBATCH_EVAL   the same for those jobs
#   GENVEC_ARRAY_PARALLEL    at most this many generation tasks at once (default: no limit)
#   GENVEC_OUTPUT_DIR        where the jobs' output files go (default: here)
# and those of slurm/lib.sh (GENVEC, GENVEC_LAUNCHER, ...), which the jobs inherit.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: slurm/submit.sh CONFIG [genvec options]" >&2; exit 2; }
config=$1
source slurm/lib.sh
job_config=$config
job_args=("${@:2}")
[ -x "$genvec" ] || { echo "genvec: not found at $genvec: run scripts/build.sh, or set GENVEC" >&2; exit 1; }
shards=$(genvec_config_get data.num_shards)
registry=$(genvec_config_get eval.registry)
array=0-$((shards - 1))${GENVEC_ARRAY_PARALLEL:+%$GENVEC_ARRAY_PARALLEL}
out=${GENVEC_OUTPUT_DIR:-.}

# submit NAME DEPENDENCY [sbatch options...] -- STAGE: the job id of one stage's job.
submit() {
  local name=$1 dependency=$2
  shift 2
  local options=()
  while [ "$1" != -- ]; do options+=("$1"); shift; done
  shift
  # shellcheck disable=SC2086  # the knobs are option lists, split on purpose
  sbatch --parsable --job-name="genvec-$name" ${dependency:+--dependency=afterok:$dependency} \
    ${GENVEC_SBATCH:-} ${options[@]+"${options[@]}"} slurm/stage.sh "$1" "$config" "${@:2}" |
    cut -d';' -f1
}

shard=$(submit shard "" --ntasks=1 --ntasks-per-node=1 --output="$out/genvec-shard-%j.out" -- shard "${@:2}")
# shellcheck disable=SC2086
generate=$(submit generate "$shard" --array="$array" --output="$out/genvec-generate-%A_%a.out" \
  ${GENVEC_SBATCH_GENERATE:-} -- generate "${@:2}")
# shellcheck disable=SC2086
teacher=$(submit teacher "$generate" --output="$out/genvec-teacher-%j.out" ${GENVEC_SBATCH_TEACHER:-} \
  -- teacher "${@:2}")
# shellcheck disable=SC2086
train=$(submit train "$teacher" --output="$out/genvec-train-%j.out" ${GENVEC_SBATCH_TRAIN:-} \
  -- train "${@:2}")
last=$train
echo "genvec: submitted shard $shard, generate $generate (array $array), teacher $teacher, train $train"
if [ -n "$registry" ]; then
  # shellcheck disable=SC2086
  last=$(submit eval "$train" --output="$out/genvec-eval-%j.out" ${GENVEC_SBATCH_EVAL:-} -- eval "${@:2}")
  echo "genvec: submitted eval $last"
fi
echo "$last"
