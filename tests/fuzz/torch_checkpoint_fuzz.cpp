// libFuzzer target for the PyTorch checkpoint reader (ZIP directory, restricted pickle machine,
// tensor views): any bytes must parse or throw IoError, and every tensor of a file that parses
// must lie inside the input or its own copy (ASan checks the reads).
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/errors.h"
#include "models/torch_checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const genvec::TorchCheckpointFile file =
        genvec::torch_checkpoint_parse(std::span(data, size), "fuzz");
    volatile uint8_t sink = 0;
    for (const genvec::SafetensorsTensor& tensor : file.tensors)
      if (tensor.num_bytes > 0) sink = sink + tensor.data[0] + tensor.data[tensor.num_bytes - 1];
  } catch (const genvec::IoError&) {
  }
  return 0;
}
