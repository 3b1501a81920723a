#!/usr/bin/env bash
# The data stages on the real default models: 16 real queries answered by SmolLM2-135M-Instruct
# (16 new tokens) and embedded by all-MiniLM-L6-v2. Checks the answers are real text, the
# embeddings have the teacher's 384 dimensions, and status sees every cache current.
# Skips (tests/skip.sh) without the models.
#   data_pipeline_smollm2.sh GENVEC SOURCE_DIR
set -euo pipefail
genvec=$1 source=$2
home=${GENVEC_HOME:-$HOME/.cache/genvec}
model=$home/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf
source "$source/tests/skip.sh"
[ -f "$model" ] && [ -d "$home/models/all-minilm-l6-v2" ] ||
  skip_test "run scripts/setup.sh for SmolLM2 and all-MiniLM-L6-v2"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cat > "$work/run.toml" <<TOML
[run]
dir = "run"
[data]
files = ["$source/datasets/queries/queries.jsonl"]
num_shards = 2
max_queries = 16
[model]
path = "$model"
[generate]
max_new_tokens = 16
batch_size = 8
TOML
for stage in shard generate teacher; do
  "$genvec" $stage --config "$work/run.toml" >/dev/null || fail "$stage"
done
h5dump -d completion "$work/run/cache/generations/shard-00000-of-00002.h5" | grep -qi '"[a-z ,.]\{12,\}' ||
  fail "the answers are not text"
h5dump -H "$work/run/cache/teacher/shard-00000-of-00002.h5" | grep -q "SIMPLE { ( [0-9]*, 384 )" ||
  fail "embeddings are not 384-dimensional"
out=$("$genvec" status --config "$work/run.toml")
[ "$(echo "$out" | grep -c "matches the config")" = 4 ] || fail "status: $out"
echo PASS
