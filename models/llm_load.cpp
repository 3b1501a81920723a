// Loading the frozen LLM: hyperparameters and weights from a GGUF file (llama.cpp names,
// dequantized) or a Hugging Face directory (config.json, safetensors or pytorch_model.bin), into
// one set of Hugging Face-named tensors in the placement's dtype on its device, then into the
// typed per-layer struct the forward pass reads.
#include <ATen/ATen.h>

#include "common/errors.h"
#include "common/json.h"
#include "models/architecture.h"
#include "models/float_weights.h"
#include "models/ggml_types.h"
#include "models/gguf.h"
#include "models/llm.h"
#include "models/model_weights.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

// Per-layer tensor names: Hugging Face suffix after "model.layers.{i}." and GGUF suffix after
// "blk.{i}." (llama.cpp's llama-arch.cpp).
struct LayerTensorName {
  const char* hf;
  const char* gguf;
  bool optional;  // present only in some architectures
};
constexpr LayerTensorName kLayerTensors[] = {
    {"input_layernorm.weight", "attn_norm.weight", false},
    {"self_attn.q_proj.weight", "attn_q.weight", false},
    {"self_attn.k_proj.weight", "attn_k.weight", false},
    {"self_attn.v_proj.weight", "attn_v.weight", false},
    {"self_attn.o_proj.weight", "attn_output.weight", false},
    {"self_attn.q_proj.bias", "attn_q.bias", true},
    {"self_attn.k_proj.bias", "attn_k.bias", true},
    {"self_attn.v_proj.bias", "attn_v.bias", true},
    {"self_attn.q_norm.weight", "attn_q_norm.weight", true},
    {"self_attn.k_norm.weight", "attn_k_norm.weight", true},
    {"post_attention_layernorm.weight", "ffn_norm.weight", false},
    {"mlp.gate_proj.weight", "ffn_gate.weight", false},
    {"mlp.up_proj.weight", "ffn_up.weight", false},
    {"mlp.down_proj.weight", "ffn_down.weight", false},
};
constexpr LayerTensorName kModelTensors[] = {
    {"model.embed_tokens.weight", "token_embd.weight", false},
    {"model.norm.weight", "output_norm.weight", false},
    {"lm_head.weight", "output.weight", true},  // absent when tied to the embeddings
};

std::string layer_name(const char* prefix, int64_t layer, const char* suffix) {
  return std::string(prefix) + std::to_string(layer) + "." + suffix;
}

// llama.cpp's converter interleaves the rotary halves of Llama q/k rows (its RoPE rotates
// adjacent pairs); undo it so the Hugging Face rotate_half RoPE applies: rows viewed as
// (heads, 2, rows/heads/2) were stored as (heads, rows/heads/2, 2).
at::Tensor unpermute_rope_rows(const at::Tensor& w, int64_t heads) {
  const int64_t rows = w.size(0);
  return w.reshape({heads, rows / heads / 2, 2, w.size(1)}).transpose(1, 2).reshape(w.sizes());
}

at::Tensor tensor_from_gguf(const GgufTensorInfo& t) {
  if (!t.traits.dequantizable)
    throw IoError("tensor '" + t.name + "' holds " + std::string(t.traits.name) + " integers");
  std::vector<int64_t> shape(t.shape.rbegin(), t.shape.rend());  // GGUF lists the row length first
  at::Tensor out = at::empty(shape, at::kFloat);
  ggml_dequantize(t.traits.type, t.data, out.data_ptr<float>(), t.num_elements);
  return out;
}

LlmHparams hparams_from_hf(const Json& c, const std::string& source) {
  auto integer = [&](const char* key) {
    const Json* v = c.find(key);
    if (!v) throw IoError(source + ": config key '" + key + "' is missing");
    return v->as_int(source + ": " + key);
  };
  auto number_or = [&](const char* key, double fallback) {
    const Json* v = c.find(key);
    return v && !v->is_null() ? v->as_number(source + ": " + key) : fallback;
  };
  auto flag_or = [&](const char* key, bool fallback) {
    const Json* v = c.find(key);
    return v && !v->is_null() ? v->as_bool(source + ": " + key) : fallback;
  };
  LlmHparams h;
  const Json* model_type = c.find("model_type");
  const ArchitectureSpec& arch =
      architecture_find(model_type ? model_type->as_string(source + ": model_type") : "", source);
  h.architecture = arch.name;
  h.vocab_size = integer("vocab_size");
  h.hidden_size = integer("hidden_size");
  h.intermediate_size = integer("intermediate_size");
  h.num_layers = integer("num_hidden_layers");
  h.num_heads = integer("num_attention_heads");
  h.num_kv_heads = c.find("num_key_value_heads") ? integer("num_key_value_heads") : h.num_heads;
  const Json* head_dim = c.find("head_dim");
  h.head_dim = head_dim && !head_dim->is_null() ? head_dim->as_int(source + ": head_dim")
                                                : h.hidden_size / h.num_heads;
  h.rms_norm_eps = number_or("rms_norm_eps", 1e-6);
  h.rope_theta = number_or("rope_theta", 10000.0);
  h.attention_bias = flag_or("attention_bias", arch.attention_bias);
  h.qk_norm = arch.qk_norm;
  h.tied_embeddings = flag_or("tie_word_embeddings", false);
  if (const Json* scaling = c.find("rope_scaling"); scaling && scaling->is_object()) {
    const Json* type =
        scaling->find("rope_type") ? scaling->find("rope_type") : scaling->find("type");
    const std::string kind = type ? type->as_string(source + ": rope_scaling.rope_type") : "";
    if (kind != "llama3" && kind != "default")
      throw IoError(source + ": rope_scaling type '" + kind + "' is not supported",
                    "genvec implements Llama-3 rope scaling");
    if (kind == "llama3") {
      h.rope_scaling_factor = scaling->find("factor")->as_number("factor");
      h.rope_low_freq_factor = scaling->find("low_freq_factor")->as_number("low_freq_factor");
      h.rope_high_freq_factor = scaling->find("high_freq_factor")->as_number("high_freq_factor");
      h.rope_original_context = scaling->find("original_max_position_embeddings")
                                    ->as_int("original_max_position_embeddings");
    }
  }
  return h;
}

LlmHparams hparams_from_gguf(const GgufFile& f) {
  LlmHparams h;
  const ArchitectureSpec& arch =
      architecture_find(f.at("general.architecture").as_string("general.architecture"), f.source);
  h.architecture = arch.name;
  const std::string a = h.architecture + ".";
  auto integer = [&](const std::string& key) { return f.at(a + key).as_int(a + key); };
  h.hidden_size = integer("embedding_length");
  h.intermediate_size = integer("feed_forward_length");
  h.num_layers = integer("block_count");
  h.num_heads = integer("attention.head_count");
  h.num_kv_heads =
      f.find(a + "attention.head_count_kv") ? integer("attention.head_count_kv") : h.num_heads;
  h.head_dim = f.find(a + "attention.key_length") ? integer("attention.key_length")
                                                  : h.hidden_size / h.num_heads;
  h.rms_norm_eps = f.at(a + "attention.layer_norm_rms_epsilon").as_number("eps");
  h.rope_theta =
      f.find(a + "rope.freq_base") ? f.at(a + "rope.freq_base").as_number("rope") : 10000.0;
  h.vocab_size = static_cast<int64_t>(f.at("tokenizer.ggml.tokens").as_array("tokens").size());
  h.attention_bias = arch.attention_bias;
  h.qk_norm = arch.qk_norm;
  h.tied_embeddings = f.find_tensor("output.weight") == nullptr;
  return h;
}

void check_hparams(const LlmHparams& h, const std::string& source) {
  if (h.num_heads <= 0 || h.num_kv_heads <= 0 || h.num_heads % h.num_kv_heads != 0 ||
      h.head_dim <= 0 || h.head_dim % 2 != 0 || h.num_layers <= 0 || h.vocab_size <= 0)
    throw IoError(source + ": inconsistent attention shape (heads " + std::to_string(h.num_heads) +
                  ", kv heads " + std::to_string(h.num_kv_heads) + ", head dim " +
                  std::to_string(h.head_dim) + ")");
}

}  // namespace

Llm Llm::load(const fs::path& path, const Placement& placement) {
  Llm llm;
  llm.placement_ = placement;
  auto require = [&](const std::string& name, const std::vector<int64_t>& shape, bool optional) {
    auto it = llm.weights_.find(name);
    if (it == llm.weights_.end()) {
      if (optional) return;
      throw IoError(path.string() + ": tensor '" + name + "' is missing");
    }
    if (it->second.sizes() != at::IntArrayRef(shape))
      throw IoError(path.string() + ": tensor '" + name + "' has shape " +
                    c10::str(it->second.sizes()) + ", expected " +
                    c10::str(at::IntArrayRef(shape)));
  };
  if (fs::is_directory(path)) {
    const fs::path config = path / "config.json";
    llm.hparams_ = hparams_from_hf(json_parse_file(config), config.string());
    const ModelWeights model(path);
    for (const auto& [name, tensor] : model.tensors())
      llm.weights_[name] = float32_tensor(*tensor);
  } else {
    const GgufModelFile model(path);
    const GgufFile& f = model.file();
    llm.hparams_ = hparams_from_gguf(f);
    for (const auto& [hf, gguf, optional] : kModelTensors)
      if (const GgufTensorInfo* t = f.find_tensor(gguf)) llm.weights_[hf] = tensor_from_gguf(*t);
    for (int64_t layer = 0; layer < llm.hparams_.num_layers; ++layer)
      for (const auto& [hf, gguf, optional] : kLayerTensors)
        if (const GgufTensorInfo* t = f.find_tensor(layer_name("blk.", layer, gguf)))
          llm.weights_[layer_name("model.layers.", layer, hf)] = tensor_from_gguf(*t);
    if (architecture_find(llm.hparams_.architecture, path.string()).gguf_interleaved_rope_rows) {
      for (int64_t layer = 0; layer < llm.hparams_.num_layers; ++layer) {
        auto q = llm.weights_.find(layer_name("model.layers.", layer, "self_attn.q_proj.weight"));
        auto k = llm.weights_.find(layer_name("model.layers.", layer, "self_attn.k_proj.weight"));
        if (q != llm.weights_.end())
          q->second = unpermute_rope_rows(q->second, llm.hparams_.num_heads);
        if (k != llm.weights_.end())
          k->second = unpermute_rope_rows(k->second, llm.hparams_.num_kv_heads);
      }
    }
    if (const GgufTensorInfo* factors = f.find_tensor("rope_freqs.weight"))
      llm.rope_frequency_factors_ = tensor_from_gguf(*factors);
  }
  const LlmHparams& h = llm.hparams_;
  check_hparams(h, path.string());
  const int64_t d = h.hidden_size, q_rows = h.num_heads * h.head_dim,
                kv_rows = h.num_kv_heads * h.head_dim;
  require("model.embed_tokens.weight", {h.vocab_size, d}, false);
  require("model.norm.weight", {d}, false);
  require("lm_head.weight", {h.vocab_size, d}, true);
  for (int64_t layer = 0; layer < h.num_layers; ++layer) {
    auto name = [&](const char* suffix) { return layer_name("model.layers.", layer, suffix); };
    require(name("input_layernorm.weight"), {d}, false);
    require(name("self_attn.q_proj.weight"), {q_rows, d}, false);
    require(name("self_attn.k_proj.weight"), {kv_rows, d}, false);
    require(name("self_attn.v_proj.weight"), {kv_rows, d}, false);
    require(name("self_attn.o_proj.weight"), {d, q_rows}, false);
    require(name("self_attn.q_proj.bias"), {q_rows}, !h.attention_bias);
    require(name("self_attn.k_proj.bias"), {kv_rows}, !h.attention_bias);
    require(name("self_attn.v_proj.bias"), {kv_rows}, !h.attention_bias);
    require(name("self_attn.q_norm.weight"), {h.head_dim}, !h.qk_norm);
    require(name("self_attn.k_norm.weight"), {h.head_dim}, !h.qk_norm);
    require(name("post_attention_layernorm.weight"), {d}, false);
    require(name("mlp.gate_proj.weight"), {h.intermediate_size, d}, false);
    require(name("mlp.up_proj.weight"), {h.intermediate_size, d}, false);
    require(name("mlp.down_proj.weight"), {d, h.intermediate_size}, false);
  }
  if (!llm.weights_.count("lm_head.weight"))
    llm.weights_["lm_head.weight"] = llm.weights_["model.embed_tokens.weight"];
  llm.rope_inverse_frequencies_ = llm.compute_rope_inverse_frequencies().to(placement.device);
  for (auto& [name, tensor] : llm.weights_)  // frozen
    tensor = tensor.to(placement.device, placement.dtype).requires_grad_(false);
  llm.embed_tokens_ = llm.weights_.at("model.embed_tokens.weight");
  llm.final_norm_ = llm.weights_.at("model.norm.weight");
  llm.lm_head_ = llm.weights_.at("lm_head.weight");
  for (int64_t layer = 0; layer < h.num_layers; ++layer) {
    auto get = [&](const char* suffix) {
      auto it = llm.weights_.find(layer_name("model.layers.", layer, suffix));
      return it == llm.weights_.end() ? at::Tensor() : it->second;
    };
    llm.layers_.push_back(LlmLayerWeights{
        get("input_layernorm.weight"), get("self_attn.q_proj.weight"),
        get("self_attn.k_proj.weight"), get("self_attn.v_proj.weight"),
        get("self_attn.o_proj.weight"), get("self_attn.q_proj.bias"),
        get("self_attn.k_proj.bias"), get("self_attn.v_proj.bias"),
        get("self_attn.q_norm.weight"), get("self_attn.k_norm.weight"),
        get("post_attention_layernorm.weight"), get("mlp.gate_proj.weight"),
        get("mlp.up_proj.weight"), get("mlp.down_proj.weight")});
  }
  return llm;
}

const at::Tensor& Llm::weight(const std::string& name) const {
  auto it = weights_.find(name);
  if (it == weights_.end()) throw IoError("the model has no tensor '" + name + "'");
  return it->second;
}

}  // namespace genvec
