// GGUF parsing with every read bounds-checked: see gguf.h.
#include "models/gguf.h"

#include <bit>
#include <cstring>
#include <limits>
#include <set>

#include "common/errors.h"
#include "models/mapped_file.h"

namespace genvec {
namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as a little-endian uint32
constexpr int kMaxDims = 4;              // GGML_MAX_DIMS
constexpr int kMaxArrayDepth = 8;        // nested arrays deeper than this are not real models

const char* const kCorruptHint =
    "the file is truncated or not a GGUF file; download it again and compare its sha256";

class Reader {
 public:
  Reader(std::span<const uint8_t> bytes, const std::string& source)
      : bytes_(bytes), source_(source) {}

  size_t position() const { return position_; }
  size_t remaining() const { return bytes_.size() - position_; }

  [[noreturn]] void fail(const std::string& what) const {
    throw IoError(source_ + ": " + what + " (at byte " + std::to_string(position_) + " of " +
                      std::to_string(bytes_.size()) + ")",
                  kCorruptHint);
  }

  void need(uint64_t count, const char* what) const {
    if (count > remaining())
      fail(std::string("truncated: ") + what + " needs " + std::to_string(count) + " bytes, " +
           std::to_string(remaining()) + " left");
  }

  template <class T>
  T read(const char* what) {
    need(sizeof(T), what);
    T value;
    std::memcpy(&value, bytes_.data() + position_, sizeof(T));
    position_ += sizeof(T);
    return value;
  }

  std::string read_string(const char* what) {
    const uint64_t length = read<uint64_t>(what);
    need(length, what);
    std::string text(reinterpret_cast<const char*>(bytes_.data() + position_), length);
    position_ += length;
    return text;
  }

 private:
  std::span<const uint8_t> bytes_;
  const std::string& source_;
  size_t position_ = 0;
};

// The fewest bytes one element of `type` takes, to bound array counts before allocating.
uint64_t min_element_bytes(GgufType type) {
  switch (type) {
    case GgufType::uint8:
    case GgufType::int8:
    case GgufType::boolean:
      return 1;
    case GgufType::uint16:
    case GgufType::int16:
      return 2;
    case GgufType::uint32:
    case GgufType::int32:
    case GgufType::float32:
      return 4;
    case GgufType::uint64:
    case GgufType::int64:
    case GgufType::float64:
      return 8;
    case GgufType::string:
      return 8;  // the length
    case GgufType::array:
      return 12;  // element type + count
  }
  return 1;
}

bool known_type(uint32_t type) { return type <= static_cast<uint32_t>(GgufType::float64); }

GgufValue read_value(Reader& reader, GgufType type, int depth) {
  GgufValue v;
  v.type = type;
  switch (type) {
    case GgufType::uint8:
      v.value = uint64_t{reader.read<uint8_t>("a uint8")};
      break;
    case GgufType::int8:
      v.value = int64_t{reader.read<int8_t>("an int8")};
      break;
    case GgufType::uint16:
      v.value = uint64_t{reader.read<uint16_t>("a uint16")};
      break;
    case GgufType::int16:
      v.value = int64_t{reader.read<int16_t>("an int16")};
      break;
    case GgufType::uint32:
      v.value = uint64_t{reader.read<uint32_t>("a uint32")};
      break;
    case GgufType::int32:
      v.value = int64_t{reader.read<int32_t>("an int32")};
      break;
    case GgufType::uint64:
      v.value = reader.read<uint64_t>("a uint64");
      break;
    case GgufType::int64:
      v.value = reader.read<int64_t>("an int64");
      break;
    case GgufType::float32:
      v.value = double{reader.read<float>("a float32")};
      break;
    case GgufType::float64:
      v.value = reader.read<double>("a float64");
      break;
    case GgufType::boolean: {
      const uint8_t b = reader.read<uint8_t>("a bool");
      if (b > 1) reader.fail("bool value " + std::to_string(b) + " is neither 0 nor 1");
      v.value = b == 1;
      break;
    }
    case GgufType::string:
      v.value = reader.read_string("a string");
      break;
    case GgufType::array: {
      if (depth >= kMaxArrayDepth) reader.fail("arrays nested deeper than 8 levels");
      const uint32_t element = reader.read<uint32_t>("an array's element type");
      if (!known_type(element))
        reader.fail("unknown array element type " + std::to_string(element));
      v.element_type = static_cast<GgufType>(element);
      const uint64_t count = reader.read<uint64_t>("an array's length");
      if (count > reader.remaining() / min_element_bytes(v.element_type))
        reader.fail("array of " + std::to_string(count) + " elements cannot fit in the " +
                    std::to_string(reader.remaining()) + " bytes left");
      std::vector<GgufValue> items;
      items.reserve(count);
      for (uint64_t i = 0; i < count; ++i)
        items.push_back(read_value(reader, v.element_type, depth + 1));
      v.value = std::move(items);
      break;
    }
  }
  return v;
}

[[noreturn]] void wrong_type(const std::string& key, const GgufValue& v, const char* wanted) {
  throw IoError("metadata key '" + key + "' holds " + std::string(gguf_type_name(v.type)) +
                    ", expected " + wanted,
                "the file does not follow the GGUF conventions for this key");
}

}  // namespace

std::string_view gguf_type_name(GgufType type) {
  static constexpr std::string_view names[] = {"uint8",  "int8",    "uint16", "int16",  "uint32",
                                               "int32",  "float32", "bool",   "string", "array",
                                               "uint64", "int64",   "float64"};
  const auto index = static_cast<uint32_t>(type);
  return index < std::size(names) ? names[index] : "unknown";
}

bool GgufValue::is_integer() const {
  return std::holds_alternative<uint64_t>(value) || std::holds_alternative<int64_t>(value);
}

int64_t GgufValue::as_int(const std::string& key) const {
  if (auto* u = std::get_if<uint64_t>(&value)) {
    if (*u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      throw IoError("metadata key '" + key + "' = " + std::to_string(*u) + " is out of range");
    return static_cast<int64_t>(*u);
  }
  if (auto* i = std::get_if<int64_t>(&value)) return *i;
  wrong_type(key, *this, "an integer");
}

double GgufValue::as_number(const std::string& key) const {
  if (auto* d = std::get_if<double>(&value)) return *d;
  if (is_integer()) return static_cast<double>(as_int(key));
  wrong_type(key, *this, "a number");
}

const std::string& GgufValue::as_string(const std::string& key) const {
  if (auto* s = std::get_if<std::string>(&value)) return *s;
  wrong_type(key, *this, "a string");
}

const std::vector<GgufValue>& GgufValue::as_array(const std::string& key) const {
  if (auto* a = std::get_if<std::vector<GgufValue>>(&value)) return *a;
  wrong_type(key, *this, "an array");
}

const GgufValue* GgufFile::find(const std::string& key) const {
  auto it = metadata.find(key);
  return it == metadata.end() ? nullptr : &it->second;
}

const GgufValue& GgufFile::at(const std::string& key) const {
  if (const GgufValue* v = find(key)) return *v;
  throw IoError(source + ": metadata key '" + key + "' is missing",
                "the file may be for another architecture or made by an old converter");
}

const GgufTensorInfo* GgufFile::find_tensor(const std::string& name) const {
  for (const GgufTensorInfo& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

GgufFile gguf_parse(std::span<const uint8_t> bytes, const std::string& source) {
  Reader reader(bytes, source);
  GgufFile file;
  file.source = source;
  if (reader.read<uint32_t>("the magic") != kMagic) reader.fail("not a GGUF file (bad magic)");
  file.version = reader.read<uint32_t>("the version");
  if (__builtin_bswap32(file.version) == 2 || __builtin_bswap32(file.version) == 3)
    reader.fail("big-endian GGUF files are not supported");
  if (file.version != 2 && file.version != 3)
    reader.fail("GGUF version " + std::to_string(file.version) + " is not supported (2 and 3 are)");
  const uint64_t tensor_count = reader.read<uint64_t>("the tensor count");
  const uint64_t kv_count = reader.read<uint64_t>("the metadata count");
  // Each key-value pair takes at least 8 + 4 + 1 bytes, each tensor info 8 + 4 + 8 + 4 + 8.
  if (kv_count > reader.remaining() / 13)
    reader.fail("metadata count " + std::to_string(kv_count) + " cannot fit");
  if (tensor_count > reader.remaining() / 32)
    reader.fail("tensor count " + std::to_string(tensor_count) + " cannot fit");

  for (uint64_t i = 0; i < kv_count; ++i) {
    std::string key = reader.read_string("a metadata key");
    const uint32_t type = reader.read<uint32_t>("a metadata value type");
    if (!known_type(type))
      reader.fail("metadata key '" + key + "' has unknown type " + std::to_string(type));
    GgufValue value = read_value(reader, static_cast<GgufType>(type), 0);
    if (!file.metadata.emplace(key, std::move(value)).second)
      reader.fail("metadata key '" + key + "' appears twice");
  }
  if (const GgufValue* alignment = file.find("general.alignment")) {
    if (alignment->type != GgufType::uint32) reader.fail("general.alignment is not a uint32");
    file.alignment = std::get<uint64_t>(alignment->value);
    if (file.alignment == 0 || !std::has_single_bit(file.alignment))
      reader.fail("general.alignment " + std::to_string(file.alignment) + " is not a power of two");
  }

  std::set<std::string> names;
  for (uint64_t i = 0; i < tensor_count; ++i) {
    GgufTensorInfo tensor;
    tensor.name = reader.read_string("a tensor name");
    const std::string what = "tensor '" + tensor.name + "'";
    if (!names.insert(tensor.name).second) reader.fail(what + " appears twice");
    const uint32_t dims = reader.read<uint32_t>("a tensor's dimension count");
    if (dims == 0 || dims > kMaxDims)
      reader.fail(what + " has " + std::to_string(dims) + " dimensions (1 to 4 allowed)");
    tensor.num_elements = 1;
    for (uint32_t d = 0; d < dims; ++d) {
      const uint64_t extent = reader.read<uint64_t>("a tensor dimension");
      if (extent == 0 || extent > (uint64_t{1} << 40) ||
          static_cast<uint64_t>(tensor.num_elements) > (uint64_t{1} << 50) / extent)
        reader.fail(what + " has an impossible dimension " + std::to_string(extent));
      tensor.shape.push_back(static_cast<int64_t>(extent));
      tensor.num_elements *= static_cast<int64_t>(extent);
    }
    const uint32_t type = reader.read<uint32_t>("a tensor type");
    const auto traits = ggml_type_traits(type);
    if (!traits)
      reader.fail(what + " has ggml type " + std::to_string(type) + ", which genvec cannot read");
    tensor.traits = *traits;
    if (tensor.shape[0] % traits->block_size != 0)
      reader.fail(what + ": row length " + std::to_string(tensor.shape[0]) +
                  " is not a multiple of the " + std::string(traits->name) + " block size " +
                  std::to_string(traits->block_size));
    tensor.num_bytes = ggml_bytes(*traits, tensor.num_elements);
    tensor.offset = reader.read<uint64_t>("a tensor offset");
    if (tensor.offset % file.alignment != 0)
      reader.fail(what + " offset " + std::to_string(tensor.offset) + " is not aligned to " +
                  std::to_string(file.alignment));
    file.tensors.push_back(std::move(tensor));
  }

  // The data section starts at the next multiple of the alignment.
  const uint64_t data_start =
      (reader.position() + file.alignment - 1) / file.alignment * file.alignment;
  if (data_start > bytes.size() && !file.tensors.empty())
    reader.fail("truncated before the tensor data");
  const uint64_t data_size = bytes.size() > data_start ? bytes.size() - data_start : 0;
  for (GgufTensorInfo& tensor : file.tensors) {
    if (tensor.offset > data_size ||
        static_cast<uint64_t>(tensor.num_bytes) > data_size - tensor.offset)
      reader.fail("tensor '" + tensor.name + "' (" + std::to_string(tensor.num_bytes) +
                  " bytes at offset " + std::to_string(tensor.offset) +
                  ") runs past the end of the file");
    tensor.data = bytes.data() + data_start + tensor.offset;
  }
  return file;
}

GgufModelFile::GgufModelFile(const std::filesystem::path& path)
    : mapped_(std::make_unique<MappedFile>(path)),
      file_(gguf_parse(mapped_->bytes(), path.string())) {}

GgufModelFile::~GgufModelFile() = default;

}  // namespace genvec
