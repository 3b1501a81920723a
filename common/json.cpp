// Strict recursive-descent JSON reader: see json.h.
#include "common/json.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>

#include "common/errors.h"
#include "common/utf8.h"

namespace genvec {
namespace {

constexpr int kMaxDepth = 512;  // deeper nesting is no real file; it would exhaust the stack

class Parser {
 public:
  Parser(std::string_view text, std::string_view source) : text_(text), source_(source) {}

  Json parse_document() {
    skip_whitespace();
    Json value = parse_value(0);
    skip_whitespace();
    if (position_ != text_.size()) fail("unexpected text after the JSON value");
    return value;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    size_t line = 1, column = 1;
    for (size_t i = 0; i < position_ && i < text_.size(); ++i) {
      if (text_[i] == '\n')
        ++line, column = 1;
      else
        ++column;
    }
    throw IoError(std::string(source_) + ":" + std::to_string(line) + ":" + std::to_string(column) +
                      ": invalid JSON: " + what,
                  "the file is damaged or not JSON; check it with `python3 -m json.tool`");
  }

  bool at_end() const { return position_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[position_]; }

  void skip_whitespace() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r'))
      ++position_;
  }

  void expect_literal(std::string_view literal) {
    if (text_.substr(position_, literal.size()) != literal)
      fail("expected `" + std::string(literal) + "`");
    position_ += literal.size();
  }

  Json parse_value(int depth) {
    if (depth > kMaxDepth) fail("nested deeper than 512 levels");
    switch (peek()) {
      case '{':
        return parse_object(depth);
      case '[':
        return parse_array(depth);
      case '"':
        return Json(parse_string());
      case 't':
        expect_literal("true");
        return Json(true);
      case 'f':
        expect_literal("false");
        return Json(false);
      case 'n':
        expect_literal("null");
        return Json();
      default:
        if (peek() == '-' || (peek() >= '0' && peek() <= '9')) return parse_number();
        fail(at_end() ? "unexpected end of text" : "unexpected character");
    }
  }

  Json parse_object(int depth) {
    ++position_;  // '{'
    Json::Object members;
    skip_whitespace();
    if (peek() == '}') {
      ++position_;
      return Json(std::move(members));
    }
    for (;;) {
      skip_whitespace();
      if (peek() != '"') fail("expected a string key");
      std::string key = parse_string();
      skip_whitespace();
      if (peek() != ':') fail("expected `:` after an object key");
      ++position_;
      skip_whitespace();
      members.emplace_back(std::move(key), parse_value(depth + 1));
      skip_whitespace();
      if (peek() == ',') {
        ++position_;
        continue;
      }
      if (peek() == '}') {
        ++position_;
        return Json(std::move(members));
      }
      fail("expected `,` or `}` in an object");
    }
  }

  Json parse_array(int depth) {
    ++position_;  // '['
    Json::Array items;
    skip_whitespace();
    if (peek() == ']') {
      ++position_;
      return Json(std::move(items));
    }
    for (;;) {
      skip_whitespace();
      items.push_back(parse_value(depth + 1));
      skip_whitespace();
      if (peek() == ',') {
        ++position_;
        continue;
      }
      if (peek() == ']') {
        ++position_;
        return Json(std::move(items));
      }
      fail("expected `,` or `]` in an array");
    }
  }

  uint32_t parse_hex4() {
    if (text_.size() - position_ < 4) fail("truncated \\u escape");
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[position_++];
      value <<= 4;
      if (c >= '0' && c <= '9')
        value |= c - '0';
      else if (c >= 'a' && c <= 'f')
        value |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        value |= c - 'A' + 10;
      else
        fail("bad hex digit in a \\u escape");
    }
    return value;
  }

  std::string parse_string() {
    ++position_;  // opening quote
    std::string out;
    for (;;) {
      if (at_end()) fail("unterminated string");
      const char c = text_[position_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) {
        --position_;
        fail("control character inside a string (write it as an escape)");
      }
      if (c != '\\') {
        out += c;
        continue;
      }
      if (at_end()) fail("unterminated escape");
      switch (const char e = text_[position_++]) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          uint32_t cp = parse_hex4();
          // A high surrogate followed by a low one is one code point; a lone surrogate is kept
          // as its 3-byte form, as Python's json module keeps it.
          if (cp >= 0xD800 && cp < 0xDC00 && text_.substr(position_, 2) == "\\u") {
            const size_t saved = position_;
            position_ += 2;
            const uint32_t low = parse_hex4();
            if (low >= 0xDC00 && low < 0xE000)
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            else
              position_ = saved;
          }
          utf8_append(out, cp);
          break;
        }
        default:
          --position_;
          fail(std::string("unknown escape \\") + e);
      }
    }
  }

  Json parse_number() {
    const size_t start = position_;
    auto digits = [&] {
      const size_t first = position_;
      while (!at_end() && peek() >= '0' && peek() <= '9') ++position_;
      return position_ - first;
    };
    if (peek() == '-') ++position_;
    if (peek() == '0')
      ++position_;
    else if (digits() == 0)
      fail("expected a digit");
    bool integral = true;
    if (peek() == '.') {
      ++position_;
      integral = false;
      if (digits() == 0) fail("expected a digit after the decimal point");
    }
    if (peek() == 'e' || peek() == 'E') {
      ++position_;
      integral = false;
      if (peek() == '+' || peek() == '-') ++position_;
      if (digits() == 0) fail("expected a digit in the exponent");
    }
    const char* first = text_.data() + start;
    const char* last = text_.data() + position_;
    double number = 0;
    if (auto [end, ec] = std::from_chars(first, last, number);
        ec == std::errc::result_out_of_range) {
      // Beyond a double: +-inf for a huge magnitude, +-0 for a tiny one (a negative exponent),
      // as Python's float() gives.
      const std::string_view literal(first, last - first);
      const size_t e = literal.find_first_of("eE");
      const bool tiny =
          e != std::string_view::npos && e + 1 < literal.size() && literal[e + 1] == '-';
      number = std::copysign(tiny ? 0.0 : HUGE_VAL, *first == '-' ? -1.0 : 1.0);
    }
    std::optional<int64_t> exact;
    int64_t integer = 0;
    if (integral) {
      if (auto [end, ec] = std::from_chars(first, last, integer); ec == std::errc())
        exact = integer;
    }
    return Json(number, exact);
  }

  std::string_view text_;
  std::string_view source_;
  size_t position_ = 0;
};

[[noreturn]] void wrong_kind(std::string_view what, Json::Kind actual, const char* wanted) {
  throw IoError(
      std::string(what) + ": expected " + wanted + ", found " + std::string(json_kind_name(actual)),
      "the file does not have the layout genvec expects");
}

}  // namespace

std::string_view json_kind_name(Json::Kind kind) {
  static constexpr std::string_view names[] = {"null",     "a boolean", "a number",
                                               "a string", "an array",  "an object"};
  return names[static_cast<int>(kind)];
}

bool Json::as_bool(std::string_view what) const {
  if (auto* b = std::get_if<bool>(&value_)) return *b;
  wrong_kind(what, kind(), "a boolean");
}

double Json::as_number(std::string_view what) const {
  if (auto* d = std::get_if<double>(&value_)) return *d;
  wrong_kind(what, kind(), "a number");
}

int64_t Json::as_int(std::string_view what) const {
  if (integer_) return *integer_;
  wrong_kind(what, kind(), "an integer");
}

const std::string& Json::as_string(std::string_view what) const {
  if (auto* s = std::get_if<std::string>(&value_)) return *s;
  wrong_kind(what, kind(), "a string");
}

const Json::Array& Json::as_array(std::string_view what) const {
  if (auto* a = std::get_if<Array>(&value_)) return *a;
  wrong_kind(what, kind(), "an array");
}

const Json::Object& Json::as_object(std::string_view what) const {
  if (auto* o = std::get_if<Object>(&value_)) return *o;
  wrong_kind(what, kind(), "an object");
}

const Json* Json::find(std::string_view key) const {
  const auto* object = std::get_if<Object>(&value_);
  if (!object) return nullptr;
  for (auto it = object->rbegin(); it != object->rend(); ++it)
    if (it->first == key) return &it->second;
  return nullptr;
}

Json json_parse(std::string_view text, std::string_view source) {
  return Parser(text, source).parse_document();
}

Json json_parse_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw IoError("cannot open " + path.string(), "check that the file exists and is readable");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return json_parse(text, path.string());
}

std::string json_quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string json_number(double value) {
  if (!std::isfinite(value)) return "null";
  char text[32];
  const auto [end, ec] = std::to_chars(text, text + sizeof text, value);
  return std::string(text, end);
}

}  // namespace genvec
