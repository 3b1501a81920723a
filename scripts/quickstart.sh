#!/usr/bin/env bash
# The main job on the embedded default (SmolLM2-135M-Instruct + all-MiniLM-L6-v2, 400 real
# queries bundled in datasets/): sets up, builds, checks the machine, then runs the pipeline's
# stages with configs/quickstart.toml on one MPI rank per core (shard, generate, teacher,
# status, then `genvec run`, which trains) and prints how long each took, then draws the loss
# curves (RUN/loss.png). Evaluation is not built yet: `genvec run` says so. Rerunning resumes:
# finished stages say so and do nothing, training continues from its newest checkpoint.
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
run_dir=$($genvec config --config "$config" "$@" | sed -n 's/^dir = "\(.*\)"$/\1/p' | head -1)
# Debian's python3 has matplotlib (scripts/setup.sh); a pyenv or venv python3 first on PATH may not.
plot_python=python3
python3 -c "import matplotlib" 2>/dev/null || plot_python=/usr/bin/python3
[ -f "$run_dir/metrics.jsonl" ] && "$plot_python" scripts/plot_metrics.py "$run_dir" || true
echo "[quickstart] wall time per stage (${launch[*]:0:3}):"
printf '[quickstart]   %s\n' "${times[@]}"
exit "$rc"
