#include "eval/embedding_model.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <numeric>
#include <optional>

#include "common/config.h"
#include "common/errors.h"
#include "common/file_identity.h"
#include "eval/trained_embedder.h"
#include "models/gen_embedder.h"
#include "models/llm.h"
#include "models/teacher.h"
#include "models/text_side.h"
#include "models/tokenizer.h"

namespace genvec {
namespace fs = std::filesystem;
namespace {

Matrix matrix_of(const at::Tensor& embeddings) {
  const at::Tensor cpu = embeddings.detach().to(at::kCPU, at::kFloat).contiguous();
  Matrix m(cpu.size(0), cpu.size(1));
  std::copy_n(cpu.data_ptr<float>(), m.values.size(), m.values.data());
  return m;
}

std::vector<std::vector<int32_t>> tokenize_all(const Tokenizer& tokenizer,
                                               const std::vector<std::string>& texts,
                                               int64_t max_tokens) {
  std::vector<std::vector<int32_t>> ids;
  ids.reserve(texts.size());
  for (const std::string& text : texts)
    ids.push_back(embedding_tokens(tokenizer, text, max_tokens));
  return ids;
}

class GenModel : public EmbeddingModel {
 public:
  GenModel(const Llm& llm, const Tokenizer& tokenizer, const GenEmbedder& embedder,
           int64_t max_length, int64_t batch_size, std::string identity, std::string checkpoint)
      : llm_(llm),
        tokenizer_(tokenizer),
        embedder_(embedder),
        max_length_(max_length),
        batch_size_(batch_size),
        identity_(std::move(identity)),
        checkpoint_(std::move(checkpoint)) {}

  std::string label() const override { return "checkpoint"; }
  std::string identity() const override { return identity_; }
  std::string checkpoint() const override { return checkpoint_; }
  bool takes_instructions() const override { return true; }

  Matrix embed(const std::vector<std::string>& texts) const override {
    // As in training: the query's tokens, cut to leave room for the N special tokens.
    const std::vector<std::vector<int32_t>> ids =
        tokenize_all(tokenizer_, texts, max_length_ - embedder_.shape().num_tokens);
    std::vector<int64_t> order(ids.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t b) { return ids[a].size() > ids[b].size(); });
    Matrix out(static_cast<int64_t>(ids.size()), embedder_.shape().teacher_size);
    c10::InferenceMode no_autograd;
    for (size_t start = 0; start < order.size(); start += static_cast<size_t>(batch_size_)) {
      const size_t end = std::min(order.size(), start + static_cast<size_t>(batch_size_));
      std::vector<std::vector<int32_t>> batch;
      for (size_t i = start; i < end; ++i) batch.push_back(ids[order[i]]);
      const Matrix e = matrix_of(
          embedder_.embedding(embedder_.soft_prompts(embedder_.compression_states(llm_, batch))));
      for (size_t i = start; i < end; ++i)
        std::copy(e.row(static_cast<int64_t>(i - start)).begin(),
                  e.row(static_cast<int64_t>(i - start)).end(), out.row(order[i]).begin());
    }
    return out;
  }

 private:
  const Llm& llm_;
  const Tokenizer& tokenizer_;
  const GenEmbedder& embedder_;
  int64_t max_length_, batch_size_;
  std::string identity_, checkpoint_;
};

// A checkpoint's embedder with the LLM and tokenizer it needs, owned.
class CheckpointModel : public EmbeddingModel {
 public:
  CheckpointModel(const Config& config, const Placement& placement, const fs::path& file)
      : trained_(trained_embedder_load(config, placement, file)),
        inner_(*trained_.llm, *trained_.text.tokenizer, *trained_.embedder, trained_.max_length,
               config.eval.batch_size, trained_.identity, trained_.file.string()) {}
  std::string label() const override { return inner_.label(); }
  std::string identity() const override { return inner_.identity(); }
  std::string checkpoint() const override { return inner_.checkpoint(); }
  bool takes_instructions() const override { return true; }
  Matrix embed(const std::vector<std::string>& texts) const override { return inner_.embed(texts); }

 private:
  TrainedEmbedder trained_;
  GenModel inner_;
};

class TeacherModel : public EmbeddingModel {
 public:
  TeacherModel(const Config& config, const Placement& placement)
      : teacher_(make_teacher(config, placement)),
        identity_("teacher " + file_identity(teacher_model_path(config)) + "\n" +
                  teacher_->describe()) {}
  std::string label() const override { return "teacher"; }
  std::string identity() const override { return identity_; }
  bool takes_instructions() const override { return false; }
  Matrix embed(const std::vector<std::string>& texts) const override {
    return matrix_of(teacher_->embed(texts));
  }

 private:
  std::unique_ptr<Teacher> teacher_;
  std::string identity_;
};

}  // namespace

// The frozen LLM behind llm-mean and llm-last: loaded once per loader, and one forward pass gives
// both poolings; the one not asked for is kept until the other model asks for the same texts.
struct LlmPoolShare {
  LlmPoolShare(const Config& config, const Placement& placement)
      : llm(with_context("loading " + config.model.path,
                         [&] { return Llm::load(config.model.path, placement); })),
        text(load_llm_text_side(config.model.path)),
        max_length(embedding_max_length(config)),
        batch_size(config.eval.batch_size),
        identity(file_identity(config.model.path) + " on " + placement.describe() + " max_length " +
                 std::to_string(max_length)) {}

  Matrix embed(const std::vector<std::string>& texts, LlmPooling pooling) {
    if (kept && kept_pooling == pooling && kept_texts == texts) {
      Matrix out = std::move(*kept);
      kept.reset();
      kept_texts.clear();
      return out;
    }
    auto [mean, last] = llm_pool_mean_and_last(
        llm, tokenize_all(*text.tokenizer, texts, max_length), batch_size, Attention::causal);
    const bool want_mean = pooling == LlmPooling::mean;
    kept = matrix_of(want_mean ? last : mean);
    kept_pooling = want_mean ? LlmPooling::last_token : LlmPooling::mean;
    kept_texts = texts;
    return matrix_of(want_mean ? mean : last);
  }

  Llm llm;
  LlmTextSide text;
  int64_t max_length, batch_size;
  std::string identity;
  std::optional<Matrix> kept;
  LlmPooling kept_pooling = LlmPooling::mean;
  std::vector<std::string> kept_texts;
};

namespace {

class LlmPoolModel : public EmbeddingModel {
 public:
  LlmPoolModel(std::shared_ptr<LlmPoolShare> share, LlmPooling pooling)
      : share_(std::move(share)), pooling_(pooling), identity_(label() + " " + share_->identity) {}
  std::string label() const override {
    return pooling_ == LlmPooling::mean ? "llm-mean" : "llm-last";
  }
  std::string identity() const override { return identity_; }
  bool takes_instructions() const override { return true; }
  Matrix embed(const std::vector<std::string>& texts) const override {
    return share_->embed(texts, pooling_);
  }

 private:
  std::shared_ptr<LlmPoolShare> share_;
  LlmPooling pooling_;
  std::string identity_;
};

}  // namespace

std::vector<int32_t> embedding_tokens(const Tokenizer& tokenizer, const std::string& text,
                                      int64_t max_tokens) {
  std::vector<int32_t> ids = tokenizer.encode(text);
  if (ids.empty() && tokenizer.eos_id) ids.push_back(*tokenizer.eos_id);
  if (ids.empty())
    throw IoError("a text to embed has no tokens: \"" + text.substr(0, 80) + "\"",
                  "the tokenizer has no EOS token to stand for an empty text");
  if (static_cast<int64_t>(ids.size()) > max_tokens) ids.resize(static_cast<size_t>(max_tokens));
  return ids;
}

const std::vector<std::string>& embedding_model_kinds() {
  static const std::vector<std::string> kinds = {"checkpoint", "teacher", "llm-mean", "llm-last"};
  return kinds;
}

EmbeddingModelLoader::EmbeddingModelLoader(const Config& config, const Placement& placement)
    : config_(config), placement_(placement) {}

EmbeddingModelLoader::~EmbeddingModelLoader() = default;

std::unique_ptr<EmbeddingModel> EmbeddingModelLoader::load(const std::string& kind,
                                                           const fs::path& checkpoint) {
  if (kind == "checkpoint")
    return std::make_unique<CheckpointModel>(config_, placement_, checkpoint);
  if (kind == "teacher") return std::make_unique<TeacherModel>(config_, placement_);
  if (kind == "llm-mean" || kind == "llm-last") {
    if (!llm_) llm_ = std::make_shared<LlmPoolShare>(config_, placement_);
    return std::make_unique<LlmPoolModel>(
        llm_, kind == "llm-mean" ? LlmPooling::mean : LlmPooling::last_token);
  }
  throw ConfigError("--model " + kind + " is not a model",
                    "one of checkpoint, teacher, llm-mean, llm-last (or all)");
}

std::unique_ptr<EmbeddingModel> embedding_model_load(const Config& config,
                                                     const Placement& placement,
                                                     const std::string& kind,
                                                     const fs::path& checkpoint) {
  return EmbeddingModelLoader(config, placement).load(kind, checkpoint);
}

std::unique_ptr<EmbeddingModel> embedding_model_of_training(const Llm& llm,
                                                            const Tokenizer& tokenizer,
                                                            const GenEmbedder& embedder,
                                                            int64_t max_length, int64_t batch_size,
                                                            std::string identity) {
  return std::make_unique<GenModel>(llm, tokenizer, embedder, max_length, batch_size,
                                    std::move(identity), "");
}

}  // namespace genvec
