#!/usr/bin/env bash
# Preemption and time limits on a real Slurm, with `sbatch slurm/train.sh` on configs/tiny.toml
# made long enough to interrupt (1,000 queries answered one at a time, 300 training steps of 256):
# - the reference: the same job, uninterrupted;
# - a preemption notice during training (`scancel --signal=USR1 --batch`, under srun): every rank
#   says it received SIGUSR1, the step is saved, the job requeues itself, the requeued job skips
#   the finished stages and resumes; the final checkpoint equals the reference's bit for bit;
# - a preemption notice during generation, mid-shard (slurm/stage.sh generate): nothing lost,
#   nothing duplicated: the caches equal the reference's dataset by dataset;
# - the time limit (--time=2 --signal=B:USR2@100) under mpirun: the warning signal reaches every
#   rank through mpirun, the job requeues itself as often as it needs and ends with the
#   reference's state bit for bit;
# - a plain scancel (SIGTERM to the script and every task): every rank saves, the job is not
#   requeued.
# Skips without a Slurm cluster (see slurm_test.sh).
#   slurm_preempt_test.sh GENVEC
set -euo pipefail
genvec=$1
repo=$(cd "$(dirname "$0")/../.." && pwd)
source "$repo/tests/dist/slurm_lib.sh"
cd "$repo"
long=(--set data.max_queries=1000 --set generate.batch_size=1 --set train.global_batch_size=256
  --set train.max_steps=300 --set train.schedule_steps=300 --set train.checkpoint_every=25
  --set eval.every_steps=150)
last=step-00000300.h5

# submit NAME [sbatch options] -- [genvec options]: slurm/train.sh with the long settings on
# RUN=$scratch/NAME; prints the job id.
submit() {
  local name=$1 options=()
  shift
  while [ "$1" != -- ]; do options+=("$1"); shift; done
  shift
  sbatch --parsable -o "$scratch/$name.out" ${options[@]+"${options[@]}"} slurm/train.sh \
    configs/tiny.toml --set run.dir="$scratch/$name" "${long[@]}" "$@"
}
# The shards and caches of the reference, so a job starts training at once.
seed_caches() { mkdir -p "$scratch/$1" && cp -r "$scratch/reference/shards" "$scratch/reference/cache" "$scratch/$1/"; }
loss_rows() { [ "$(grep -c '"loss"' "$scratch/$1/metrics.jsonl" 2>/dev/null)" -ge "$2" ]; }
# check_stopped NAME JOB STAGE SIGNAL: restart 0 of the job stopped in STAGE on SIGNAL, every rank
# received it, and the job ended complete.
check_stopped() {
  local name=$1 job=$2 stage=$3 signal=$4 run=$scratch/$1
  grep -q "stopped by $signal during $stage (exit 75), its state saved; requeued" \
    "$run/logs/slurm/job-$job-restart-0/summary.txt" ||
    fail "$name: restart 0 did not stop in $stage on $signal: $(cat "$run/logs/slurm/job-$job-restart-0/summary.txt")"
  for rank in 0 1; do
    grep -q "$stage: rank $rank received $signal" "$run/logs/rank-0000$rank.log" ||
      fail "$name: rank $rank does not say it received $signal"
  done
  [ "$(job_field "$job" Restarts)" -ge 1 ] || fail "$name: the job was not requeued"
}

echo "--- the reference: uninterrupted"
job=$(submit reference --)
state=$(wait_job "$job" 600) || true
tail -1 "$scratch/reference.out"
[ "$state" = COMPLETED ] || fail "the reference job ended $state"
[ "$(cat "$scratch/reference/checkpoints/latest")" = $last ] || fail "the reference did not finish"

echo "--- a preemption notice during training (srun, SIGUSR1)"
seed_caches usr1
job=$(submit usr1 --)
wait_for 300 "training to pass step 20" loss_rows usr1 20
scancel --signal=USR1 --batch "$job"
state=$(wait_job "$job" 600) || true
cat "$scratch/usr1.out"
[ "$state" = COMPLETED ] || fail "usr1: the job ended $state"
check_stopped usr1 "$job" train SIGUSR1
grep -q "train: stopped by a signal at step" "$scratch/usr1/logs/slurm/job-$job-restart-0/train.log" ||
  fail "usr1: training did not save and stop"
grep -q "already generated\|generated already" "$scratch/usr1/logs/slurm/job-$job-restart-1/generate.log" ||
  fail "usr1: the requeued job generated again"
grep -q "train: resuming from" "$scratch/usr1/logs/slurm/job-$job-restart-1/train.log" ||
  fail "usr1: the requeued job did not resume training"
[ "$(checkpoint_state "$scratch/usr1/checkpoints/$last")" = \
  "$(checkpoint_state "$scratch/reference/checkpoints/$last")" ] ||
  fail "usr1: the final state differs from the uninterrupted run's"

echo "--- a preemption notice during generation, mid-shard (slurm/stage.sh generate)"
"$genvec" shard --config configs/tiny.toml --set run.dir="$scratch/generation" "${long[@]}" >/dev/null
job=$(sbatch --parsable -o "$scratch/generation.out" slurm/stage.sh generate configs/tiny.toml \
  --set run.dir="$scratch/generation" "${long[@]}")
chunks() { [ "$(find "$scratch/generation/cache/generations" -name 'chunk-*.h5' | wc -l)" -ge 20 ]; }
wait_for 300 "20 committed generation batches" chunks
scancel --signal=USR1 --batch "$job"
state=$(wait_job "$job" 600) || true
cat "$scratch/generation.out"
[ "$state" = COMPLETED ] || fail "generation: the job ended $state"
check_stopped generation "$job" generate SIGUSR1
grep -q "generate stopped by a signal with [0-9]* of 1000 rows committed" \
  "$scratch/generation/logs/slurm/job-$job-restart-0/generate.log" || fail "generation: no stop message"
[ "$(dump_caches "$scratch/generation" generations)" = "$(dump_caches "$scratch/reference" generations)" ] ||
  fail "generation: the caches differ from the uninterrupted run's"

echo "--- the time limit under mpirun (--time=2 --signal=B:USR2@100)"
# Slurm checks time limits every 30 s or so: the warning comes 20 to 50 s into each run, while
# it trains (about 40 s of training in all), so the job requeues itself at least once.
seed_caches timelimit
job=$(GENVEC_LAUNCHER=mpirun submit timelimit --time=2 --signal=B:USR2@100 --)
state=$(wait_job "$job" 900) || true
cat "$scratch/timelimit.out"
[ "$state" = COMPLETED ] || fail "timelimit: the job ended $state"
check_stopped timelimit "$job" train SIGUSR2
[ "$(checkpoint_state "$scratch/timelimit/checkpoints/$last")" = \
  "$(checkpoint_state "$scratch/reference/checkpoints/$last")" ] ||
  fail "timelimit: the final state differs from the uninterrupted run's"

echo "--- scancel (SIGTERM to every process of the job): saved, not requeued"
seed_caches term
job=$(submit term --)
wait_for 300 "training to pass step 20" loss_rows term 20
scancel "$job"
state=$(wait_job "$job" 120) || true
cat "$scratch/term.out"
[ "$state" = CANCELLED ] || fail "term: the job ended $state"
[ "$(job_field "$job" Restarts)" = 0 ] || fail "term: a cancelled job was requeued"
for rank in 0 1; do
  grep -q "train: rank $rank received SIGTERM" "$scratch/term/logs/rank-0000$rank.log" ||
    fail "term: rank $rank does not say it received SIGTERM"
done
grep -q "train: checkpoint .*(stop signal)" "$scratch/term/logs/rank-00000.log" ||
  fail "term: no checkpoint at the stop"
echo "--- ok"
