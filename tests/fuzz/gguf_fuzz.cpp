// libFuzzer target for the GGUF reader: any bytes must parse or throw IoError, and every tensor
// of a file that parses must dequantize within its bounds (ASan watches the reads).
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/errors.h"
#include "models/ggml_types.h"
#include "models/gguf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const genvec::GgufFile file = genvec::gguf_parse(std::span(data, size), "fuzz.gguf");
    std::vector<float> values;
    for (const genvec::GgufTensorInfo& tensor : file.tensors) {
      if (!tensor.traits.dequantizable || tensor.num_elements > (1 << 20)) continue;
      values.resize(tensor.num_elements);
      genvec::ggml_dequantize(tensor.traits.type, tensor.data, values.data(), tensor.num_elements);
    }
  } catch (const genvec::IoError&) {
  }
  return 0;
}
