#!/usr/bin/env bash
# genvec eval / encode / decode on configs/tiny.toml (the tiny model, the bundled task suite):
# - `genvec run` on 2 ranks trains 20 steps and evaluates eval.train_tasks at steps 10 and 20
#   (metrics.jsonl rows, RUN/eval/training/, RUN/best.h5 + best.json), then the checkpoint on the
#   whole registry;
# - `genvec eval` runs the whole bundled registry on the newest checkpoint: one MTEB-layout JSON per
#   task, RUN/eval/summary.md; a rerun reuses every result, --force redoes them; 1 and 2 ranks give
#   the same scores; --model all adds the three baselines to the table; --checkpoint takes a file;
# - a misspelled task name (the reference's "BIOSSESSTS17"), a missing file, an unknown key and a
#   malformed row are errors naming the task, file and line; so are a bad eval.models item and an
#   eval.max_length too short for the special tokens; another eval.max_length is not reused;
# - a stop signal during eval (injected after a chunk of texts) ends it with 75 keeping the
#   finished results; the rerun finishes;
# - `genvec encode` writes .npy, .h5 and .jsonl with the same numbers; killed after one chunk, or
#   stopped by a signal on 2 ranks, it resumes to the same bytes; a bad input row is an error
#   naming its line;
# - `genvec decode` prints the text generated from the soft prompts, --logit-lens the top tokens;
# - training on from step 20 to 30 evaluates step 30 against the best score best.json kept.
#   eval_cli_test.sh GENVEC SOURCE_DIR MPIRUN...
set -euo pipefail
genvec=$1 source=$2
shift 2
mpirun=("$@")
config=$source/configs/tiny.toml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
run_dir=$work/run
g() { "$genvec" "$@" --config "$config" --set run.dir="$run_dir"; }
g2() { "${mpirun[@]}" 2 "$genvec" "$@" --config "$config" --set run.dir="$run_dir"; }
tasks="stsbenchmark banking77 trec cranfield cranfield_reranking advbench_ir"

# Training with evaluation every 10 steps.
out=$(g2 run 2>&1) || fail "genvec run: $out"
echo "$out" | grep -q "train: eval at step 10: .*stsbenchmark .*cranfield_reranking" ||
  fail "no evaluation at step 10: $out"
[ "$(grep -c '"eval_score"' "$run_dir/metrics.jsonl")" = 2 ] || fail "2 evaluation rows expected"
[ -f "$run_dir/best.h5" ] && grep -q '"step": ' "$run_dir/best.json" || fail "no best checkpoint"
[ -f "$run_dir/eval/training/step-00000020/stsbenchmark.json" ] || fail "no results of step 20"
# genvec run ends with eval.models (the checkpoint) on the registry's tasks.
for task in $tasks; do
  [ -f "$run_dir/eval/checkpoint-step-00000020/$task.json" ] || fail "genvec run did not evaluate $task"
done

# The whole registry on the newest checkpoint, 2 ranks: what genvec run evaluated is reused.
out=$(g2 eval 2>&1) || fail "eval: $out"
[ "$(echo "$out" | grep -c "already evaluated for this model")" = 6 ] || fail "run's results not reused: $out"
results=$run_dir/eval/checkpoint-step-00000020
python3 - "$results" $tasks <<'PY' || fail "result files"
import json, sys, os
folder, tasks = sys.argv[1], sys.argv[2:]
for task in tasks:
    r = json.load(open(os.path.join(folder, task + ".json")))
    assert r["task_name"] == task, r["task_name"]
    assert set(r) >= {"dataset_revision", "evaluation_time", "kg_co2_emissions", "mteb_version",
                      "scores", "task_name", "genvec"}, sorted(r)
    entry = r["scores"]["test"][0]
    main = r["genvec"]["main_score_name"]
    assert entry["main_score"] == entry[main], (task, main)
    assert entry["hf_subset"] == "default" and r["evaluation_time"] > 0
    assert r["genvec"]["model"] == "checkpoint" and r["genvec"]["model_identity"].startswith("checkpoint ")
    assert r["genvec"]["checkpoint"].endswith("step-00000020.h5")
    assert 0 <= entry["main_score"] <= 1 or main == "cosine_spearman", (task, entry["main_score"])
print("result files ok")
PY
for task in $tasks; do
  grep -q "^| $task |" "$run_dir/eval/summary.md" || fail "summary lacks $task"
done
grep -q "^| \*\*average\*\* | all | 5 tasks |" "$run_dir/eval/summary.md" || fail "summary average"
echo "$out" | grep -q "^| task | type | main score | checkpoint-step-00000020 |" || fail "table not printed"
cp -r "$results" "$work/two-ranks"

out=$(g eval 2>&1) || fail "eval rerun: $out"
[ "$(echo "$out" | grep -c "already evaluated for this model")" = 6 ] || fail "rerun redid work: $out"
out=$(g eval --force 2>&1) || fail "eval --force: $out"
echo "$out" | grep -q "already evaluated" && fail "--force reused results"
# 1 rank (just now) and 2 ranks (before) embed the same texts: the same scores.
python3 - "$results" "$work/two-ranks" $tasks <<'PY' || fail "1 rank and 2 ranks differ"
import json, sys, os
one, two, tasks = sys.argv[1], sys.argv[2], sys.argv[3:]
for task in tasks:
    a = json.load(open(os.path.join(one, task + ".json")))["scores"]["test"][0]
    b = json.load(open(os.path.join(two, task + ".json")))["scores"]["test"][0]
    assert abs(a["main_score"] - b["main_score"]) < 1e-4, (task, a["main_score"], b["main_score"])
PY

# A stop signal (Slurm's warning signal, injected after each rank's first chunk of texts) stops
# the model being embedded on both ranks with exit 75; the checkpoint's results stay, and the
# rerun below evaluates the rest.
rc=0
out=$(GENVEC_FAULT_STOP_AFTER_CHUNKS=1 g2 eval --model all 2>&1) || rc=$?
[ "$rc" = 75 ] || fail "eval stopped by SIGUSR1: expected exit 75, got $rc: $out"
echo "$out" | grep -q "eval: stopped by a signal while embedding for" || fail "no stop message: $out"
[ -f "$results/stsbenchmark.json" ] || fail "the stop lost finished results"
out=$(g2 eval --model all 2>&1) || fail "eval --model all: $out"
echo "$out" | grep -q "^| task | type | main score | checkpoint-step-00000020 | llm-last | llm-mean | teacher |" ||
  fail "the baselines' columns: $out"
# llm-last got its states from llm-mean's forward pass: alone, it scores the same.
cp -r "$run_dir/eval/llm-last" "$work/llm-last-shared"
out=$(g eval --model llm-last --force 2>&1) || fail "eval --model llm-last: $out"
python3 - "$run_dir/eval/llm-last" "$work/llm-last-shared" $tasks <<'PY' || fail "llm-last alone differs"
import json, sys, os
alone, shared, tasks = sys.argv[1], sys.argv[2], sys.argv[3:]
for task in tasks:
    a = json.load(open(os.path.join(alone, task + ".json")))["scores"]["test"][0]["main_score"]
    b = json.load(open(os.path.join(shared, task + ".json")))["scores"]["test"][0]["main_score"]
    assert abs(a - b) < 1e-4, (task, a, b)
PY
out=$(g eval --checkpoint "$run_dir/best.h5" 2>&1) || fail "eval --checkpoint: $out"
[ -f "$run_dir/eval/checkpoint-best/trec.json" ] || fail "no results for --checkpoint best.h5"

# Errors name the task, the file and the line.
expect_error() {  # expect_error PATTERN ARGS...
  local pattern=$1; shift
  local out
  out=$(g eval "$@" 2>&1) && fail "accepted: $*"
  echo "$out" | grep -q -- "$pattern" || fail "error for $* does not say \"$pattern\": $out"
}
expect_error 'unknown task "BIOSSESSTS17"' --set 'eval.tasks=["stsbenchmark", "BIOSSESSTS17"]'
registry=$work/tasks.toml
printf '[sts]\ntype = "sts"\nfile = "missing.csv"\ntext1 = "a"\ntext2 = "b"\nscore = "s"\n' >"$registry"
expect_error 'tasks.toml:1: task "sts": file = "missing.csv": no such file' --tasks "$registry"
printf 'a,b,s\none,two,3\n' >"$work/pairs.csv"
printf '[sts]\ntype = "sts"\nfile = "pairs.csv"\ntext1 = "a"\ntext2 = "b"\nscore = "s"\nscores = 1\n' >"$registry"
expect_error 'unknown key "scores" for a sts task' --tasks "$registry"
printf 'a,b,s\none,two,3\n"three,four,1\nfive,six,2\n' >"$work/pairs.csv"
printf '[sts]\ntype = "sts"\nfile = "pairs.csv"\ntext1 = "a"\ntext2 = "b"\nscore = "s"\n' >"$registry"
expect_error "task sts: $work/pairs.csv:3: malformed quoting" --tasks "$registry"
printf 'a,b,s\none,two,3\nthree,four,high\n' >"$work/pairs.csv"
expect_error 'pairs.csv:3: "high" in column s is not a number' --tasks "$registry"
expect_error 'eval.max_length = 2 leaves no room for a text before the 4 special tokens' \
  --set eval.max_length=2
expect_error 'eval.models = \["checkpoint", "llm_mean"\]: "llm_mean" is not one of' \
  --set 'eval.models=["checkpoint", "llm_mean"]'
# eval.max_length cuts what the models read: other embeddings, so nothing is reused.
out=$(g eval --set 'eval.tasks=["stsbenchmark"]' --set eval.max_length=6 2>&1) ||
  fail "eval.max_length: $out"
echo "$out" | grep -q "already evaluated" && fail "a shorter eval.max_length reused results: $out"

# encode: three formats, the same numbers; resumable; bad rows named.
texts=$source/datasets/queries/queries.jsonl
rows=$(wc -l <"$texts")
for ext in npy h5 jsonl; do
  out=$(g2 encode --input "$texts" --output "$work/e.$ext" 2>&1) || fail "encode .$ext: $out"
  # Under mpirun, with the output captured: progress lines, no carriage returns.
  echo "$out" | grep -q "^\[progress\] encode: chunks 5/5 (100.0%)" || fail "no progress line: $out"
  [[ $out != *$'\r'* ]] || fail "a carriage return in encode's output"
done
python3 - "$work/e.npy" "$work/e.jsonl" "$rows" <<'PY' || fail "npy / jsonl"
import ast, json, struct, sys
raw = open(sys.argv[1], "rb").read()
assert raw[:8] == b"\x93NUMPY\x01\x00"
length = struct.unpack("<H", raw[8:10])[0]
assert (10 + length) % 64 == 0
header = ast.literal_eval(raw[10:10 + length].decode())
rows, dims = header["shape"]
assert header["descr"] == "<f4" and not header["fortran_order"] and rows == int(sys.argv[3])
matrix = struct.unpack("<%df" % (rows * dims), raw[10 + length:])
lines = [json.loads(l) for l in open(sys.argv[2])]
assert len(lines) == rows and lines[0]["id"] == "1"
for i in (0, rows // 2, rows - 1):
    assert len(lines[i]["embedding"]) == dims
    assert all(abs(a - b) < 1e-6 for a, b in zip(lines[i]["embedding"], matrix[i * dims:(i + 1) * dims]))
print("npy and jsonl agree:", rows, "x", dims)
PY
h5dump -H -d embeddings "$work/e.h5" | grep -q "DATASPACE  SIMPLE { ( $rows, 32 )" || fail "h5 shape"
h5dump -H -d ids "$work/e.h5" | grep -q "( $rows )" || fail "h5 ids"
out=$(GENVEC_FAULT_KILL_AFTER_CHUNKS=1 g encode --input "$texts" --output "$work/r.npy" 2>&1) &&
  fail "the kill switch did not fire"
[ -f "$work/r.npy" ] && fail "output written by a killed run"
[ "$(ls "$work/r.npy.partial"/chunk-*.f32 | wc -l)" = 1 ] || fail "one chunk expected after the kill"
out=$(g encode --input "$texts" --output "$work/r.npy" 2>&1) || fail "resume: $out"
echo "$out" | grep -q "1 chunks were already done" || fail "did not resume: $out"
cmp "$work/e.npy" "$work/r.npy" || fail "resumed output differs"
[ -d "$work/r.npy.partial" ] && fail "partial folder left behind"
# Stopped by a signal after each rank's first chunk (2 ranks): exit 75, both chunks kept, the
# rerun writes the same bytes.
rc=0
out=$(GENVEC_FAULT_STOP_AFTER_CHUNKS=1 g2 encode --input "$texts" --output "$work/s.npy" 2>&1) || rc=$?
[ "$rc" = 75 ] || fail "encode stopped by SIGUSR1: expected exit 75, got $rc: $out"
[ "$(ls "$work/s.npy.partial"/chunk-*.f32 | wc -l)" = 2 ] || fail "two chunks expected after the stop"
out=$(g2 encode --input "$texts" --output "$work/s.npy" 2>&1) || fail "resume after the stop: $out"
cmp "$work/e.npy" "$work/s.npy" || fail "the output after a stop differs"
out=$(g encode --input "$texts" --output "$work/i.npy" --task stsbenchmark 2>&1) || fail "--task: $out"
cmp -s "$work/e.npy" "$work/i.npy" && fail "the task's instruction changed nothing"
printf '{"text": "fine"}\n{"txt": "no text"}\n' >"$work/bad.jsonl"
out=$(g encode --input "$work/bad.jsonl" --output "$work/bad.npy" 2>&1) && fail "bad row accepted"
echo "$out" | grep -q "bad.jsonl:2: no string field \"text\"" || fail "bad row not named: $out"

# decode: text from the soft prompts; the logit lens per compression token.
out=$(g decode --query "How do vaccines work?" --logit-lens 2>&1) || fail "decode: $out"
[ "$(echo "$out" | grep -c "^compression token [12]:")" = 2 ] || fail "logit lens: $out"
head -5 "$texts" >"$work/five.jsonl"
out=$(g decode --input "$work/five.jsonl" --max-new-tokens 4 2>/dev/null) || fail "decode --input"
[ "$(echo "$out" | grep -c '"decoded": ')" = 5 ] || fail "one JSON line per query: $out"
# --answer: the LLM's own reply, the same text `genvec complete` gives at temperature 0.
out=$(g decode --query "How do vaccines work?" --answer --max-new-tokens 6 2>/dev/null) ||
  fail "decode --answer: $out"
reply=$(g complete --prompt "How do vaccines work?" --set generate.max_new_tokens=6 \
  --set generate.temperature=0 2>/dev/null) || fail "complete: $reply"
[[ "$out" == "answer:  $reply"$'\n'"decoded: "* ]] || fail "answer <> complete: $out / $reply"
# Training on from step 20 to 30: the step is evaluated and compared with the best of the first
# run, which best.json carries over.
best_before=$(cat "$run_dir/best.json")
out=$(g2 train --set train.max_steps=30 2>&1) || fail "training on: $out"
echo "$out" | grep -q "train: eval at step 30:" || fail "no evaluation at step 30: $out"
if ! echo "$out" | grep -q "step 30: .*best so far"; then
  [ "$(cat "$run_dir/best.json")" = "$best_before" ] || fail "best.json changed without a better score"
fi
echo "eval / encode / decode: ok"
