// Batched generation with a KV cache: greedy or sampled (temperature, top-k, top-p applied in
// that order, as transformers' logits warpers do), a seed per request so a request's sampled
// tokens come from its own random stream whatever batch it lands in, stop tokens and a token
// budget. Prompts are left-padded; positions count real tokens only (transformers' generate).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace genvec {

class Llm;

struct SamplingParams {
  int64_t max_new_tokens = 64;
  double temperature = 0.0;       // 0: greedy
  int64_t top_k = 0;              // 0: off
  double top_p = 1.0;             // 1: off
  std::vector<int32_t> stop_ids;  // EOS and other tokens that end a response
};

struct GenerationRequest {
  std::vector<int32_t> prompt;
  uint64_t seed = 0;
};

struct Generation {
  std::vector<int32_t> tokens;  // without the stop token
  std::string finish_reason;    // "stop" (a stop token) or "length" (max_new_tokens)
};

// One Generation per request, in order. Throws IoError for an empty prompt.
std::vector<Generation> generate(const Llm& llm, const std::vector<GenerationRequest>& requests,
                                 const SamplingParams& params);

// One Generation per row of `prompt_embeddings` (B, T, D): the frozen LLM continues from input
// embeddings instead of tokens, as `decode` does from an embedder's soft prompts (every row T
// positions, no padding). seeds: one per row (sampling only; empty for greedy).
std::vector<Generation> generate_from_embeddings(const Llm& llm,
                                                 const at::Tensor& prompt_embeddings,
                                                 const SamplingParams& params,
                                                 const std::vector<uint64_t>& seeds = {});

}  // namespace genvec
