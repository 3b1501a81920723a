// GGUF writing: see gguf_write.h. Layout per the spec (ggml docs/gguf.md): magic, version,
// tensor and metadata counts, the metadata, the tensor infos, padding to the alignment, then each
// tensor's data at its aligned offset.
#include "models/gguf_write.h"

#include <cstring>

#include "common/atomic_file.h"
#include "common/errors.h"

namespace genvec {
namespace {

constexpr uint64_t kDefaultAlignment = 32;
constexpr uint32_t kGgmlTypeF32 = 0;

class Writer {
 public:
  template <class T>
  void put(T value) {
    const size_t at = bytes_.size();
    bytes_.resize(at + sizeof(T));
    std::memcpy(bytes_.data() + at, &value, sizeof(T));
  }
  void put_string(const std::string& text) {
    put<uint64_t>(text.size());
    bytes_.append(text);
  }
  void pad_to(uint64_t alignment) {
    bytes_.resize((bytes_.size() + alignment - 1) / alignment * alignment, '\0');
  }
  void append(const void* data, size_t size) {
    bytes_.append(static_cast<const char*>(data), size);
  }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

// An integer value's two's-complement bits (the reader keeps unsigned types as uint64_t and
// signed ones as int64_t); the caller keeps the low bytes its type has.
uint64_t integer_bits(const GgufValue& value, const std::string& key) {
  if (const auto* u = std::get_if<uint64_t>(&value.value)) return *u;
  if (const auto* i = std::get_if<int64_t>(&value.value)) return static_cast<uint64_t>(*i);
  throw IoError("GGUF metadata " + key + " is not an integer");
}

void put_value(Writer& out, GgufType type, const GgufValue& value, const std::string& key) {
  switch (type) {
    case GgufType::uint8:
    case GgufType::int8:
      out.put<uint8_t>(static_cast<uint8_t>(integer_bits(value, key)));
      return;
    case GgufType::uint16:
    case GgufType::int16:
      out.put<uint16_t>(static_cast<uint16_t>(integer_bits(value, key)));
      return;
    case GgufType::uint32:
    case GgufType::int32:
      out.put<uint32_t>(static_cast<uint32_t>(integer_bits(value, key)));
      return;
    case GgufType::uint64:
    case GgufType::int64:
      out.put<uint64_t>(integer_bits(value, key));
      return;
    case GgufType::float32:
      out.put<float>(static_cast<float>(value.as_number(key)));
      return;
    case GgufType::float64:
      out.put<double>(value.as_number(key));
      return;
    case GgufType::boolean:
      out.put<uint8_t>(std::get<bool>(value.value) ? 1 : 0);
      return;
    case GgufType::string:
      out.put_string(value.as_string(key));
      return;
    case GgufType::array: {
      const std::vector<GgufValue>& items = value.as_array(key);
      out.put<uint32_t>(static_cast<uint32_t>(value.element_type));
      out.put<uint64_t>(items.size());
      for (const GgufValue& item : items) put_value(out, value.element_type, item, key);
      return;
    }
  }
  throw IoError("GGUF metadata " + key + " has an unknown value type");
}

}  // namespace

void gguf_write(const std::filesystem::path& path, const std::map<std::string, GgufValue>& metadata,
                const std::vector<GgufTensorData>& tensors) {
  uint64_t alignment = kDefaultAlignment;
  if (auto it = metadata.find("general.alignment"); it != metadata.end())
    alignment = static_cast<uint64_t>(it->second.as_int(path.string() + ": general.alignment"));
  if (alignment == 0 || (alignment & (alignment - 1)) != 0)
    throw IoError(path.string() + ": general.alignment " + std::to_string(alignment) +
                  " is not a power of two");
  Writer out;
  out.append("GGUF", 4);
  out.put<uint32_t>(3);
  out.put<uint64_t>(tensors.size());
  out.put<uint64_t>(metadata.size());
  for (const auto& [key, value] : metadata) {
    out.put_string(key);
    out.put<uint32_t>(static_cast<uint32_t>(value.type));
    put_value(out, value.type, value, path.string() + ": " + key);
  }
  uint64_t offset = 0;
  for (const GgufTensorData& tensor : tensors) {
    int64_t elements = 1;
    for (const int64_t d : tensor.shape) elements *= d;
    if (tensor.shape.empty() || elements != static_cast<int64_t>(tensor.values.size()))
      throw IoError(path.string() + ": tensor " + tensor.name + " has " +
                    std::to_string(tensor.values.size()) + " values for its shape");
    out.put_string(tensor.name);
    out.put<uint32_t>(static_cast<uint32_t>(tensor.shape.size()));
    for (const int64_t d : tensor.shape) out.put<uint64_t>(static_cast<uint64_t>(d));
    out.put<uint32_t>(kGgmlTypeF32);
    out.put<uint64_t>(offset);
    offset += (tensor.values.size() * sizeof(float) + alignment - 1) / alignment * alignment;
  }
  for (const GgufTensorData& tensor : tensors) {
    out.pad_to(alignment);
    out.append(tensor.values.data(), tensor.values.size() * sizeof(float));
  }
  write_file_atomic(path, out.bytes());
}

}  // namespace genvec
