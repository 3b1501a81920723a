// [model] device and dtype resolved for this rank: see placement.h.
#include "models/placement.h"

#include <ATen/Context.h>

#include "common/errors.h"

namespace genvec {

std::string Placement::describe() const {
  return std::string(device.is_cuda() ? "cuda" : "cpu") + " " +
         (dtype == c10::kBFloat16 ? "bfloat16" : "float32");
}

Placement placement_resolve(const std::string& device, const std::string& dtype, int cuda_device) {
  const bool cuda_usable = cuda_device >= 0 && at::hasCUDA();
  Placement placement;
  if (device == "cuda" || (device == "auto" && cuda_usable)) {
    if (!cuda_usable)
      throw ConfigError("model.device = \"cuda\" but this rank has no usable CUDA device (" +
                            std::string(at::hasCUDA() ? "no GPU visible"
                                                      : "this libtorch is built without CUDA") +
                            ")",
                        "use model.device = \"auto\" or \"cpu\", or run on a GPU node with a CUDA "
                        "libtorch");
    placement.device = c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(cuda_device));
  }
  const bool bf16 = dtype == "bfloat16" || (dtype == "auto" && placement.device.is_cuda());
  placement.dtype = bf16 ? c10::kBFloat16 : c10::kFloat;
  return placement;
}

}  // namespace genvec
