#!/usr/bin/env bash
# shard -> generate -> teacher on configs/tiny.toml (200 real queries, the tiny chat model, which
# is also the llm teacher): 2 and 3 MPI ranks (dynamic schedule) and 2 ranks on the static plan
# write the same caches as 1; generate runs killed with SIGKILL part-way (twice alone, once on 2
# ranks) and teacher runs killed twice, then resumed, end with the same caches as uninterrupted
# runs; a finished stage does nothing; changed decoding or teacher settings are refused, --force
# redoes; a damaged chunk and a killed merge's temporary are cleared on resume; the teacher cache
# is refused once the answers it embedded changed; a second job on a run directory stops at once
# (a dead job's lock is taken over); `genvec status` tells in-progress, finished and stale caches
# apart.
#   data_pipeline_cli_test.sh GENVEC SOURCE_DIR MPIRUN...
set -euo pipefail
genvec=$1 source=$2
shift 2
mpirun=("$@")
config=$source/configs/tiny.toml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
stage() { local dir=$1; shift; "$genvec" "$@" --config "$config" --set run.dir="$work/$dir"; }
# Every dataset and attribute of every shard's caches, as text (h5dump minus the file name line).
dump() { for f in "$work/$1"/cache/*/*.h5; do h5dump "$f" | tail -n +2; done; }

stage one shard >/dev/null && out=$(stage one generate) && stage one teacher || fail "1 rank"
for bad in 4 x; do
  err=$(stage one generate --shard $bad 2>&1) && fail "--shard $bad accepted"
  echo "$err" | grep -q -- "--shard $bad: .* holds shards 0 to 3" || fail "--shard $bad: $err"
done
echo "$out" | grep -Eq "^\[progress\] generate 200/200 \(100.0%\), [0-9.]+/s, [0-9.]+ generated tokens/s" ||
  fail "no progress line: $out"
[ "$(ls "$work"/one/cache/generations/*.h5 | wc -l)" = 4 ] || fail "expected 4 shard caches"
h5dump -a committed_rows "$work/one/cache/generations/shard-00000-of-00004.h5" | grep -q "(0):" ||
  fail "no committed_rows attribute"

"$@" 2 "$genvec" shard --config "$config" --set run.dir="$work/two" >/dev/null &&
  "$@" 2 "$genvec" generate --config "$config" --set run.dir="$work/two" > "$work/two.log" &&
  "$@" 2 "$genvec" teacher --config "$config" --set run.dir="$work/two" >> "$work/two.log" ||
  fail "2 ranks"
[ "$(ls "$work"/two/cache/teacher/*.h5 | wc -l)" = 4 ] || fail "expected 4 teacher caches"
[ "$(dump one)" = "$(dump two)" ] || fail "2 ranks wrote other caches than 1"
# mpirun gives every rank a pseudo-terminal even with its output in a file: the log must still
# get plain progress lines, not a bar's carriage-return redraws.
grep -q "^\[progress\] generate 200/200 (100.0%)" "$work/two.log" &&
  grep -q "^\[progress\] teacher 200/200 (100.0%)" "$work/two.log" ||
  fail "no progress lines in a log written under mpirun: $(cat "$work/two.log")"
! grep -q $'\r' "$work/two.log" || fail "carriage returns in a log written under mpirun"

# A stop signal to one rank of two (SIGUSR1, as Slurm's warning signal): both commit the batch in
# flight and stop with 75, the other saying it stopped with the signalled one; the rerun ends with
# the caches of an uninterrupted run (1,000 queries answered one at a time: long enough to hit).
long=(--set data.max_queries=1000 --set generate.batch_size=1)
stage long1 shard "${long[@]}" >/dev/null && stage long1 generate "${long[@]}" >/dev/null ||
  fail "1,000 queries on 1 rank"
stage stopped shard "${long[@]}" >/dev/null
"$@" 2 "$genvec" generate --config "$config" --set run.dir="$work/stopped" "${long[@]}" \
  > "$work/stopped.log" 2>&1 &
launcher=$!
for _ in $(seq 300); do
  [ "$(find "$work/stopped/cache/generations" -name 'chunk-*.h5' 2>/dev/null | wc -l)" -ge 10 ] && break
  sleep 0.1
done
signalled=$(pgrep -P "$launcher" -f "genvec generate" | tail -1)
[ -n "$signalled" ] || fail "no rank process found under the launcher"
kill -USR1 "$signalled"
rc=0
wait "$launcher" || rc=$?
[ "$rc" = 75 ] || fail "stopped by SIGUSR1: expected exit 75, got $rc: $(tail -5 "$work/stopped.log")"
grep -q "generate stopped by a signal with [0-9]* of 1000 rows committed" "$work/stopped.log" || fail "no stop message"
grep -q "generate: rank [01] received SIGUSR1" "$work"/stopped/logs/rank-*.log &&
  grep -q "generate: rank [01] stops with the others" "$work"/stopped/logs/rank-*.log ||
  fail "the ranks' logs do not say who received the signal: $(cat "$work"/stopped/logs/rank-*.log | grep generate:)"
"$@" 2 "$genvec" generate --config "$config" --set run.dir="$work/stopped" "${long[@]}" >/dev/null ||
  fail "resume after the stop"
[ "$(for f in "$work"/stopped/cache/generations/*.h5; do h5dump "$f" | tail -n +2; done)" = \
  "$(for f in "$work"/long1/cache/generations/*.h5; do h5dump "$f" | tail -n +2; done)" ] ||
  fail "stopped and resumed: the caches differ from an uninterrupted run's"
for run in "3 dynamic" "2 static"; do
  read -r np schedule <<<"$run"
  dir=np$np-$schedule
  for s in shard generate teacher; do
    "${mpirun[@]}" "$np" "$genvec" $s --config "$config" --set run.dir="$work/$dir" \
      --set dist.schedule="$schedule" >/dev/null || fail "$np ranks, $schedule schedule: $s"
  done
  [ "$(dump one)" = "$(dump "$dir")" ] || fail "$np ranks, $schedule schedule: other caches than 1"
done

stage killed shard >/dev/null
for round in 1 2; do
  rc=0
  GENVEC_FAULT_KILL_AFTER_CHUNKS=4 stage killed generate >/dev/null 2>&1 || rc=$?
  [ "$rc" = 137 ] || fail "round $round: expected death by SIGKILL (137), got $rc"
done
ls -d "$work"/killed/cache/generations/*.chunks >/dev/null 2>&1 || fail "no committed chunks left"
out=$(stage killed status)
echo "$out" | grep -q "in progress" || fail "status after the kills: $out"
# A committed chunk the disk lost the end of, and a merge killed while writing: the resume warns,
# redoes that batch and clears the temporary.
damaged=$(ls "$work"/killed/cache/generations/*.chunks/chunk-*.h5 | head -1)
truncate -s 100 "$damaged"
touch "$work/killed/cache/generations/shard-00000-of-00004.h5.tmp.99999"
out=$(stage killed generate 2>&1) || fail "resume: $out"
echo "$out" | grep -q "$(basename "$damaged") cannot be read.*its batch will be done again" ||
  fail "no warning about the damaged chunk: $out"
[ ! -e "$work/killed/cache/generations/shard-00000-of-00004.h5.tmp.99999" ] ||
  fail "a killed merge's temporary was left"
stage killed teacher >/dev/null || fail "resume"
[ "$(dump one)" = "$(dump killed)" ] || fail "killed twice and resumed: caches differ"

# 2 ranks, each killing itself after its 3rd chunk (mpirun then ends the whole job), resumed on 2.
"$@" 2 "$genvec" shard --config "$config" --set run.dir="$work/killed2" >/dev/null
GENVEC_FAULT_KILL_AFTER_CHUNKS=3 "$@" 2 "$genvec" generate --config "$config" \
  --set run.dir="$work/killed2" >/dev/null 2>&1 && fail "2 ranks: the killed run succeeded"
"$@" 2 "$genvec" generate --config "$config" --set run.dir="$work/killed2" >/dev/null &&
  "$@" 2 "$genvec" teacher --config "$config" --set run.dir="$work/killed2" >/dev/null ||
  fail "2 ranks: resume"
[ "$(dump one)" = "$(dump killed2)" ] || fail "2 ranks killed and resumed: caches differ"

# The teacher in chunks of 32 responses (teacher.batch_size 2), 2 per shard: killed after its 3rd
# chunk, twice, then resumed == uninterrupted, from the same generation caches.
for dir in teacher_whole teacher_killed; do
  mkdir -p "$work/$dir/cache" && cp -r "$work/one/shards" "$work/$dir/" &&
    cp -r "$work/one/cache/generations" "$work/$dir/cache/"
done
stage teacher_whole teacher --set teacher.batch_size=2 >/dev/null || fail "teacher in chunks"
for round in 1 2; do
  rc=0
  GENVEC_FAULT_KILL_AFTER_CHUNKS=3 stage teacher_killed teacher --set teacher.batch_size=2 \
    >/dev/null 2>&1 || rc=$?
  [ "$rc" = 137 ] || fail "teacher round $round: expected death by SIGKILL (137), got $rc"
done
out=$(stage teacher_killed status --set teacher.batch_size=2)
echo "$out" | sed -n '/^teacher/,$p' | grep -q "in progress *matches the config" ||
  fail "status after the teacher kills: $out"
stage teacher_killed teacher --set teacher.batch_size=2 >/dev/null || fail "teacher resume"
[ "$(dump teacher_whole)" = "$(dump teacher_killed)" ] ||
  fail "teacher killed twice and resumed: caches differ"

out=$(stage one generate 2>&1)
echo "$out" | grep -q "nothing to do" || fail "a finished stage did work: $out"
rc=0
out=$(stage one generate --set generate.temperature=0.5 2>&1) || rc=$?
[ "$rc" = 2 ] && echo "$out" | grep -q "other inputs or settings" ||
  fail "changed temperature: exit $rc, $out"
stage one generate --set generate.temperature=0.5 --force >/dev/null || fail "--force"
[ "$(dump one)" != "$(dump two)" ] || fail "--force with temperature 0.5 changed nothing"
# The teacher cache chains to the answers' content: after they changed it is refused.
rc=0
out=$(stage one teacher --set generate.temperature=0.5 2>&1) || rc=$?
[ "$rc" = 2 ] && echo "$out" | grep -q "other responses or teacher settings" ||
  fail "teacher cache of the old answers: exit $rc, $out"

# One job per run directory: a second job stops at once naming the holder; a dead holder's lock
# is taken over.
sleep 60 &
holder=$!
echo "host=$(hostname) pid=$holder slurm_job=-" > "$work/two/genvec.lock"
rc=0
out=$(stage two generate 2>&1) || rc=$?
[ "$rc" = 2 ] && echo "$out" | grep -q "another genvec job is using the run directory.*pid=$holder" ||
  fail "a second job on a locked run directory: exit $rc, $out"
kill "$holder"; wait "$holder" 2>/dev/null || true
out=$(stage two generate 2>&1) || fail "a dead holder's lock was not taken over: $out"
echo "$out" | grep -q "was left by a job that is gone" || fail "no take-over warning: $out"
[ ! -e "$work/two/genvec.lock" ] || fail "the lock outlived its job"

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
