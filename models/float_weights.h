// Turns a weight read from a model file (safetensors or a PyTorch checkpoint, both described by
// SafetensorsTensor) into an owned float32 tensor, whatever float type it was stored in.
#pragma once

#include <ATen/core/Tensor.h>

namespace genvec {

struct SafetensorsTensor;

// Throws IoError naming the tensor when it does not hold floating-point values.
at::Tensor float32_tensor(const SafetensorsTensor& tensor);

}  // namespace genvec
