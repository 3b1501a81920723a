// The generated tables of what Hugging Face tokenizers' BertNormalizer and BertPreTokenizer do
// per code point (models/bert_unicode_tables.cpp, written by scripts/gen_bert_unicode_tables.py);
// only models/wordpiece.cpp reads them.
#pragma once

#include <cstddef>
#include <cstdint>

#include "models/unicode.h"

namespace genvec::bert_unicode_tables {

// A code point replaced by pool[offset, offset + length) (length 0: removed).
struct CodepointMapping {
  uint32_t codepoint;
  uint32_t offset;
  uint32_t length;
};

extern const CodepointRange kRemovedByCleanText[];  // clean_text drops these
extern const size_t kRemovedByCleanText_size;
extern const CodepointRange kSpaceByCleanText[];    // clean_text turns these into ' '
extern const size_t kSpaceByCleanText_size;
extern const CodepointRange kChineseChar[];         // handle_chinese_chars pads these
extern const size_t kChineseChar_size;
extern const CodepointRange kPunctuation[];         // the pre-tokenizer isolates these
extern const size_t kPunctuation_size;
extern const CodepointRange kSplitWhiteSpace[];     // the pre-tokenizer splits on (drops) these
extern const size_t kSplitWhiteSpace_size;
extern const CodepointMapping kStripAccents[];      // NFD then drop marks; Hangul is algorithmic
extern const size_t kStripAccents_size;
extern const uint32_t kStripAccentsPool[];
extern const size_t kStripAccentsPool_size;
extern const CodepointMapping kLowercase[];
extern const size_t kLowercase_size;
extern const uint32_t kLowercasePool[];
extern const size_t kLowercasePool_size;
extern const char* const kTokenizersVersion;

}  // namespace genvec::bert_unicode_tables
