#!/usr/bin/env bash
# shard -> generate -> teacher on configs/tiny.toml (200 real queries, the tiny chat model, which
# is also the llm teacher): 2 MPI ranks write the same caches as 1; a generate run killed with
# SIGKILL part-way, twice, then resumed ends with the same caches as an uninterrupted run; a
# finished stage does nothing; changed decoding or teacher settings are refused, --force redoes;
# `genvec status` tells in-progress, finished and stale caches apart.
#   data_pipeline_cli_test.sh GENVEC SOURCE_DIR MPIRUN...
set -euo pipefail
genvec=$1 source=$2
shift 2
config=$source/configs/tiny.toml
[ -f "$source/../shared/data/queries_merged/queries_merged.jsonl" ] ||
  { echo "SKIPPED: ../shared/data is missing"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
stage() { local dir=$1; shift; "$genvec" "$@" --config "$config" --set run.dir="$work/$dir"; }
# Every dataset and attribute of every shard's caches, as text (h5dump minus the file name line).
dump() { for f in "$work/$1"/cache/*/*.h5; do h5dump "$f" | tail -n +2; done; }

stage one shard >/dev/null && out=$(stage one generate) && stage one teacher || fail "1 rank"
echo "$out" | grep -q "^\[progress\] generate 200/200 (100.0%)" || fail "no progress line: $out"
[ "$(ls "$work"/one/cache/generations/*.h5 | wc -l)" = 4 ] || fail "expected 4 shard caches"
h5dump -a committed_rows "$work/one/cache/generations/shard-00000-of-00004.h5" | grep -q "(0):" ||
  fail "no committed_rows attribute"

"$@" 2 "$genvec" shard --config "$config" --set run.dir="$work/two" >/dev/null &&
  "$@" 2 "$genvec" generate --config "$config" --set run.dir="$work/two" >/dev/null &&
  "$@" 2 "$genvec" teacher --config "$config" --set run.dir="$work/two" >/dev/null || fail "2 ranks"
[ "$(ls "$work"/two/cache/teacher/*.h5 | wc -l)" = 4 ] || fail "expected 4 teacher caches"
[ "$(dump one)" = "$(dump two)" ] || fail "2 ranks wrote other caches than 1"

stage killed shard >/dev/null
for round in 1 2; do
  rc=0
  GENVEC_FAULT_KILL_AFTER_CHUNKS=4 stage killed generate >/dev/null 2>&1 || rc=$?
  [ "$rc" = 137 ] || fail "round $round: expected death by SIGKILL (137), got $rc"
done
ls -d "$work"/killed/cache/generations/*.chunks >/dev/null 2>&1 || fail "no committed chunks left"
out=$(stage killed status)
echo "$out" | grep -q "in progress" || fail "status after the kills: $out"
stage killed generate >/dev/null && stage killed teacher >/dev/null || fail "resume"
[ "$(dump one)" = "$(dump killed)" ] || fail "killed twice and resumed: caches differ"

out=$(stage one generate 2>&1)
echo "$out" | grep -q "nothing to do" || fail "a finished stage did work: $out"
rc=0
out=$(stage one generate --set generate.temperature=0.5 2>&1) || rc=$?
[ "$rc" = 2 ] && echo "$out" | grep -q "other inputs or settings" ||
  fail "changed temperature: exit $rc, $out"
stage one generate --set generate.temperature=0.5 --force >/dev/null || fail "--force"
[ "$(dump one)" != "$(dump two)" ] || fail "--force with temperature 0.5 changed nothing"

out=$(stage two status)
[ "$(echo "$out" | grep -c "matches the config")" = 8 ] || fail "status of a finished run: $out"
out=$(stage two status --set generate.temperature=0.5)
[ "$(echo "$out" | grep -c "made with other settings")" = 4 ] || fail "status, other settings: $out"
out=$(stage two teacher 2>&1)
echo "$out" | grep -q "nothing to do" || fail "a finished teacher stage did work: $out"
rc=0
out=$(stage two teacher --set teacher.attention=bidirectional 2>&1) || rc=$?
[ "$rc" = 2 ] && echo "$out" | grep -q "other responses or teacher settings" ||
  fail "changed teacher: exit $rc, $out"
stage two teacher --set teacher.attention=bidirectional --force >/dev/null || fail "teacher --force"
echo PASS
