// The collective operations training and the stages need, over any backend (MPI for CPU
// tensors, NCCL for CUDA tensors). Collectives take tensors, so the element count always comes
// from numel() and bytes cannot be mistaken for elements. Every call is blocking and guarded by
// a time-out: a peer that died turns into a DistError instead of a hang.
#pragma once

#include <string_view>

namespace at {
class Tensor;
}

namespace genvec {

enum class ReduceOp { sum, max, min };

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual std::string_view backend() const = 0;
  virtual int rank() const = 0;
  virtual int size() const = 0;

  virtual void barrier() = 0;
  // Copies `tensor` from `root` into `tensor` on every other rank (same shape and dtype).
  virtual void broadcast(at::Tensor& tensor, int root) = 0;
  // Reduces `tensor` element-wise over all ranks, in place.
  virtual void all_reduce(at::Tensor& tensor, ReduceOp op) = 0;
  // Gathers every rank's `input` into `output`, shaped (size, *input.shape), in rank order.
  virtual void all_gather(const at::Tensor& input, at::Tensor& output) = 0;
};

}  // namespace genvec
