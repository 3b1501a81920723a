// Qwen3: the Llama base with an RMSNorm over each head of q and k before RoPE (weights
// self_attn.q_norm / k_norm of head_dim), no projection biases, and an explicit head_dim.
#include "models/architecture.h"

namespace genvec {

extern const ArchitectureSpec kQwen3Architecture = {
    .name = "qwen3", .attention_bias = false, .qk_norm = true, .gguf_interleaved_rope_rows = false};

}  // namespace genvec
