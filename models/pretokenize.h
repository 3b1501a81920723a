// Pre-tokenization: how byte-level BPE tokenizers cut text into words before merging. Each
// family's rule is a regex in Hugging Face tokenizers; here each is a hand-written scanner that
// follows the regex's alternation order exactly (as llama.cpp's unicode.cpp does), over code
// points, using the Unicode classes of models/unicode.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace genvec {

enum class PreTokenizer {
  // GPT-2 (ByteLevel use_regex):
  //   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
  gpt2,
  // SmolLM / StarCoder: every \p{N} character isolated first (Digits individual_digits), then
  // the GPT-2 rule on each remaining piece.
  digits_then_gpt2,
  // Qwen2, Qwen2.5, Qwen3 (Split, behavior Isolated; the text is NFC-normalized first):
  //   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|
  //   \s*[\r\n]+|\s+(?!\S)|\s+
  qwen2,
};

// "gpt2", "digits_then_gpt2", "qwen2"
std::string_view pretokenizer_name(PreTokenizer kind);

// The words of `text` as [begin, end) code point index ranges, in order, covering it all.
std::vector<std::pair<size_t, size_t>> pretokenize(PreTokenizer kind,
                                                   const std::vector<uint32_t>& text);

}  // namespace genvec
