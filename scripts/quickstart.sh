#!/usr/bin/env bash
# The main job on the embedded default (SmolLM2-135M-Instruct + all-MiniLM-L6-v2, 400 real
# queries and the evaluation suite bundled in datasets/): sets up, builds, checks the machine,
# then runs every stage with configs/quickstart.toml on one MPI rank per core — shard, generate,
# teacher, train, eval (the trained gen-token embedding against its teacher and the frozen LLM's
# mean and last-token states) — and decodes two held-out queries' embeddings back into text. It
# ends with the results table, the decoded examples, where the run and its loss curves are, and
# the wall time of each stage. Rerunning does nothing new (each stage says so); killed anywhere,
# rerunning finishes the job.
#   scripts/quickstart.sh [genvec options, e.g. --set train.max_steps=30]
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
for stage in shard generate teacher train eval; do
  timed "$stage" "${launch[@]}" $stage --config "$config" "$@"
done
run_dir=$($genvec config --config "$config" "$@" | sed -n 's/^dir = "\(.*\)"$/\1/p' | head -1)
# Debian's python3 has matplotlib (scripts/setup.sh); a pyenv or venv python3 first on PATH may not.
plot_python=python3
python3 -c "import matplotlib" 2>/dev/null || plot_python=/usr/bin/python3
"$plot_python" scripts/plot_metrics.py "$run_dir" >/dev/null ||
  echo "[quickstart] could not draw the loss curves (scripts/plot_metrics.py needs matplotlib)"

# Two queries training never saw: the LLM's own answer, and what it says from the embedding.
decoded=$run_dir/decoded.txt
decode_examples() {
  local q
  for q in "How do vaccines train the immune system?" \
    "What is the difference between weather and climate?"; do
    echo "query:   $q"
    $genvec decode --config "$config" "$@" --query "$q" --answer 2>/dev/null
    echo
  done >"$decoded"
}
timed decode decode_examples "$@"

echo
echo "[quickstart] results ($run_dir/eval/summary.md; checkpoint = the gen-token embedding):"
cat "$run_dir/eval/summary.md"
echo
echo "[quickstart] embeddings decoded back into text ($decoded):"
cat "$decoded"
echo "[quickstart] run directory: $run_dir (checkpoints/, embedder.h5, eval/, logs/)"
echo "[quickstart] loss curves:   $run_dir/loss.png (from $run_dir/metrics.jsonl)"
echo "[quickstart] wall time per stage (${launch[*]:0:3}):"
printf '[quickstart]   %s\n' "${times[@]}"
