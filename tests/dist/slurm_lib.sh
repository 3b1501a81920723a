# shellcheck shell=bash
# What the Slurm tests share (sourced): skip without a cluster, a scratch folder, and waiting for
# jobs. Expects $genvec and $repo.
source "$repo/tests/skip.sh"
if ! command -v srun >/dev/null || ! timeout 10 sinfo -h >/dev/null 2>&1; then
  skip_test "no Slurm cluster answers here (scripts/slurm-local.sh starts one)"
fi
fail() { echo "FAILED: $*"; exit 1; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# Open MPI refuses to start as root without these (CI runs as root); sbatch passes them on.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export GENVEC=$genvec

# job_field JOB FIELD: one field of `scontrol show job` (JobState, Restarts, Reason, ...).
job_field() { scontrol -o show job "$1" 2>/dev/null | grep -o " $2=[^ ]*" | head -1 | cut -d= -f2; }

# wait_job JOB SECONDS: waits for the job to end and prints its final state. A job that requeued
# itself waits in PENDING for Slurm's requeue delay (about two minutes, Reason=BeginTime): once
# its last run has left the node (the node idle for a few seconds; earlier, Slurm refuses the
# start: "Job credential revoked") it is let go, as an operator would, so the test does not sit
# out the delay. (sbatch --wait polls with growing pauses, up to half a minute; this polls every
# half second.)
wait_job() {
  local job=$1 deadline=$((SECONDS + $2)) state reason idle=0
  while ((SECONDS < deadline)); do
    state=$(job_field "$job" JobState)
    case $state in
      COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE)
        echo "$state"
        return 0
        ;;
      PENDING)
        reason=$(job_field "$job" Reason)
        if [ "$reason" = BeginTime ] && [ "$(sinfo -h -N -o %T | head -1)" = idle ]; then
          idle=$((idle + 1))
          ((idle < 6)) || scontrol update JobId="$job" StartTime=now >/dev/null 2>&1
        else
          idle=0
        fi
        [ "$reason" = DependencyNeverSatisfied ] && { echo "$state ($reason)"; return 0; }
        ;;
    esac
    sleep 0.5
  done
  echo "still $state after $2 s"
  return 1
}

# wait_for SECONDS WHAT COMMAND...: until COMMAND succeeds (polled every 0.1 s).
wait_for() {
  local seconds=$1 what=$2 deadline=$((SECONDS + $1))
  shift 2
  until "$@" 2>/dev/null; do
    ((SECONDS < deadline)) || fail "waited $seconds s in vain for $what"
    sleep 0.1
  done
}

# Every dataset and attribute of a run's caches of one kind, as text (h5dump minus the name line).
dump_caches() { for f in "$1"/cache/"$2"/*.h5; do h5dump "$f" | tail -n +2; done; }
# The trained state of a checkpoint: parameters and AdamW moments, as text.
checkpoint_state() {
  local d
  for d in parameters.gen_tokens parameters.recon.weight parameters.recon.bias \
    parameters.align.weight parameters.align.bias adam_m.gen_tokens adam_v.gen_tokens \
    adam_v.recon.weight adam_v.align.bias; do h5dump -d "$d" "$1" | tail -n +2; done
}
