// Byte-level BPE: see tokenizer.h.
#include "models/tokenizer.h"

#include <algorithm>
#include <array>
#include <climits>

#include "common/errors.h"
#include "common/json.h"
#include "models/gguf.h"
#include "models/unicode.h"

namespace genvec {
namespace {

// GPT-2's bytes_to_unicode: printable bytes stand for themselves, the others map to U+0100 and
// up, so every byte string becomes printable text without spaces.
struct ByteAlphabet {
  std::array<std::string, 256> byte_to_text;
  std::unordered_map<uint32_t, uint8_t> codepoint_to_byte;
  ByteAlphabet() {
    uint32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
      const uint32_t cp = printable ? static_cast<uint32_t>(b) : next++;
      utf8_append(byte_to_text[b], cp);
      codepoint_to_byte[cp] = static_cast<uint8_t>(b);
    }
  }
};

const ByteAlphabet& byte_alphabet() {
  static const ByteAlphabet alphabet;
  return alphabet;
}

}  // namespace

std::string tokenizer_byte_text(uint8_t byte) { return byte_alphabet().byte_to_text[byte]; }

namespace {

// The pre-tokenizer llama.cpp names in tokenizer.ggml.pre.
PreTokenizer pre_tokenizer_from_gguf(const std::string& name, const std::string& source) {
  if (name == "gpt-2" || name == "gpt2" || name == "default") return PreTokenizer::gpt2;
  if (name == "smollm" || name == "starcoder") return PreTokenizer::digits_then_gpt2;
  if (name == "qwen2") return PreTokenizer::qwen2;
  throw IoError(source + ": pre-tokenizer '" + name + "' is not supported yet",
                "genvec reads gpt2-, smollm- and qwen2-style tokenizers; open an issue naming the "
                "model");
}

// Recognizes the tokenizer.json pre_tokenizer shapes of the supported families.
PreTokenizer pre_tokenizer_from_json(const Json* config, const std::string& source) {
  auto is_byte_level_regex = [](const Json& j) {
    const Json* type = j.find("type");
    const Json* use_regex = j.find("use_regex");
    const Json* prefix = j.find("add_prefix_space");
    return type && type->is_string() && type->as_string("type") == "ByteLevel" &&
           (!use_regex || use_regex->as_bool("use_regex")) &&
           !(prefix && prefix->as_bool("add_prefix_space"));
  };
  if (config && is_byte_level_regex(*config)) return PreTokenizer::gpt2;
  // Qwen: Split(the Qwen2 regex, Isolated) then ByteLevel without its own regex.
  static const std::string kQwen2Regex =
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
      "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
  if (const Json* list = config ? config->find("pretokenizers") : nullptr) {
    const auto& steps = list->as_array(source + ": pre_tokenizer.pretokenizers");
    const Json* split_type = steps.size() == 2 ? steps[0].find("type") : nullptr;
    const Json* pattern = steps.size() == 2 ? steps[0].find("pattern") : nullptr;
    const Json* regex = pattern ? pattern->find("Regex") : nullptr;
    const Json* last_type = steps.size() == 2 ? steps[1].find("type") : nullptr;
    const Json* last_regex = steps.size() == 2 ? steps[1].find("use_regex") : nullptr;
    if (split_type && split_type->is_string() && split_type->as_string("type") == "Split" &&
        regex && regex->is_string() && regex->as_string("Regex") == kQwen2Regex && last_type &&
        last_type->is_string() && last_type->as_string("type") == "ByteLevel" && last_regex &&
        !last_regex->as_bool("use_regex"))
      return PreTokenizer::qwen2;
    const Json* digits_type = steps.size() == 2 ? steps[0].find("type") : nullptr;
    const Json* individual = steps.size() == 2 ? steps[0].find("individual_digits") : nullptr;
    if (digits_type && digits_type->is_string() && digits_type->as_string("type") == "Digits" &&
        individual && individual->as_bool("individual_digits") && is_byte_level_regex(steps[1]))
      return PreTokenizer::digits_then_gpt2;
  }
  throw IoError(source + ": this pre_tokenizer configuration is not supported yet",
                "genvec reads the GPT-2, SmolLM and Qwen2 pre-tokenizers");
}

}  // namespace

void Tokenizer::index_vocab() {
  ids_.clear();
  for (int32_t id = 0; id < vocab_size(); ++id) ids_.emplace(tokens_[id], id);
  specials_by_length_.clear();
  for (int32_t id = 0; id < vocab_size(); ++id)
    if (special_[id] && !tokens_[id].empty()) specials_by_length_.push_back(id);
  std::stable_sort(specials_by_length_.begin(), specials_by_length_.end(),
                   [&](int32_t a, int32_t b) { return tokens_[a].size() > tokens_[b].size(); });
}

void Tokenizer::add_merge(const std::string& left, const std::string& right) {
  merge_ranks_.emplace(left + " " + right, static_cast<int32_t>(merge_ranks_.size()));
}

Tokenizer Tokenizer::from_gguf(const GgufFile& file) {
  Tokenizer t;
  t.source_ = file.source;
  const std::string model = file.at("tokenizer.ggml.model").as_string("tokenizer.ggml.model");
  if (model != "gpt2")
    throw IoError(file.source + ": tokenizer model '" + model + "' is not supported yet",
                  "genvec reads byte-level BPE (tokenizer.ggml.model = gpt2) tokenizers");
  const GgufValue* pre = file.find("tokenizer.ggml.pre");
  t.pre_tokenizer_ =
      pre_tokenizer_from_gguf(pre ? pre->as_string("tokenizer.ggml.pre") : "default", file.source);
  for (const GgufValue& token : file.at("tokenizer.ggml.tokens").as_array("tokenizer.ggml.tokens"))
    t.tokens_.push_back(token.as_string("tokenizer.ggml.tokens"));
  t.special_.assign(t.tokens_.size(), false);
  if (const GgufValue* types = file.find("tokenizer.ggml.token_type")) {
    const auto& list = types->as_array("tokenizer.ggml.token_type");
    if (list.size() != t.tokens_.size())
      throw IoError(file.source + ": tokenizer.ggml.token_type has " + std::to_string(list.size()) +
                    " entries for " + std::to_string(t.tokens_.size()) + " tokens");
    // llama.cpp token types: 3 control, 4 user-defined: both are added tokens, matched whole.
    for (size_t i = 0; i < list.size(); ++i) {
      const int64_t type = list[i].as_int("tokenizer.ggml.token_type");
      t.special_[i] = type == 3 || type == 4;
    }
  }
  for (const GgufValue& merge :
       file.at("tokenizer.ggml.merges").as_array("tokenizer.ggml.merges")) {
    const std::string& text = merge.as_string("tokenizer.ggml.merges");
    const size_t space = text.find(' ', 1);
    if (space == std::string::npos)
      throw IoError(file.source + ": merge '" + text + "' is not two tokens separated by a space");
    t.add_merge(text.substr(0, space), text.substr(space + 1));
  }
  auto special_id = [&](const char* key) -> std::optional<int32_t> {
    const GgufValue* v = file.find(key);
    if (!v) return std::nullopt;
    const int64_t id = v->as_int(key);
    if (id < 0 || id >= t.vocab_size())
      throw IoError(file.source + ": " + key + " = " + std::to_string(id) + " is not a token id");
    return static_cast<int32_t>(id);
  };
  t.bos_id = special_id("tokenizer.ggml.bos_token_id");
  t.eos_id = special_id("tokenizer.ggml.eos_token_id");
  t.pad_id = special_id("tokenizer.ggml.padding_token_id");
  t.index_vocab();
  return t;
}

Tokenizer Tokenizer::from_hf_json(const Json& root, const std::string& source) {
  Tokenizer t;
  t.source_ = source;
  const Json* model = root.find("model");
  const Json* type = model ? model->find("type") : nullptr;
  if (!type || type->as_string(source + ": model.type") != "BPE")
    throw IoError(source + ": only BPE tokenizer models are supported",
                  "genvec reads byte-level BPE tokenizers (GPT-2, SmolLM, Llama 3, Qwen)");
  t.pre_tokenizer_ = pre_tokenizer_from_json(root.find("pre_tokenizer"), source);
  const Json* vocab = model->find("vocab");
  if (!vocab) throw IoError(source + ": model.vocab is missing");
  for (const auto& [token, id_json] : vocab->as_object(source + ": model.vocab")) {
    const int64_t id = id_json.as_int(source + ": model.vocab");
    if (id < 0 || id >= INT_MAX)
      throw IoError(source + ": token id " + std::to_string(id) + " is out of range");
    if (static_cast<size_t>(id) >= t.tokens_.size()) t.tokens_.resize(id + 1);
    t.tokens_[id] = token;
  }
  t.special_.assign(t.tokens_.size(), false);
  if (const Json* added = root.find("added_tokens")) {
    for (const Json& entry : added->as_array(source + ": added_tokens")) {
      const int64_t id =
          entry.find("id") ? entry.find("id")->as_int(source + ": added_tokens.id") : -1;
      const Json* content = entry.find("content");
      if (id < 0 || id >= INT_MAX || !content)
        throw IoError(source + ": malformed added_tokens entry");
      if (static_cast<size_t>(id) >= t.tokens_.size()) {
        t.tokens_.resize(id + 1);
        t.special_.resize(id + 1, false);
      }
      t.tokens_[id] = content->as_string(source + ": added_tokens.content");
      t.special_[id] = true;
    }
  }
  if (const Json* merges = model->find("merges")) {
    for (const Json& merge : merges->as_array(source + ": model.merges")) {
      if (merge.is_string()) {  // "left right"
        const std::string& text = merge.as_string("merge");
        const size_t space = text.find(' ', 1);
        if (space == std::string::npos)
          throw IoError(source + ": merge '" + text + "' is malformed");
        t.add_merge(text.substr(0, space), text.substr(space + 1));
      } else {  // ["left", "right"] (tokenizers >= 0.20)
        const auto& pair = merge.as_array(source + ": model.merges");
        if (pair.size() != 2) throw IoError(source + ": a merge is not a pair");
        t.add_merge(pair[0].as_string("merge"), pair[1].as_string("merge"));
      }
    }
  }
  t.index_vocab();
  return t;
}

std::optional<int32_t> Tokenizer::token_id(std::string_view token) const {
  auto it = ids_.find(std::string(token));
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

int32_t Tokenizer::add_special_token(const std::string& text) {
  if (auto id = token_id(text)) {
    special_[*id] = true;
    index_vocab();
    return *id;
  }
  tokens_.push_back(text);
  special_.push_back(true);
  index_vocab();
  return vocab_size() - 1;
}

// Merges the byte-level symbols of one word by rank (GPT-2's bpe(): repeatedly merge every
// occurrence of the best-ranked adjacent pair), then looks the symbols up.
void Tokenizer::bpe(const std::string& word, std::vector<int32_t>& out) const {
  std::vector<std::string> symbols;
  for (size_t i = 0; i < word.size();) {  // one symbol per code point of the byte alphabet
    const unsigned char lead = word[i];
    const size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    symbols.push_back(word.substr(i, length));
    i += length;
  }
  while (symbols.size() > 1) {
    int32_t best_rank = INT32_MAX;
    std::string best_left, best_right;
    for (size_t i = 0; i + 1 < symbols.size(); ++i) {
      auto it = merge_ranks_.find(symbols[i] + " " + symbols[i + 1]);
      if (it != merge_ranks_.end() && it->second < best_rank) {
        best_rank = it->second;
        best_left = symbols[i];
        best_right = symbols[i + 1];
      }
    }
    if (best_rank == INT32_MAX) break;
    std::vector<std::string> merged;
    merged.reserve(symbols.size());
    for (size_t i = 0; i < symbols.size(); ++i) {
      if (i + 1 < symbols.size() && symbols[i] == best_left && symbols[i + 1] == best_right) {
        merged.push_back(best_left + best_right);
        ++i;
      } else {
        merged.push_back(std::move(symbols[i]));
      }
    }
    symbols = std::move(merged);
  }
  for (const std::string& symbol : symbols) {
    auto it = ids_.find(symbol);
    if (it == ids_.end())
      throw IoError(
          source_ + ": the vocabulary has no token for byte-level symbol '" + symbol + "'",
          "the tokenizer's vocabulary is incomplete: every one of the 256 byte symbols "
          "must be a token");
    out.push_back(it->second);
  }
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, size_t* invalid_utf8) const {
  std::vector<int32_t> ids;
  size_t invalid_total = 0;
  const ByteAlphabet& alphabet = byte_alphabet();
  auto encode_plain = [&](std::string_view plain) {
    size_t invalid = 0;
    std::vector<uint32_t> codepoints = utf8_decode(plain, &invalid);
    // Qwen tokenizers normalize to NFC before splitting (their tokenizer.json normalizer;
    // llama.cpp skips it, genvec follows the Hugging Face tokenizer).
    if (pre_tokenizer_ == PreTokenizer::qwen2) codepoints = unicode_nfc(codepoints);
    invalid_total += invalid;
    for (const auto& [begin, end] : pretokenize(pre_tokenizer_, codepoints)) {
      std::string word;
      for (size_t i = begin; i < end; ++i) {
        std::string bytes;
        utf8_append(bytes, codepoints[i]);
        for (unsigned char b : bytes) word += alphabet.byte_to_text[b];
      }
      bpe(word, ids);
    }
  };
  size_t plain_start = 0;
  for (size_t pos = 0; pos < text.size();) {
    int32_t match = -1;
    for (int32_t id : specials_by_length_) {
      const std::string& special = tokens_[id];
      if (text.compare(pos, special.size(), special) == 0) {
        match = id;
        break;
      }
    }
    if (match < 0) {
      ++pos;
      continue;
    }
    encode_plain(text.substr(plain_start, pos - plain_start));
    ids.push_back(match);
    pos += tokens_[match].size();
    plain_start = pos;
  }
  encode_plain(text.substr(plain_start));
  if (invalid_utf8) *invalid_utf8 = invalid_total;
  return ids;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids) const {
  const ByteAlphabet& alphabet = byte_alphabet();
  std::string out;
  for (int32_t id : ids) {
    if (id < 0 || id >= vocab_size())
      throw IoError("decode: token id " + std::to_string(id) + " is outside the vocabulary of " +
                    std::to_string(vocab_size()));
    if (special_[id]) {
      out += tokens_[id];
      continue;
    }
    for (uint32_t cp : utf8_decode(tokens_[id])) {
      auto it = alphabet.codepoint_to_byte.find(cp);
      if (it != alphabet.codepoint_to_byte.end())
        out += static_cast<char>(it->second);
      else
        utf8_append(out, cp);  // not a byte symbol: the token's own text
    }
  }
  return out;
}

}  // namespace genvec
