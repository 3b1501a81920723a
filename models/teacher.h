// The teacher: embeds the LLM's responses into the space the alignment loss distills into the
// gen tokens (../shared/docs/method.md). Two kinds, chosen by [teacher] kind:
//   sentence-encoder  a BERT-family sentence-transformers model (default all-MiniLM-L6-v2);
//   llm               an LLM (default the frozen [model] LLM), masked mean pooling over the
//                     response's tokens, causal or bidirectional attention (LLM2Vec's first
//                     step) — the paper's family of teacher and our unsupervised baseline.
// The teacher stage computes the targets once; evaluation runs teachers again as baselines.
#pragma once

#include <ATen/core/Tensor.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "models/llm.h"
#include "models/sentence_encoder.h"

namespace genvec {

struct Config;

class Teacher {
 public:
  virtual ~Teacher() = default;
  virtual int64_t dimension() const = 0;
  // Embeddings (N, dimension), float32, in input order; `report` counts truncated and empty
  // texts. Invalid UTF-8 in text i is an IoError naming i, raised before any compute.
  virtual at::Tensor embed(const std::vector<std::string>& texts,
                           EncodeReport* report = nullptr) const = 0;
  // Everything besides the weights that decides the embeddings, one "key = value" per line:
  // part of the teacher cache's fingerprint.
  virtual std::string describe() const = 0;
};

// How an LLM's final-norm hidden states become one vector per text: the mean over the text's
// tokens (the llm teacher, the llm-mean baseline) or the last token's (the llm-last baseline).
enum class LlmPooling { mean, last_token };

// Mean-pooled vectors (N, D) float32 of rows of token ids (every row non-empty), run in
// length-sorted, right-padded batches without autograd.
at::Tensor llm_pool(const Llm& llm, const std::vector<std::vector<int32_t>>& ids,
                    int64_t batch_size, Attention attention);

// Both poolings of the same forward pass, {mean, last token}: the llm-mean and llm-last baselines
// of one evaluation cost one pass.
std::pair<at::Tensor, at::Tensor> llm_pool_mean_and_last(
    const Llm& llm, const std::vector<std::vector<int32_t>>& ids, int64_t batch_size,
    Attention attention);

// The teacher [teacher] configures, its weights placed as [model] device/dtype resolve for this
// rank; throws IoError/ConfigError naming the model and the key.
std::unique_ptr<Teacher> make_teacher(const Config& config, const Placement& placement = {});

}  // namespace genvec
