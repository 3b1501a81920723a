#include "training/embedder_state.h"

#include <ATen/ATen.h>

#include <algorithm>

#include "common/errors.h"

namespace genvec {

std::vector<CheckpointTensor> tensors_of(const GenEmbedderShape& shape, const at::Tensor& flat) {
  const at::Tensor cpu = flat.detach().to(at::kCPU, at::kFloat).contiguous();
  std::vector<CheckpointTensor> out;
  for (const GenTensorSlice& slice : GenEmbedder::slices(shape)) {
    const float* begin = cpu.data_ptr<float>() + slice.offset;
    out.push_back({slice.name, slice.shape, std::vector<float>(begin, begin + slice.numel)});
  }
  return out;
}

at::Tensor flat_of(const GenEmbedderShape& shape, const std::vector<CheckpointTensor>& tensors,
                   const std::string& what) {
  const std::vector<GenTensorSlice> layout = GenEmbedder::slices(shape);
  if (tensors.size() != layout.size())
    throw IoError(what + ": " + std::to_string(tensors.size()) + " tensors, expected " +
                  std::to_string(layout.size()));
  at::Tensor flat = at::empty({layout.back().offset + layout.back().numel}, at::kFloat);
  for (size_t i = 0; i < layout.size(); ++i) {
    if (tensors[i].name != layout[i].name || tensors[i].shape != layout[i].shape)
      throw IoError(what + ": tensor " + tensors[i].name + " does not fit the embedder's " +
                    layout[i].name);
    std::copy(tensors[i].values.begin(), tensors[i].values.end(),
              flat.data_ptr<float>() + layout[i].offset);
  }
  return flat;
}

GenEmbedderShape shape_of(const Checkpoint& c) {
  return {c.num_tokens, c.num_compression_tokens, c.hidden_size, c.teacher_size};
}

}  // namespace genvec
