// safetensors files (Hugging Face's weight format) and model directories that hold one file or a
// sharded set named by model.safetensors.index.json. Memory-mapped; the header's offsets, shapes
// and dtypes are checked against the bytes there, so a malformed file is an IoError naming the
// file and the tensor, never an out-of-bounds read. Torch-free (fuzzed).
// Format: https://github.com/huggingface/safetensors#format
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace genvec {

class MappedFile;

struct SafetensorsTensor {
  std::string name;
  std::string dtype;           // "F32", "BF16", ... as in the header
  int64_t element_size = 0;    // bytes
  std::vector<int64_t> shape;  // row-major, outermost first (PyTorch order)
  int64_t num_elements = 0;
  const uint8_t* data = nullptr;
  int64_t num_bytes = 0;
};

struct SafetensorsFile {
  std::string source;
  std::map<std::string, std::string> metadata;  // the optional "__metadata__" strings
  std::vector<SafetensorsTensor> tensors;       // in header order
};

// Parses safetensors bytes; tensor data points into `bytes`, which must outlive the result.
SafetensorsFile safetensors_parse(std::span<const uint8_t> bytes, const std::string& source);

// The weights of a Hugging Face model directory: model.safetensors, or the shards that
// model.safetensors.index.json maps tensor names to.
class SafetensorsModel {
 public:
  explicit SafetensorsModel(const std::filesystem::path& directory);
  ~SafetensorsModel();

  // nullptr when the model has no tensor of that name.
  const SafetensorsTensor* find(const std::string& name) const;
  const std::map<std::string, const SafetensorsTensor*>& tensors() const { return by_name_; }

 private:
  std::vector<std::unique_ptr<MappedFile>> files_;
  std::vector<SafetensorsFile> parsed_;
  std::map<std::string, const SafetensorsTensor*> by_name_;
};

}  // namespace genvec
