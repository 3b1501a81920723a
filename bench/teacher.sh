#!/usr/bin/env bash
# Sentence-encoder teacher throughput: genvec's SentenceEncoder against sentence-transformers'
# encode on all-MiniLM-L6-v2, fp32, same 2,000 real sentences, batch size and threads, in the
# same run. Appends a table with the ratio to bench/RESULTS.md. Needs the golden venv
# (sentence-transformers, torch).
#   bench/teacher.sh [--no-record]   (env: VENV=/work/venv THREADS=nproc REPEATS=3 BATCH=64)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${VENV:-/work/venv} threads=${THREADS:-$(nproc)} repeats=${REPEATS:-3} batch=${BATCH:-64}
model=${GENVEC_HOME:-$HOME/.cache/genvec}/models/all-minilm-l6-v2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
[ -x build/bench/teacher_bench ] || scripts/build.sh >/dev/null

HF_HUB_OFFLINE=1 "$venv/bin/python" bench/teacher_peers.py --model "$model" --threads "$threads" \
  --batch "$batch" --repeats "$repeats" --sentences-out "$scratch/sentences.json" \
  --json "$scratch/peer.json"
build/bench/teacher_bench --model "$model" --sentences "$scratch/sentences.json" --batch "$batch" \
  --threads "$threads" --repeats "$repeats" > "$scratch/genvec.json"

table=$(python3 - "$scratch" <<'PY'
import json, sys
d = sys.argv[1]
g, p = json.load(open(f"{d}/genvec.json")), json.load(open(f"{d}/peer.json"))
print("| engine | sentences/s | wall s | peak RSS MB | genvec / this |")
print("|---|---|---|---|---|")
for r, name in ((g, "genvec"), (p, f"sentence-transformers {p['version']} (torch {p['torch']})")):
    print(f"| {name} | {r['sentences_s']:.1f} | {r['wall_s']:.2f} | {r['peak_rss_mb']:.0f} | "
          f"{g['sentences_s'] / r['sentences_s']:.2f}x |")
print(f"\n{g['sentences']} sentences, {g['tokens']} tokens after truncation, "
      f"{g['truncated']} truncated at 256.")
PY
)
block=$(cat <<MD

### Teacher (sentence encoder) throughput, $(date -u +%Y-%m-%d) — \`bench/teacher.sh\`
Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')); $threads threads per engine;
all-MiniLM-L6-v2 fp32, batch $batch, 1,000 queries + 1,000 SciFact abstracts shuffled; median of
$repeats runs after a warm-up; git $(git describe --always --dirty).

$table
MD
)
echo "$block"
[ "${1:-}" = --no-record ] || echo "$block" >> bench/RESULTS.md
