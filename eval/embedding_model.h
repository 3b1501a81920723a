// What evaluation and `genvec encode` embed texts with, behind one interface:
//   checkpoint  the gen-token embedder of a training checkpoint (mean_k A(R(H)), teacher space);
//   teacher     the [teacher] model as it embedded the responses;
//   llm-mean    the frozen LLM's final-norm hidden states, mean over the text's tokens;
//   llm-last    the same at the text's last token.
// The header stays torch-free: embeddings come back as float32 matrices.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "eval/metrics/matrix.h"

namespace genvec {

struct Config;
struct Placement;
class GenEmbedder;
class Llm;
class Tokenizer;

class EmbeddingModel {
 public:
  virtual ~EmbeddingModel() = default;
  virtual std::string label() const = 0;  // "checkpoint", "teacher", "llm-mean", "llm-last"
  // Everything that decides the embeddings (weights, checkpoint contents, pooling, device and
  // dtype): results with the same identity are reused.
  virtual std::string identity() const = 0;
  virtual std::string checkpoint() const { return ""; }  // the checkpoint file, if any
  // The teacher embeds plain text as sentence-transformers does; the others read the task's
  // generative instruction before the text (../shared/docs/method.md).
  virtual bool takes_instructions() const = 0;
  // Embeddings of `texts`, rows in input order, float32; batches of similar length.
  virtual Matrix embed(const std::vector<std::string>& texts) const = 0;
};

const std::vector<std::string>& embedding_model_kinds();  // the labels above

// A text's token ids as the LLM models embed it: cut to `max_tokens`; a text without tokens (an
// empty document of a corpus, embedded without an instruction) is read as the EOS token alone,
// as a sentence encoder reads it as [CLS][SEP]. IoError when the tokenizer has no EOS.
std::vector<int32_t> embedding_tokens(const Tokenizer& tokenizer, const std::string& text,
                                      int64_t max_tokens);

// A model of `kind` as the config and this rank's placement say; for "checkpoint", the file
// `checkpoint` or, when empty, the run's newest verified checkpoint (else RUN/embedder.h5).
// ConfigError when the checkpoint belongs to another LLM than model.path.
std::unique_ptr<EmbeddingModel> embedding_model_load(const Config& config,
                                                     const Placement& placement,
                                                     const std::string& kind,
                                                     const std::filesystem::path& checkpoint);

struct LlmPoolShare;

// Models of several kinds one after another (eval's --model all): the same as embedding_model_load
// for each, except that llm-mean and llm-last share one loaded LLM, and the second of them to embed
// a list of texts gets the states the first one's forward pass computed. The config and the
// placement must outlive the loader.
class EmbeddingModelLoader {
 public:
  EmbeddingModelLoader(const Config& config, const Placement& placement);
  ~EmbeddingModelLoader();
  std::unique_ptr<EmbeddingModel> load(const std::string& kind,
                                       const std::filesystem::path& checkpoint);

 private:
  const Config& config_;
  const Placement& placement_;
  std::shared_ptr<LlmPoolShare> llm_;
};

// The embedder training holds in memory, at `step` (not owned: it must outlive the model).
std::unique_ptr<EmbeddingModel> embedding_model_of_training(const Llm& llm,
                                                            const Tokenizer& tokenizer,
                                                            const GenEmbedder& embedder,
                                                            int64_t max_length, int64_t batch_size,
                                                            std::string identity);

}  // namespace genvec
