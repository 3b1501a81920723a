// Pre-tokenization scanners: see pretokenize.h.
#include "models/pretokenize.h"

#include "models/unicode.h"

namespace genvec {
namespace {

using Ranges = std::vector<std::pair<size_t, size_t>>;

bool is_other(uint32_t cp) {  // [^\s\p{L}\p{N}]
  return !unicode_is_white_space(cp) && !unicode_is_letter(cp) && !unicode_is_number(cp);
}

// The GPT-2 regex over text[begin, end), appending the matches to `out`. Each branch below is
// one alternative of the regex, tried in the regex's order at every position.
void split_gpt2(const std::vector<uint32_t>& text, size_t begin, size_t end, Ranges& out) {
  auto at = [&](size_t i) -> uint32_t { return i < end ? text[i] : 0; };
  size_t pos = begin;
  while (pos < end) {
    const uint32_t c = text[pos];
    // 's|'t|'re|'ve|'m|'ll|'d
    if (c == '\'' && pos + 1 < end) {
      const uint32_t n1 = at(pos + 1), n2 = pos + 2 < end ? at(pos + 2) : 0;
      if (n1 == 's' || n1 == 't' || n1 == 'm' || n1 == 'd') {
        out.emplace_back(pos, pos + 2);
        pos += 2;
        continue;
      }
      if ((n1 == 'r' && n2 == 'e') || (n1 == 'v' && n2 == 'e') || (n1 == 'l' && n2 == 'l')) {
        out.emplace_back(pos, pos + 3);
        pos += 3;
        continue;
      }
    }
    //  ?\p{L}+ |  ?\p{N}+ |  ?[^\s\p{L}\p{N}]+
    const size_t body = c == ' ' ? pos + 1 : pos;
    if (body < end) {
      bool (*same_class)(uint32_t) = nullptr;
      if (unicode_is_letter(text[body]))
        same_class = unicode_is_letter;
      else if (unicode_is_number(text[body]))
        same_class = unicode_is_number;
      else if (is_other(text[body]))
        same_class = is_other;
      if (same_class) {
        size_t stop = body;
        while (stop < end && same_class(text[stop])) ++stop;
        out.emplace_back(pos, stop);
        pos = stop;
        continue;
      }
    }
    // \s+(?!\S) | \s+ : a run of white space; when a non-space follows, its last character is
    // left to start the next word (so " word" keeps its space).
    size_t stop = pos;
    while (stop < end && unicode_is_white_space(text[stop])) ++stop;
    if (stop == pos) stop = pos + 1;  // unreachable for valid classes; guarantees progress
    if (stop < end && stop - pos > 1) --stop;
    out.emplace_back(pos, stop);
    pos = stop;
  }
}

bool is_newline(uint32_t cp) { return cp == '\r' || cp == '\n'; }

uint32_t lower_ascii(uint32_t cp) { return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp; }

// The Qwen2 regex over text[begin, end), alternative by alternative.
void split_qwen2(const std::vector<uint32_t>& text, size_t begin, size_t end, Ranges& out) {
  size_t pos = begin;
  auto emit = [&](size_t stop) {
    out.emplace_back(pos, stop);
    pos = stop;
  };
  while (pos < end) {
    const uint32_t c = text[pos];
    // (?i:'s|'t|'re|'ve|'m|'ll|'d)
    if (c == '\'' && pos + 1 < end) {
      const uint32_t n1 = lower_ascii(text[pos + 1]);
      const uint32_t n2 = pos + 2 < end ? lower_ascii(text[pos + 2]) : 0;
      if (n1 == 's' || n1 == 't' || n1 == 'm' || n1 == 'd') {
        emit(pos + 2);
        continue;
      }
      if ((n1 == 'r' && n2 == 'e') || (n1 == 'v' && n2 == 'e') || (n1 == 'l' && n2 == 'l')) {
        emit(pos + 3);
        continue;
      }
    }
    // [^\r\n\p{L}\p{N}]?\p{L}+
    const bool lead = !is_newline(c) && !unicode_is_letter(c) && !unicode_is_number(c);
    const size_t letters = lead ? pos + 1 : pos;
    if (letters < end && unicode_is_letter(text[letters])) {
      size_t stop = letters;
      while (stop < end && unicode_is_letter(text[stop])) ++stop;
      emit(stop);
      continue;
    }
    // \p{N}
    if (unicode_is_number(c)) {
      emit(pos + 1);
      continue;
    }
    //  ?[^\s\p{L}\p{N}]+[\r\n]*
    const size_t body = c == ' ' ? pos + 1 : pos;
    if (body < end && is_other(text[body])) {
      size_t stop = body;
      while (stop < end && is_other(text[stop])) ++stop;
      while (stop < end && is_newline(text[stop])) ++stop;
      emit(stop);
      continue;
    }
    // \s*[\r\n]+ : white space up to and including its last newline.
    size_t run_end = pos;
    while (run_end < end && unicode_is_white_space(text[run_end])) ++run_end;
    size_t last_newline = run_end;
    for (size_t i = pos; i < run_end; ++i)
      if (is_newline(text[i])) last_newline = i;
    if (last_newline < run_end) {
      emit(last_newline + 1);
      continue;
    }
    // \s+(?!\S) | \s+
    size_t stop = run_end > pos ? run_end : pos + 1;
    if (stop < end && stop - pos > 1) --stop;
    emit(stop);
  }
}

}  // namespace

std::string_view pretokenizer_name(PreTokenizer kind) {
  switch (kind) {
    case PreTokenizer::gpt2:
      return "gpt2";
    case PreTokenizer::digits_then_gpt2:
      return "digits_then_gpt2";
    case PreTokenizer::qwen2:
      return "qwen2";
  }
  return "?";
}

std::vector<std::pair<size_t, size_t>> pretokenize(PreTokenizer kind,
                                                   const std::vector<uint32_t>& text) {
  Ranges out;
  switch (kind) {
    case PreTokenizer::gpt2:
      split_gpt2(text, 0, text.size(), out);
      break;
    case PreTokenizer::digits_then_gpt2: {
      size_t start = 0;
      for (size_t i = 0; i < text.size(); ++i) {
        if (!unicode_is_number(text[i])) continue;
        split_gpt2(text, start, i, out);
        out.emplace_back(i, i + 1);
        start = i + 1;
      }
      split_gpt2(text, start, text.size(), out);
      break;
    }
    case PreTokenizer::qwen2:
      split_qwen2(text, 0, text.size(), out);
      break;
  }
  return out;
}

}  // namespace genvec
