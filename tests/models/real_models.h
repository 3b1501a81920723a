// Where the real-model tests find the models scripts/setup.sh fetches into $GENVEC_HOME/models.
#pragma once

#include <filesystem>

#include "common/paths.h"
#include "tests/strict.h"

namespace genvec {

inline std::filesystem::path smollm2_gguf_path() {
  return genvec_home() / "models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf";
}

inline std::filesystem::path minilm_path() {
  return genvec_home() / "models/all-minilm-l6-v2";
}

}  // namespace genvec
