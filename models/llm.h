// The frozen decoder LLM (Llama family: SmolLM2, Llama 3.x, Qwen2.5 attention biases, Qwen3
// per-head q/k RMSNorm; each declares its differences in models/arch/) in libtorch, loaded from
// a GGUF file or a Hugging Face model directory.
// One forward serves every use: token ids or input embeddings (soft prompts) in, final-norm
// hidden states out, logits on request; autograd flows to the inputs while every weight stays
// frozen. The computation mirrors transformers' LlamaModel (eager attention), which the parity
// tests compare against in float32; in bfloat16 it keeps transformers' float32 islands (RMSNorm,
// softmax, rotary tables), and the weights live on the Placement's device.
#pragma once

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/placement.h"

namespace genvec {

// What the model file fixes (llama.cpp's hparams).
struct LlmHparams {
  std::string architecture;  // "llama", "qwen2", "qwen3"
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_layers = 0;
  int64_t num_heads = 0;
  int64_t num_kv_heads = 0;
  int64_t head_dim = 0;
  double rms_norm_eps = 1e-5;
  double rope_theta = 10000.0;
  bool attention_bias = false;  // Qwen2: q/k/v projections have biases
  bool qk_norm = false;         // Qwen3: RMSNorm over each head of q and k before RoPE
  bool tied_embeddings = false;
  // Llama-3 rope scaling (factor 0: none).
  double rope_scaling_factor = 0.0;
  double rope_low_freq_factor = 1.0;
  double rope_high_freq_factor = 4.0;
  int64_t rope_original_context = 8192;
};

// Keys and values of the positions run so far, per layer (B, kv_heads, T_past, head_dim), after
// RoPE: generation feeds one new token per step; training runs a query prefix once without
// gradients and reuses it.
struct KvCache {
  // Per layer (B, kv_heads, capacity, head_dim); the first length() positions are filled.
  // Without autograd the buffers grow geometrically and are written in place, so a decoding
  // step copies only its own keys; with autograd they are concatenated, keeping the graph.
  std::vector<at::Tensor> keys, values;
  int64_t used = 0;
  int64_t length() const { return used; }
};

// Which earlier/later positions a query attends to: causal is the decoder as trained; the
// teacher's LLM2Vec-style option lets every token see the whole (unpadded) sequence.
enum class Attention { causal, bidirectional };

// One decoder layer's weights, looked up once at load (undefined tensors: absent in this
// architecture).
struct LlmLayerWeights {
  at::Tensor input_norm, q, k, v, o, q_bias, k_bias, v_bias, q_norm, k_norm;
  at::Tensor post_attention_norm, gate, up, down;
};

class Llm {
 public:
  // A GGUF file or a Hugging Face model directory (config.json + safetensors). Weights are
  // dequantized, converted once to the placement's dtype on its device, and frozen. Throws
  // IoError naming the file and problem.
  static Llm load(const std::filesystem::path& path, const Placement& placement = {});

  const LlmHparams& hparams() const { return hparams_; }
  const Placement& placement() const { return placement_; }

  // Token embeddings of ids (B, T), on any device, -> (B, T, D) on the model's device.
  at::Tensor embed(const at::Tensor& input_ids) const;

  // Final-norm hidden states (B, T, D) of input embeddings (B, T, D) in the model's dtype on its
  // device (masks and positions may come from the CPU). attention_mask covers the
  // cached and the new positions, (B, T_past + T) (1 = token, 0 = padding; left padding).
  // Position ids (B, T) default to T_past .. T_past+T-1 for every row, as transformers does
  // when none are given. With a cache, the new keys/values are appended to it.
  at::Tensor forward(const at::Tensor& input_embeddings, const at::Tensor& attention_mask,
                     const std::optional<at::Tensor>& position_ids = std::nullopt,
                     KvCache* cache = nullptr, Attention attention = Attention::causal) const;

  // The LM head: hidden (..., D) -> logits (..., V), in the model's dtype.
  at::Tensor logits(const at::Tensor& hidden) const;

  // A weight by its Hugging Face name ("model.layers.0.self_attn.q_proj.weight").
  const at::Tensor& weight(const std::string& name) const;

 private:
  at::Tensor compute_rope_inverse_frequencies() const;

  LlmHparams hparams_;
  Placement placement_;
  std::map<std::string, at::Tensor> weights_;
  std::vector<LlmLayerWeights> layers_;
  at::Tensor embed_tokens_, final_norm_, lm_head_;
  at::Tensor rope_frequency_factors_;    // GGUF rope_freqs.weight (Llama 3), if present
  at::Tensor rope_inverse_frequencies_;  // (head_dim / 2), computed once at load
};

}  // namespace genvec
