// Picks a model's weight files and indexes their tensors by name: see model_weights.h.
#include "models/model_weights.h"

#include <set>

#include "common/errors.h"
#include "common/json.h"
#include "models/mapped_file.h"
#include "models/torch_checkpoint.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

const char* const kPathHint =
    "point model.path at a Hugging Face model directory, a .safetensors or pytorch_model.bin "
    "file, or a GGUF file";

bool is_torch_file(const fs::path& file) {
  const fs::path extension = file.extension();
  return extension == ".bin" || extension == ".pt" || extension == ".pth";
}

}  // namespace

ModelWeights::ModelWeights(const fs::path& path) {
  if (fs::is_directory(path)) {
    load_directory(path);
  } else if (!fs::exists(path)) {
    throw IoError(path.string() + " does not exist", kPathHint);
  } else if (path.extension() == ".safetensors") {
    load_safetensors_file(path);
  } else if (is_torch_file(path)) {
    checkpoints_.push_back(std::make_unique<TorchCheckpoint>(path));
    by_name_ = checkpoints_.back()->tensors();
  } else {
    throw IoError(path.string() + " is neither a .safetensors nor a PyTorch .bin file", kPathHint);
  }
}

ModelWeights::~ModelWeights() = default;

void ModelWeights::load_directory(const fs::path& directory) {
  if (fs::exists(directory / "model.safetensors") ||
      fs::exists(directory / "model.safetensors.index.json")) {
    safetensors_model_ = std::make_unique<SafetensorsModel>(directory);
    by_name_ = safetensors_model_->tensors();
  } else if (fs::exists(directory / "pytorch_model.bin")) {
    checkpoints_.push_back(std::make_unique<TorchCheckpoint>(directory / "pytorch_model.bin"));
    by_name_ = checkpoints_.back()->tensors();
  } else if (fs::exists(directory / "pytorch_model.bin.index.json")) {
    load_torch_shards(directory / "pytorch_model.bin.index.json");
  } else {
    throw IoError(directory.string() +
                      " has no model weights: looked for model.safetensors, "
                      "model.safetensors.index.json, pytorch_model.bin and "
                      "pytorch_model.bin.index.json",
                  kPathHint);
  }
}

void ModelWeights::load_safetensors_file(const fs::path& file) {
  safetensors_mapped_ = std::make_unique<MappedFile>(file);
  safetensors_file_ = safetensors_parse(safetensors_mapped_->bytes(), file.string());
  for (const SafetensorsTensor& tensor : safetensors_file_.tensors) add(file.string(), tensor);
}

// Hugging Face's sharded layout, as for safetensors: {"weight_map": {tensor name: shard file}}.
void ModelWeights::load_torch_shards(const fs::path& index) {
  const std::string source = index.string();
  const Json root = json_parse_file(index);
  const Json* weight_map = root.find("weight_map");
  if (!weight_map)
    throw IoError(source + ": no weight_map", "download the model again: the index is damaged");
  std::map<std::string, std::string> shard_of;  // tensor name -> shard file
  std::set<std::string> shards;
  for (const auto& [name, file] : weight_map->as_object(source + ": weight_map")) {
    const std::string& shard = file.as_string(source + ": weight_map." + name);
    if (fs::path(shard).filename() != fs::path(shard))
      throw IoError(source + ": shard '" + shard + "' is not a file in the directory");
    shard_of[name] = shard;
    shards.insert(shard);
  }
  std::map<std::string, std::string> loaded_from;  // tensor name -> the shard that holds it
  for (const std::string& shard : shards) {
    const fs::path file = index.parent_path() / shard;
    checkpoints_.push_back(std::make_unique<TorchCheckpoint>(file));
    for (const auto& [name, tensor] : checkpoints_.back()->tensors()) {
      add(file.string(), *tensor);
      loaded_from[name] = shard;
    }
  }
  // A stale index would otherwise surface later as a "missing tensor" far from its cause.
  for (const auto& [name, shard] : shard_of)
    if (loaded_from[name] != shard)
      throw IoError(source + ": maps tensor '" + name + "' to " + shard + ", which lacks it",
                    "download the model again: a shard is stale or incomplete");
}

void ModelWeights::add(const std::string& source, const SafetensorsTensor& tensor) {
  if (!by_name_.emplace(tensor.name, &tensor).second)
    throw IoError(source + ": tensor '" + tensor.name + "' is also in another shard");
}

const SafetensorsTensor* ModelWeights::find(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

}  // namespace genvec
