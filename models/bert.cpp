// BERT: see bert.h. Follows transformers' models/bert/modeling_bert.py (eager attention).
#include "models/bert.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <cmath>

#include "common/errors.h"
#include "common/json.h"
#include "models/cpu_attention.h"
#include "models/float_weights.h"
#include "models/model_weights.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

BertHparams hparams_from_config(const Json& c, const std::string& source) {
  auto integer = [&](const char* key) {
    const Json* v = c.find(key);
    if (!v) throw IoError(source + ": config key '" + key + "' is missing");
    return v->as_int(source + ": " + key);
  };
  auto string_or = [&](const char* key, const std::string& fallback) {
    const Json* v = c.find(key);
    return v && !v->is_null() ? v->as_string(source + ": " + key) : fallback;
  };
  const std::string model_type = string_or("model_type", "");
  if (model_type != "bert")
    throw IoError(source + ": model_type '" + model_type + "' is not a BERT encoder",
                  "sentence-encoder teachers must be BERT-architecture models (all-MiniLM, "
                  "BGE, E5, GTE, ...); use teacher.kind = \"llm\" for the LLM itself");
  if (const std::string position = string_or("position_embedding_type", "absolute");
      position != "absolute")
    throw IoError(source + ": position_embedding_type '" + position + "' is not supported",
                  "genvec's BERT implements absolute position embeddings");
  BertHparams h;
  h.vocab_size = integer("vocab_size");
  h.hidden_size = integer("hidden_size");
  h.num_layers = integer("num_hidden_layers");
  h.num_heads = integer("num_attention_heads");
  h.intermediate_size = integer("intermediate_size");
  h.max_position_embeddings = integer("max_position_embeddings");
  h.type_vocab_size = integer("type_vocab_size");
  if (const Json* eps = c.find("layer_norm_eps")) h.layer_norm_eps = eps->as_number("eps");
  h.hidden_act = string_or("hidden_act", "gelu");
  if (h.hidden_act != "gelu" && h.hidden_act != "gelu_new" && h.hidden_act != "gelu_pytorch_tanh" &&
      h.hidden_act != "relu")
    throw IoError(source + ": hidden_act '" + h.hidden_act + "' is not supported",
                  "supported: gelu, gelu_new, gelu_pytorch_tanh, relu");
  if (h.num_heads <= 0 || h.hidden_size % h.num_heads != 0 || h.num_layers <= 0)
    throw IoError(source + ": hidden_size " + std::to_string(h.hidden_size) +
                  " is not a multiple of num_attention_heads " + std::to_string(h.num_heads));
  return h;
}

std::string layer(int64_t index, const std::string& suffix) {
  return "encoder.layer." + std::to_string(index) + "." + suffix;
}

// Self-attention of a padded batch, qkv (B, T, 3, H, hd) -> context (B, T, H * hd): batched
// matmuls with an additive padding mask, as transformers (GPU, or head sizes the CPU kernel
// lacks).
at::Tensor attend_padded(const at::Tensor& qkv, const at::Tensor& attention_mask, double scale) {
  const int64_t batch = qkv.size(0), length = qkv.size(1);
  const at::Tensor split = qkv.permute({2, 0, 3, 1, 4});  // (3, B, H, T, hd)
  const at::Tensor key_mask = (1.0 - attention_mask.to(qkv.scalar_type()))
                                  .mul(std::numeric_limits<float>::lowest())
                                  .view({batch, 1, 1, length});
  const at::Tensor scores =
      at::matmul(split[0], split[1].transpose(-1, -2)).mul_(scale).add_(key_mask);
  return at::matmul(at::softmax(scores, -1), split[2]).transpose(1, 2).reshape({batch, length, -1});
}

// Self-attention of a right-padded batch on the CPU, qkv (B, T, 3, H, hd) -> context
// (B, T, H * hd): the fused kernel (models/cpu_attention.h) per row and head, in parallel, over
// the row's real tokens only. No (B, H, T, T) score tensor (200 MB at 64 x 256) streams through
// memory, and padding keys are left out by construction. Padding queries get zero context; their
// outputs are never read, since pooling masks them and no real token attends to them.
at::Tensor attend_cpu(const at::Tensor& qkv, const std::vector<int64_t>& lengths, double scale) {
  const int64_t batch = qkv.size(0), length = qkv.size(1), heads = qkv.size(3);
  const int64_t head_dim = qkv.size(4);
  const int64_t stride = 3 * heads * head_dim, out_stride = heads * head_dim;
  at::Tensor context = at::zeros({batch, length, out_stride}, qkv.options());
  const float* in = qkv.data_ptr<float>();
  float* out = context.data_ptr<float>();
  at::parallel_for(0, batch * heads, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> scratch;
    for (int64_t pair = begin; pair < end; ++pair) {
      const int64_t b = pair / heads, head = pair % heads;
      const float* q = in + b * length * stride + head * head_dim;
      cpu_attention_head(q, q + heads * head_dim, q + 2 * heads * head_dim, stride,
                         out + b * length * out_stride + head * head_dim, out_stride, lengths[b],
                         head_dim, static_cast<float>(scale), scratch);
    }
  });
  return context;
}

}  // namespace

BertEncoder BertEncoder::load(const fs::path& directory, const Placement& placement) {
  BertEncoder bert;
  bert.source_ = directory.string();
  const fs::path config = directory / "config.json";
  bert.hparams_ = hparams_from_config(json_parse_file(config), config.string());
  const BertHparams& h = bert.hparams_;

  const ModelWeights weights(directory);
  // BertForPreTraining-style checkpoints prefix every name with "bert.".
  const std::string prefix =
      weights.find("embeddings.word_embeddings.weight") == nullptr &&
              weights.find("bert.embeddings.word_embeddings.weight") != nullptr
          ? "bert."
          : "";
  auto take = [&](const std::string& name, std::vector<int64_t> shape) {
    const SafetensorsTensor* stored = weights.find(prefix + name);
    if (!stored) throw IoError(bert.source_ + ": tensor '" + prefix + name + "' is missing");
    at::Tensor t = with_context(bert.source_, [&] { return float32_tensor(*stored); });
    if (t.sizes() != at::IntArrayRef(shape))
      throw IoError(bert.source_ + ": tensor '" + prefix + name + "' has shape " +
                    c10::str(t.sizes()) + ", expected " + c10::str(at::IntArrayRef(shape)));
    bert.weights_[name] = t;
  };
  const int64_t d = h.hidden_size, ff = h.intermediate_size;
  take("embeddings.word_embeddings.weight", {h.vocab_size, d});
  take("embeddings.position_embeddings.weight", {h.max_position_embeddings, d});
  take("embeddings.token_type_embeddings.weight", {h.type_vocab_size, d});
  take("embeddings.LayerNorm.weight", {d});
  take("embeddings.LayerNorm.bias", {d});
  for (int64_t i = 0; i < h.num_layers; ++i) {
    for (const char* part : {"query", "key", "value"}) {
      take(layer(i, std::string("attention.self.") + part + ".weight"), {d, d});
      take(layer(i, std::string("attention.self.") + part + ".bias"), {d});
    }
    take(layer(i, "attention.output.dense.weight"), {d, d});
    take(layer(i, "attention.output.dense.bias"), {d});
    take(layer(i, "attention.output.LayerNorm.weight"), {d});
    take(layer(i, "attention.output.LayerNorm.bias"), {d});
    take(layer(i, "intermediate.dense.weight"), {ff, d});
    take(layer(i, "intermediate.dense.bias"), {ff});
    take(layer(i, "output.dense.weight"), {d, ff});
    take(layer(i, "output.dense.bias"), {d});
    take(layer(i, "output.LayerNorm.weight"), {d});
    take(layer(i, "output.LayerNorm.bias"), {d});
    // One (3D, D) projection instead of three: a third of the matmul calls on short batches.
    auto& w = bert.weights_;
    w[layer(i, "qkv.weight")] = at::cat({w.at(layer(i, "attention.self.query.weight")),
                                         w.at(layer(i, "attention.self.key.weight")),
                                         w.at(layer(i, "attention.self.value.weight"))});
    w[layer(i, "qkv.bias")] = at::cat({w.at(layer(i, "attention.self.query.bias")),
                                       w.at(layer(i, "attention.self.key.bias")),
                                       w.at(layer(i, "attention.self.value.bias"))});
    for (const char* part : {"query", "key", "value"}) {
      w.erase(layer(i, std::string("attention.self.") + part + ".weight"));
      w.erase(layer(i, std::string("attention.self.") + part + ".bias"));
    }
  }
  for (auto& [name, tensor] : bert.weights_) tensor = tensor.to(placement.device, placement.dtype);
  return bert;
}

const at::Tensor& BertEncoder::weight(const std::string& name) const {
  auto it = weights_.find(name);
  if (it == weights_.end()) throw IoError(source_ + ": no weight '" + name + "'");
  return it->second;
}

// Word + position + token type 0 embeddings of ids (N) at positions (N), layer-normed -> (N, D).
at::Tensor BertEncoder::embed(const at::Tensor& ids, const at::Tensor& positions) const {
  at::Tensor x = weight("embeddings.word_embeddings.weight").index_select(0, ids);
  x.add_(weight("embeddings.position_embeddings.weight").index_select(0, positions))
      .add_(weight("embeddings.token_type_embeddings.weight")[0]);
  return at::layer_norm(x, {hparams_.hidden_size}, weight("embeddings.LayerNorm.weight"),
                        weight("embeddings.LayerNorm.bias"), hparams_.layer_norm_eps);
}

// One encoder layer on x (..., T, D): self-attention (`attention` maps the projections
// (..., T, 3, H, hd) to the context (..., T, D)), residual + LayerNorm, feed-forward, residual +
// LayerNorm.
at::Tensor BertEncoder::block(const at::Tensor& x, int64_t i,
                              const std::function<at::Tensor(const at::Tensor&)>& attention) const {
  const BertHparams& h = hparams_;
  auto layer_norm = [&](const at::Tensor& in, const std::string& name) {
    return at::layer_norm(in, {h.hidden_size}, weight(name + ".weight"), weight(name + ".bias"),
                          h.layer_norm_eps);
  };
  std::vector<int64_t> split(x.sizes().begin(), x.sizes().end() - 1);
  split.insert(split.end(), {3, h.num_heads, h.hidden_size / h.num_heads});
  const at::Tensor qkv =
      at::linear(x, weight(layer(i, "qkv.weight")), weight(layer(i, "qkv.bias"))).view(split);
  at::Tensor attended =
      at::linear(attention(qkv), weight(layer(i, "attention.output.dense.weight")),
                 weight(layer(i, "attention.output.dense.bias")));
  const at::Tensor mid = layer_norm(attended.add_(x), layer(i, "attention.output.LayerNorm"));
  at::Tensor inner = at::linear(mid, weight(layer(i, "intermediate.dense.weight")),
                                weight(layer(i, "intermediate.dense.bias")));
  if (h.hidden_act == "relu")
    inner.relu_();
  else
    at::gelu_(inner, h.hidden_act == "gelu" ? "none" : "tanh");
  at::Tensor out = at::linear(inner, weight(layer(i, "output.dense.weight")),
                              weight(layer(i, "output.dense.bias")));
  return layer_norm(out.add_(mid), layer(i, "output.LayerNorm"));
}

at::Tensor BertEncoder::forward(const at::Tensor& input_ids,
                                const at::Tensor& attention_mask) const {
  const BertHparams& h = hparams_;
  const int64_t batch = input_ids.size(0), length = input_ids.size(1), d = h.hidden_size;
  const double scale = 1.0 / std::sqrt(static_cast<double>(d / h.num_heads));
  if (length > h.max_position_embeddings)
    throw IoError(source_ + ": " + std::to_string(length) + " tokens exceed the model's " +
                  std::to_string(h.max_position_embeddings) + " positions");
  if (attention_mask.sizes() != input_ids.sizes())
    throw IoError("BertEncoder::forward: attention_mask must have the shape of input_ids");
  const at::Tensor counts = attention_mask.to(at::kLong).sum(1);
  if (!at::arange(length, counts.options())
           .unsqueeze(0)
           .lt(counts.unsqueeze(1))
           .equal(attention_mask.to(at::kBool)))
    throw IoError("BertEncoder::forward: attention_mask must be right padding (1s, then 0s)");

  const at::Tensor& probe = weight("embeddings.word_embeddings.weight");
  const at::Tensor ids = input_ids.to(probe.device(), at::kLong);
  const at::Tensor positions = at::arange(length, ids.options()).repeat({batch});
  at::Tensor x = embed(ids.reshape({-1}), positions).view({batch, length, d});
  if (probe.is_cpu() && probe.scalar_type() == at::kFloat &&
      cpu_attention_supports(d / h.num_heads)) {
    std::vector<int64_t> lengths(batch);
    for (int64_t b = 0; b < batch; ++b) lengths[b] = counts[b].item<int64_t>();
    for (int64_t i = 0; i < h.num_layers; ++i)
      x = block(x, i, [&](const at::Tensor& qkv) { return attend_cpu(qkv, lengths, scale); });
  } else {
    for (int64_t i = 0; i < h.num_layers; ++i)
      x = block(x, i,
                [&](const at::Tensor& qkv) { return attend_padded(qkv, attention_mask.to(probe.device()), scale);
                });
  }
  return x;
}

}  // namespace genvec
