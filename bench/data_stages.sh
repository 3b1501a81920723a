#!/usr/bin/env bash
# The data stages at their real size on this machine: `genvec generate` on 500 real queries
# (SmolLM2-135M-Instruct, 64 new tokens, greedy, batch 16, 4 shards) with 1 and 2 MPI ranks,
# the stage's own overhead over the model runtime's generation loop (which the stage measures
# around its generate() calls in the same run), and `genvec teacher` (all-MiniLM-L6-v2) on the
# responses. Appends a table to bench/RESULTS.md.
#   bench/data_stages.sh [--no-record]
set -euo pipefail
cd "$(dirname "$0")/.."
home=${GENVEC_HOME:-$HOME/.cache/genvec}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
[ -x build/launcher/genvec ] || scripts/build.sh >/dev/null
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
cat > "$scratch/run.toml" <<TOML
[run]
dir = "$scratch/run"
[data]
files = ["$PWD/../shared/data/queries_merged/queries_merged.jsonl"]
num_shards = 4
max_queries = 500
[model]
path = "$home/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf"
[teacher]
kind = "sentence-encoder"
[generate]
max_new_tokens = 64
batch_size = 16
TOML
genvec=build/launcher/genvec
$genvec shard --config "$scratch/run.toml" >/dev/null
rows=""
for np in 1 2; do
  rm -rf "$scratch/run/cache"
  out=$(mpirun -np $np $genvec generate --config "$scratch/run.toml" 2>/dev/null)
  qps=$(echo "$out" | sed -n 's/.*(\([0-9.]*\) queries\/s, \([0-9.]*\) tokens\/s).*/\1/p')
  tps=$(echo "$out" | sed -n 's/.*(\([0-9.]*\) queries\/s, \([0-9.]*\) tokens\/s).*/\2/p')
  wall=$(echo "$out" | sed -n 's/.* in \([0-9.]*\) s (.*/\1/p')
  overhead=$(echo "$out" | sed -n 's/.* = \([0-9.]*\)% of the loop/\1/p')
  rows+="| generate, $np rank(s) | $wall | $qps queries/s, $tps generated tokens/s | $overhead% |"$'\n'
done
out=$($genvec teacher --config "$scratch/run.toml" 2>/dev/null)
teacher=$(echo "$out" | sed -n 's/.* in \([0-9.]*\) s (\([0-9.]*\) per second.*/\1 | \2 responses\/s/p')
rows+="| teacher (all-MiniLM-L6-v2), 1 rank | $teacher | |"

block=$(cat <<MD

### Data stages, $(date -u +%Y-%m-%d) — \`bench/data_stages.sh\`
Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')); with 2 ranks each
rank gets one core. 500 real queries (queries_merged), 4 shards, SmolLM2-135M-Instruct (Q4_1
GGUF, fp32 compute), ChatML prompts, greedy, at most 64 new tokens, batch 16; git
$(git describe --always --dirty). Overhead = the stage's own work (prompt building, decoding,
HDF5 chunk commits) over the time inside the model runtime's generate(), summed over ranks, in
the same run; model loading is counted apart.

| stage | wall s | throughput | stage overhead over the generation loop |
|---|---|---|---|
$rows
MD
)
echo "$block"
[ "${1:-}" = --no-record ] || echo "$block" >> bench/RESULTS.md
