// The two teacher kinds: see teacher.h.
#include "models/teacher.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <numeric>

#include "common/config.h"
#include "common/errors.h"
#include "models/llm.h"
#include "models/text_side.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

class SentenceEncoderTeacher : public Teacher {
 public:
  SentenceEncoderTeacher(const fs::path& path, int64_t max_length, int64_t batch_size,
                         const Placement& placement)
      : path_(path),
        placement_(placement),
        encoder_(SentenceEncoder::load(path, max_length, placement)),
        batch_size_(batch_size) {}

  int64_t dimension() const override { return encoder_.settings().dimension; }
  at::Tensor embed(const std::vector<std::string>& texts, EncodeReport* report) const override {
    return encoder_.encode(texts, batch_size_, report);
  }
  std::string describe() const override {
    const SentenceEncoderSettings& s = encoder_.settings();
    std::string pooling;
    for (const Pooling mode : s.pooling)
      pooling += (pooling.empty() ? "" : "+") + std::string(pooling_name(mode));
    return "kind = sentence-encoder\npath = " + path_.string() +
           "\nmax_length = " + std::to_string(s.max_seq_length) + "\npooling = " + pooling +
           "\nnormalize = " + (s.normalize ? "true" : "false") +
           "\nplacement = " + placement_.describe() + "\n";
  }

 private:
  fs::path path_;
  Placement placement_;
  SentenceEncoder encoder_;
  int64_t batch_size_;
};

// Mean of the LLM's final-norm hidden states over a text's tokens (no template, no BOS: the
// response as the student will reconstruct it). A text with no tokens is read as the single
// EOS token, so every response has an embedding.
class LlmTeacher : public Teacher {
 public:
  LlmTeacher(const fs::path& path, int64_t max_length, int64_t batch_size, Attention attention,
             const Placement& placement)
      : path_(path),
        llm_(Llm::load(path, placement)),
        text_(load_llm_text_side(path)),
        max_length_(max_length > 0 ? max_length : kDefaultMaxLength),
        batch_size_(batch_size),
        attention_(attention) {
    if (!text_.tokenizer->eos_id)
      throw IoError(path.string() +
                    ": the tokenizer has no EOS token, which an empty "
                    "response is embedded as");
  }

  int64_t dimension() const override { return llm_.hparams().hidden_size; }
  std::string describe() const override {
    return "kind = llm\npath = " + path_.string() +
           "\nmax_length = " + std::to_string(max_length_) + "\npooling = mean\nattention = " +
           (attention_ == Attention::causal ? "causal" : "bidirectional") +
           "\nplacement = " + llm_.placement().describe() + "\n";
  }

  at::Tensor embed(const std::vector<std::string>& texts, EncodeReport* report) const override {
    const int64_t n = static_cast<int64_t>(texts.size());
    std::vector<std::vector<int32_t>> ids(n);
    EncodeReport counts;
    counts.texts = n;
    for (int64_t i = 0; i < n; ++i) {
      size_t invalid = 0;
      ids[i] = text_.tokenizer->encode(texts[i], &invalid);
      if (invalid > 0)
        throw IoError("text " + std::to_string(i) + " is not valid UTF-8 (" +
                      std::to_string(invalid) + " broken sequence(s))");
      if (ids[i].empty()) {
        ids[i].push_back(*text_.tokenizer->eos_id);
        ++counts.empty;
      }
      if (static_cast<int64_t>(ids[i].size()) > max_length_) {
        ids[i].resize(max_length_);
        ++counts.truncated;
      }
      counts.tokens += static_cast<int64_t>(ids[i].size());
    }
    if (report) *report = counts;
    return llm_pool(llm_, ids, batch_size_, attention_);
  }

 private:
  static constexpr int64_t kDefaultMaxLength = 512;  // the method's max length
  fs::path path_;
  Llm llm_;
  LlmTextSide text_;
  int64_t max_length_;
  int64_t batch_size_;
  Attention attention_;
};

}  // namespace

std::pair<at::Tensor, at::Tensor> llm_pool_mean_and_last(
    const Llm& llm, const std::vector<std::vector<int32_t>>& ids, int64_t batch_size,
    Attention attention) {
  const int64_t n = static_cast<int64_t>(ids.size());
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return ids[a].size() > ids[b].size(); });
  c10::InferenceMode no_autograd;
  at::Tensor mean = at::empty({n, llm.hparams().hidden_size}, at::kFloat);
  at::Tensor last = at::empty_like(mean);
  for (int64_t start = 0; start < n; start += batch_size) {
    const int64_t rows = std::min(batch_size, n - start);
    const int64_t length = static_cast<int64_t>(ids[order[start]].size());
    at::Tensor input = at::zeros({rows, length}, at::kLong);
    at::Tensor mask = at::zeros({rows, length}, at::kLong);
    for (int64_t r = 0; r < rows; ++r) {
      const std::vector<int32_t>& row = ids[order[start + r]];
      const int64_t count = static_cast<int64_t>(row.size());
      if (count == 0) throw IoError("llm_pool: a text has no tokens");
      input[r]
          .narrow(0, 0, count)
          .copy_(at::from_blob(const_cast<int32_t*>(row.data()), {count}, at::kInt));
      mask[r].narrow(0, 0, count).fill_(1);
    }
    const at::Tensor hidden = llm.forward(llm.embed(input), mask, std::nullopt, nullptr, attention);
    // Rows are right-padded: row r's last token sits at position (its length - 1).
    const at::Tensor flat_position = at::arange(rows, at::kLong) * length + mask.sum(1) - 1;
    const at::Tensor last_rows = hidden.reshape({rows * length, hidden.size(-1)})
                                     .index_select(0, flat_position.to(hidden.device()))
                                     .to(at::kFloat);
    // Pooled in float32: a bfloat16 sum over hundreds of tokens would lose digits.
    const at::Tensor weights = mask.unsqueeze(-1).to(hidden.device(), at::kFloat);
    const at::Tensor mean_rows = (hidden.to(at::kFloat) * weights).sum(1) / weights.sum(1);
    const at::Tensor where = at::from_blob(order.data() + start, {rows}, at::kLong).clone();
    mean.index_copy_(0, where, mean_rows.to(at::kCPU));
    last.index_copy_(0, where, last_rows.to(at::kCPU));
  }
  return {mean, last};
}

at::Tensor llm_pool(const Llm& llm, const std::vector<std::vector<int32_t>>& ids,
                    int64_t batch_size, Attention attention) {
  return llm_pool_mean_and_last(llm, ids, batch_size, attention).first;
}

std::unique_ptr<Teacher> make_teacher(const Config& config, const Placement& placement) {
  const fs::path path = teacher_model_path(config);
  const TeacherConfig& t = config.teacher;
  return with_context("loading the teacher " + path.string(), [&]() -> std::unique_ptr<Teacher> {
    if (t.kind == "llm")
      return std::make_unique<LlmTeacher>(
          path, t.max_length, t.batch_size,
          t.attention == "bidirectional" ? Attention::bidirectional : Attention::causal,
          placement);
    if (t.attention != "causal")
      throw ConfigError("teacher.attention = \"" + t.attention +
                            "\" applies to the llm teacher, not to a sentence-encoder",
                        "remove teacher.attention or set teacher.kind = \"llm\"");
    return std::make_unique<SentenceEncoderTeacher>(path, t.max_length, t.batch_size, placement);
  });
}

}  // namespace genvec
