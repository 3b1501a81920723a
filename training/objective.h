// The LLM2Vec-Gen objective (../shared/docs/method.md), L = w_recon L_recon + w_align L_align, as
// sums over a micro-batch: the caller divides by the global batch's target-token and row counts,
// so the gradient summed over micro-batches and ranks is the gradient of the global batch's loss
// whatever the number of ranks and micro-batches.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace genvec {

class GenEmbedder;
class Llm;

// One training row, from the generation and teacher caches.
struct TrainExample {
  std::vector<int32_t> query;     // the query's tokens, truncated to leave room for the N tokens
  std::vector<int32_t> response;  // the tokens to reconstruct: the response, then the EOS
  std::vector<float> teacher;     // the teacher's embedding of the response (Dt)
};

struct ObjectiveSums {
  at::Tensor recon;  // sum over target tokens of the cross-entropy (float32 scalar, autograd)
  at::Tensor align;  // sum over rows and Dt of the squared error (float32 scalar, autograd)
  int64_t target_tokens = 0;
  int64_t rows = 0;
};

// The sums for `batch`: the embedder encodes the queries (H, P = R(H), embedding mean_k A(P));
// the frozen LLM reads [left pads][P_1 .. P_K][response embeddings] and every response token
// is predicted from the position before it (the last soft prompt predicts the first token).
ObjectiveSums objective_sums(const Llm& llm, const GenEmbedder& embedder,
                             const std::vector<const TrainExample*>& batch,
                             bool prefix_shortcut = true);

}  // namespace genvec
