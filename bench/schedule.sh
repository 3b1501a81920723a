#!/usr/bin/env bash
# The generate stage's two schedules in the same run: dist.schedule = static (each rank its own
# shards, planned up front by row counts, largest first) against dynamic (rank 0 hands the next
# batch to whichever rank is free), on 2 MPI ranks, SmolLM2-135M-Instruct, real queries, for
# shard counts that divide evenly over the ranks and ones that do not. The two schedules of a
# case run back to back, so their ratio is the number to read. Appends a table to
# bench/RESULTS.md.
#   bench/schedule.sh [--queries N] [--no-record]
set -euo pipefail
cd "$(dirname "$0")/.."
queries=240 record=1
while [ $# -gt 0 ]; do
  case "$1" in
    --queries) queries=$2; shift 2 ;;
    --no-record) record=0; shift ;;
    *) echo "schedule.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
home=${GENVEC_HOME:-$HOME/.cache/genvec}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
[ -x build/launcher/genvec ] || scripts/build.sh >/dev/null
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
genvec=build/launcher/genvec
rows=""
for shards in 4 3 1; do
  cat > "$scratch/run.toml" <<TOML
[run]
dir = "$scratch/run"
[data]
files = ["$PWD/../shared/data/queries_merged/queries_merged.jsonl"]
num_shards = $shards
max_queries = $queries
[model]
path = "$home/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf"
[generate]
max_new_tokens = 64
batch_size = 16
TOML
  rm -rf "$scratch/run"
  $genvec shard --config "$scratch/run.toml" >/dev/null
  declare -A wall=()
  for schedule in static dynamic; do
    rm -rf "$scratch/run/cache"
    out=$(mpirun -np 2 $genvec generate --config "$scratch/run.toml" \
      --set dist.schedule=$schedule 2>/dev/null)
    wall[$schedule]=$(echo "$out" | sed -n 's/.* in \([0-9.]*\) s (.*/\1/p')
  done
  sizes=$(python3 -c "import json; print(' + '.join(str(s['rows']) for s in json.load(open('$scratch/run/shards/manifest.json'))['shards']))")
  ratio=$(python3 -c "print(f'{${wall[static]} / ${wall[dynamic]}:.2f}')")
  rows+="| $shards ($sizes) | ${wall[static]} | ${wall[dynamic]} | ${ratio}x |"$'\n'
done

block=$(cat <<MD

### Work schedules, $(date -u +%Y-%m-%d) — \`bench/schedule.sh --queries $queries\`
Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), 2 MPI ranks of one core
each. \`genvec generate\` on $queries real queries (queries_merged), SmolLM2-135M-Instruct (Q4_1 GGUF,
fp32 compute), greedy, at most 64 new tokens, batch 16; git $(git describe --always --dirty).
Wall seconds of the whole stage (model load included), the static plan and the dynamic queue
back to back on the same shards.

| shards (queries each) | static s | dynamic s | static / dynamic |
|---|---|---|---|
$rows
MD
)
echo "$block"
[ "$record" = 0 ] || echo "$block" >> bench/RESULTS.md
