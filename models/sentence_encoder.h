// A sentence-transformers model directory as distributed (all-MiniLM-L6-v2 is genvec's default
// teacher): modules.json names the modules (Transformer, Pooling, optional Normalize),
// sentence_bert_config.json the max_seq_length, 1_Pooling/config.json the pooling; the
// Transformer is a BertEncoder with its WordPiece tokenizer. encode() gives what
// sentence-transformers' SentenceTransformer.encode gives (tests/models/
// sentence_encoder_real_model_test.cpp: cosine >= 0.99999 on 512 real sentences).
#pragma once

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "models/bert.h"
#include "models/wordpiece.h"

namespace genvec {

// sentence-transformers' pooling modes (its names: cls, max, mean, mean_sqrt_len_tokens,
// weightedmean, lasttoken).
enum class Pooling { cls, max, mean, mean_sqrt_len, weighted_mean, last_token };

const char* pooling_name(Pooling mode);

struct SentenceEncoderSettings {
  int64_t max_seq_length = 512;  // tokens incl. [CLS] and [SEP]; longer texts are truncated
  std::vector<Pooling> pooling;  // several are concatenated in this order
  bool normalize = false;        // a Normalize module: unit-length embeddings
  int64_t dimension = 0;         // of the output embedding
};

// What one encode() call met; the teacher stage reports these counts.
struct EncodeReport {
  int64_t texts = 0;
  int64_t tokens = 0;     // incl. [CLS]/[SEP], after truncation
  int64_t truncated = 0;  // texts longer than max_seq_length
  int64_t empty = 0;      // texts with no word piece (empty or only white space/controls)
};

class SentenceEncoder {
 public:
  // max_seq_length > 0 overrides sentence_bert_config.json's. Throws IoError naming the file
  // for a module or setting genvec does not support.
  static SentenceEncoder load(const std::filesystem::path& directory, int64_t max_seq_length = 0,
                              const Placement& placement = {});

  const SentenceEncoderSettings& settings() const { return settings_; }
  const WordPieceTokenizer& tokenizer() const { return tokenizer_; }
  const BertEncoder& bert() const { return bert_; }

  // The model's input ids for one text: [CLS] pieces [SEP], truncated to max_seq_length.
  // Throws IoError for invalid UTF-8.
  std::vector<int32_t> tokenize(std::string_view text, bool* truncated = nullptr) const;

  // Embeddings (N, dimension), float32, in input order. Texts are sorted by token count and run
  // in batches of batch_size padded to their longest. Invalid UTF-8 in text i is an IoError
  // naming i, raised before any compute. Runs without autograd.
  at::Tensor encode(const std::vector<std::string>& texts, int64_t batch_size,
                    EncodeReport* report = nullptr) const;

 private:
  SentenceEncoder(BertEncoder bert, WordPieceTokenizer tokenizer)
      : bert_(std::move(bert)), tokenizer_(std::move(tokenizer)) {}
  at::Tensor pool(const at::Tensor& hidden, const at::Tensor& mask) const;

  BertEncoder bert_;
  WordPieceTokenizer tokenizer_;
  SentenceEncoderSettings settings_;
  std::string source_;
};

}  // namespace genvec
