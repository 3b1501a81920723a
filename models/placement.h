// Where a model's weights live and in what precision ([model] device and dtype): on GPU clusters
// the rank's CUDA device in bfloat16, for development and CI the CPU in float32. Weights are
// converted once, at load; every tensor a model makes follows its weights' device.
#pragma once

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <string>

namespace genvec {

struct Placement {
  c10::Device device = c10::Device(c10::kCPU);
  c10::ScalarType dtype = c10::kFloat;

  // "cpu float32", "cuda bfloat16": the device's kind without its index (every rank of a job has
  // its own index and makes the same numbers), as fingerprints record it.
  std::string describe() const;
};

// device: "auto" (the rank's CUDA device when libtorch has CUDA and one is visible, else the CPU),
// "cpu" or "cuda"; dtype: "auto" (bfloat16 on CUDA, float32 on CPU), "float32" or "bfloat16".
// cuda_device is the rank's device (WorldInfo::cuda_device, -1 when it has none). ConfigError
// naming model.device when "cuda" is asked for and there is none.
Placement placement_resolve(const std::string& device, const std::string& dtype, int cuda_device);

}  // namespace genvec
