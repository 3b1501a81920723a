// Overfitting 16 examples on the tiny random Llama: the objective, AdamW and the embedder drive
// L_recon from ~5.4 to below 1.2 nats per token, and greedy decoding from a training query's soft
// prompts then reproduces its response (3 tokens and the EOS) for at least 15 of the 16. The
// bound is the tiny model's, not the method's: its random weights (hidden size 32) give flat
// next-token distributions, so even a learned token's probability stays well below 1.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <filesystem>

#include "common/rng.h"
#include "models/gen_embedder.h"
#include "models/generate.h"
#include "models/llm.h"
#include "training/objective.h"
#include "training/optimizer.h"

namespace genvec {
namespace {

TEST(Overfit, SixteenExamplesAreLearnedAndDecodeBack) {
  const Llm llm = Llm::load(std::filesystem::path(GENVEC_SOURCE_DIR) / "tests/golden/tiny_llama");
  const GenEmbedderShape shape{4, 4, 32, 8};
  GenEmbedder embedder = GenEmbedder::initialise(llm, shape, 96, 0);
  SplitMix64 random(11);
  std::vector<TrainExample> examples(16);
  for (TrainExample& e : examples) {  // random token ids 3..95 (0 pad, 1 BOS, 2 EOS)
    for (uint64_t i = 0, n = 3 + random.below(6); i < n; ++i)
      e.query.push_back(3 + random.below(93));
    for (int i = 0; i < 3; ++i) e.response.push_back(static_cast<int32_t>(3 + random.below(93)));
    e.response.push_back(2);
    for (int d = 0; d < 8; ++d) e.teacher.push_back(static_cast<float>(random.uniform() - 0.5));
  }
  std::vector<const TrainExample*> batch;
  for (const TrainExample& e : examples) batch.push_back(&e);

  AdamW optimizer(embedder.flat(), {});
  double first = 0, last = 0;
  for (int step = 0; step < 400; ++step) {
    const ObjectiveSums sums = objective_sums(llm, embedder, batch);
    const at::Tensor recon = sums.recon / static_cast<double>(sums.target_tokens);
    (recon + sums.align / (16.0 * 8)).backward();
    at::Tensor parameters = embedder.flat().detach();
    at::Tensor gradient = embedder.flat().grad().clone();
    clip_gradient_norm(gradient, 1.0);
    optimizer.step(parameters, gradient, linear_schedule_lr(2e-2, step, 20, 400));
    embedder.flat().mutable_grad().zero_();
    (step == 0 ? first : last) = recon.item<double>();
  }
  EXPECT_GT(first, 4.0);
  EXPECT_LT(last, 1.2) << "from " << first;

  std::vector<std::vector<int32_t>> queries;
  for (const TrainExample& e : examples) queries.push_back(e.query);
  at::NoGradGuard no_grad;
  const at::Tensor prompts = embedder.soft_prompts(embedder.compression_states(llm, queries));
  SamplingParams greedy;
  greedy.max_new_tokens = 6;
  greedy.stop_ids = {2};
  const std::vector<Generation> decoded = generate_from_embeddings(llm, prompts, greedy);
  int reproduced = 0;
  for (size_t i = 0; i < examples.size(); ++i) {
    const std::vector<int32_t> wanted(examples[i].response.begin(), examples[i].response.end() - 1);
    reproduced += decoded[i].tokens == wanted && decoded[i].finish_reason == "stop";
  }
  EXPECT_GE(reproduced, 15) << "responses decoded back exactly, with their EOS";
}

}  // namespace
}  // namespace genvec
