// UTF-8 decoding and encoding: see utf8.h.
#include "common/utf8.h"

namespace genvec {
namespace {

// The allowed range of the second byte after a lead byte (Unicode Table 3-7); later
// continuation bytes are always 0x80..0xBF.
bool second_byte_ok(uint8_t lead, uint8_t byte) {
  switch (lead) {
    case 0xE0:
      return byte >= 0xA0 && byte <= 0xBF;
    case 0xED:
      return byte >= 0x80 && byte <= 0x9F;
    case 0xF0:
      return byte >= 0x90 && byte <= 0xBF;
    case 0xF4:
      return byte >= 0x80 && byte <= 0x8F;
    default:
      return byte >= 0x80 && byte <= 0xBF;
  }
}

}  // namespace

std::vector<uint32_t> utf8_decode(std::string_view text, size_t* invalid) {
  std::vector<uint32_t> out;
  out.reserve(text.size());
  size_t bad = 0;
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    const uint8_t lead = s[i];
    int length;
    uint32_t cp;
    if (lead < 0x80) {
      out.push_back(lead);
      ++i;
      continue;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2, cp = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3, cp = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4, cp = lead & 0x07;
    } else {
      out.push_back(kReplacementCharacter), ++bad, ++i;
      continue;
    }
    // Consume the longest valid prefix; a broken sequence is replaced once, and the byte that
    // broke it starts the next sequence (the "maximal subpart" rule Python follows).
    int k = 1;
    for (; k < length && i + k < n; ++k) {
      const uint8_t byte = s[i + k];
      if (k == 1 ? !second_byte_ok(lead, byte) : (byte < 0x80 || byte > 0xBF)) break;
      cp = (cp << 6) | (byte & 0x3F);
    }
    if (k == length) {
      out.push_back(cp);
    } else {
      out.push_back(kReplacementCharacter);
      ++bad;
    }
    i += k;
  }
  if (invalid) *invalid = bad;
  return out;
}

void utf8_append(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string utf8_encode(const std::vector<uint32_t>& codepoints) {
  std::string out;
  out.reserve(codepoints.size());
  for (uint32_t cp : codepoints) utf8_append(out, cp);
  return out;
}

}  // namespace genvec
