// GGUF (v2 and v3) files: header, every metadata value type including nested arrays, tensor
// infos and the aligned tensor data. Every count, size and offset is checked against the bytes
// actually there, so a truncated or malformed file is an IoError naming the file and the
// problem, never a crash or an out-of-bounds read. Torch-free (fuzzed by tests/fuzz/gguf_fuzz.cpp).
// Spec: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "models/ggml_types.h"

namespace genvec {

class MappedFile;

// The value types of GGUF metadata, numbered as in the file.
enum class GgufType : uint32_t {
  uint8 = 0,
  int8 = 1,
  uint16 = 2,
  int16 = 3,
  uint32 = 4,
  int32 = 5,
  float32 = 6,
  boolean = 7,
  string = 8,
  array = 9,
  uint64 = 10,
  int64 = 11,
  float64 = 12,
};

struct GgufValue {
  GgufType type = GgufType::uint8;
  GgufType element_type = GgufType::uint8;  // arrays only
  // Unsigned integers as uint64_t, signed as int64_t, floats as double.
  std::variant<uint64_t, int64_t, double, bool, std::string, std::vector<GgufValue>> value;

  bool is_integer() const;
  // The value as an integer / number / string / array; throws IoError naming `key` otherwise.
  int64_t as_int(const std::string& key) const;
  double as_number(const std::string& key) const;
  const std::string& as_string(const std::string& key) const;
  const std::vector<GgufValue>& as_array(const std::string& key) const;
};

struct GgufTensorInfo {
  std::string name;
  std::vector<int64_t> shape;  // GGUF order: shape[0] is the fastest-varying (row length)
  GgmlTypeTraits traits;
  uint64_t offset = 0;  // from the start of the data section
  int64_t num_elements = 0;
  int64_t num_bytes = 0;
  const uint8_t* data = nullptr;  // points into the parsed bytes
};

struct GgufFile {
  std::string source;  // the file name, for messages
  uint32_t version = 0;
  uint64_t alignment = 32;
  std::map<std::string, GgufValue> metadata;
  std::vector<GgufTensorInfo> tensors;  // in file order

  const GgufValue* find(const std::string& key) const;
  // The value of a key that must be there; throws IoError naming the file and key otherwise.
  const GgufValue& at(const std::string& key) const;
  const GgufTensorInfo* find_tensor(const std::string& name) const;
};

// Parses GGUF bytes; tensor data pointers point into `bytes`, which must outlive the result.
GgufFile gguf_parse(std::span<const uint8_t> bytes, const std::string& source);

// A memory-mapped GGUF file and its parsed contents.
class GgufModelFile {
 public:
  explicit GgufModelFile(const std::filesystem::path& path);
  ~GgufModelFile();
  const GgufFile& file() const { return file_; }

 private:
  std::unique_ptr<MappedFile> mapped_;
  GgufFile file_;
};

std::string_view gguf_type_name(GgufType type);

}  // namespace genvec
