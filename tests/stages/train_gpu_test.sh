#!/usr/bin/env bash
# Training on GPUs as users run it: the tiny pipeline with model.device = "cuda" (bfloat16, the
# default there) on up to 2 ranks, one GPU each, gradients all-reduced over NCCL; 10 steps with
# finite, falling losses, a checkpoint and the exported embedder; then the same 10 steps in
# float32 on the GPU against float32 on the CPU (losses within 1e-3 relative: other kernels, same
# maths). Skips (tests/skip.sh, skip_test_hardware) without a GPU or a CUDA libtorch.
#   train_gpu_test.sh GENVEC SOURCE_DIR MPIRUN...
set -euo pipefail
genvec=$1 source=$2
shift 2
mpirun=("$@")
source "$source/tests/skip.sh"
command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1 || skip_test_hardware "no GPU"
gpus=$(nvidia-smi -L | wc -l)
ranks=$((gpus >= 2 ? 2 : 1))
config=$source/configs/tiny.toml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
on() {
  local dir=$1 np=$2
  shift 2
  "${mpirun[@]}" "$np" "$genvec" "$@" --config "$config" --set run.dir="$work/$dir" \
    --set train.max_steps=10
}
out=$(on gpu "$ranks" shard --set model.device=cuda 2>&1) || fail "shard: $out"
out=$(on gpu "$ranks" generate --set model.device=cuda 2>&1) || {
  echo "$out" | grep -q "built without CUDA" && skip_test_hardware "this genvec's libtorch has no CUDA"
  fail "generate on cuda: $out"
}
on gpu "$ranks" teacher --set model.device=cuda >/dev/null 2>&1 || fail "teacher on cuda"
out=$(on gpu "$ranks" train --set model.device=cuda 2>&1) || fail "train on cuda: $out"
echo "$out" | grep -q "$ranks rank(s) on cuda bfloat16, gradients over nccl" || fail "not on NCCL: $out"
python3 - "$work/gpu/metrics.jsonl" <<'PY' || fail "bfloat16 losses"
import json, math, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
assert len(rows) == 10 and all(math.isfinite(r["loss"]) for r in rows)
assert rows[-1]["loss_recon"] < rows[0]["loss_recon"]
PY
[ -f "$work/gpu/embedder.h5" ] || fail "no exported embedder"

for device in cpu cuda; do
  for stage in shard generate teacher train; do
    on "f32-$device" 1 $stage --set model.device=$device --set model.dtype=float32 >/dev/null 2>&1 ||
      fail "float32 on $device: $stage"
  done
done
python3 - "$work/f32-cpu/metrics.jsonl" "$work/f32-cuda/metrics.jsonl" <<'PY' || fail "cuda vs cpu"
import json, sys
a, b = ([json.loads(line) for line in open(path)] for path in sys.argv[1:])
gap = max(abs(x[k] - y[k]) / abs(x[k]) for x, y in zip(a, b) for k in ("loss_recon", "loss_align"))
print(f"float32 cpu vs cuda: largest relative loss gap {gap:.2e}")
assert gap < 1e-3, gap
PY
echo "train on GPU: ok"
