// A trained gen-token embedder ready to use: the checkpoint's parameters, the frozen LLM it was
// trained on (checked by file identity) and its tokenizer, placed on this rank's device. What the
// checkpoint model of evaluation, `genvec encode` and `genvec decode` share.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "models/gen_embedder.h"
#include "models/llm.h"
#include "models/text_side.h"
#include "training/checkpoint.h"

namespace genvec {

struct Config;

struct TrainedEmbedder {
  std::filesystem::path file;
  int64_t step = 0;
  std::unique_ptr<Llm> llm;
  LlmTextSide text;
  std::unique_ptr<GenEmbedder> embedder;
  int64_t max_length = 0;  // query tokens + N special tokens, as training cut them
  std::string identity;    // checkpoint content, step, device and dtype, max length
};

// `file`, or when empty the run's newest checkpoint (else RUN/embedder.h5). ConfigError when there
// is none or it belongs to another LLM than model.path.
TrainedEmbedder trained_embedder_load(const Config& config, const Placement& placement,
                                      const std::filesystem::path& file);

}  // namespace genvec
