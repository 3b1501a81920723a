// A small strict JSON (RFC 8259) reader for the files genvec meets: tokenizer.json, config.json,
// safetensors headers, JSONL query files. Errors are IoErrors naming source:line:column. Torch-
// free and fuzzed (tests/fuzz/json_fuzz.cpp). Objects keep their key order; a repeated key
// resolves to its last value, as Python's json module does.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace genvec {

class Json {
 public:
  using Array = std::vector<Json>;
  using Object = std::vector<std::pair<std::string, Json>>;
  enum class Kind { null, boolean, number, string, array, object };

  Json() = default;
  explicit Json(bool b) : value_(b) {}
  Json(double number, std::optional<int64_t> exact_integer)
      : value_(number), integer_(exact_integer) {}
  explicit Json(std::string s) : value_(std::move(s)) {}
  explicit Json(Array a) : value_(std::move(a)) {}
  explicit Json(Object o) : value_(std::move(o)) {}

  Kind kind() const { return static_cast<Kind>(value_.index()); }
  bool is_null() const { return kind() == Kind::null; }
  bool is_string() const { return kind() == Kind::string; }
  bool is_number() const { return kind() == Kind::number; }
  bool is_array() const { return kind() == Kind::array; }
  bool is_object() const { return kind() == Kind::object; }
  // True for a number written as an integer that fits int64 ("12", not "12.0" or "1e3").
  bool is_integer() const { return is_number() && integer_.has_value(); }

  // Typed access; `what` names the value in the IoError thrown on a kind mismatch
  // ("tokenizer.json: model.vocab").
  bool as_bool(std::string_view what) const;
  double as_number(std::string_view what) const;
  int64_t as_int(std::string_view what) const;
  const std::string& as_string(std::string_view what) const;
  const Array& as_array(std::string_view what) const;
  const Object& as_object(std::string_view what) const;

  // Object member lookup: nullptr when absent or when this is not an object.
  const Json* find(std::string_view key) const;

 private:
  std::variant<std::monostate, bool, double, std::string, Array, Object> value_;
  std::optional<int64_t> integer_;
};

std::string_view json_kind_name(Json::Kind kind);

// Parses one JSON text (surrounding whitespace allowed, nothing else). Throws IoError
// "source:line:column: what is wrong".
Json json_parse(std::string_view text, std::string_view source);

// Reads and parses a whole JSON file; IoErrors name the file.
Json json_parse_file(const std::filesystem::path& path);

// `text` as a JSON string literal, quotes included: ", \ and control characters escaped, other
// bytes (UTF-8) kept as they are.
std::string json_quote(std::string_view text);

// A number as JSON: the shortest digits that read back to the same double; NaN and infinities
// (which JSON lacks) as null.
std::string json_number(double value);

}  // namespace genvec
