// UTF-8 and Unicode classes: see unicode.h.
#include "models/unicode.h"

#include <algorithm>

#include "models/unicode_tables.h"

namespace genvec {

namespace {

bool in_table(uint32_t cp, const CodepointRange* table, size_t size) {
  const CodepointRange* end = table + size;
  const CodepointRange* it = std::upper_bound(
      table, end, cp, [](uint32_t value, const CodepointRange& r) { return value < r.first; });
  return it != table && cp <= (it - 1)->last;
}

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

bool unicode_is_letter(uint32_t cp) {
  return in_table(cp, unicode_tables::kLetter, unicode_tables::kLetter_size);
}
bool unicode_is_number(uint32_t cp) {
  return in_table(cp, unicode_tables::kNumber, unicode_tables::kNumber_size);
}
bool unicode_is_mark(uint32_t cp) {
  return in_table(cp, unicode_tables::kMark, unicode_tables::kMark_size);
}
bool unicode_is_white_space(uint32_t cp) {
  return in_table(cp, unicode_tables::kWhiteSpace, unicode_tables::kWhiteSpace_size);
}
const char* unicode_tables_version() { return unicode_tables::kUnicodeVersion; }

namespace {

// Hangul syllables decompose and compose arithmetically (Unicode 3.12).
constexpr uint32_t kHangulS = 0xAC00, kHangulL = 0x1100, kHangulV = 0x1161, kHangulT = 0x11A7;
constexpr uint32_t kHangulLCount = 19, kHangulVCount = 21, kHangulTCount = 28;
constexpr uint32_t kHangulN = kHangulVCount * kHangulTCount,
                   kHangulSCount = kHangulLCount * kHangulN;

uint8_t combining_class(uint32_t cp) {
  using unicode_tables::CombiningClassRange;
  const CombiningClassRange* table = unicode_tables::kCombiningClass;
  const CombiningClassRange* end = table + unicode_tables::kCombiningClass_size;
  const CombiningClassRange* it = std::upper_bound(
      table, end, cp, [](uint32_t v, const CombiningClassRange& r) { return v < r.first; });
  return it != table && cp <= (it - 1)->last ? (it - 1)->combining_class : 0;
}

void decompose(uint32_t cp, std::vector<uint32_t>& out) {
  if (cp >= kHangulS && cp < kHangulS + kHangulSCount) {
    const uint32_t index = cp - kHangulS;
    out.push_back(kHangulL + index / kHangulN);
    out.push_back(kHangulV + index % kHangulN / kHangulTCount);
    if (index % kHangulTCount) out.push_back(kHangulT + index % kHangulTCount);
    return;
  }
  using unicode_tables::Decomposition;
  const Decomposition* table = unicode_tables::kDecomposition;
  const Decomposition* end = table + unicode_tables::kDecomposition_size;
  const Decomposition* it = std::lower_bound(
      table, end, cp, [](const Decomposition& d, uint32_t v) { return d.codepoint < v; });
  if (it == end || it->codepoint != cp) {
    out.push_back(cp);
    return;
  }
  decompose(it->first, out);  // decompositions nest: apply them fully
  if (it->second) decompose(it->second, out);
}

// The primary composite of (first, second), or 0.
uint32_t compose(uint32_t first, uint32_t second) {
  if (first >= kHangulL && first < kHangulL + kHangulLCount && second >= kHangulV &&
      second < kHangulV + kHangulVCount)
    return kHangulS + ((first - kHangulL) * kHangulVCount + (second - kHangulV)) * kHangulTCount;
  if (first >= kHangulS && first < kHangulS + kHangulSCount &&
      (first - kHangulS) % kHangulTCount == 0 && second > kHangulT &&
      second < kHangulT + kHangulTCount)
    return first + (second - kHangulT);
  using unicode_tables::Composition;
  const Composition* table = unicode_tables::kComposition;
  const Composition* end = table + unicode_tables::kComposition_size;
  const Composition* it =
      std::lower_bound(table, end, std::make_pair(first, second),
                       [](const Composition& c, std::pair<uint32_t, uint32_t> v) {
                         return std::make_pair(c.first, c.second) < v;
                       });
  return it != end && it->first == first && it->second == second ? it->composite : 0;
}

}  // namespace

std::vector<uint32_t> unicode_nfc(const std::vector<uint32_t>& text) {
  // Canonical decomposition, then canonical ordering of each run of non-starters.
  std::vector<uint32_t> s;
  s.reserve(text.size());
  for (uint32_t cp : text) decompose(cp, s);
  for (size_t i = 1; i < s.size(); ++i) {
    const uint8_t cls = combining_class(s[i]);
    if (cls == 0) continue;
    for (size_t j = i; j > 0 && combining_class(s[j - 1]) > cls; --j) std::swap(s[j - 1], s[j]);
  }
  // Canonical composition (the Unicode Standard's sample algorithm).
  if (s.empty()) return s;
  size_t starter = 0, write = 1;
  int last_class = combining_class(s[0]) ? 256 : 0;
  for (size_t read = 1; read < s.size(); ++read) {
    const uint32_t ch = s[read];
    const int cls = combining_class(ch);
    const uint32_t composite = compose(s[starter], ch);
    if (composite && (last_class < cls || last_class == 0)) {
      s[starter] = composite;
      continue;
    }
    if (cls == 0) starter = write;
    last_class = cls;
    s[write++] = ch;
  }
  s.resize(write);
  return s;
}

}  // namespace genvec
