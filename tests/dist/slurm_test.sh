#!/usr/bin/env bash
# genvec under Slurm, as users run it: (1) `srun --mpi=pmix -n 2 genvec doctor` and an sbatch job
# whose script runs `mpirun -np 2 genvec doctor` both see a world of 2 ranks; (2) the user's
# `sbatch slurm/train.sh configs/tiny.toml` on 2 tasks runs shard -> generate -> teacher -> train
# -> eval to the end (caches, checkpoints, eval JSON, the job's log folder and summary line);
# (3) `slurm/submit.sh` on the same config: shard, a 4-task generation array, teacher, train and
# eval chained by afterok, ending with the same caches and the same trained state bit for bit;
# (4) a stage that fails for a real error is retried once (GENVEC_MAX_RETRIES) and then not
# again: the job ends FAILED and its last line names the stage and its log.
# Preemption and time limits: slurm_preempt_test.sh. Skips (tests/skip.sh) when no Slurm
# controller answers: scripts/slurm-local.sh starts a single-node one (scripts/test.sh does so as
# root).
#   slurm_test.sh GENVEC
set -euo pipefail
genvec=$1
repo=$(cd "$(dirname "$0")/../.." && pwd)
source "$repo/tests/dist/slurm_lib.sh"
cd "$repo"

echo "--- srun --mpi=pmix -n 2 genvec doctor"
timeout 120 srun --mpi=pmix -n 2 -t 2 "$genvec" doctor | tee "$scratch/srun.out"
grep -q "world size 2," "$scratch/srun.out" || fail "srun: genvec did not see 2 ranks"

echo "--- sbatch: mpirun -np 2 genvec doctor inside the allocation"
job=$(sbatch --parsable -n 2 -t 2 -o "$scratch/job.out" --wrap "mpirun -np 2 $genvec doctor")
state=$(wait_job "$job" 180) || true
cat "$scratch/job.out"
[ "$state" = COMPLETED ] || fail "sbatch + mpirun: $state"
grep -q "world size 2," "$scratch/job.out" || fail "sbatch + mpirun: genvec did not see 2 ranks"

echo "--- sbatch slurm/train.sh configs/tiny.toml: every stage"
run=$scratch/run
job=$(sbatch --parsable -o "$scratch/train.out" slurm/train.sh configs/tiny.toml --set run.dir="$run")
state=$(wait_job "$job" 300) || true
cat "$scratch/train.out"
[ "$state" = COMPLETED ] || fail "slurm/train.sh: $state"
grep -q "world size 2," "$scratch/train.out" || fail "slurm/train.sh: doctor did not see 2 ranks"
[ "$(ls "$run"/cache/teacher/*.h5 2>/dev/null | wc -l)" = 4 ] ||
  fail "slurm/train.sh: the data stages did not write the 4 teacher caches"
grep -q "2 rank(s) on cpu float32" "$scratch/train.out" || fail "slurm/train.sh: training not on 2 ranks"
# 20 training rows, and 2 of the evaluation during training (steps 10 and 20).
[ "$(grep -c '"loss"' "$run/metrics.jsonl")" = 20 ] &&
  [ "$(grep -c '"eval_score"' "$run/metrics.jsonl")" = 2 ] && [ -f "$run/embedder.h5" ] &&
  [ -f "$run/best.h5" ] && [ "$(cat "$run/checkpoints/latest")" = step-00000020.h5 ] ||
  fail "slurm/train.sh: training did not reach step 20"
for task in stsbenchmark cranfield_reranking; do
  grep -q '"main_score"' "$run/eval/checkpoint-step-00000020/$task.json" || fail "slurm/train.sh: no $task result"
done
logs=$run/logs/slurm/job-$job-restart-0
for stage in doctor shard generate teacher train eval; do
  [ -s "$logs/$stage.log" ] || fail "slurm/train.sh: no $stage log in $logs"
done
tail -1 "$scratch/train.out" | grep -q "^genvec: job $job restart 0: done: .*stages: doctor ok .*eval ok" ||
  fail "slurm/train.sh: the last line is not the summary: $(tail -1 "$scratch/train.out")"
cmp -s "$logs/summary.txt" <(tail -1 "$scratch/train.out") || fail "summary.txt differs from the last line"
# Batch logs get progress lines, never a bar's carriage returns (srun gives no terminal, but
# auto must not draw one under a launcher anyway).
grep -q "^\[progress\] generate 200/200" "$logs/generate.log" &&
  grep -q "^\[progress\] eval checkpoint-step-00000020: texts embedded (rank 0's share)" "$logs/eval.log" ||
  fail "no progress lines in generate.log and eval.log"
! grep -q $'\r' "$logs"/*.log || fail "a carriage return in the stage logs"

echo "--- slurm/submit.sh configs/tiny.toml: shard, a generation array, teacher, train, eval"
chained=$scratch/submitted
last=$(GENVEC_OUTPUT_DIR=$scratch slurm/submit.sh configs/tiny.toml --set run.dir="$chained" | tee "$scratch/submit.out" | tail -1)
cat "$scratch/submit.out"
array=$(grep -o "generate [0-9]*" "$scratch/submit.out" | cut -d' ' -f2)
state=$(wait_job "$last" 600) || true
for f in "$scratch"/genvec-*.out; do echo "== $f"; tail -3 "$f"; done
[ "$state" = COMPLETED ] || fail "submit.sh: the eval job ended $state"
for task in 0 1 2 3; do
  [ -s "$chained/logs/slurm/job-${array}_$task-restart-0/generate.log" ] ||
    fail "submit.sh: no log of generation array task $task"
  grep -q "shard $task done\|shard-0000$task-of-00004: finished" \
    "$chained/logs/slurm/job-${array}_$task-restart-0/generate.log" ||
    fail "submit.sh: array task $task did not generate shard $task"
done
[ "$(dump_caches "$chained" generations)" = "$(dump_caches "$run" generations)" ] &&
  [ "$(dump_caches "$chained" teacher)" = "$(dump_caches "$run" teacher)" ] ||
  fail "submit.sh: the caches differ from slurm/train.sh's"
[ "$(checkpoint_state "$chained/checkpoints/step-00000020.h5")" = \
  "$(checkpoint_state "$run/checkpoints/step-00000020.h5")" ] ||
  fail "submit.sh: the trained state differs from slurm/train.sh's"
[ -f "$chained/eval/summary.md" ] || fail "submit.sh: no evaluation summary"

echo "--- a stage that fails for a real error: retried once, then the job ends"
broken=$scratch/broken
mkdir -p "$broken"
cp -r "$run/shards" "$run/cache" "$broken/"
job=$(GENVEC_FAULT_NAN_AT_STEP=3 GENVEC_MAX_RETRIES=1 sbatch --parsable -o "$scratch/broken.out" \
  slurm/train.sh configs/tiny.toml --set run.dir="$broken")
state=$(wait_job "$job" 300) || true
cat "$scratch/broken.out"
[ "$state" = FAILED ] || fail "a failing stage: the job ended $state, expected FAILED"
[ "$(job_field "$job" Restarts)" = 1 ] || fail "a failing stage: $(job_field "$job" Restarts) restarts, expected 1"
grep -q "train failed (exit 1; retry 1 of 1" "$broken/logs/slurm/job-$job-restart-0/summary.txt" ||
  fail "the first failure was not retried: $(cat "$broken/logs/slurm/job-$job-restart-0/summary.txt")"
tail -1 "$scratch/broken.out" | grep -q "FAILED: train exited with 1 (2 failures, GENVEC_MAX_RETRIES=1); not requeued again; its log: $broken/logs/slurm/job-$job-restart-1/train.log" ||
  fail "the last line does not say what failed: $(tail -1 "$scratch/broken.out")"
grep -q "is not finite" "$broken/logs/slurm/job-$job-restart-1/train.log" || fail "the train log does not say why"
echo "--- ok"
