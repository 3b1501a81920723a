// The text side of an LLM, read from the same GGUF file or Hugging Face directory as its
// weights: the tokenizer, the chat template and the extra ids that end generation. Used by
// `genvec complete`, the generate stage and the LLM teacher. Torch-free.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "models/tokenizer.h"

namespace genvec {

struct LlmTextSide {
  std::optional<Tokenizer> tokenizer;   // always set after loading
  std::string chat_template;            // "" when the model ships none
  std::vector<int32_t> extra_stop_ids;  // generation_config.json's eos_token_id(s)
};

// Throws IoError naming the file that is missing or malformed.
LlmTextSide load_llm_text_side(const std::filesystem::path& model);

}  // namespace genvec
