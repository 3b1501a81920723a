// Writing GGUF v3 files, the counterpart of models/gguf.h: metadata of any value type and float32
// tensors, data aligned to general.alignment (default 32 bytes), published atomically. genvec
// writes its built-in models with it (models/builtin_model.h). Torch-free.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "models/gguf.h"

namespace genvec {

struct GgufTensorData {
  std::string name;
  std::vector<int64_t> shape;  // GGUF order: shape[0] is the fastest-varying (row length)
  std::vector<float> values;   // row-major, product(shape) of them
};

// Throws IoError naming the file; a tensor whose values do not fill its shape is refused before
// anything is written.
void gguf_write(const std::filesystem::path& path, const std::map<std::string, GgufValue>& metadata,
                const std::vector<GgufTensorData>& tensors);

}  // namespace genvec
