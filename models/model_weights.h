// The weights of a Hugging Face model in whichever format it ships: safetensors (preferred when
// both are present, as transformers does) or PyTorch's pytorch_model.bin, single or sharded by an
// index.json. Every tensor is a SafetensorsTensor, so callers need not know which. Torch-free.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "models/safetensors.h"

namespace genvec {

class MappedFile;
class TorchCheckpoint;

class ModelWeights {
 public:
  // `path`: a model directory (model.safetensors, model.safetensors.index.json, pytorch_model.bin
  // or pytorch_model.bin.index.json, looked for in that order), or one .safetensors or .bin file.
  explicit ModelWeights(const std::filesystem::path& path);
  ~ModelWeights();

  // nullptr when the model has no tensor of that name.
  const SafetensorsTensor* find(const std::string& name) const;
  const std::map<std::string, const SafetensorsTensor*>& tensors() const { return by_name_; }

 private:
  void load_directory(const std::filesystem::path& directory);
  void load_safetensors_file(const std::filesystem::path& file);
  void load_torch_shards(const std::filesystem::path& index);
  void add(const std::string& source, const SafetensorsTensor& tensor);

  std::unique_ptr<SafetensorsModel> safetensors_model_;
  std::unique_ptr<MappedFile> safetensors_mapped_;
  SafetensorsFile safetensors_file_;
  std::vector<std::unique_ptr<TorchCheckpoint>> checkpoints_;
  std::map<std::string, const SafetensorsTensor*> by_name_;
};

}  // namespace genvec
