// The gen-token embedder: see gen_embedder.h.
#include "models/gen_embedder.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <cmath>

#include "common/errors.h"
#include "common/rng.h"
#include "models/llm.h"

namespace genvec {

std::vector<GenTensorSlice> GenEmbedder::slices(const GenEmbedderShape& s) {
  const int64_t n = s.num_tokens, d = s.hidden_size, t = s.teacher_size;
  std::vector<GenTensorSlice> out = {{"gen_tokens", {n, d}},
                                     {"recon.weight", {d, d}},
                                     {"recon.bias", {d}},
                                     {"align.weight", {t, d}},
                                     {"align.bias", {t}}};
  int64_t offset = 0;
  for (GenTensorSlice& slice : out) {
    slice.numel = 1;
    for (int64_t size : slice.shape) slice.numel *= size;
    slice.offset = offset;
    offset += slice.numel;
  }
  return out;
}

GenEmbedder GenEmbedder::from_flat(const GenEmbedderShape& shape, const at::Tensor& flat,
                                   const at::Device& device) {
  const std::vector<GenTensorSlice> layout = slices(shape);
  const int64_t total = layout.back().offset + layout.back().numel;
  if (flat.dim() != 1 || flat.numel() != total)
    throw IoError("gen embedder parameters: expected " + std::to_string(total) + " values, got " +
                  std::to_string(flat.numel()));
  GenEmbedder embedder;
  embedder.shape_ = shape;
  embedder.flat_ = flat.to(device, at::kFloat).clone().requires_grad_(true);
  return embedder;
}

GenEmbedder GenEmbedder::initialise(const Llm& llm, const GenEmbedderShape& shape,
                                    int64_t tokenizer_size, uint64_t seed) {
  const std::vector<GenTensorSlice> layout = slices(shape);
  at::Tensor flat = at::empty({layout.back().offset + layout.back().numel}, at::kFloat);
  const at::Tensor table = llm.weight("model.embed_tokens.weight").to(at::kCPU, at::kFloat);
  const at::Tensor mean_row = table.to(at::kDouble).mean(0).to(at::kFloat).contiguous();
  SplitMix64 random(seed);
  float* values = flat.data_ptr<float>();
  for (const GenTensorSlice& slice : layout) {
    float* out = values + slice.offset;
    if (slice.name == "gen_tokens") {
      for (int64_t row = 0; row < shape.num_tokens; ++row) {
        const int64_t id = tokenizer_size + row;
        const at::Tensor source = id < table.size(0) ? table[id].contiguous() : mean_row;
        std::copy_n(source.data_ptr<float>(), shape.hidden_size, out + row * shape.hidden_size);
      }
      continue;
    }
    // nn.Linear.reset_parameters: kaiming_uniform(a = sqrt(5)) on the weight is
    // U(+-1/sqrt(fan_in)), and the bias is U(+-1/sqrt(fan_in)); fan_in is D for both projections.
    const double bound = 1.0 / std::sqrt(static_cast<double>(shape.hidden_size));
    for (int64_t i = 0; i < slice.numel; ++i)
      out[i] = static_cast<float>((2.0 * random.uniform() - 1.0) * bound);
  }
  return from_flat(shape, flat, llm.placement().device);
}

at::Tensor GenEmbedder::tensor(const std::string& name) const {
  for (const GenTensorSlice& slice : slices(shape_))
    if (slice.name == name) return flat_.narrow(0, slice.offset, slice.numel).view(slice.shape);
  throw IoError("gen embedder has no tensor '" + name + "'");
}

at::Tensor GenEmbedder::compression_states(const Llm& llm,
                                           const std::vector<std::vector<int32_t>>& queries,
                                           bool prefix_shortcut) const {
  // A row's states do not depend on the rows beside it, so rows of similar length run together:
  // the bundled queries range from a few tokens to hundreds, and one left-padded batch of them
  // spent half its prefix compute on padding. Longest first; a group closes when a row is
  // shorter than 80% of its longest.
  const int64_t batch = static_cast<int64_t>(queries.size());
  std::vector<int64_t> order(batch);
  for (int64_t b = 0; b < batch; ++b) order[b] = b;
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return queries[a].size() > queries[b].size(); });
  std::vector<at::Tensor> parts;
  for (size_t start = 0; start < order.size();) {
    size_t end = start + 1;
    while (end < order.size() && 5 * queries[order[end]].size() >= 4 * queries[order[start]].size())
      ++end;
    std::vector<std::vector<int32_t>> group;
    for (size_t i = start; i < end; ++i) group.push_back(queries[order[i]]);
    parts.push_back(padded_compression_states(llm, group, prefix_shortcut));
    start = end;
  }
  if (parts.size() == 1 && std::is_sorted(order.begin(), order.end())) return parts[0];
  std::vector<int64_t> position(batch);  // where row b landed in the grouped order
  for (int64_t i = 0; i < batch; ++i) position[order[i]] = i;
  return at::cat(parts).index_select(0, at::tensor(position, at::kLong).to(parts[0].device()));
}

at::Tensor GenEmbedder::padded_compression_states(const Llm& llm,
                                                  const std::vector<std::vector<int32_t>>& queries,
                                                  bool prefix_shortcut) const {
  const int64_t batch = static_cast<int64_t>(queries.size());
  const int64_t n = shape_.num_tokens, k = shape_.num_compression_tokens;
  int64_t longest = 0;
  for (const auto& query : queries) {
    if (query.empty()) throw IoError("gen embedder: a query has no tokens");
    longest = std::max<int64_t>(longest, static_cast<int64_t>(query.size()));
  }
  // [left pads][query], built in plain vectors, then the N special rows after every row.
  std::vector<int64_t> ids(batch * longest, 0), mask(batch * (longest + n), 1);
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t pad = longest - static_cast<int64_t>(queries[b].size());
    std::copy(queries[b].begin(), queries[b].end(), ids.begin() + b * longest + pad);
    std::fill_n(mask.begin() + b * (longest + n), pad, 0);
  }
  const at::Tensor prefix_ids = at::tensor(ids, at::kLong).view({batch, longest});
  const at::Tensor full_mask = at::tensor(mask, at::kLong).view({batch, longest + n});
  const at::Tensor specials = tensor("gen_tokens")
                                  .to(llm.placement().dtype)
                                  .unsqueeze(0)
                                  .expand({batch, n, shape_.hidden_size});
  at::Tensor hidden;
  if (prefix_shortcut) {
    KvCache cache;
    {
      at::NoGradGuard no_grad;
      llm.forward(llm.embed(prefix_ids), full_mask.narrow(1, 0, longest), std::nullopt, &cache);
    }
    hidden = llm.forward(specials, full_mask, std::nullopt, &cache);
  } else {
    hidden =
        llm.forward(at::cat({llm.embed(prefix_ids), specials}, 1), full_mask).narrow(1, longest, n);
  }
  return hidden.narrow(1, n - k, k).to(at::kFloat);
}

at::Tensor GenEmbedder::soft_prompts(const at::Tensor& compression) const {
  return at::linear(compression, tensor("recon.weight"), tensor("recon.bias"));
}

at::Tensor GenEmbedder::embedding(const at::Tensor& soft_prompts) const {
  return at::linear(soft_prompts, tensor("align.weight"), tensor("align.bias")).mean(1);
}

}  // namespace genvec
