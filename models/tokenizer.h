// Byte-level BPE tokenizers (GPT-2 family: SmolLM2, Llama 3, Qwen), read from GGUF metadata or a
// Hugging Face tokenizer.json. Added and special tokens, genvec's own trainable tokens among
// them, are matched atomically in the text (leftmost-longest, as Hugging Face tokenizers does);
// the rest is pre-tokenized (models/pretokenize.h), mapped to GPT-2's byte alphabet and merged
// by rank. Token ids equal Hugging Face tokenizers' for the supported pre-tokenizers
// (tests/models/tokenizer_test.cpp). Torch-free.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "models/pretokenize.h"

namespace genvec {

struct GgufFile;
class Json;

class Tokenizer {
 public:
  // From GGUF metadata (tokenizer.ggml.*). Throws IoError naming the file for a tokenizer model
  // or pre-tokenizer genvec does not support.
  static Tokenizer from_gguf(const GgufFile& file);
  // From a parsed tokenizer.json; `source` names it in errors.
  static Tokenizer from_hf_json(const Json& tokenizer_json, const std::string& source);

  // Token ids of `text`, without BOS/EOS. Invalid UTF-8 is read as U+FFFD per broken sequence
  // (Python's errors="replace"); `invalid_utf8`, if given, counts those.
  std::vector<int32_t> encode(std::string_view text, size_t* invalid_utf8 = nullptr) const;
  // The bytes the ids stand for (special tokens as their text). May end inside a UTF-8 sequence
  // when decoding a partial generation.
  std::string decode(const std::vector<int32_t>& ids) const;

  int32_t vocab_size() const { return static_cast<int32_t>(tokens_.size()); }
  std::optional<int32_t> token_id(std::string_view token) const;
  const std::string& token_text(int32_t id) const { return tokens_.at(id); }

  // Appends a special token matched atomically from now on (genvec's trainable tokens) and
  // returns its id; an existing token of that text keeps its id.
  int32_t add_special_token(const std::string& text);

  PreTokenizer pre_tokenizer() const { return pre_tokenizer_; }
  std::optional<int32_t> bos_id, eos_id, pad_id;

 private:
  Tokenizer() = default;
  void index_vocab();
  void add_merge(const std::string& left, const std::string& right);
  void bpe(const std::string& word, std::vector<int32_t>& out) const;

  PreTokenizer pre_tokenizer_ = PreTokenizer::gpt2;
  std::vector<std::string> tokens_;  // id -> token (byte-level alphabet, or special text)
  std::vector<bool> special_;        // id -> matched atomically and decoded verbatim
  std::unordered_map<std::string, int32_t> ids_;
  std::unordered_map<std::string, int32_t> merge_ranks_;  // "left right" -> rank
  std::vector<int32_t> specials_by_length_;               // longest first
  std::string source_;
};

// The text GPT-2's byte-level alphabet writes for one byte (a byte-level vocabulary's tokens).
std::string tokenizer_byte_text(uint8_t byte);

}  // namespace genvec
