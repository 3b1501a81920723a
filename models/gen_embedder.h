// The gen-token embedder of LLM2Vec-Gen (../shared/docs/method.md): N trainable special-token
// embedding rows appended to every query, the last K of them compression tokens; the frozen LLM's
// final-norm hidden states there, H (B, K, D), become soft prompts P = R(H) (reconstruction
// projection, D -> D) and the embedding mean_k A(P) (alignment projection, D -> Dt).
// All trainable tensors are views of one float32 vector (flat()), so a training step all-reduces,
// clips, updates and checkpoints one buffer; they stay float32 whatever the LLM's dtype and are
// cast to it where they enter the LLM.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace genvec {

class Llm;

struct GenEmbedderShape {
  int64_t num_tokens = 10;              // N
  int64_t num_compression_tokens = 10;  // K, the last K of the N
  int64_t hidden_size = 0;              // D, the LLM's
  int64_t teacher_size = 0;             // Dt
};

// One trainable tensor's place in the flat vector.
struct GenTensorSlice {
  std::string name;  // "gen_tokens", "recon.weight", "recon.bias", "align.weight", "align.bias"
  std::vector<int64_t> shape;
  int64_t offset = 0, numel = 0;
};

class GenEmbedder {
 public:
  // Parameters as the reference initialises them. It adds the N tokens to a tokenizer of
  // `tokenizer_size` tokens and resizes the embedding table to tokenizer_size + N rows: token i
  // (id tokenizer_size + i) keeps the row the model already has there (Qwen checkpoints carry
  // spare rows past their tokenizer), and a row past the table is the mean of the table's rows
  // (transformers' mean-resizing; its noise has covariance 1e-9 x the rows' and is left out).
  // R and A as PyTorch's nn.Linear does (weights and biases uniform in +-1/sqrt(fan_in)), drawn
  // from a SplitMix64 stream of `seed`, so every machine and device starts from the same bits.
  static GenEmbedder initialise(const Llm& llm, const GenEmbedderShape& shape,
                                int64_t tokenizer_size, uint64_t seed);
  // Parameters from a flat float32 vector laid out as slices() says (a checkpoint, an export).
  static GenEmbedder from_flat(const GenEmbedderShape& shape, const at::Tensor& flat,
                               const at::Device& device);

  const GenEmbedderShape& shape() const { return shape_; }
  static std::vector<GenTensorSlice> slices(const GenEmbedderShape& shape);
  // The flat float32 leaf tensor (requires grad) that every parameter views.
  const at::Tensor& flat() const { return flat_; }

  at::Tensor tensor(const std::string& name) const;  // a view of flat()

  // H (B, K, D) float32 of queries given as token ids (each non-empty, already truncated so that
  // query + N tokens fit the row budget): a causal forward of [left pads][query][N tokens], rows
  // of similar length batched together. The query prefix does not depend on the special tokens,
  // so with `prefix_shortcut` it runs without autograd once and only the N positions are
  // computed with gradients (same numbers).
  at::Tensor compression_states(const Llm& llm, const std::vector<std::vector<int32_t>>& queries,
                                bool prefix_shortcut = true) const;
  at::Tensor soft_prompts(const at::Tensor& compression) const;  // P = R(H), float32
  at::Tensor embedding(const at::Tensor& soft_prompts) const;    // mean_k A(P), (B, Dt)

 private:
  // compression_states of rows run as one left-padded batch.
  at::Tensor padded_compression_states(const Llm& llm,
                                       const std::vector<std::vector<int32_t>>& queries,
                                       bool prefix_shortcut) const;

  GenEmbedderShape shape_;
  at::Tensor flat_;
};

}  // namespace genvec
