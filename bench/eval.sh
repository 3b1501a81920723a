#!/usr/bin/env bash
# Evaluation benchmark (on ../shared/data; developers and CI only):
#  1. all-MiniLM-L6-v2 (the teacher of configs/dev.toml) through `genvec eval --model teacher` on
#     the dev registry (configs/tasks/dev.toml), next to its published MTEB scores — a check of
#     the harness — on 1 and 2 ranks, with the embed / score split of the wall time;
#  2. a SmolLM2-135M gen-token checkpoint (CHECKPOINT, default runs/bench-train/embedder.h5 from
#     bench/train.sh), 1 and 2 ranks, on SMOL_TASKS of the registry (a TOML list; default the
#     three tasks of short texts below — SmolLM2 embeds ~300 tokens/s on 2 cores, so the whole
#     registry, ~95,000 texts, would take hours);
#  3. `genvec encode --model teacher` against sentence-transformers on the same 5,000 texts, same
#     batch size and threads, in the same run.
# Appends the tables to bench/RESULTS.md.
#   bench/eval.sh [--no-record] [--encode-only]
#     (env: VENV=/work/venv THREADS=nproc CHECKPOINT=... SMOL_TASKS=...)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${VENV:-/work/venv} threads=${THREADS:-$(nproc)}
checkpoint=${CHECKPOINT:-runs/bench-train/embedder.h5}
smol_tasks=${SMOL_TASKS:-'["stsbenchmark", "biosses", "advbench_ir"]'}
record=1 encode_only=0
for arg in "$@"; do
  case "$arg" in
    --no-record) record=0 ;;
    --encode-only) encode_only=1 ;;
    *) echo "bench/eval.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done
[ -d ../shared/data ] || { echo "bench/eval.sh: needs ../shared/data" >&2; exit 2; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
[ -x build/launcher/genvec ] || scripts/build.sh >/dev/null
genvec=build/launcher/genvec
[ "$(id -u)" = 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1

# evaluate LABEL RANKS CONFIG ARGS...: a fresh eval; prints "wall embed score texts".
evaluate() {
  local label=$1 ranks=$2 config=$3; shift 3
  local log=$scratch/$label.log start end
  start=$(date +%s.%N)
  mpirun -np "$ranks" --bind-to none $genvec eval --config "$config" --set run.dir="$scratch/$label" \
    --set dist.threads_per_rank=$((threads / ranks)) "$@" >"$log" 2>&1 ||
    { cat "$log" >&2; exit 1; }
  end=$(date +%s.%N)
  local split
  split=$(sed -n 's/.* \([0-9]*\) texts embedded in \([0-9.]*\) s, scored in \([0-9.]*\) s.*/\2 \3 \1/p' "$log")
  [ -n "$split" ] || { echo "bench/eval.sh: no timing line in the $label log:" >&2; cat "$log" >&2; exit 1; }
  cp "$log" "$scratch/../bench-eval-$label.log" 2>/dev/null || true
  echo "$split" | awk -v wall="$(echo "$end - $start" | bc)" '{printf "%.1f %.1f %.1f %d\n", wall, $1, $2, $3}'
}

evaluation_block=""
if [ $encode_only = 0 ]; then
echo "bench/eval.sh: MiniLM on the dev registry, 1 rank" >&2
read -r m1_wall m1_embed m1_score m1_texts < <(evaluate minilm1 1 configs/dev.toml --model teacher)
echo "bench/eval.sh: MiniLM on the dev registry, 2 ranks" >&2
read -r m2_wall m2_embed m2_score m2_texts < <(evaluate minilm2 2 configs/dev.toml --model teacher)
scores=$(python3 - "$scratch/minilm2/eval/teacher" <<'PY'
import json, os, sys
folder = sys.argv[1]
# Published MTEB scores of all-MiniLM-L6-v2 (main scores): STSBenchmark, SICK-R, BIOSSES (cosine
# Spearman), Banking77Classification (accuracy; 80.04 in a later rerun), SciFact (nDCG@10).
published = {"stsbenchmark": 82.03, "sickr": 77.58, "biosses": 81.64, "banking77": 79.75,
             "scifact": 64.51}
rows = []
for name in sorted(os.listdir(folder)):
    r = json.load(open(os.path.join(folder, name)))
    task = r["task_name"]
    ours = 100 * r["scores"]["test"][0]["main_score"]
    ref = published.get(task)
    diff = f"{ours - ref:+.2f}" if ref is not None else ""
    rows.append(f"| {task} | {r['genvec']['task_type']} | {r['genvec']['main_score_name']} | {ours:.2f} | "
                f"{ref if ref is not None else '-'} | {diff} |")
print("\n".join(rows))
PY
)

echo "bench/eval.sh: SmolLM2 checkpoint, 1 and 2 ranks" >&2
[ -f "$checkpoint" ] || { echo "bench/eval.sh: no $checkpoint (run bench/train.sh first)" >&2; exit 1; }
read -r s1_wall s1_embed s1_score s1_texts < <(evaluate smol1 1 bench/train.toml \
  --set eval.registry=configs/tasks/dev.toml --set "eval.tasks=$smol_tasks" --checkpoint "$checkpoint")
read -r s2_wall s2_embed s2_score s2_texts < <(evaluate smol2 2 bench/train.toml \
  --set eval.registry=configs/tasks/dev.toml --set "eval.tasks=$smol_tasks" --checkpoint "$checkpoint")

evaluation_block="
Dev registry (configs/tasks/dev.toml, ../shared/data): all 13 tasks for MiniLM; $smol_tasks for
the SmolLM2 checkpoint.

all-MiniLM-L6-v2 through \`genvec eval --model teacher\` against its published MTEB scores (the
five the issue names; the other sets are not MTEB tasks or have other splits there):

| task | type | main score | genvec | published | difference |
|---|---|---|---|---|---|
$scores

| model | ranks | texts | wall s | embed s | score s |
|---|---|---|---|---|---|
| all-MiniLM-L6-v2 | 1 | $m1_texts | $m1_wall | $m1_embed | $m1_score |
| all-MiniLM-L6-v2 | 2 | $m2_texts | $m2_wall | $m2_embed | $m2_score |
| SmolLM2-135M checkpoint ($(basename "$checkpoint"), 3 tasks) | 1 | $s1_texts | $s1_wall | $s1_embed | $s1_score |
| SmolLM2-135M checkpoint | 2 | $s2_texts | $s2_wall | $s2_embed | $s2_score |
"
fi

echo "bench/eval.sh: encode throughput against sentence-transformers" >&2
python3 -c '
import json, sys
for line in list(open(sys.argv[1], encoding="utf-8"))[:5000]:
    print(json.dumps({"text": json.loads(line)["text"]}))' ../shared/data/queries_merged/queries_merged.jsonl \
  >"$scratch/texts.jsonl"
minilm=${GENVEC_HOME:-$HOME/.cache/genvec}/models/all-minilm-l6-v2
encode_s=() embed_s=()
for repeat in 1 2 3; do
  start=$(date +%s.%N)
  $genvec encode --config configs/dev.toml --set run.dir="$scratch/enc" --model teacher \
    --set dist.threads_per_rank="$threads" --input "$scratch/texts.jsonl" --output "$scratch/e$repeat.npy" \
    >"$scratch/encode.log" 2>&1
  encode_s+=("$(echo "$(date +%s.%N) - $start" | bc)")
  embed_s+=("$(sed -n 's/.* chunks in \([0-9.]*\) s.*/\1/p' "$scratch/encode.log")")
done
genvec_s=$(printf '%s\n' "${encode_s[@]}" | sort -n | sed -n 2p)
genvec_embed_s=$(printf '%s\n' "${embed_s[@]}" | sort -n | sed -n 2p)
peer=$("$venv/bin/python" bench/encode_peers.py "$scratch/texts.jsonl" "$minilm" --batch 64 \
  --threads "$threads")
peer_s=$(echo "$peer" | python3 -c 'import json,sys; print(json.load(sys.stdin)["seconds"])')
peer_torch=$(echo "$peer" | python3 -c 'import json,sys; print(json.load(sys.stdin)["torch"])')
st=$("$venv/bin/python" -c 'import sentence_transformers as s; print(s.__version__)')

block="

### Evaluation, $(date +%F) — \`bench/eval.sh${1:+ $*}\`
Machine: $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p')); git $(git rev-parse --short HEAD)$(git diff --quiet || echo -dirty).
$evaluation_block
\`genvec encode --model teacher\` against sentence-transformers $st (torch $peer_torch): the same
5,000 queries_merged texts, model, batch size 64 and $threads threads, median of 3. Peer:
\`encode()\` alone $(printf '%.2f' "$peer_s") s. genvec: embedding alone (its log) $genvec_embed_s s
($(echo "scale=2; $peer_s / $genvec_embed_s" | bc)x the peer's throughput); the whole command (start, model load,
input checks, chunk files, output) $(printf '%.2f' "$genvec_s") s ($(echo "scale=2; $peer_s / $genvec_s" | bc)x)."
echo "$block"
[ $record = 0 ] || echo "$block" >> bench/RESULTS.md
