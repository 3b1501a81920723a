// What `genvec train` trains on: the generation and teacher caches of every shard, joined by
// query id, checked against the fingerprints the current config would make (a stale or missing
// cache is a ConfigError naming the stage to rerun), tokenized for the embedder.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/placement.h"
#include "training/objective.h"

namespace genvec {

struct Config;
struct GenerationSetup;
struct LlmTextSide;

struct TrainData {
  std::vector<TrainExample> examples;  // shard order, then the caches' row order
  std::vector<int64_t> decoder_length;  // K + response tokens, per example (micro-batch size)
  // Compute per example, in token passes: the decoder's and the N special positions' forward and
  // backward (2 each), the query prefix's forward (1); what ranks balance their shares by.
  std::vector<int64_t> work;
  int64_t teacher_size = 0;
  std::string fingerprint;  // of the caches' contents and the tokenization settings
  // What the data options did (the log reports them; nothing is dropped silently).
  int64_t rows_read = 0, empty_responses = 0, truncated_responses = 0, truncated_queries = 0,
          skipped = 0;
};

// `setup` is what the generate stage's fingerprints come from (and whose tokenizer training
// uses); the teacher is loaded with `placement` only to compute its cache's fingerprint.
TrainData train_data_load(const Config& config, const Placement& placement,
                          const GenerationSetup& setup);

// The token ids appended to every response: the model's EOS, or the reference's literal
// "<|end_of_text|>" as this tokenizer splits it (train.response_eos).
std::vector<int32_t> response_end_ids(const Config& config, const LlmTextSide& text);

}  // namespace genvec
