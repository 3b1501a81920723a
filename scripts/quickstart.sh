#!/usr/bin/env bash
# The main job on the embedded default (SmolLM2-135M-Instruct + all-MiniLM-L6-v2, 400 real
# queries bundled in datasets/): sets up, builds, checks the machine, then runs the pipeline's
# stages with configs/quickstart.toml on one MPI rank per core (shard, generate, teacher,
# status) and prints how long each took. `genvec run` then reaches the stages this version has
# not built yet (train onwards), says so and stops with exit code 3; nothing is faked. Rerunning
# resumes: finished stages say so and do nothing.
#   scripts/quickstart.sh [genvec options, e.g. --set generate.max_new_tokens=32]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
genvec=build/launcher/genvec
config=configs/quickstart.toml

# One rank per core (the data stages scale with ranks; see bench/RESULTS.md).
ranks=$(nproc)
launch=("$genvec")
if [ "$ranks" -gt 1 ] && command -v mpirun >/dev/null; then
  # Open MPI refuses to start as root without these.
  [ "$(id -u)" = 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  launch=(mpirun -np "$ranks" "$genvec")
fi

times=()
# timed LABEL COMMAND...: runs it, prints and records its wall time.
timed() {
  local label=$1 start rc=0 tenths
  shift
  echo "[quickstart] $label: $*"
  start=$(date +%s%N)
  "$@" || rc=$?
  tenths=$((($(date +%s%N) - start) / 100000000))
  times+=("$(printf '%-9s %6d.%d s' "$label" $((tenths / 10)) $((tenths % 10)))")
  echo "[quickstart] $label took $((tenths / 10)).$((tenths % 10)) s"
  return "$rc"
}

timed doctor "${launch[@]}" doctor --config "$config" "$@"
echo "[quickstart] resolved config: $config"
$genvec config --config "$config" "$@"
timed complete $genvec complete --config "$config" --prompt "What is the capital of France?" \
  --set generate.max_new_tokens=48
for stage in shard generate teacher; do
  timed "$stage" "${launch[@]}" $stage --config "$config" "$@"
done
$genvec status --config "$config" "$@"
rc=0
timed run "${launch[@]}" run --config "$config" "$@" || rc=$?
echo "[quickstart] wall time per stage (${launch[*]:0:3}):"
printf '[quickstart]   %s\n' "${times[@]}"
exit "$rc"
