#!/usr/bin/env bash
# Runs a command and checks how it ended, for CTest:
#   expect.sh [--rc N | --fail] [--within SECONDS] [--output REGEX]... [--no-output REGEX]...
#             -- COMMAND...
# --rc N: exit code must be N (default 0); --fail: any non-zero code; --within: the command
# must end before SECONDS (an integer) (it is killed at twice that); --output: stdout+stderr must
# match; --no-output: they must not.
set -u
want_rc=0 any_failure=0 within=0 patterns=() absent=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rc) want_rc=$2; shift 2 ;;
    --fail) any_failure=1; shift ;;
    --within) within=$2; shift 2 ;;
    --output) patterns+=("$2"); shift 2 ;;
    --no-output) absent+=("$2"); shift 2 ;;
    --) shift; break ;;
    *) echo "expect.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
output=$(mktemp)
trap 'rm -f "$output"' EXIT
start=$(date +%s%N)
if [ "$within" != 0 ]; then
  timeout --kill-after=5 $((within * 2)) "$@" >"$output" 2>&1
else
  "$@" >"$output" 2>&1
fi
rc=$?
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
cat "$output"
echo "--- expect.sh: exit code $rc after ${elapsed_ms} ms"
fail() { echo "--- expect.sh: FAILED: $*"; exit 1; }
if [ "$any_failure" = 1 ]; then
  [ "$rc" != 0 ] || fail "expected a non-zero exit code"
  [ "$rc" != 124 ] && [ "$rc" != 137 ] || fail "killed by the time limit instead of exiting"
elif [ "$rc" != "$want_rc" ]; then
  fail "expected exit code $want_rc"
fi
if [ "$within" != 0 ] && [ "$elapsed_ms" -gt $((within * 1000)) ]; then
  fail "took longer than $within s"
fi
for pattern in "${patterns[@]}"; do
  grep -Eq -- "$pattern" "$output" || fail "output does not match: $pattern"
done
for pattern in ${absent[@]+"${absent[@]}"}; do
  ! grep -Eq -- "$pattern" "$output" || fail "output matches what it must not: $pattern"
done
echo "--- expect.sh: ok"
