// Qwen2 / Qwen2.5: the Llama base with biases on the q, k and v projections. llama.cpp stores
// its q/k rows as Hugging Face does (NEOX-style RoPE), so GGUF rows need no un-interleaving.
#include "models/architecture.h"

namespace genvec {

extern const ArchitectureSpec kQwen2Architecture = {
    .name = "qwen2", .attention_bias = true, .qk_norm = false, .gguf_interleaved_rope_rows = false};

}  // namespace genvec
