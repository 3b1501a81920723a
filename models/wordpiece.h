// WordPiece tokenizers (BERT family: the sentence-encoder teachers), read from a Hugging Face
// tokenizer.json or from vocab.txt + tokenizer_config.json. The pipeline is Hugging Face
// tokenizers' (the reference sentence-transformers runs): special tokens matched atomically in
// the raw text; BertNormalizer (control-character cleanup, CJK padding, accent stripping,
// lower-casing); BertPreTokenizer (split on white space, isolate punctuation); greedy
// longest-match WordPiece with "##" continuations and [UNK]; [CLS] ... [SEP]. The per-code-point
// rules come from probing the reference (scripts/gen_bert_unicode_tables.py), so ids are equal
// on every code point (tests/models/wordpiece_test.cpp). Torch-free.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace genvec {

class Json;

struct WordPieceOptions {
  bool clean_text = true;
  bool handle_chinese_chars = true;
  bool strip_accents = true;  // Hugging Face's default follows lowercase
  bool lowercase = true;
  std::string continuing_subword_prefix = "##";
  int64_t max_input_chars_per_word = 100;  // longer words become [UNK]
};

class WordPieceTokenizer {
 public:
  // tokenizer.json if the directory has one, else vocab.txt + tokenizer_config.json.
  static WordPieceTokenizer from_directory(const std::filesystem::path& directory);
  static WordPieceTokenizer from_hf_json(const Json& tokenizer_json, const std::string& source);
  // vocab.txt (one token per line, id = line number) and the tokenizer_config.json keys
  // do_lower_case, strip_accents, tokenize_chinese_chars and the special token strings.
  static WordPieceTokenizer from_vocab_txt(const std::filesystem::path& vocab_txt,
                                           const Json* tokenizer_config);

  // Word-piece ids of `text`, without [CLS]/[SEP]. Invalid UTF-8 reads as U+FFFD per broken
  // sequence (which clean_text then drops); `invalid_utf8`, if given, counts those.
  std::vector<int32_t> encode(std::string_view text, size_t* invalid_utf8 = nullptr) const;

  // [CLS] ids [SEP], keeping the first max_length - 2 word pieces (sentence-transformers'
  // truncation); `truncated`, if given, says whether any were cut.
  std::vector<int32_t> encode_for_model(std::string_view text, int64_t max_length,
                                        bool* truncated = nullptr,
                                        size_t* invalid_utf8 = nullptr) const;

  int32_t vocab_size() const { return static_cast<int32_t>(tokens_.size()); }
  const std::string& token_text(int32_t id) const { return tokens_.at(id); }
  const WordPieceOptions& options() const { return options_; }
  // sentence-transformers' do_lower_case adds lower-casing to a case-keeping tokenizer.
  void set_lowercase(bool lowercase) { options_.lowercase = lowercase; }
  int32_t cls_id() const { return cls_id_; }
  int32_t sep_id() const { return sep_id_; }
  int32_t pad_id() const { return pad_id_; }
  int32_t unk_id() const { return unk_id_; }

 private:
  WordPieceTokenizer() = default;
  int32_t require_token(const std::string& text, const std::string& role) const;
  void add_special(const std::string& text);
  void encode_segment(std::string_view text, std::vector<int32_t>& out, size_t* invalid) const;
  void encode_word(const std::vector<uint32_t>& word, std::vector<int32_t>& out) const;

  WordPieceOptions options_;
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int32_t> ids_;
  std::vector<std::string> specials_;  // matched atomically in the raw text, longest first
  int32_t cls_id_ = -1, sep_id_ = -1, pad_id_ = -1, unk_id_ = -1;
  std::string source_;
};

}  // namespace genvec
