#!/usr/bin/env bash
# The development runs of docs/RESULTS.md (on ../shared/data; developers and CI only), every stage
# with 2 ranks (mpirun -np 2), resumable: rerunning skips finished stages and results.
#  A  runs/dev               teacher all-MiniLM-L6-v2 (configs/dev.toml as it is);
#  B  runs/dev-llm-teacher   teacher SmolLM2 mean pooling (teacher.kind = "llm", teacher.path
#                            empty: the [model] LLM), the paper's unsupervised setting, on A's
#                            shards and generations (one generation serves both runs);
#  then a sweep of short runs (30 steps) on B's setting, one change each, scored on BIOSSES and STS
#  Benchmark: runs/sweep-<name>.
# The checkpoints stay in the run folders, so a later session resumes or evaluates them.
#   bench/dev_runs.sh [a] [b] [sweep]     (default: all three, in order; env GENVEC: the binary)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d ../shared/data ] || { echo "bench/dev_runs.sh: needs ../shared/data" >&2; exit 2; }
genvec=${GENVEC:-build/launcher/genvec}
[ -x "$genvec" ] || scripts/build.sh >/dev/null
[ "$(id -u)" = 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
g=(mpirun -np 2 "$genvec")
c=configs/dev.toml
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(a b sweep)

# share_caches DIR [teacher]: A's shards and generations (and B's teacher cache) copied into DIR.
share_caches() {
  mkdir -p "$1/cache"
  [ -d "$1/shards" ] || cp -r runs/dev/shards "$1/"
  [ -d "$1/cache/generations" ] || cp -r runs/dev/cache/generations "$1/cache/"
  if [ "${2:-}" = teacher ] && [ ! -d "$1/cache/teacher" ]; then
    cp -r runs/dev-llm-teacher/cache/teacher "$1/cache/"
  fi
}
timed() { local t=$SECONDS; "$@"; echo "[dev_runs] $* took $((SECONDS - t)) s"; }

for part in "${parts[@]}"; do
  case "$part" in
    a)
      for stage in shard generate teacher train eval; do timed "${g[@]}" $stage --config $c; done
      ;;
    b)
      B=(--set run.dir=runs/dev-llm-teacher --set teacher.kind=llm --set 'teacher.path=""')
      share_caches runs/dev-llm-teacher
      # llm-mean and llm-last are the same models on the same tasks as in A: their results are
      # reused (same model and task identities), not recomputed.
      mkdir -p runs/dev-llm-teacher/eval
      for m in llm-mean llm-last; do
        [ -d runs/dev/eval/$m ] && [ ! -d runs/dev-llm-teacher/eval/$m ] &&
          cp -r runs/dev/eval/$m runs/dev-llm-teacher/eval/
      done
      for stage in teacher train eval; do timed "${g[@]}" $stage --config $c "${B[@]}"; done
      ;;
    sweep)
      # sweep NAME [teacher] [--set ...]: 30 steps on B's setting with one change.
      sweep() {
        local name=$1 dir=runs/sweep-$1
        shift
        if [ "${1:-}" = teacher ]; then share_caches "$dir" teacher; shift; else share_caches "$dir"; fi
        local S=(--set run.dir=$dir --set teacher.kind=llm --set 'teacher.path=""' --set train.max_steps=30
          --set train.schedule_steps=30 --set train.warmup_steps=3 --set train.checkpoint_every=30
          --set 'eval.train_tasks=[]' --set 'eval.tasks=["biosses","stsbenchmark"]'
          --set 'eval.models=["checkpoint"]' "$@")
        for stage in teacher train eval; do timed "${g[@]}" $stage --config $c "${S[@]}"; done
      }
      sweep base teacher
      sweep lr2e-3 teacher --set train.lr=2e-3
      sweep align0.1 teacher --set train.align_weight=0.1
      sweep bidir --set teacher.attention=bidirectional
      ;;
    *) echo "bench/dev_runs.sh: unknown part $part (a, b or sweep)" >&2; exit 2 ;;
  esac
done
