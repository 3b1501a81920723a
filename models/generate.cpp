// Batched KV-cache generation: see generate.h.
#include "models/generate.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <limits>

#include "common/errors.h"
#include "models/llm.h"

namespace genvec {
namespace {

// transformers' TopKLogitsWarper and TopPLogitsWarper (min_tokens_to_keep = 1) on one row.
at::Tensor filter_logits(at::Tensor logits, const SamplingParams& p) {
  const double minus_inf = -std::numeric_limits<double>::infinity();
  if (p.top_k > 0 && p.top_k < logits.size(-1)) {
    const at::Tensor kth = std::get<0>(logits.topk(p.top_k)).select(-1, -1);
    logits = logits.masked_fill(logits < kth, minus_inf);
  }
  if (p.top_p < 1.0) {
    auto [sorted, order] = logits.sort(/*dim=*/-1, /*descending=*/false);
    at::Tensor remove = sorted.softmax(-1).cumsum(-1) <= (1.0 - p.top_p);
    remove.index_put_({-1}, false);
    logits = logits.masked_fill(remove.scatter(-1, order, remove), minus_inf);
  }
  return logits;
}

// The decoding loop shared by both entry points: `hidden` holds the final-norm states of the
// prompt just run through `cache`; each step picks a token per unfinished row and feeds it back.
std::vector<Generation> decode_loop(const Llm& llm, at::Tensor hidden, at::Tensor mask,
                                    at::Tensor positions, KvCache& cache,
                                    const SamplingParams& params,
                                    std::vector<at::Generator>& streams) {
  const int64_t batch = hidden.size(0);
  std::vector<Generation> results(batch);
  std::vector<bool> finished(batch, false);
  int64_t remaining = batch;
  for (int64_t step = 0; step < params.max_new_tokens && remaining > 0; ++step) {
    // (B, V) on the CPU in float32: choosing tokens is cheap, and the per-request random streams
    // are CPU generators, so a request samples the same tokens on every device.
    const at::Tensor logits = llm.logits(hidden.select(1, -1)).to(at::kCPU, at::kFloat);
    at::Tensor next = at::zeros({batch, 1}, at::kLong);
    for (int64_t b = 0; b < batch; ++b) {
      if (finished[b]) continue;
      int64_t token;
      if (params.temperature <= 0) {
        token = logits[b].argmax().item<int64_t>();
      } else {
        const at::Tensor probs = filter_logits(logits[b] / params.temperature, params).softmax(-1);
        token = at::multinomial(probs, 1, false, streams[b]).item<int64_t>();
      }
      next[b][0] = token;
      const bool stop =
          std::find(params.stop_ids.begin(), params.stop_ids.end(), token) != params.stop_ids.end();
      if (stop) {
        results[b].finish_reason = "stop";
      } else {
        results[b].tokens.push_back(static_cast<int32_t>(token));
      }
      if (stop || step + 1 == params.max_new_tokens) {
        if (!stop) results[b].finish_reason = "length";
        finished[b] = true;
        --remaining;
      }
    }
    if (remaining == 0) break;
    mask = at::cat({mask, at::ones({batch, 1}, at::kLong)}, 1);
    positions = positions.select(1, -1).unsqueeze(1) + 1;
    hidden = llm.forward(llm.embed(next), mask, positions, &cache);
  }
  return results;
}

}  // namespace

std::vector<Generation> generate(const Llm& llm, const std::vector<GenerationRequest>& requests,
                                 const SamplingParams& params) {
  const int64_t batch = static_cast<int64_t>(requests.size());
  if (batch == 0 || params.max_new_tokens <= 0) return std::vector<Generation>(batch);
  int64_t longest = 0;
  for (const GenerationRequest& r : requests) {
    if (r.prompt.empty()) throw IoError("generate: a request has an empty prompt");
    longest = std::max<int64_t>(longest, r.prompt.size());
  }
  at::NoGradGuard no_grad;
  // Left padding, built in plain vectors (element-wise tensor indexing costs microseconds each).
  std::vector<int64_t> id_values(batch * longest, 0), mask_values(batch * longest, 0);
  std::vector<at::Generator> streams;
  for (int64_t b = 0; b < batch; ++b) {
    const auto& prompt = requests[b].prompt;
    const int64_t pad = longest - static_cast<int64_t>(prompt.size());
    std::copy(prompt.begin(), prompt.end(), id_values.begin() + b * longest + pad);
    std::fill(mask_values.begin() + b * longest + pad, mask_values.begin() + (b + 1) * longest, 1);
    streams.push_back(at::make_generator<at::CPUGeneratorImpl>(requests[b].seed));
  }
  const at::Tensor ids = at::tensor(id_values, at::kLong).view({batch, longest});
  const at::Tensor mask = at::tensor(mask_values, at::kLong).view({batch, longest});
  // Positions count real tokens; padding gets 1 (ignored), as transformers' generate does.
  const at::Tensor positions = (mask.cumsum(-1) - 1).masked_fill(mask.eq(0), 1);
  KvCache cache;
  const at::Tensor hidden = llm.forward(llm.embed(ids), mask, positions, &cache);
  return decode_loop(llm, hidden, mask, positions, cache, params, streams);
}

std::vector<Generation> generate_from_embeddings(const Llm& llm,
                                                 const at::Tensor& prompt_embeddings,
                                                 const SamplingParams& params,
                                                 const std::vector<uint64_t>& seeds) {
  const int64_t batch = prompt_embeddings.size(0), length = prompt_embeddings.size(1);
  if (batch == 0 || params.max_new_tokens <= 0) return std::vector<Generation>(batch);
  if (params.temperature > 0 && static_cast<int64_t>(seeds.size()) != batch)
    throw IoError("generate_from_embeddings: sampling needs one seed per row");
  at::NoGradGuard no_grad;
  std::vector<at::Generator> streams;
  for (int64_t b = 0; b < batch; ++b)
    streams.push_back(at::make_generator<at::CPUGeneratorImpl>(seeds.empty() ? 0 : seeds[b]));
  const at::Tensor mask = at::ones({batch, length}, at::kLong);
  const at::Tensor positions = at::arange(length, at::kLong).expand({batch, length});
  KvCache cache;
  const at::Tensor hidden = llm.forward(
      prompt_embeddings.to(llm.placement().device, llm.placement().dtype), mask, positions, &cache);
  return decode_loop(llm, hidden, mask, positions, cache, params, streams);
}

}  // namespace genvec
