// The LLM2Vec-Gen objective: see objective.h.
#include "training/objective.h"

#include <ATen/ATen.h>

#include <algorithm>

#include "common/errors.h"
#include "models/gen_embedder.h"
#include "models/llm.h"

namespace genvec {

ObjectiveSums objective_sums(const Llm& llm, const GenEmbedder& embedder,
                             const std::vector<const TrainExample*>& batch, bool prefix_shortcut) {
  const int64_t rows = static_cast<int64_t>(batch.size());
  const int64_t k = embedder.shape().num_compression_tokens;
  const int64_t teacher_size = embedder.shape().teacher_size;
  std::vector<std::vector<int32_t>> queries;
  int64_t longest = 0;
  for (const TrainExample* example : batch) {
    if (example->response.empty()) throw IoError("objective: a response has no target token");
    if (static_cast<int64_t>(example->teacher.size()) != teacher_size)
      throw IoError("objective: a teacher vector has " + std::to_string(example->teacher.size()) +
                    " values, the embedder expects " + std::to_string(teacher_size));
    queries.push_back(example->query);
    longest = std::max<int64_t>(longest, static_cast<int64_t>(example->response.size()));
  }
  const at::Tensor prompts =
      embedder.soft_prompts(embedder.compression_states(llm, queries, prefix_shortcut));
  const at::Tensor embeddings = embedder.embedding(prompts);

  // Decoder rows [left pads][P][response]: ids (pads and prompt slots hold 0, replaced below),
  // mask, and for every target its position's predecessor and its token.
  const int64_t length = k + longest;
  std::vector<int64_t> ids(rows * length, 0), mask(rows * length, 0), sources, targets;
  std::vector<float> teacher(rows * teacher_size);
  for (int64_t b = 0; b < rows; ++b) {
    const std::vector<int32_t>& response = batch[b]->response;
    const int64_t m = static_cast<int64_t>(response.size()), pad = longest - m;
    std::fill_n(mask.begin() + b * length + pad, k + m, 1);
    std::copy(response.begin(), response.end(), ids.begin() + b * length + pad + k);
    for (int64_t t = 0; t < m; ++t) {
      sources.push_back(b * length + pad + k - 1 + t);
      targets.push_back(response[t]);
    }
    std::copy(batch[b]->teacher.begin(), batch[b]->teacher.end(),
              teacher.begin() + b * teacher_size);
  }
  const at::Device device = llm.placement().device;
  const at::Tensor embedded = llm.embed(at::tensor(ids, at::kLong).view({rows, length}));
  const at::Tensor slotted = prompts.to(embedded.scalar_type());
  std::vector<at::Tensor> decoder_rows;
  for (int64_t b = 0; b < rows; ++b) {
    const int64_t pad = longest - static_cast<int64_t>(batch[b]->response.size());
    decoder_rows.push_back(at::cat({embedded[b].narrow(0, 0, pad), slotted[b],
                                    embedded[b].narrow(0, pad + k, length - pad - k)}));
  }
  const at::Tensor hidden =
      llm.forward(at::stack(decoder_rows), at::tensor(mask, at::kLong).view({rows, length}));
  const at::Tensor predecessors = hidden.reshape({rows * length, -1})
                                      .index_select(0, at::tensor(sources, at::kLong).to(device));
  // Logits upcast for the loss, as transformers' ForCausalLMLoss does.
  const at::Tensor logits = llm.logits(predecessors).to(at::kFloat);
  ObjectiveSums sums;
  sums.recon = at::cross_entropy_loss(logits, at::tensor(targets, at::kLong).to(device),
                                      /*weight=*/{}, at::Reduction::Sum);
  const at::Tensor target_embeddings =
      at::tensor(teacher, at::kFloat).view({rows, teacher_size}).to(device);
  sums.align = (embeddings - target_embeddings).pow(2).sum();
  sums.target_tokens = static_cast<int64_t>(targets.size());
  sums.rows = rows;
  return sums;
}

}  // namespace genvec
