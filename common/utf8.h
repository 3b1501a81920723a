// UTF-8 decoding (with Python's replacement rule for broken sequences) and encoding, shared by
// the JSON reader and the tokenizers. Torch-free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace genvec {

constexpr uint32_t kReplacementCharacter = 0xFFFD;

// Decodes UTF-8. Each maximal invalid subsequence becomes one U+FFFD, as Python's
// bytes.decode("utf-8", errors="replace") does; `invalid` (if given) counts them.
std::vector<uint32_t> utf8_decode(std::string_view text, size_t* invalid = nullptr);

void utf8_append(std::string& out, uint32_t codepoint);
std::string utf8_encode(const std::vector<uint32_t>& codepoints);

}  // namespace genvec
