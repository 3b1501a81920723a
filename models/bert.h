// The BERT encoder (the sentence-encoder teachers: all-MiniLM, BGE, E5, ...) in libtorch,
// loaded from a Hugging Face model directory: config.json plus model.safetensors or a PyTorch
// checkpoint. Absolute positions, token types (all 0: one segment), post-LayerNorm blocks, GELU;
// the computation mirrors transformers' BertModel in fp32, which the parity tests compare
// against through sentence-transformers.
#pragma once

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "models/placement.h"

namespace genvec {

struct BertHparams {
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t num_layers = 0;
  int64_t num_heads = 0;
  int64_t intermediate_size = 0;
  int64_t max_position_embeddings = 0;
  int64_t type_vocab_size = 0;
  double layer_norm_eps = 1e-12;
  std::string hidden_act = "gelu";  // "gelu" (erf), "gelu_new" / "gelu_pytorch_tanh", "relu"
};

class BertEncoder {
 public:
  // Weights in the placement's dtype on its device. Throws IoError naming the file for an
  // unsupported configuration or a missing/misshapen tensor.
  static BertEncoder load(const std::filesystem::path& directory, const Placement& placement = {});

  const BertHparams& hparams() const { return hparams_; }

  // Last hidden states (B, T, D) of token ids (B, T) with attention_mask (B, T): 1 for tokens,
  // then 0 for right padding. T may not exceed max_position_embeddings. The states at padding
  // positions are not meaningful (on the CPU their attention is skipped); the tokens' equal
  // transformers'. Inputs may be on the CPU; the states are on the model's device.
  at::Tensor forward(const at::Tensor& input_ids, const at::Tensor& attention_mask) const;

 private:
  const at::Tensor& weight(const std::string& name) const;
  at::Tensor embed(const at::Tensor& ids, const at::Tensor& positions) const;
  at::Tensor block(const at::Tensor& x, int64_t layer,
                   const std::function<at::Tensor(const at::Tensor&)>& attention) const;

  BertHparams hparams_;
  std::map<std::string, at::Tensor> weights_;  // Hugging Face names, "bert." prefix removed
  std::string source_;
};

}  // namespace genvec
