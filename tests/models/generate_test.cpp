// Generation on a tiny random model: the KV cache reproduces full forward passes, a request's
// tokens do not depend on the batch it lands in (greedy and sampled), seeds make sampling
// reproducible, and stop tokens and budgets end responses with the right reason.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <filesystem>

#include "common/errors.h"
#include "models/generate.h"
#include "models/llm.h"

namespace genvec {
namespace {

const std::filesystem::path kTiny =
    std::filesystem::path(GENVEC_SOURCE_DIR) / "tests/golden/tiny_llama";

class Generate : public testing::Test {
 protected:
  Llm llm = Llm::load(kTiny);
  GenerationRequest a{{5, 17, 33}, 1}, b{{1, 7, 8, 9, 10, 50}, 2}, c{{60}, 3};
};

TEST_F(Generate, GreedyWithCacheEqualsFullForwardPasses) {
  SamplingParams params;
  params.max_new_tokens = 12;
  const Generation cached = generate(llm, {b}, params)[0];
  at::NoGradGuard no_grad;
  at::Tensor sequence =
      at::tensor(std::vector<int64_t>(b.prompt.begin(), b.prompt.end())).unsqueeze(0);
  std::vector<int32_t> expected;
  for (int step = 0; step < 12; ++step) {
    const int64_t next = llm.logits(llm.forward(llm.embed(sequence), at::ones_like(sequence)))
                             .select(1, -1)
                             .argmax(-1)
                             .item<int64_t>();
    expected.push_back(static_cast<int32_t>(next));
    sequence = at::cat({sequence, at::full({1, 1}, next, at::kLong)}, 1);
  }
  EXPECT_EQ(cached.tokens, expected);
  EXPECT_EQ(cached.finish_reason, "length");
}

TEST_F(Generate, ARequestsTokensDoNotDependOnItsBatch) {
  for (double temperature : {0.0, 1.0}) {
    SamplingParams params;
    params.max_new_tokens = 10;
    params.temperature = temperature;
    params.top_k = 40;
    params.top_p = 0.9;
    const auto alone = generate(llm, {a}, params);
    const auto batched = generate(llm, {b, a, c}, params);
    EXPECT_EQ(alone[0].tokens, batched[1].tokens) << "temperature " << temperature;
    EXPECT_EQ(generate(llm, {c}, params)[0].tokens, batched[2].tokens)
        << "temperature " << temperature;
  }
}

TEST_F(Generate, SeedsMakeSamplingReproducible) {
  SamplingParams params;
  params.max_new_tokens = 24;
  params.temperature = 1.5;
  GenerationRequest other_seed = a;
  other_seed.seed = 99;
  const auto first = generate(llm, {a}, params)[0].tokens;
  EXPECT_EQ(generate(llm, {a}, params)[0].tokens, first);
  EXPECT_NE(generate(llm, {other_seed}, params)[0].tokens, first);
  params.top_k = 1;  // top-k 1 leaves only the argmax: sampling becomes greedy
  SamplingParams greedy;
  greedy.max_new_tokens = 24;
  EXPECT_EQ(generate(llm, {a}, params)[0].tokens, generate(llm, {a}, greedy)[0].tokens);
}

TEST_F(Generate, StopTokensAndBudgetEndResponses) {
  SamplingParams params;
  params.max_new_tokens = 12;
  const std::vector<int32_t> free_run = generate(llm, {a}, params)[0].tokens;
  params.stop_ids = {free_run[3]};
  const Generation stopped = generate(llm, {a}, params)[0];
  EXPECT_EQ(stopped.finish_reason, "stop");
  // The response ends before the first occurrence of the stop token, which is left out.
  const auto first_stop = std::find(free_run.begin(), free_run.end(), free_run[3]);
  EXPECT_EQ(stopped.tokens, std::vector<int32_t>(free_run.begin(), first_stop));
  params.max_new_tokens = 0;
  EXPECT_TRUE(generate(llm, {a}, params)[0].tokens.empty());
  EXPECT_THROW(generate(llm, {GenerationRequest{}}, SamplingParams{}), IoError);
}

}  // namespace
}  // namespace genvec
