// The Llama-family forward pass, step for step as transformers' LlamaModel computes it with eager
// attention: RMSNorm in float32 (cast back before the weight multiplies, as transformers does),
// rotate_half RoPE (with Llama-3 frequency scaling) from float32 tables, grouped-query attention
// whose scores get a float32 causal + padding mask and a float32 softmax, SwiGLU MLP. In bfloat16
// the float32 mask keeps a row that sees no key (a padding position of a fully left-padded row)
// finite: float32's lowest value rounds to -inf in bfloat16, and a row of -inf softmaxes to NaN.
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <cmath>
#include <limits>
#include <tuple>
#include <utility>

#include "common/errors.h"
#include "models/llm.h"

namespace genvec {
namespace {

at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& weight, double eps) {
  const at::Tensor x32 = x.to(at::kFloat);
  const at::Tensor variance = x32.pow(2).mean(-1, /*keepdim=*/true);
  return weight * (x32 * at::rsqrt(variance + eps)).to(x.scalar_type());
}

at::Tensor rotate_half(const at::Tensor& x) {
  const int64_t half = x.size(-1) / 2;
  return at::cat({-x.slice(-1, half), x.slice(-1, 0, half)}, -1);
}

// Appends this step's keys/values (B, KV, T, hd) at position `past` of the layer's cache and
// returns the cached keys/values of every position so far.
std::pair<at::Tensor, at::Tensor> append_to_cache(KvCache& cache, int64_t layer, int64_t past,
                                                  const at::Tensor& k, const at::Tensor& v) {
  if (static_cast<int64_t>(cache.keys.size()) <= layer) {
    cache.keys.push_back(k);
    cache.values.push_back(v);
    return {k, v};
  }
  const int64_t total = past + k.size(2);
  at::Tensor& keys = cache.keys[layer];
  at::Tensor& values = cache.values[layer];
  if (at::GradMode::is_enabled()) {
    keys = at::cat({keys.narrow(2, 0, past), k}, 2);
    values = at::cat({values.narrow(2, 0, past), v}, 2);
    return {keys, values};
  }
  if (keys.size(2) < total) {  // grow geometrically, keeping what is filled
    const int64_t capacity = std::max<int64_t>(total, 2 * keys.size(2));
    auto grow = [&](const at::Tensor& old) {
      at::Tensor bigger =
          at::empty({old.size(0), old.size(1), capacity, old.size(3)}, old.options());
      bigger.narrow(2, 0, past).copy_(old.narrow(2, 0, past));
      return bigger;
    };
    keys = grow(keys);
    values = grow(values);
  }
  keys.narrow(2, past, k.size(2)).copy_(k);
  values.narrow(2, past, v.size(2)).copy_(v);
  return {keys.narrow(2, 0, total), values.narrow(2, 0, total)};
}

// x (..., in) @ weight(out, in)^T (+ bias). A single row (batch-1 decoding) goes through a
// matrix-vector product: BLAS gemm with one row packs the whole weight each call and ran 6x
// slower than gemv here (OpenBLAS 0.3.21, 2 threads).
at::Tensor project(const at::Tensor& x, const at::Tensor& weight,
                   const at::Tensor* bias = nullptr) {
  if (x.numel() == x.size(-1)) {
    std::vector<int64_t> shape(x.sizes().begin(), x.sizes().end());
    shape.back() = weight.size(0);
    at::Tensor y = at::mv(weight, x.reshape({-1}));
    if (bias) y = y + *bias;
    return y.view(shape);
  }
  return bias ? at::linear(x, weight, *bias) : at::linear(x, weight);
}
}  // namespace

at::Tensor Llm::compute_rope_inverse_frequencies() const {
  const LlmHparams& h = hparams_;
  // (head_dim / 2), computed in float32 like transformers' rope init.
  at::Tensor exponents =
      at::arange(0, h.head_dim, 2, at::kLong).to(at::kFloat) / static_cast<double>(h.head_dim);
  at::Tensor inv_freq = 1.0 / at::pow(h.rope_theta, exponents);
  if (rope_frequency_factors_.defined()) return inv_freq / rope_frequency_factors_;
  if (h.rope_scaling_factor > 0) {
    // transformers' _compute_llama3_parameters.
    const double low_wavelen = h.rope_original_context / h.rope_low_freq_factor;
    const double high_wavelen = h.rope_original_context / h.rope_high_freq_factor;
    const at::Tensor wavelen = 2 * M_PI / inv_freq;
    at::Tensor scaled =
        at::where(wavelen > low_wavelen, inv_freq / h.rope_scaling_factor, inv_freq);
    const at::Tensor smooth = (h.rope_original_context / wavelen - h.rope_low_freq_factor) /
                              (h.rope_high_freq_factor - h.rope_low_freq_factor);
    const at::Tensor smoothed = (1 - smooth) * scaled / h.rope_scaling_factor + smooth * scaled;
    const at::Tensor medium = wavelen.ge(high_wavelen).logical_and(wavelen.le(low_wavelen));
    inv_freq = at::where(medium, smoothed, scaled);
  }
  return inv_freq;
}

at::Tensor Llm::embed(const at::Tensor& input_ids) const {
  // A tokenizer that does not belong to the model yields ids past its vocabulary.
  if (input_ids.numel() > 0) {
    const int64_t low = input_ids.min().item<int64_t>(), high = input_ids.max().item<int64_t>();
    if (low < 0 || high >= hparams_.vocab_size)
      throw IoError("token id " + std::to_string(low < 0 ? low : high) +
                        " is outside the model's vocabulary of " +
                        std::to_string(hparams_.vocab_size),
                    "use the tokenizer that ships with the model (and genvec tokens added to it "
                    "only once the embedding rows exist)");
  }
  return at::embedding(embed_tokens_, input_ids.to(placement_.device));
}

at::Tensor Llm::logits(const at::Tensor& hidden) const {
  return project(hidden, lm_head_);
}

at::Tensor Llm::forward(const at::Tensor& x_in, const at::Tensor& attention_mask,
                        const std::optional<at::Tensor>& position_ids, KvCache* cache,
                        Attention attention) const {
  const LlmHparams& h = hparams_;
  if (x_in.dim() != 3 || x_in.size(2) != h.hidden_size)
    throw IoError("forward: input embeddings must be (B, T, " + std::to_string(h.hidden_size) +
                  "), got " + c10::str(x_in.sizes()));
  const int64_t batch = x_in.size(0), length = x_in.size(1);
  const int64_t past = cache ? cache->length() : 0, total = past + length;
  if (attention_mask.sizes() != at::IntArrayRef({batch, total}))
    throw IoError("forward: attention_mask must be (B, T_past + T) = " +
                  c10::str(at::IntArrayRef({batch, total})));
  if (past > 0 && cache->keys[0].size(0) != batch)
    throw IoError("forward: the cache holds another batch size");

  const at::Device device = placement_.device;
  const at::ScalarType dtype = x_in.scalar_type();
  // Rotary tables (B, 1, T, head_dim).
  const at::Tensor positions =
      position_ids ? position_ids->to(device, at::kFloat)
                   : at::arange(past, total, at::TensorOptions(device).dtype(at::kFloat))
                         .expand({batch, length});
  const at::Tensor freqs = positions.unsqueeze(-1) * rope_inverse_frequencies_;  // (B, T, hd/2)
  const at::Tensor angles = at::cat({freqs, freqs}, -1);
  const at::Tensor cos = angles.cos().unsqueeze(1).to(dtype);
  const at::Tensor sin = angles.sin().unsqueeze(1).to(dtype);

  // Additive mask (B, 1, T, T_past + T): a query sees the keys that are not padding, and with
  // causal attention only the earlier ones.
  at::Tensor visible =
      attention_mask.to(device, at::kBool).unsqueeze(1).expand({batch, length, total});
  if (attention == Attention::causal)
    visible = at::ones({length, total}, at::TensorOptions(device).dtype(at::kBool))
                  .tril(past)
                  .unsqueeze(0)
                  .logical_and(visible);
  const double lowest = std::numeric_limits<float>::lowest();
  const at::Tensor mask = at::zeros({batch, 1, length, total}, at::TensorOptions(device))
                              .masked_fill(visible.unsqueeze(1).logical_not(), lowest);

  const int64_t group = h.num_heads / h.num_kv_heads;
  const double scale = 1.0 / std::sqrt(static_cast<double>(h.head_dim));
  at::Tensor x = x_in;
  for (int64_t layer = 0; layer < h.num_layers; ++layer) {
    const LlmLayerWeights& w = layers_[layer];
    auto bias = [](const at::Tensor& b) { return b.defined() ? &b : nullptr; };

    const at::Tensor normed = rms_norm(x, w.input_norm, h.rms_norm_eps);
    at::Tensor q = project(normed, w.q, bias(w.q_bias))
                       .view({batch, length, h.num_heads, h.head_dim})
                       .transpose(1, 2);
    at::Tensor k = project(normed, w.k, bias(w.k_bias))
                       .view({batch, length, h.num_kv_heads, h.head_dim})
                       .transpose(1, 2);
    at::Tensor v = project(normed, w.v, bias(w.v_bias))
                       .view({batch, length, h.num_kv_heads, h.head_dim})
                       .transpose(1, 2);
    if (h.qk_norm) {
      q = rms_norm(q, w.q_norm, h.rms_norm_eps);
      k = rms_norm(k, w.k_norm, h.rms_norm_eps);
    }
    q = q * cos + rotate_half(q) * sin;
    k = k * cos + rotate_half(k) * sin;
    if (cache) {
      std::tie(k, v) = append_to_cache(*cache, layer, past, k, v);
    }
    // Grouped-query attention without copying keys/values per query head: the `group` query
    // heads sharing a key/value head are folded into its row dimension,
    // (B, H, T, hd) -> (B, KV, group * T, hd); the mask broadcasts over the group.
    const at::Tensor q_grouped = q.reshape({batch, h.num_kv_heads, group * length, h.head_dim});
    const at::Tensor scores = (at::matmul(q_grouped, k.transpose(2, 3)) * scale)
                                  .view({batch, h.num_kv_heads, group, length, total})
                                  .to(at::kFloat) +
                              mask.unsqueeze(2);
    const at::Tensor weights = at::softmax(scores, -1).to(dtype);
    const at::Tensor attended =
        at::matmul(weights.view({batch, h.num_kv_heads, group * length, total}), v)
            .view({batch, h.num_heads, length, h.head_dim});
    x = x + project(attended.transpose(1, 2).reshape({batch, length, h.num_heads * h.head_dim}),
                    w.o);

    const at::Tensor normed2 = rms_norm(x, w.post_attention_norm, h.rms_norm_eps);
    const at::Tensor gated = at::silu(project(normed2, w.gate)) * project(normed2, w.up);
    x = x + project(gated, w.down);
  }
  if (cache) cache->used = total;
  return rms_norm(x, final_norm_, h.rms_norm_eps);
}

}  // namespace genvec
