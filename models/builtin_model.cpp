// Built-in models: see builtin_model.h.
#include "models/builtin_model.h"

#include <cstdint>
#include <map>

#include "common/errors.h"
#include "common/hash.h"
#include "models/gguf_write.h"
#include "models/tokenizer.h"

namespace genvec {
namespace {

GgufValue gguf_uint32(uint64_t value) { return {GgufType::uint32, GgufType::uint8, value}; }
GgufValue gguf_float32(double value) { return {GgufType::float32, GgufType::uint8, value}; }
GgufValue gguf_string(std::string value) {
  return {GgufType::string, GgufType::uint8, std::move(value)};
}
GgufValue gguf_array(GgufType element_type, std::vector<GgufValue> items) {
  return {GgufType::array, element_type, std::move(items)};
}

// Uniform in [-scale, scale): each value's 24 random bits come from a hash fixed by genvec
// (common/hash.h), not by a standard library's generator, and make an exact float in [0, 1);
// the float arithmetic after that is exact or correctly rounded (IEEE), so no platform differs.
std::vector<float> random_values(const std::string& tensor, int64_t count, float scale) {
  std::vector<float> values(count);
  for (int64_t i = 0; i < count; ++i) {
    const uint64_t bits = StableHash()
                              .add_field("genvec-builtin")
                              .add_field(tensor)
                              .add_field(std::to_string(i))
                              .value();
    const float unit = static_cast<float>(bits >> 40) * (1.0f / 16777216.0f);
    values[i] = (2.0f * unit - 1.0f) * scale;
  }
  return values;
}

void write_tiny_random_llama(const std::filesystem::path& path) {
  constexpr int64_t hidden = 32, layers = 2, heads = 4, kv_heads = 2, ffn = 64;
  constexpr int64_t head_dim = hidden / heads;
  constexpr float scale = 0.35f;  // uniform with standard deviation ~0.2, as transformers' init
  const std::vector<std::string> specials = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};
  std::vector<GgufValue> tokens, types;
  for (int b = 0; b < 256; ++b) {
    tokens.push_back(gguf_string(tokenizer_byte_text(static_cast<uint8_t>(b))));
    types.push_back({GgufType::int32, GgufType::uint8, int64_t{1}});  // normal
  }
  for (const std::string& special : specials) {
    tokens.push_back(gguf_string(special));
    types.push_back({GgufType::int32, GgufType::uint8, int64_t{3}});  // control
  }
  const int64_t vocab = static_cast<int64_t>(tokens.size());
  std::map<std::string, GgufValue> metadata = {
      {"general.architecture", gguf_string("llama")},
      {"general.name", gguf_string("genvec tiny-random-llama")},
      {"llama.context_length", gguf_uint32(2048)},
      {"llama.embedding_length", gguf_uint32(hidden)},
      {"llama.block_count", gguf_uint32(layers)},
      {"llama.feed_forward_length", gguf_uint32(ffn)},
      {"llama.attention.head_count", gguf_uint32(heads)},
      {"llama.attention.head_count_kv", gguf_uint32(kv_heads)},
      {"llama.rope.dimension_count", gguf_uint32(head_dim)},
      {"llama.rope.freq_base", gguf_float32(10000.0)},
      {"llama.attention.layer_norm_rms_epsilon", gguf_float32(1e-5)},
      {"tokenizer.ggml.model", gguf_string("gpt2")},
      {"tokenizer.ggml.pre", gguf_string("gpt2")},
      {"tokenizer.ggml.tokens", gguf_array(GgufType::string, tokens)},
      {"tokenizer.ggml.token_type", gguf_array(GgufType::int32, types)},
      {"tokenizer.ggml.merges", gguf_array(GgufType::string, {})},
      {"tokenizer.ggml.bos_token_id", gguf_uint32(257)},
      {"tokenizer.ggml.eos_token_id", gguf_uint32(258)},
      {"tokenizer.chat_template",
       gguf_string("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
                   "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if "
                   "add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")},
  };
  std::vector<GgufTensorData> tensors;
  auto random = [&](const std::string& name, std::vector<int64_t> shape) {
    int64_t count = 1;
    for (const int64_t d : shape) count *= d;
    tensors.push_back({name, std::move(shape), random_values(name, count, scale)});
  };
  auto ones = [&](const std::string& name, int64_t size) {
    tensors.push_back({name, {size}, std::vector<float>(size, 1.0f)});
  };
  random("token_embd.weight", {hidden, vocab});  // tied: the output layer reuses it
  ones("output_norm.weight", hidden);
  for (int64_t layer = 0; layer < layers; ++layer) {
    const std::string blk = "blk." + std::to_string(layer) + ".";
    ones(blk + "attn_norm.weight", hidden);
    random(blk + "attn_q.weight", {hidden, heads * head_dim});
    random(blk + "attn_k.weight", {hidden, kv_heads * head_dim});
    random(blk + "attn_v.weight", {hidden, kv_heads * head_dim});
    random(blk + "attn_output.weight", {heads * head_dim, hidden});
    ones(blk + "ffn_norm.weight", hidden);
    random(blk + "ffn_gate.weight", {hidden, ffn});
    random(blk + "ffn_up.weight", {hidden, ffn});
    random(blk + "ffn_down.weight", {ffn, hidden});
  }
  gguf_write(path, metadata, tensors);
}

struct Builtin {
  std::string_view name;
  void (*write)(const std::filesystem::path&);
};
constexpr Builtin kBuiltins[] = {{"tiny-random-llama", write_tiny_random_llama}};

}  // namespace

std::vector<std::string_view> builtin_model_names() {
  std::vector<std::string_view> names;
  for (const Builtin& builtin : kBuiltins) names.push_back(builtin.name);
  return names;
}

void builtin_model_ensure(const std::string& name, const std::filesystem::path& path) {
  for (const Builtin& builtin : kBuiltins) {
    if (builtin.name != name) continue;
    if (!std::filesystem::exists(path))
      with_context("writing the built-in model " + name, [&] { builtin.write(path); });
    return;
  }
  std::string known;
  for (const std::string_view n : builtin_model_names())
    known += (known.empty() ? "" : ", ") + std::string(n);
  throw ConfigError("model.builtin = \"" + name + "\" is not a built-in model",
                    "use one of: " + known + ", or leave model.builtin empty");
}

}  // namespace genvec
