// BERT: see bert.h. Follows transformers' models/bert/modeling_bert.py (eager attention).
#include "models/bert.h"

#include <ATen/ATen.h>

#include <cmath>

#include "common/errors.h"
#include "common/json.h"
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

}  // namespace

BertEncoder BertEncoder::load(const fs::path& directory) {
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
  return bert;
}

const at::Tensor& BertEncoder::weight(const std::string& name) const {
  auto it = weights_.find(name);
  if (it == weights_.end()) throw IoError(source_ + ": no weight '" + name + "'");
  return it->second;
}

at::Tensor BertEncoder::forward(const at::Tensor& input_ids, const at::Tensor& attention_mask) const {
  const BertHparams& h = hparams_;
  const int64_t batch = input_ids.size(0), length = input_ids.size(1);
  const int64_t d = h.hidden_size, heads = h.num_heads, head_dim = d / heads;
  if (length > h.max_position_embeddings)
    throw IoError(source_ + ": " + std::to_string(length) + " tokens exceed the model's " +
                  std::to_string(h.max_position_embeddings) + " positions");
  if (attention_mask.sizes() != input_ids.sizes())
    throw IoError("BertEncoder::forward: attention_mask must have the shape of input_ids");
  auto layer_norm = [&](const at::Tensor& x, const std::string& name) {
    return at::layer_norm(x, {d}, weight(name + ".weight"), weight(name + ".bias"),
                          h.layer_norm_eps);
  };

  // Embeddings: word + position (0..T-1 in every row: padding is on the right) + token type 0.
  at::Tensor x = weight("embeddings.word_embeddings.weight")
                     .index_select(0, input_ids.reshape({-1}).to(at::kLong))
                     .view({batch, length, d});
  x = x + weight("embeddings.position_embeddings.weight").narrow(0, 0, length) +
      weight("embeddings.token_type_embeddings.weight")[0];
  x = layer_norm(x, "embeddings.LayerNorm");

  // Additive key mask (B, 1, 1, T): padding keys get the dtype's lowest value, as transformers.
  const at::Tensor key_mask =
      (1.0 - attention_mask.to(x.scalar_type())).mul(std::numeric_limits<float>::lowest())
          .view({batch, 1, 1, length});
  const double scale = 1.0 / std::sqrt(static_cast<double>(head_dim));
  for (int64_t i = 0; i < h.num_layers; ++i) {
    const at::Tensor qkv = at::linear(x, weight(layer(i, "qkv.weight")), weight(layer(i, "qkv.bias")))
                               .view({batch, length, 3, heads, head_dim})
                               .permute({2, 0, 3, 1, 4});  // (3, B, H, T, hd)
    const at::Tensor q = qkv[0], k = qkv[1], v = qkv[2];
    at::Tensor scores = at::matmul(q, k.transpose(-1, -2)).mul_(scale).add_(key_mask);
    const at::Tensor context =
        at::matmul(at::softmax(scores, -1), v).transpose(1, 2).reshape({batch, length, d});
    const at::Tensor attended = at::linear(context, weight(layer(i, "attention.output.dense.weight")),
                                           weight(layer(i, "attention.output.dense.bias")));
    x = layer_norm(attended + x, layer(i, "attention.output.LayerNorm"));
    at::Tensor inner = at::linear(x, weight(layer(i, "intermediate.dense.weight")),
                                  weight(layer(i, "intermediate.dense.bias")));
    inner = h.hidden_act == "gelu"   ? at::gelu(inner)
            : h.hidden_act == "relu" ? at::relu(inner)
                                     : at::gelu(inner, "tanh");
    const at::Tensor out = at::linear(inner, weight(layer(i, "output.dense.weight")),
                                      weight(layer(i, "output.dense.bias")));
    x = layer_norm(out + x, layer(i, "output.LayerNorm"));
  }
  return x;
}

}  // namespace genvec
