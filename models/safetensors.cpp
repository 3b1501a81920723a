// safetensors parsing with every offset checked: see safetensors.h.
#include "models/safetensors.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "common/errors.h"
#include "common/json.h"
#include "models/mapped_file.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kMaxHeaderBytes = 100'000'000;  // the reference implementation's limit

const char* const kCorruptHint =
    "the file is truncated or not a safetensors file; download it again and compare checksums";

int64_t dtype_size(const std::string& dtype) {
  static const std::map<std::string, int64_t> sizes = {
      {"F64", 8}, {"F32", 4}, {"F16", 2},  {"BF16", 2},    {"I64", 8},
      {"U64", 8}, {"I32", 4}, {"U32", 4},  {"I16", 2},     {"U16", 2},
      {"I8", 1},  {"U8", 1},  {"BOOL", 1}, {"F8_E4M3", 1}, {"F8_E5M2", 1}};
  auto it = sizes.find(dtype);
  return it == sizes.end() ? 0 : it->second;
}

}  // namespace

SafetensorsFile safetensors_parse(std::span<const uint8_t> bytes, const std::string& source) {
  auto fail = [&](const std::string& what) -> void {
    throw IoError(source + ": " + what, kCorruptHint);
  };
  SafetensorsFile file;
  file.source = source;
  if (bytes.size() < 8) fail("truncated: shorter than the 8-byte header length");
  uint64_t header_bytes;
  std::memcpy(&header_bytes, bytes.data(), 8);
  if (header_bytes > kMaxHeaderBytes || header_bytes > bytes.size() - 8)
    fail("header length " + std::to_string(header_bytes) + " exceeds the file (" +
         std::to_string(bytes.size()) + " bytes)");
  const std::string_view header(reinterpret_cast<const char*>(bytes.data() + 8), header_bytes);
  const Json root = json_parse(header, source + " (header)");
  const std::span<const uint8_t> data = bytes.subspan(8 + header_bytes);

  std::set<std::string> names;
  std::vector<std::pair<int64_t, int64_t>> ranges;
  for (const auto& [name, entry] : root.as_object(source + ": header")) {
    if (name == "__metadata__") {
      for (const auto& [key, value] : entry.as_object(source + ": __metadata__"))
        file.metadata[key] = value.as_string(source + ": __metadata__." + key);
      continue;
    }
    const std::string what = source + ": tensor '" + name + "'";
    if (!names.insert(name).second) fail("tensor '" + name + "' appears twice");
    if (!entry.find("dtype") || !entry.find("shape") || !entry.find("data_offsets"))
      fail("tensor '" + name + "' lacks dtype, shape or data_offsets");
    SafetensorsTensor tensor;
    tensor.name = name;
    tensor.dtype = entry.find("dtype")->as_string(what + " dtype");
    tensor.element_size = dtype_size(tensor.dtype);
    if (tensor.element_size == 0) fail("tensor '" + name + "' has unknown dtype " + tensor.dtype);
    tensor.num_elements = 1;
    for (const Json& extent : entry.find("shape")->as_array(what + " shape")) {
      const int64_t e = extent.as_int(what + " shape");
      if (e < 0 || (e > 0 && tensor.num_elements > (int64_t{1} << 50) / e))
        fail("tensor '" + name + "' has an impossible shape");
      tensor.shape.push_back(e);
      tensor.num_elements *= e;
    }
    const auto& offsets = entry.find("data_offsets")->as_array(what + " data_offsets");
    if (offsets.size() != 2) fail("tensor '" + name + "' data_offsets is not [begin, end]");
    const int64_t begin = offsets[0].as_int(what + " data_offsets");
    const int64_t end = offsets[1].as_int(what + " data_offsets");
    if (begin < 0 || end < begin || static_cast<uint64_t>(end) > data.size())
      fail("tensor '" + name + "' data_offsets [" + std::to_string(begin) + ", " +
           std::to_string(end) + "] lie outside the " + std::to_string(data.size()) +
           " data bytes");
    tensor.num_bytes = end - begin;
    if (tensor.num_bytes != tensor.num_elements * tensor.element_size)
      fail("tensor '" + name + "' holds " + std::to_string(tensor.num_bytes) + " bytes, but " +
           tensor.dtype + " of its shape needs " +
           std::to_string(tensor.num_elements * tensor.element_size));
    tensor.data = data.data() + begin;
    ranges.emplace_back(begin, end);
    file.tensors.push_back(std::move(tensor));
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i)
    if (ranges[i].first < ranges[i - 1].second) fail("two tensors' data overlap");
  return file;
}

SafetensorsModel::SafetensorsModel(const fs::path& directory) {
  std::vector<fs::path> shards;
  const fs::path single = directory / "model.safetensors";
  const fs::path index = directory / "model.safetensors.index.json";
  if (fs::exists(single)) {
    shards.push_back(single);
  } else if (fs::exists(index)) {
    const Json root = json_parse_file(index);
    const Json* weight_map = root.find("weight_map");
    if (!weight_map) throw IoError(index.string() + ": no weight_map", kCorruptHint);
    std::set<std::string> files;
    for (const auto& [name, file] : weight_map->as_object(index.string() + ": weight_map"))
      files.insert(file.as_string(index.string() + ": weight_map." + name));
    for (const std::string& file : files) {
      if (fs::path(file).filename() != fs::path(file))
        throw IoError(index.string() + ": shard '" + file + "' is not a file in the directory");
      shards.push_back(directory / file);
    }
  } else {
    throw IoError(directory.string() +
                      " has neither model.safetensors nor "
                      "model.safetensors.index.json",
                  "point model.path at a Hugging Face model directory or a GGUF file");
  }
  for (const fs::path& shard : shards) {
    files_.push_back(std::make_unique<MappedFile>(shard));
    parsed_.push_back(safetensors_parse(files_.back()->bytes(), shard.string()));
  }
  for (const SafetensorsFile& file : parsed_)
    for (const SafetensorsTensor& tensor : file.tensors)
      if (!by_name_.emplace(tensor.name, &tensor).second)
        throw IoError(file.source + ": tensor '" + tensor.name + "' is also in another shard");
}

SafetensorsModel::~SafetensorsModel() = default;

const SafetensorsTensor* SafetensorsModel::find(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

}  // namespace genvec
