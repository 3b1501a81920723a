// The supported decoder architectures behind one small interface: each file in models/arch/
// declares how its architecture differs from the Llama base that models/llm_forward.cpp runs
// (a variant reuses the base rather than copying it). Torch-free.
#pragma once

#include <string>
#include <string_view>

namespace genvec {

struct ArchitectureSpec {
  std::string_view name;  // Hugging Face model_type and GGUF general.architecture
  bool attention_bias;    // q/k/v projections carry biases
  bool qk_norm;           // per-head RMSNorm of q and k before RoPE
  // llama.cpp's converter interleaves the rotary halves of q/k rows for this architecture, so
  // loading from GGUF must undo it.
  bool gguf_interleaved_rope_rows;
};

// The spec for `name`; throws IoError naming `source` and the supported architectures.
const ArchitectureSpec& architecture_find(std::string_view name, const std::string& source);

}  // namespace genvec
