#!/usr/bin/env bash
# genvec train on configs/tiny.toml (the tiny model, 200 real queries, 20 steps of 8):
# - bitwise resume: a run killed with SIGKILL after step 12 and rerun ends with the same
#   checkpoint (parameters and AdamW moments, bit for bit) and the same loss sequence as a run
#   straight through (one thread per rank: the same sums in the same order);
# - world-size invariance: 2 ranks x micro-batches of 4 rows give the losses of 1 rank x 2
#   micro-batches within 1e-6; a 2-rank checkpoint resumes on 1 and on 3 ranks;
# - SIGTERM (injected after step 7, and sent from outside to a running job): the step finishes, a
#   checkpoint is written, exit code 75; the rerun continues exactly;
# - a damaged newest checkpoint is skipped with a warning for the previous one; a non-finite loss
#   stops the run naming the step, rank and loss, keeping the last good checkpoint; ranks whose
#   parameters drift apart are caught;
# - a missing or stale cache is refused naming the stage to rerun; a finished run does nothing.
#   train_cli_test.sh GENVEC SOURCE_DIR MPIRUN...
set -euo pipefail
genvec=$1 source=$2
shift 2
mpirun=("$@")
config=$source/configs/tiny.toml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# Training alone: the evaluation during training is tested in eval_cli_test.sh.
run() {
  local dir=$1; shift
  "$genvec" "$@" --config "$config" --set run.dir="$work/$dir" --set 'eval.train_tasks=[]'
}
# The tensors and step of a checkpoint (h5dump minus the file name line).
tensors() { h5dump -d "$2" "$1" | tail -n +2; }
state() {
  local f=$1
  for d in parameters.gen_tokens parameters.recon.weight parameters.recon.bias \
           parameters.align.weight parameters.align.bias adam_m.gen_tokens adam_v.recon.weight \
           adam_v.align.bias; do tensors "$f" "$d"; done
}
# step and the three losses of every metrics row.
losses() { python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(r["step"], repr(r["loss"]), repr(r["loss_recon"]), repr(r["loss_align"]))' "$1"; }
# Largest relative difference between the losses of two metrics files (same steps).
loss_gap() { python3 -c '
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
b = [json.loads(l) for l in open(sys.argv[2])]
assert [r["step"] for r in a] == [r["step"] for r in b], "different steps"
print(max(abs(x[k] - y[k]) / abs(y[k]) for x, y in zip(a, b) for k in ("loss_recon", "loss_align")))' "$1" "$2"; }
clone() { mkdir -p "$work/$2" && cp -r "$work/$1/shards" "$work/$1/cache" "$work/$2/"; }

for s in shard generate teacher; do run data $s >/dev/null 2>&1 || fail "data stage $s"; done

# Straight through.
clone data straight
out=$(run straight train 2>&1) || fail "train: $out"
echo "$out" | grep -Eq "step 20/20 +loss [0-9.]+ \(recon [0-9.]+, align [0-9.]+\) +lr " ||
  fail "no progress line: $out"
[ -f "$work/straight/embedder.h5" ] || fail "no exported embedder"
[ "$(cat "$work/straight/checkpoints/latest")" = step-00000020.h5 ] || fail "latest"
[ "$(ls "$work"/straight/checkpoints/step-*.h5 | wc -l)" = 3 ] || fail "keep_checkpoints = 3"
[ "$(wc -l <"$work/straight/metrics.jsonl")" = 20 ] || fail "one metrics row per step"
python3 - "$work/straight/metrics.jsonl" <<'PY' || fail "metrics.jsonl"
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
keys = {"step", "loss", "loss_recon", "loss_align", "grad_norm", "lr", "ms_per_step",
        "tokens_per_s", "samples_per_s", "flop_utilisation", "peak_rss_mib"}
assert all(set(r) == keys for r in rows), rows[0]
assert rows[0]["lr"] == 0 and rows[1]["lr"] > 0, "warm-up starts at 0"
assert rows[-1]["loss_recon"] < rows[0]["loss_recon"], "the loss falls"
assert all(0 < r["flop_utilisation"] < 1 for r in rows)
PY
out=$(run straight status 2>&1) || fail "status: $out"
echo "$out" | grep -q "train      newest checkpoint step-00000020.h5 of 20 steps; finished" ||
  fail "status after training: $out"
out=$(run straight train 2>&1) || fail "rerun of a finished run: $out"
echo "$out" | grep -q "already trained to step 20" || fail "finished run retrained: $out"

# Killed with SIGKILL after step 12 (last checkpoint: 10), then resumed.
clone data killed
rc=0
GENVEC_FAULT_KILL_AFTER_STEPS=12 run killed train >/dev/null 2>&1 || rc=$?
[ "$rc" = 137 ] || fail "expected death by SIGKILL (137), got $rc"
[ "$(cat "$work/killed/checkpoints/latest")" = step-00000010.h5 ] || fail "latest after the kill"
out=$(run killed train 2>&1) || fail "resume: $out"
echo "$out" | grep -q "resuming from .*step-00000010.h5" || fail "did not resume: $out"
[ "$(state "$work/killed/checkpoints/step-00000020.h5")" = \
  "$(state "$work/straight/checkpoints/step-00000020.h5")" ] || fail "resumed state differs"
[ "$(losses "$work/killed/metrics.jsonl")" = "$(losses "$work/straight/metrics.jsonl")" ] ||
  fail "resumed loss sequence differs"

# SIGTERM after step 7: step 8 finishes, is saved, exit 75; the rerun ends where straight does.
clone data termed
rc=0
out=$(GENVEC_FAULT_TERM_AFTER_STEPS=7 run termed train 2>&1) || rc=$?
[ "$rc" = 75 ] || fail "SIGTERM: expected exit 75, got $rc: $out"
echo "$out" | grep -q "stopped by a signal at step 8" || fail "SIGTERM message: $out"
[ "$(cat "$work/termed/checkpoints/latest")" = step-00000008.h5 ] || fail "no checkpoint at 8"
run termed train >/dev/null 2>&1 || fail "resume after SIGTERM"
[ "$(state "$work/termed/checkpoints/step-00000020.h5")" = \
  "$(state "$work/straight/checkpoints/step-00000020.h5")" ] || fail "state after SIGTERM differs"

# A real signal from outside, to a job under mpirun on 2 ranks (SIGUSR1, which mpirun forwards,
# as `sbatch --signal` sends it), long enough to still be running.
clone data signalled
"${mpirun[@]}" 2 "$genvec" train --config "$config" --set 'eval.train_tasks=[]' --set run.dir="$work/signalled" \
  --set train.max_steps=100000 --set train.schedule_steps=100000 >"$work/signalled.log" 2>&1 &
job=$!
for _ in $(seq 600); do [ -f "$work/signalled/checkpoints/latest" ] && break; sleep 0.1; done
kill -USR1 "$job"
rc=0
wait "$job" || rc=$?
[ "$rc" = 75 ] || fail "SIGUSR1 on 2 ranks: expected exit 75, got $rc: $(tail -5 "$work/signalled.log")"
grep -q "stopped by a signal" "$work/signalled.log" || fail "SIGUSR1: $(tail -5 "$work/signalled.log")"

# World size: 1 rank x 2 micro-batches of 4 rows vs 2 ranks x 1 micro-batch of 4 rows.
clone data one && clone data two
run one train --set train.micro_batch_rows=4 --set train.max_steps=10 >/dev/null 2>&1 ||
  fail "1 rank"
"${mpirun[@]}" 2 "$genvec" train --config "$config" --set 'eval.train_tasks=[]' --set run.dir="$work/two" \
  --set train.micro_batch_rows=4 --set train.max_steps=10 >/dev/null 2>&1 || fail "2 ranks"
gap=$(loss_gap "$work/one/metrics.jsonl" "$work/two/metrics.jsonl")
python3 -c "import sys; sys.exit(float('$gap') > 1e-6)" || fail "1 vs 2 ranks: losses differ by $gap"
# The 2-rank checkpoint (step 10) resumes on 3 ranks and on 1 to step 20, where the losses are
# those of the straight run.
for np in 1 3; do
  mkdir -p "$work/on$np" && cp -r "$work/two/." "$work/on$np/" && rm -f "$work/on$np/genvec.lock"
  "${mpirun[@]}" $np "$genvec" train --config "$config" --set 'eval.train_tasks=[]' --set run.dir="$work/on$np" \
    >"$work/on$np.log" 2>&1 || fail "resume on $np ranks: $(tail -3 "$work/on$np.log")"
  grep -q "resuming from .*step-00000010.h5" "$work/on$np.log" || fail "$np ranks did not resume"
  gap=$(loss_gap "$work/on$np/metrics.jsonl" "$work/straight/metrics.jsonl")
  python3 -c "import sys; sys.exit(float('$gap') > 1e-5)" ||
    fail "2-rank checkpoint resumed on $np ranks: losses differ from straight by $gap"
done

# The newest checkpoint damaged: the previous one is used, with a warning.
truncate -s 1000 "$work/straight/checkpoints/step-00000020.h5"
out=$(run straight train --set train.max_steps=22 2>&1) || fail "resume past damage: $out"
echo "$out" | grep -q "step-00000020.h5.*falling back" || fail "no warning for the damage: $out"
echo "$out" | grep -q "resuming from .*step-00000015.h5" || fail "did not fall back: $out"

# A non-finite loss (injected on rank 0 at step 7, on 2 ranks) stops the run naming the step,
# rank and loss; the checkpoint before it stays the newest.
clone data diverged
out=$(GENVEC_FAULT_NAN_AT_STEP=7 "${mpirun[@]}" 2 "$genvec" train --config "$config" --set 'eval.train_tasks=[]' \
  --set run.dir="$work/diverged" 2>&1) && fail "trained through a non-finite loss"
echo "$out" | grep -q "step 7: L_recon is not finite on rank 0" || fail "no NaN error: $out"
echo "$out" | grep -q "the last good checkpoint is kept" || fail "no hint after the NaN: $out"
[ "$(cat "$work/diverged/checkpoints/latest")" = step-00000005.h5 ] ||
  fail "the last good checkpoint is not the newest after the NaN"

# Ranks whose parameters drift apart (injected on rank 1 after step 6) are caught at the next
# check (every 5 steps in tiny.toml).
clone data drifted
out=$(GENVEC_FAULT_DRIFT_AT_STEP=6 "${mpirun[@]}" 2 "$genvec" train --config "$config" --set 'eval.train_tasks=[]' \
  --set run.dir="$work/drifted" 2>&1) && fail "trained on with diverged ranks"
echo "$out" | grep -q "step 10: the ranks' parameters diverged" || fail "no divergence error: $out"

# Missing and stale caches.
clone data broken
rm "$work/broken/cache/teacher/shard-00001-of-00004.h5"
out=$(run broken train 2>&1) && fail "trained without a teacher cache"
echo "$out" | grep -q "run \`genvec teacher\`" || fail "missing teacher cache: $out"
out=$(run data train --set generate.max_new_tokens=12 2>&1) && fail "trained on stale caches"
echo "$out" | grep -q "rerun \`genvec generate --force\`" || fail "stale generation cache: $out"
out=$(run data train --set data.max_queries=150 2>&1) && fail "trained on shards of other data"
echo "$out" | grep -q "rerun \`genvec shard --force\`" || fail "stale shards: $out"
echo "train CLI: ok"
