// PyTorch checkpoints (pytorch_model.bin, torch.save of a state dict) read without Python or
// libtorch: the zip format of torch >= 1.6 (stored entries: <prefix>/data.pkl, the tensor storages
// <prefix>/data/<key>, <prefix>/byteorder), a small ZIP reader and a restricted pickle machine.
// Memory-mapped like safetensors; every offset, size and stride is checked against the file, so a
// malformed checkpoint is an IoError naming the file and tensor, never an out-of-bounds read.
// Torch-free (fuzzed: tests/fuzz/torch_checkpoint_fuzz.cpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "models/safetensors.h"

namespace genvec {

class MappedFile;

struct TorchCheckpointFile {
  std::string source;
  std::vector<SafetensorsTensor> tensors;  // in state-dict order; dtypes in safetensors spelling
  // Row-major copies of the non-contiguous tensors (a saved transpose or expand), which their
  // `data` points into; contiguous tensors point into the parsed bytes.
  std::vector<std::unique_ptr<uint8_t[]>> copies;
};

// Parses the bytes of a torch.save() zip holding a flat dict of name -> tensor. Tensor data
// points into `bytes` (or into result.copies); `bytes` must outlive the result.
TorchCheckpointFile torch_checkpoint_parse(std::span<const uint8_t> bytes,
                                           const std::string& source);

// The tensors of a torch.save()d state dict: the top-level dict of name -> tensor that Hugging
// Face writes. Same find()/tensors() as SafetensorsModel, so callers can treat both alike.
class TorchCheckpoint {
 public:
  explicit TorchCheckpoint(const std::filesystem::path& file);
  ~TorchCheckpoint();

  // nullptr when the checkpoint has no tensor of that name.
  const SafetensorsTensor* find(const std::string& name) const;
  const std::map<std::string, const SafetensorsTensor*>& tensors() const { return by_name_; }

 private:
  std::unique_ptr<MappedFile> file_;
  TorchCheckpointFile parsed_;
  std::map<std::string, const SafetensorsTensor*> by_name_;
};

}  // namespace genvec
