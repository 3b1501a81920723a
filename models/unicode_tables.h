// The generated Unicode data tables (models/unicode_tables.cpp, written by
// scripts/gen_unicode_tables.py); only models/unicode.cpp reads them.
#pragma once

#include <cstddef>
#include <cstdint>

#include "models/unicode.h"

namespace genvec::unicode_tables {

struct CombiningClassRange {
  uint32_t first, last;  // inclusive
  uint8_t combining_class;
};
struct Decomposition {
  uint32_t codepoint, first, second;  // second is 0 for a one-code-point decomposition
};
struct Composition {
  uint32_t first, second, composite;  // sorted by (first, second)
};

extern const CodepointRange kLetter[];
extern const size_t kLetter_size;
extern const CodepointRange kNumber[];
extern const size_t kNumber_size;
extern const CodepointRange kMark[];
extern const size_t kMark_size;
extern const CodepointRange kWhiteSpace[];
extern const size_t kWhiteSpace_size;
extern const CombiningClassRange kCombiningClass[];
extern const size_t kCombiningClass_size;
extern const Decomposition kDecomposition[];
extern const size_t kDecomposition_size;
extern const Composition kComposition[];
extern const size_t kComposition_size;
extern const char* const kUnicodeVersion;

}  // namespace genvec::unicode_tables
