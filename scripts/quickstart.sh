#!/usr/bin/env bash
# The main job on the embedded default (SmolLM2-135M-Instruct + all-MiniLM-L6-v2, real queries
# from ../shared/data): sets up, builds, checks the machine, then runs the pipeline's stages
# with configs/quickstart.toml: shard, generate (2,000 answers: the long part, about an hour on 2
# cores; rerunning resumes), teacher, status. `genvec run` then reaches the stages this version
# has not built yet (train onwards), says so and stops with exit code 3; nothing is faked.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
genvec=build/launcher/genvec
echo "[quickstart] genvec doctor"
$genvec doctor --config configs/quickstart.toml
echo "[quickstart] resolved config: configs/quickstart.toml"
$genvec config --config configs/quickstart.toml
echo "[quickstart] genvec complete: SmolLM2 answers one question"
$genvec complete --config configs/quickstart.toml --prompt "What is the capital of France?" \
  --set generate.max_new_tokens=48
for stage in shard generate teacher status; do
  echo "[quickstart] genvec $stage --config configs/quickstart.toml"
  $genvec $stage --config configs/quickstart.toml
done
echo "[quickstart] genvec run --config configs/quickstart.toml"
$genvec run --config configs/quickstart.toml
