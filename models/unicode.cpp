// Unicode classes and NFC: see unicode.h.
#include "models/unicode.h"

#include <algorithm>

#include "models/unicode_tables.h"

namespace genvec {

bool unicode_in_ranges(uint32_t cp, const CodepointRange* table, size_t size) {
  const CodepointRange* end = table + size;
  const CodepointRange* it = std::upper_bound(
      table, end, cp, [](uint32_t value, const CodepointRange& r) { return value < r.first; });
  return it != table && cp <= (it - 1)->last;
}

bool unicode_is_letter(uint32_t cp) {
  return unicode_in_ranges(cp, unicode_tables::kLetter, unicode_tables::kLetter_size);
}
bool unicode_is_number(uint32_t cp) {
  return unicode_in_ranges(cp, unicode_tables::kNumber, unicode_tables::kNumber_size);
}
bool unicode_is_mark(uint32_t cp) {
  return unicode_in_ranges(cp, unicode_tables::kMark, unicode_tables::kMark_size);
}
bool unicode_is_white_space(uint32_t cp) {
  return unicode_in_ranges(cp, unicode_tables::kWhiteSpace, unicode_tables::kWhiteSpace_size);
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
