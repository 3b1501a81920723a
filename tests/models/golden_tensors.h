// Reads a golden safetensors fixture (written by a tests/golden/ script) into owned tensors by
// name: integers as int64, floating point as float32.
#pragma once

#include <ATen/ATen.h>

#include <filesystem>
#include <map>
#include <string>

#include "models/float_weights.h"
#include "models/mapped_file.h"
#include "models/safetensors.h"

namespace genvec {

inline std::map<std::string, at::Tensor> read_golden_tensors(const std::filesystem::path& path) {
  const MappedFile file(path);
  std::map<std::string, at::Tensor> tensors;
  for (const SafetensorsTensor& t : safetensors_parse(file.bytes(), path.string()).tensors)
    tensors[t.name] = t.dtype == "I64" ? at::from_blob(const_cast<uint8_t*>(t.data), t.shape,
                                                       at::TensorOptions(at::kLong))
                                             .clone()
                                       : float32_tensor(t);
  return tensors;
}

}  // namespace genvec
