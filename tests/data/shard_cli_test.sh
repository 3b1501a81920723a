#!/usr/bin/env bash
# `genvec shard` end to end on the bundled real queries (datasets/queries) plus a file of bad rows: every bad row is in rejects.jsonl with its line and reason; a rerun does
# nothing; changed [data] settings are refused without --force; two MPI ranks write the same
# bytes as one.
#   shard_cli_test.sh GENVEC SOURCE_DIR MPIRUN...
set -euo pipefail
genvec=$1 source=$2
shift 2
queries=$source/datasets/queries/queries.jsonl
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

printf '%s\n' '{"text": "What is the boiling point of water?"}' '{"text": "broken' '' \
  '{"text": "what is the  boiling point of WATER?"}' '{"query": "wrong field"}' > "$work/bad.jsonl"
printf '{"text": "bad \xff byte"}\n{"text": "   "}\n' >> "$work/bad.jsonl"
cat > "$work/run.toml" <<TOML
[run]
dir = "run"
[data]
files = ["$queries", "bad.jsonl"]
num_shards = 4
TOML

out=$("$genvec" shard --config "$work/run.toml") || fail "shard failed: $out"
echo "$out"
echo "$out" | grep -q "rejected 6 (duplicates 1)" || fail "expected 6 rejects"
rejects=$work/run/shards/rejects.jsonl
for expected in '"line": 2, "reason": "malformed JSON' '"line": 3, "reason": "empty line"' \
    '"line": 4, "reason": "duplicate of ' '"line": 5, "reason": "no string field' \
    '"line": 6, "reason": "invalid UTF-8"' '"line": 7, "reason": "empty query"'; do
  grep -q "bad.jsonl\", $expected" "$rejects" || fail "rejects.jsonl lacks: $expected"
done
accepted=$(cat "$work"/run/shards/shard-*.jsonl | wc -l)
grep -q "\"accepted\": $accepted," "$work/run/shards/manifest.json" || fail "manifest count"

"$genvec" shard --config "$work/run.toml" | grep -q "up to date" || fail "rerun did work"
rc=0
"$genvec" shard --config "$work/run.toml" --set data.num_shards=5 >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "changed settings: exit $rc, expected 2"
"$genvec" shard --config "$work/run.toml" --set data.num_shards=5 --force | grep -q "into 5 shards" ||
  fail "--force did not reshard"

sed -i 's/^dir = "run"/dir = "run-np2"/' "$work/run.toml"
"$@" 2 "$genvec" shard --config "$work/run.toml" --set data.num_shards=5 >/dev/null ||
  fail "mpirun -np 2 failed"
for f in "$work"/run/shards/shard-*.jsonl "$work/run/shards/rejects.jsonl"; do
  cmp -s "$f" "$work/run-np2/shards/$(basename "$f")" || fail "$(basename "$f") differs with 2 ranks"
done
echo "PASS"
