// WordPiece tokenization: see wordpiece.h. Mirrors Hugging Face tokenizers' BertNormalizer,
// BertPreTokenizer and WordPiece model (tokenizers/src/{normalizers/bert,pre_tokenizers/bert,
// models/wordpiece}.rs).
#include "models/wordpiece.h"

#include <algorithm>
#include <fstream>

#include "common/errors.h"
#include "common/json.h"
#include "common/utf8.h"
#include "models/bert_unicode_tables.h"

namespace genvec {

namespace tables = bert_unicode_tables;

namespace {

bool in(uint32_t cp, const CodepointRange* table, size_t size) {
  return unicode_in_ranges(cp, table, size);
}

// Appends the replacement `mapping` gives cp, or cp itself when it has none.
void append_mapped(uint32_t cp, const tables::CodepointMapping* mapping, size_t size,
                   const uint32_t* pool, std::vector<uint32_t>& out) {
  const tables::CodepointMapping* end = mapping + size;
  const tables::CodepointMapping* it = std::lower_bound(
      mapping, end, cp,
      [](const tables::CodepointMapping& m, uint32_t value) { return m.codepoint < value; });
  if (it == end || it->codepoint != cp) {
    out.push_back(cp);
    return;
  }
  out.insert(out.end(), pool + it->offset, pool + it->offset + it->length);
}

// NFD of a Hangul syllable (Unicode 3.12); accent stripping keeps the jamo.
bool append_hangul_jamo(uint32_t cp, std::vector<uint32_t>& out) {
  constexpr uint32_t kFirst = 0xAC00, kLast = 0xD7A3;
  if (cp < kFirst || cp > kLast) return false;
  const uint32_t s = cp - kFirst;
  out.push_back(0x1100 + s / 588);
  out.push_back(0x1161 + (s % 588) / 28);
  if (s % 28 != 0) out.push_back(0x11A7 + s % 28);
  return true;
}

bool optional_bool(const Json& object, std::string_view key, bool fallback,
                   const std::string& source) {
  const Json* value = object.find(key);
  if (!value || value->is_null()) return fallback;
  return value->as_bool(source + ": " + std::string(key));
}

std::string optional_string(const Json* object, std::string_view key, std::string fallback,
                            const std::string& source) {
  const Json* value = object ? object->find(key) : nullptr;
  if (!value || value->is_null()) return fallback;
  // transformers also writes special tokens as {"content": "[CLS]", ...} objects.
  if (value->is_object()) {
    if (const Json* content = value->find("content"))
      return content->as_string(source + ": " + std::string(key) + ".content");
  }
  return value->as_string(source + ": " + std::string(key));
}

}  // namespace

WordPieceTokenizer WordPieceTokenizer::from_directory(const std::filesystem::path& directory) {
  const auto tokenizer_json = directory / "tokenizer.json";
  if (std::filesystem::exists(tokenizer_json))
    return from_hf_json(json_parse_file(tokenizer_json), tokenizer_json.string());
  const auto vocab_txt = directory / "vocab.txt";
  if (!std::filesystem::exists(vocab_txt))
    throw IoError(directory.string() + ": no tokenizer.json or vocab.txt",
                  "a sentence-encoder directory needs its tokenizer files, as the model "
                  "package ships them");
  const auto config_path = directory / "tokenizer_config.json";
  if (!std::filesystem::exists(config_path)) return from_vocab_txt(vocab_txt, nullptr);
  const Json config = json_parse_file(config_path);
  return from_vocab_txt(vocab_txt, &config);
}

WordPieceTokenizer WordPieceTokenizer::from_hf_json(const Json& root, const std::string& source) {
  WordPieceTokenizer t;
  t.source_ = source;
  const Json* model = root.find("model");
  const Json* type = model ? model->find("type") : nullptr;
  if (!type || type->as_string(source + ": model.type") != "WordPiece")
    throw IoError(source + ": the tokenizer model is not WordPiece",
                  "sentence encoders here must be BERT-family (WordPiece) models");

  const Json* normalizer = root.find("normalizer");
  if (!normalizer || normalizer->is_null()) {
    t.options_.clean_text = t.options_.handle_chinese_chars = false;
    t.options_.strip_accents = t.options_.lowercase = false;
  } else {
    const Json* kind = normalizer->find("type");
    if (!kind || kind->as_string(source + ": normalizer.type") != "BertNormalizer")
      throw IoError(source + ": only the BertNormalizer normalizer is supported");
    t.options_.clean_text = optional_bool(*normalizer, "clean_text", true, source);
    t.options_.handle_chinese_chars =
        optional_bool(*normalizer, "handle_chinese_chars", true, source);
    t.options_.lowercase = optional_bool(*normalizer, "lowercase", true, source);
    t.options_.strip_accents =
        optional_bool(*normalizer, "strip_accents", t.options_.lowercase, source);
  }
  const Json* pre = root.find("pre_tokenizer");
  const Json* pre_type = pre ? pre->find("type") : nullptr;
  if (!pre_type || pre_type->as_string(source + ": pre_tokenizer.type") != "BertPreTokenizer")
    throw IoError(source + ": only the BertPreTokenizer pre-tokenizer is supported");

  t.options_.continuing_subword_prefix =
      optional_string(model, "continuing_subword_prefix", "##", source);
  if (const Json* max_chars = model->find("max_input_chars_per_word"))
    t.options_.max_input_chars_per_word = max_chars->as_int(source + ": max_input_chars_per_word");
  const Json* vocab = model->find("vocab");
  if (!vocab) throw IoError(source + ": model.vocab is missing");
  const auto& entries = vocab->as_object(source + ": model.vocab");
  t.tokens_.resize(entries.size());
  for (const auto& [text, id_json] : entries) {
    const int64_t id = id_json.as_int(source + ": model.vocab[\"" + text + "\"]");
    if (id < 0 || id >= static_cast<int64_t>(entries.size()) || !t.tokens_[id].empty())
      throw IoError(source + ": token id " + std::to_string(id) + " of '" + text +
                    "' is out of range or repeated");
    t.tokens_[id] = text;
    t.ids_.emplace(text, static_cast<int32_t>(id));
  }
  t.unk_id_ = t.require_token(optional_string(model, "unk_token", "[UNK]", source), "unk_token");

  if (const Json* added = root.find("added_tokens")) {
    for (const Json& token : added->as_array(source + ": added_tokens")) {
      const std::string& content = token.find("content")
                                       ? token.find("content")->as_string(source + ": content")
                                       : throw IoError(source + ": added token without content");
      if (optional_bool(token, "normalized", false, source) ||
          optional_bool(token, "lstrip", false, source) ||
          optional_bool(token, "rstrip", false, source) ||
          optional_bool(token, "single_word", false, source))
        throw IoError(source + ": added token '" + content +
                      "' uses normalized/lstrip/rstrip/single_word matching, not supported yet");
      t.require_token(content, "added token");
      t.add_special(content);
    }
  }

  // The [CLS]/[SEP] the post-processor wraps a single sequence in.
  const Json* post = root.find("post_processor");
  const Json* post_type = post ? post->find("type") : nullptr;
  const std::string kind = post_type ? post_type->as_string(source + ": post_processor.type") : "";
  if (kind == "BertProcessing") {
    t.cls_id_ = static_cast<int32_t>(
        post->find("cls")->as_array(source + ": cls").at(1).as_int(source + ": cls id"));
    t.sep_id_ = static_cast<int32_t>(
        post->find("sep")->as_array(source + ": sep").at(1).as_int(source + ": sep id"));
  } else if (kind == "TemplateProcessing") {
    const auto& single = post->find("single")->as_array(source + ": post_processor.single");
    if (single.size() != 3 || !single[0].find("SpecialToken") || !single[2].find("SpecialToken"))
      throw IoError(source + ": post_processor.single is not [CLS] $A [SEP]");
    t.cls_id_ = t.require_token(
        single[0].find("SpecialToken")->find("id")->as_string(source + ": single[0].id"), "cls");
    t.sep_id_ = t.require_token(
        single[2].find("SpecialToken")->find("id")->as_string(source + ": single[2].id"), "sep");
  } else {
    throw IoError(source + ": post_processor '" + kind + "' is not supported",
                  "expected BertProcessing or TemplateProcessing ([CLS] $A [SEP])");
  }
  if (t.cls_id_ < 0 || t.cls_id_ >= t.vocab_size() || t.sep_id_ < 0 || t.sep_id_ >= t.vocab_size())
    throw IoError(source + ": [CLS]/[SEP] ids are not in the vocabulary");
  const Json* padding = root.find("padding");
  const Json* pad_id = padding && !padding->is_null() ? padding->find("pad_id") : nullptr;
  t.pad_id_ = pad_id ? static_cast<int32_t>(pad_id->as_int(source + ": padding.pad_id"))
              : t.ids_.count("[PAD]") ? t.ids_.at("[PAD]")
                                      : 0;
  return t;
}

WordPieceTokenizer WordPieceTokenizer::from_vocab_txt(const std::filesystem::path& vocab_txt,
                                                      const Json* config) {
  WordPieceTokenizer t;
  t.source_ = vocab_txt.string();
  std::ifstream in(vocab_txt);
  if (!in) throw IoError(t.source_ + ": cannot be read");
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    // A repeated line keeps its first id, as transformers' load_vocab does.
    t.ids_.emplace(line, static_cast<int32_t>(t.tokens_.size()));
    t.tokens_.push_back(line);
  }
  const std::string source = vocab_txt.parent_path().string() + "/tokenizer_config.json";
  if (config) {
    t.options_.lowercase = optional_bool(*config, "do_lower_case", true, source);
    t.options_.strip_accents =
        optional_bool(*config, "strip_accents", t.options_.lowercase, source);
    t.options_.handle_chinese_chars =
        optional_bool(*config, "tokenize_chinese_chars", true, source);
  }
  t.unk_id_ = t.require_token(optional_string(config, "unk_token", "[UNK]", source), "unk_token");
  t.cls_id_ = t.require_token(optional_string(config, "cls_token", "[CLS]", source), "cls_token");
  t.sep_id_ = t.require_token(optional_string(config, "sep_token", "[SEP]", source), "sep_token");
  t.pad_id_ = t.require_token(optional_string(config, "pad_token", "[PAD]", source), "pad_token");
  for (const int32_t id : {t.pad_id_, t.unk_id_, t.cls_id_, t.sep_id_})
    t.add_special(t.tokens_[id]);
  const std::string mask = optional_string(config, "mask_token", "[MASK]", source);
  if (t.ids_.count(mask)) t.add_special(mask);
  return t;
}

int32_t WordPieceTokenizer::require_token(const std::string& text, const std::string& role) const {
  const auto it = ids_.find(text);
  if (it == ids_.end())
    throw IoError(source_ + ": " + role + " '" + text + "' is not in the vocabulary");
  return it->second;
}

void WordPieceTokenizer::add_special(const std::string& text) {
  if (text.empty() || std::find(specials_.begin(), specials_.end(), text) != specials_.end())
    return;
  specials_.push_back(text);
  std::stable_sort(specials_.begin(), specials_.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::vector<int32_t> WordPieceTokenizer::encode(std::string_view text, size_t* invalid_utf8) const {
  std::vector<int32_t> out;
  if (invalid_utf8) *invalid_utf8 = 0;
  // Special tokens are found in the raw text first, leftmost then longest.
  size_t segment_start = 0;
  for (size_t i = 0; i < text.size();) {
    const std::string* match = nullptr;
    for (const std::string& special : specials_) {
      if (text.compare(i, special.size(), special) == 0) {
        match = &special;
        break;
      }
    }
    if (!match) {
      ++i;
      continue;
    }
    encode_segment(text.substr(segment_start, i - segment_start), out, invalid_utf8);
    out.push_back(ids_.at(*match));
    i += match->size();
    segment_start = i;
  }
  encode_segment(text.substr(segment_start), out, invalid_utf8);
  return out;
}

std::vector<int32_t> WordPieceTokenizer::encode_for_model(std::string_view text, int64_t max_length,
                                                          bool* truncated,
                                                          size_t* invalid_utf8) const {
  if (max_length < 2)
    throw IoError(source_ + ": max_length " + std::to_string(max_length) +
                  " leaves no room for [CLS] and [SEP]");
  std::vector<int32_t> pieces = encode(text, invalid_utf8);
  const bool cut = static_cast<int64_t>(pieces.size()) > max_length - 2;
  if (truncated) *truncated = cut;
  if (cut) pieces.resize(max_length - 2);
  std::vector<int32_t> ids;
  ids.reserve(pieces.size() + 2);
  ids.push_back(cls_id_);
  ids.insert(ids.end(), pieces.begin(), pieces.end());
  ids.push_back(sep_id_);
  return ids;
}

void WordPieceTokenizer::encode_segment(std::string_view text, std::vector<int32_t>& out,
                                        size_t* invalid) const {
  if (text.empty()) return;
  size_t broken = 0;
  const std::vector<uint32_t> raw = utf8_decode(text, &broken);
  if (invalid) *invalid += broken;

  // BertNormalizer, one code point at a time: every step maps a code point on its own (accent
  // stripping is NFD + dropping marks; the canonical reordering NFD would do among surviving
  // non-spacing combining marks is the one thing a per-code-point map cannot express).
  std::vector<uint32_t> normalized, stripped;
  normalized.reserve(raw.size());
  for (uint32_t cp : raw) {
    if (options_.clean_text) {
      if (in(cp, tables::kRemovedByCleanText, tables::kRemovedByCleanText_size)) continue;
      if (in(cp, tables::kSpaceByCleanText, tables::kSpaceByCleanText_size)) cp = ' ';
    }
    const bool pad =
        options_.handle_chinese_chars && in(cp, tables::kChineseChar, tables::kChineseChar_size);
    if (pad) normalized.push_back(' ');
    stripped.clear();
    if (!options_.strip_accents || !append_hangul_jamo(cp, stripped)) {
      if (options_.strip_accents)
        append_mapped(cp, tables::kStripAccents, tables::kStripAccents_size,
                      tables::kStripAccentsPool, stripped);
      else
        stripped.push_back(cp);
    }
    for (const uint32_t c : stripped) {
      if (options_.lowercase)
        append_mapped(c, tables::kLowercase, tables::kLowercase_size, tables::kLowercasePool,
                      normalized);
      else
        normalized.push_back(c);
    }
    if (pad) normalized.push_back(' ');
  }

  // BertPreTokenizer: white space separates words, each punctuation character is a word.
  std::vector<uint32_t> word;
  for (const uint32_t cp : normalized) {
    if (in(cp, tables::kSplitWhiteSpace, tables::kSplitWhiteSpace_size)) {
      encode_word(word, out);
      word.clear();
    } else if (in(cp, tables::kPunctuation, tables::kPunctuation_size)) {
      encode_word(word, out);
      word.assign(1, cp);
      encode_word(word, out);
      word.clear();
    } else {
      word.push_back(cp);
    }
  }
  encode_word(word, out);
}

// Greedy longest-match-first: the longest vocabulary entry that starts the rest of the word
// ("##"-prefixed after the first piece); a word with an unmatchable rest is one [UNK].
void WordPieceTokenizer::encode_word(const std::vector<uint32_t>& word,
                                     std::vector<int32_t>& out) const {
  if (word.empty()) return;
  if (static_cast<int64_t>(word.size()) > options_.max_input_chars_per_word) {
    out.push_back(unk_id_);
    return;
  }
  std::string bytes;
  std::vector<size_t> boundary{0};  // byte offset of each code point, and the end
  for (const uint32_t cp : word) {
    utf8_append(bytes, cp);
    boundary.push_back(bytes.size());
  }
  const size_t first_piece = out.size();
  std::string candidate;
  for (size_t start = 0; start < word.size();) {
    size_t end = word.size();
    int32_t found = -1;
    for (; end > start; --end) {
      candidate.assign(start > 0 ? options_.continuing_subword_prefix : std::string());
      candidate.append(bytes, boundary[start], boundary[end] - boundary[start]);
      const auto it = ids_.find(candidate);
      if (it != ids_.end()) {
        found = it->second;
        break;
      }
    }
    if (found < 0) {
      out.resize(first_piece);
      out.push_back(unk_id_);
      return;
    }
    out.push_back(found);
    start = end;
  }
}

}  // namespace genvec
