// sentence-transformers models: see sentence_encoder.h. Follows sentence_transformers/models/
// {Transformer,Pooling,Normalize}.py and SentenceTransformer.encode.
#include "models/sentence_encoder.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <limits>
#include <numeric>

#include "common/errors.h"
#include "common/json.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

bool flag(const Json& config, const char* key, const std::string& source) {
  const Json* v = config.find(key);
  return v && v->as_bool(source + ": " + key);
}

// Reads modules.json: the Transformer must come first, then Pooling, then optionally Normalize.
// Returns the pooling module's folder and whether a Normalize module follows.
std::pair<fs::path, bool> read_modules(const fs::path& directory) {
  const fs::path path = directory / "modules.json";
  if (!fs::exists(path)) return {directory / "1_Pooling", false};  // a bare Transformer dir
  const std::string source = path.string();
  fs::path pooling;
  bool normalize = false;
  const Json modules = json_parse_file(path);
  for (const Json& module : modules.as_array(source)) {
    const Json* type_json = module.find("type");
    if (!type_json) throw IoError(source + ": a module without a type");
    const std::string& type = type_json->as_string(source + ": type");
    const Json* module_path = module.find("path");
    const std::string folder = module_path ? module_path->as_string(source + ": path") : "";
    const std::string name = type.substr(type.rfind('.') + 1);
    if (name == "Transformer") {
      if (!folder.empty())
        throw IoError(source + ": the Transformer module lives in '" + folder +
                      "'; genvec reads it from the model directory itself");
    } else if (name == "Pooling") {
      pooling = directory / folder;
    } else if (name == "Normalize") {
      normalize = true;
    } else {
      throw IoError(source + ": module " + type + " is not supported",
                    "genvec runs Transformer + Pooling (+ Normalize) sentence encoders");
    }
  }
  if (pooling.empty()) throw IoError(source + ": no Pooling module");
  return {pooling, normalize};
}

constexpr std::pair<Pooling, const char*> kPoolingNames[] = {
    {Pooling::cls, "cls"},
    {Pooling::max, "max"},
    {Pooling::mean, "mean"},
    {Pooling::mean_sqrt_len, "mean_sqrt_len_tokens"},
    {Pooling::weighted_mean, "weightedmean"},
    {Pooling::last_token, "lasttoken"}};
// sentence-transformers < 5 spelled the modes as flags; several concatenate in this order.
constexpr std::pair<const char*, Pooling> kLegacyPoolingFlags[] = {
    {"pooling_mode_cls_token", Pooling::cls},
    {"pooling_mode_max_tokens", Pooling::max},
    {"pooling_mode_mean_tokens", Pooling::mean},
    {"pooling_mode_mean_sqrt_len_tokens", Pooling::mean_sqrt_len},
    {"pooling_mode_weightedmean_tokens", Pooling::weighted_mean},
    {"pooling_mode_lasttoken", Pooling::last_token}};

Pooling pooling_from_name(const std::string& name, const std::string& source) {
  for (const auto& [mode, spelled] : kPoolingNames)
    if (name == spelled) return mode;
  throw IoError(source + ": pooling_mode '" + name +
                "' is not one of cls, max, mean, "
                "mean_sqrt_len_tokens, weightedmean, lasttoken");
}

// 1_Pooling/config.json in either spelling: {"pooling_mode": "mean" | [...]} (sentence-
// transformers 5) or the pooling_mode_*_tokens flags. No mode at all means mean, as there.
std::vector<Pooling> read_pooling(const fs::path& path, int64_t hidden_size) {
  if (!fs::exists(path)) return {Pooling::mean};
  const std::string source = path.string();
  const Json config = json_parse_file(path);
  for (const char* key : {"embedding_dimension", "word_embedding_dimension"})
    if (const Json* dim = config.find(key); dim && dim->as_int(source) != hidden_size)
      throw IoError(source + ": " + key + " " + std::to_string(dim->as_int(source)) +
                    " differs from the model's hidden_size " + std::to_string(hidden_size));
  if (const Json* prompt = config.find("include_prompt");
      prompt && !prompt->as_bool(source + ": include_prompt"))
    throw IoError(source + ": include_prompt = false is not supported",
                  "genvec embeds texts without prompts, so pooling always covers every token");
  std::vector<Pooling> modes;
  if (const Json* named = config.find("pooling_mode"); named && !named->is_null()) {
    if (named->is_string())
      modes.push_back(pooling_from_name(named->as_string(source), source));
    else
      for (const Json& mode : named->as_array(source + ": pooling_mode"))
        modes.push_back(pooling_from_name(mode.as_string(source + ": pooling_mode"), source));
  } else {
    for (const auto& [key, mode] : kLegacyPoolingFlags)
      if (flag(config, key, source)) modes.push_back(mode);
  }
  if (modes.empty()) modes.push_back(Pooling::mean);
  return modes;
}

// sentence_bert_config.json's max_seq_length, else the tokenizer's model_max_length, capped by
// the model's positions (sentence-transformers' Transformer module).
int64_t read_max_seq_length(const fs::path& directory, int64_t positions) {
  const fs::path bert_config = directory / "sentence_bert_config.json";
  if (fs::exists(bert_config)) {
    const Json config = json_parse_file(bert_config);
    if (const Json* max = config.find("max_seq_length"); max && !max->is_null())
      return max->as_int(bert_config.string() + ": max_seq_length");
  }
  const fs::path tokenizer_config = directory / "tokenizer_config.json";
  if (fs::exists(tokenizer_config)) {
    const Json config = json_parse_file(tokenizer_config);
    // transformers writes 1e30 for "no limit": read as a number, not an integer.
    if (const Json* max = config.find("model_max_length"); max && max->is_number())
      return static_cast<int64_t>(
          std::min(max->as_number("model_max_length"), static_cast<double>(positions)));
  }
  return positions;
}

}  // namespace

const char* pooling_name(Pooling mode) {
  for (const auto& [known, name] : kPoolingNames)
    if (known == mode) return name;
  return "?";
}

SentenceEncoder SentenceEncoder::load(const fs::path& directory, int64_t max_seq_length,
                                      const Placement& placement) {
  return with_context("loading the sentence encoder " + directory.string(), [&] {
    BertEncoder bert = BertEncoder::load(directory, placement);  // first: its config says what model it is
    SentenceEncoder encoder(std::move(bert), WordPieceTokenizer::from_directory(directory));
    encoder.source_ = directory.string();
    SentenceEncoderSettings& s = encoder.settings_;
    const BertHparams& h = encoder.bert_.hparams();

    s.max_seq_length = max_seq_length > 0
                           ? max_seq_length
                           : read_max_seq_length(directory, h.max_position_embeddings);
    if (s.max_seq_length < 2 || s.max_seq_length > h.max_position_embeddings)
      throw IoError("max_seq_length " + std::to_string(s.max_seq_length) + " is outside [2, " +
                        std::to_string(h.max_position_embeddings) + "], the model's positions",
                    "set teacher.max_length within the model's range (0 uses the model's own)");
    // sentence-transformers adds a Lowercase step to a case-keeping tokenizer (placed before
    // the BERT normalizer there, after accent stripping here: the same for all but a handful of
    // code points whose lower case has other accents).
    const fs::path bert_config = directory / "sentence_bert_config.json";
    if (fs::exists(bert_config) &&
        flag(json_parse_file(bert_config), "do_lower_case", bert_config.string()))
      encoder.tokenizer_.set_lowercase(true);

    const auto [pooling_dir, normalize] = read_modules(directory);
    s.normalize = normalize;
    s.pooling = read_pooling(pooling_dir / "config.json", h.hidden_size);
    s.dimension = static_cast<int64_t>(s.pooling.size()) * h.hidden_size;
    return encoder;
  });
}

std::vector<int32_t> SentenceEncoder::tokenize(std::string_view text, bool* truncated) const {
  size_t invalid = 0;
  std::vector<int32_t> ids =
      tokenizer_.encode_for_model(text, settings_.max_seq_length, truncated, &invalid);
  if (invalid > 0)
    throw IoError("text is not valid UTF-8 (" + std::to_string(invalid) + " broken sequence" +
                  (invalid > 1 ? "s)" : ")"));
  return ids;
}

// sentence-transformers' Pooling.forward for right-padded rows.
at::Tensor SentenceEncoder::pool(const at::Tensor& hidden, const at::Tensor& mask) const {
  const at::Tensor weights = mask.unsqueeze(-1).to(hidden.scalar_type());  // (B, T, 1)
  at::Tensor sum, count;  // shared by mean and mean_sqrt_len
  std::vector<at::Tensor> parts;
  for (const Pooling mode : settings_.pooling) {
    switch (mode) {
      case Pooling::cls:
        parts.push_back(hidden.select(1, 0));
        break;
      case Pooling::max:
        parts.push_back(std::get<0>(
            hidden.masked_fill(weights == 0, -std::numeric_limits<float>::infinity()).max(1)));
        break;
      case Pooling::mean:
      case Pooling::mean_sqrt_len:
        if (!sum.defined()) {
          sum = (hidden * weights).sum(1);
          count = weights.sum(1).clamp_min(1e-9);
        }
        parts.push_back(mode == Pooling::mean ? sum / count : sum / count.sqrt());
        break;
      case Pooling::weighted_mean: {  // token t (from 1) weighs t
        const at::Tensor position =
            at::arange(1, hidden.size(1) + 1, hidden.options()).view({1, -1, 1}) * weights;
        parts.push_back((hidden * position).sum(1) / position.sum(1).clamp_min(1e-9));
        break;
      }
      case Pooling::last_token: {
        const at::Tensor last = mask.sum(1).sub(1).clamp_min(0).to(at::kLong);  // (B)
        parts.push_back(
            hidden.gather(1, last.view({-1, 1, 1}).expand({-1, 1, hidden.size(2)})).squeeze(1));
        break;
      }
    }
  }
  at::Tensor pooled = parts.size() == 1 ? parts[0] : at::cat(parts, 1);
  if (settings_.normalize) pooled = pooled / pooled.norm(2, {1}, /*keepdim=*/true).clamp_min(1e-12);
  return pooled;
}

at::Tensor SentenceEncoder::encode(const std::vector<std::string>& texts, int64_t batch_size,
                                   EncodeReport* report) const {
  if (batch_size < 1) throw IoError("encode: batch_size must be at least 1");
  const int64_t n = static_cast<int64_t>(texts.size());
  std::vector<std::vector<int32_t>> ids(n);
  EncodeReport counts;
  counts.texts = n;
  for (int64_t i = 0; i < n; ++i) {
    bool truncated = false;
    ids[i] =
        with_context("text " + std::to_string(i), [&] { return tokenize(texts[i], &truncated); });
    counts.truncated += truncated;
    counts.empty += ids[i].size() == 2;
    counts.tokens += static_cast<int64_t>(ids[i].size());
  }
  if (report) *report = counts;

  // Longest first, so each batch pads little and the first batch shows the peak memory.
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return ids[a].size() > ids[b].size(); });

  c10::InferenceMode no_autograd;
  at::Tensor out = at::empty({n, settings_.dimension}, at::kFloat);
  for (int64_t start = 0; start < n; start += batch_size) {
    const int64_t rows = std::min(batch_size, n - start);
    const int64_t length = static_cast<int64_t>(ids[order[start]].size());
    at::Tensor input = at::full({rows, length}, tokenizer_.pad_id(), at::kLong);
    at::Tensor mask = at::zeros({rows, length}, at::kLong);
    auto input_rows = input.accessor<int64_t, 2>();
    auto mask_rows = mask.accessor<int64_t, 2>();
    for (int64_t r = 0; r < rows; ++r) {
      const std::vector<int32_t>& row = ids[order[start + r]];
      for (size_t t = 0; t < row.size(); ++t) {
        input_rows[r][t] = row[t];
        mask_rows[r][t] = 1;
      }
    }
    const at::Tensor hidden = bert_.forward(input, mask);
    // Pooled in float32 whatever the model's dtype, like sentence-transformers' autocast.
    const at::Tensor pooled =
        pool(hidden.to(at::kFloat), mask.to(hidden.device())).to(at::kCPU);
    const at::Tensor index = at::from_blob(order.data() + start, {rows}, at::kLong).clone();
    out.index_copy_(0, index, pooled);
  }
  return out;
}

}  // namespace genvec
