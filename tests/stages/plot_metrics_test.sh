#!/usr/bin/env bash
# scripts/plot_metrics.py draws a PNG from a run's metrics.jsonl, and says what to do when the
# file is missing or holds a broken line. Skips (tests/skip.sh) without matplotlib.
#   plot_metrics_test.sh SOURCE_DIR
set -euo pipefail
source=$1
source "$source/tests/skip.sh"
# The Python that has matplotlib: the first python3 on PATH (a pyenv or venv one may lack it),
# else Debian's, where scripts/setup.sh installs python3-matplotlib.
python=
for candidate in python3 /usr/bin/python3; do
  "$candidate" -c "import matplotlib" 2>/dev/null && { python=$candidate; break; }
done
[ -n "$python" ] || skip_test "matplotlib is missing (scripts/setup.sh installs python3-matplotlib)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
plot="$source/scripts/plot_metrics.py"

out=$("$python" "$plot" "$work" 2>&1) && fail "plotted without metrics"
echo "$out" | grep -q "metrics.jsonl is missing: run \`genvec train\`" || fail "missing file: $out"
for step in 1 2 3 4; do
  echo "{\"step\": $step, \"loss\": $((10 - step)).5, \"loss_recon\": $((9 - step)).25, \"loss_align\": 0.$step, \"lr\": 0.00$step}"
done >"$work/metrics.jsonl"
"$python" "$plot" "$work" >/dev/null || fail "plot"
[ "$(head -c 8 "$work/loss.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "not a PNG"
# Rows of the evaluation during training add a panel (they have no losses).
echo '{"step": 4, "eval_score": 0.5, "eval": {"stsbenchmark": 0.5}, "eval_s": 1.0}' >>"$work/metrics.jsonl"
"$python" "$plot" "$work" --out "$work/eval.png" >/dev/null || fail "plot with evaluation rows"
[ -s "$work/eval.png" ] || fail "no plot with evaluation rows"
echo '{"step": 5, "loss":' >>"$work/metrics.jsonl"
out=$("$python" "$plot" "$work" --out "$work/other.png" 2>&1) && fail "plotted a broken file"
echo "$out" | grep -q "metrics.jsonl:6: not JSON" || fail "broken line not named: $out"
echo "plot_metrics: ok"
