// Llama (Llama 2/3.x, SmolLM2): the base every other architecture varies. RMSNorm, RoPE
// (Llama-3 frequency scaling when configured), grouped-query attention without biases, SwiGLU.
#include "models/architecture.h"

namespace genvec {

extern const ArchitectureSpec kLlamaArchitecture = {
    .name = "llama", .attention_bias = false, .qk_norm = false, .gguf_interleaved_rope_rows = true};

}  // namespace genvec
