#!/usr/bin/env bash
# Training step speed of SmolLM2-135M-Instruct (float32, dequantized from the Q4_1 GGUF): genvec
# train against the reference (llm2vec-gen 0.1.3 + scripts/train.py's compute_loss, transformers,
# with and without its default gradient checkpointing), in the same run, on the same 16 real
# queries and cached greedy answers (bench/train.toml), batch 16, the same threads. Also genvec
# without the prefix shortcut, and 1 -> 2 ranks at one thread each. Median ms/step over the
# steps after the first, peak RSS. Appends a table to bench/RESULTS.md. Needs the golden venv
# with llm2vec-gen (tests/golden/README.md) and the reference's source checkout (REF).
#   bench/train.sh [--no-record] [--ranks-only]   (env: VENV=/work/venv
#                                   REF=/work/ref/llm2vec-gen THREADS=nproc STEPS=6)
# --ranks-only measures 1 -> 2 ranks alone (no venv needed).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${VENV:-/work/venv} ref=${REF:-/work/ref/llm2vec-gen} threads=${THREADS:-$(nproc)}
steps=${STEPS:-6}
record=1 ranks_only=0
for arg in "$@"; do
  case "$arg" in
    --no-record) record=0 ;;
    --ranks-only) ranks_only=1 ;;
    *) echo "bench/train.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done
model=${GENVEC_HOME:-$HOME/.cache/genvec}/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
[ -x build/launcher/genvec ] || scripts/build.sh >/dev/null
genvec=build/launcher/genvec
config=bench/train.toml
[ "$(id -u)" = 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

data=$scratch/data
for stage in shard generate teacher; do
  $genvec $stage --config $config --set run.dir="$data" >/dev/null 2>&1 || {
    echo "bench/train.sh: genvec $stage failed" >&2; exit 1; }
done

# genvec LABEL LAUNCHER... -- OPTIONS...: a fresh run on the cached data; prints the metrics file.
genvec_run() {
  local label=$1 dir=$scratch/$1
  shift
  mkdir -p "$dir" && cp -r "$data/shards" "$data/cache" "$dir/"
  "$@" --config $config --set run.dir="$dir" --set train.max_steps="$steps" >"$dir.log" 2>&1 ||
    { tail -5 "$dir.log" >&2; exit 1; }
  cp "$dir/metrics.jsonl" "$scratch/$label.jsonl"
}
if [ $ranks_only = 0 ]; then
  for checkpointing in off on; do
    HF_HUB_OFFLINE=1 "$venv/bin/python" bench/train_peers.py --model-gguf "$model" --run "$data" \
      --reference-src "$ref" --threads "$threads" --batch 16 --steps "$steps" \
      --gradient-checkpointing $checkpointing --json "$scratch/reference-$checkpointing.json"
  done
  genvec_run genvec $genvec train --set dist.threads_per_rank="$threads"
  genvec_run genvec-no-shortcut $genvec train --set dist.threads_per_rank="$threads" \
    --set train.prefix_shortcut=false
fi
genvec_run genvec-1x1 $genvec train --set dist.threads_per_rank=1
genvec_run genvec-2x1 mpirun -np 2 $genvec train --set dist.threads_per_rank=1

table=$(python3 - "$scratch" "$threads" "$ranks_only" <<'PY'
import json, statistics, sys
d, threads, ranks_only = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
def genvec(label):
    rows = [json.loads(l) for l in open(f"{d}/{label}.jsonl")][1:]  # the first step warms up
    return {"ms": statistics.median(r["ms_per_step"] for r in rows),
            "rss": max(r["peak_rss_mib"] for r in rows) * 1.048576,
            "mfu": statistics.median(r["flop_utilisation"] for r in rows)}
one, two = genvec("genvec-1x1"), genvec("genvec-2x1")
ranks = (f"Ranks, 1 thread each: 1 rank {one['ms']:.0f} ms/step, 2 ranks {two['ms']:.0f} ms/step: "
         f"{one['ms'] / two['ms']:.2f}x the throughput.")
if ranks_only:
    print(ranks)
    sys.exit()
ref = {c: json.load(open(f"{d}/reference-{c}.json")) for c in ("off", "on")}
g = genvec("genvec")
rows = [(f"genvec ({threads} threads)", g["ms"], g["rss"], f"{g['mfu']:.0%}")]
n = genvec("genvec-no-shortcut")
rows.append(("genvec, no prefix shortcut", n["ms"], n["rss"], f"{n['mfu']:.0%}"))
for c, name in (("off", "without"), ("on", "with")):
    r = ref[c]
    rows.append((f"{r['engine']}, {name} gradient checkpointing", r["median_ms_per_step"],
                 r["peak_rss_mb"], ""))
print("| engine | ms/step | samples/s | peak RSS MB | FLOP util. | genvec / this |")
print("|---|---|---|---|---|---|")
for name, ms, rss, mfu in rows:
    print(f"| {name} | {ms:.0f} | {16000 / ms:.2f} | {rss:.0f} | {mfu} | {ms / g['ms']:.2f}x |")
print(f"\n{ranks} Prefix shortcut: {n['ms'] / g['ms']:.2f}x. Reference tokens per step: encoder "
      f"{ref['off']['encoder_tokens_real']} real / {ref['off']['encoder_tokens_padded']} padded, "
      f"decoder {ref['off']['decoder_tokens_real']} real / "
      f"{ref['off']['decoder_tokens_padded']} padded.")
PY
)
title="Training step, SmolLM2-135M float32, batch 16"
[ $ranks_only = 1 ] && title="Training, 1 -> 2 ranks, SmolLM2-135M float32, batch 16"
block=$(cat <<MD

### $title, $(date -u +%Y-%m-%d) — \`bench/train.sh $*\`
Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')); the
same 16 bundled queries with SmolLM2's cached greedy answers (up to 96 tokens), all-MiniLM-L6-v2
targets (cached: neither side runs a teacher), N = K = 10; median of $((steps - 1)) steps after a
warm-up; FLOP utilisation against the sgemm peak genvec measures at start; git $(git describe --always --dirty).

$table
MD
)
echo "$block"
[ $record = 0 ] || echo "$block" >> bench/RESULTS.md
