// The LLM forward against transformers (tests/golden/make_tiny_llm.py) on tiny random llama,
// qwen2 and qwen3 models read from Hugging Face directories and from GGUF files, fp32: final-norm
// hidden states and logits at every real (non-padding) position within 1e-5 absolute. Both sides
// run the same fp32 operations; only summation order inside matmuls differs, which for values of
// order 1 and sums over <= 64 terms stays near 1e-6.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <filesystem>

#include "common/errors.h"
#include "models/llm.h"
#include "tests/models/golden_tensors.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;
const fs::path kGolden = fs::path(GENVEC_SOURCE_DIR) / "tests/golden";

struct Expected {
  at::Tensor input_ids, attention_mask, hidden, logits;
};

Expected read_expected(const fs::path& path) {
  const std::map<std::string, at::Tensor> tensors = read_golden_tensors(path);
  return {tensors.at("input_ids"), tensors.at("attention_mask"), tensors.at("hidden"),
          tensors.at("logits")};
}

// Largest |a - b| over the positions where mask is 1.
double max_error_at_tokens(const at::Tensor& a, const at::Tensor& b, const at::Tensor& mask) {
  const at::Tensor keep = mask.to(at::kBool);
  return (a.index({keep}) - b.index({keep})).abs().max().item<double>();
}

// (architecture, file format): every tiny model as a Hugging Face directory and as a GGUF file.
class TinyLlm : public testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(TinyLlm, MatchesTransformers) {
  const auto& [name, format] = GetParam();
  const fs::path dir = kGolden / ("tiny_" + name);
  const Llm llm = Llm::load(format == "gguf" ? dir / "model.gguf" : dir);
  const Expected expected = read_expected(dir / "expected.safetensors");
  const at::Tensor hidden = llm.forward(llm.embed(expected.input_ids), expected.attention_mask);
  EXPECT_LT(max_error_at_tokens(hidden, expected.hidden, expected.attention_mask), 1e-5);
  EXPECT_LT(max_error_at_tokens(llm.logits(hidden), expected.logits, expected.attention_mask),
            1e-5);
}

INSTANTIATE_TEST_SUITE_P(
    Golden, TinyLlm,
    testing::Combine(testing::Values("llama", "llama_tied_rope_scaled", "qwen2", "qwen3"),
                     testing::Values("hf", "gguf")),
    [](const auto& info) { return std::get<0>(info.param) + "_" + std::get<1>(info.param); });

TEST(Llm, GradientsReachTheInputsNotTheFrozenWeights) {
  const Llm llm = Llm::load(kGolden / "tiny_llama");
  const Expected expected = read_expected(kGolden / "tiny_llama/expected.safetensors");
  const at::Tensor inputs = llm.embed(expected.input_ids).detach().requires_grad_(true);
  llm.logits(llm.forward(inputs, expected.attention_mask)).sum().backward();
  ASSERT_TRUE(inputs.grad().defined());
  EXPECT_GT(inputs.grad().abs().sum().item<double>(), 0.0);
  EXPECT_FALSE(llm.weight("model.layers.0.self_attn.q_proj.weight").requires_grad());
  EXPECT_FALSE(llm.weight("lm_head.weight").grad().defined());
}

// Running a prefix into the cache and then the rest gives the hidden states of one full pass:
// what generation and the training encoder's no-grad prefix rely on.
TEST(Llm, CachedPrefixGivesTheSameHiddenStates) {
  const Llm llm = Llm::load(kGolden / "tiny_llama");
  const Expected e = read_expected(kGolden / "tiny_llama/expected.safetensors");
  const at::Tensor full = llm.forward(llm.embed(e.input_ids), e.attention_mask);
  KvCache cache;
  const at::Tensor head = llm.forward(llm.embed(e.input_ids.slice(1, 0, 5)),
                                      e.attention_mask.slice(1, 0, 5), std::nullopt, &cache);
  EXPECT_EQ(cache.length(), 5);
  const at::Tensor tail =
      llm.forward(llm.embed(e.input_ids.slice(1, 5)), e.attention_mask, std::nullopt, &cache);
  EXPECT_EQ(cache.length(), 8);
  EXPECT_LT(max_error_at_tokens(at::cat({head, tail}, 1), full, e.attention_mask), 1e-5);
}

// Training's encoder: the query prefix runs once without gradients into the cache, then the
// special tokens run with gradients; their inputs get gradients and the hidden states equal a
// full pass.
TEST(Llm, GradientsFlowThroughACachedNoGradPrefix) {
  const Llm llm = Llm::load(kGolden / "tiny_llama");
  const Expected e = read_expected(kGolden / "tiny_llama/expected.safetensors");
  KvCache cache;
  {
    at::NoGradGuard no_grad;
    llm.forward(llm.embed(e.input_ids.slice(1, 0, 5)), e.attention_mask.slice(1, 0, 5),
                std::nullopt, &cache);
  }
  const at::Tensor tail_inputs = llm.embed(e.input_ids.slice(1, 5)).detach().requires_grad_(true);
  const at::Tensor tail = llm.forward(tail_inputs, e.attention_mask, std::nullopt, &cache);
  llm.logits(tail).sum().backward();
  ASSERT_TRUE(tail_inputs.grad().defined());
  EXPECT_GT(tail_inputs.grad().abs().sum().item<double>(), 0.0);
  const at::Tensor full = llm.forward(llm.embed(e.input_ids), e.attention_mask);
  EXPECT_LT(
      max_error_at_tokens(tail.detach(), full.slice(1, 5).detach(), e.attention_mask.slice(1, 5)),
      1e-5);
}

TEST(Llm, BadInputsAndFilesAreClearErrors) {
  const Llm llm = Llm::load(kGolden / "tiny_llama");
  EXPECT_THROW(llm.forward(at::zeros({1, 3, 7}), at::ones({1, 3})), IoError);
  EXPECT_THROW(llm.embed(at::tensor({5, 96}, at::kLong)), IoError);  // vocab is 96
  EXPECT_THROW(llm.embed(at::tensor({-1}, at::kLong)), IoError);
  EXPECT_THROW(llm.forward(at::zeros({1, 3, 32}), at::ones({1, 4})), IoError);
  EXPECT_THROW(Llm::load(kGolden / "hf_bpe_tokenizer"), IoError);  // no config.json
}

}  // namespace
}  // namespace genvec
