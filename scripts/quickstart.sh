#!/usr/bin/env bash
# The main job on the embedded default (SmolLM2-135M-Instruct + all-MiniLM-L6-v2, real queries
# from ../shared/data): sets up, builds, checks the machine, then runs every pipeline stage
# with configs/quickstart.toml. Stages that this version has not built yet say so and stop the
# run with exit code 3; nothing is faked.
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
echo "[quickstart] genvec run --config configs/quickstart.toml"
$genvec run --config configs/quickstart.toml
