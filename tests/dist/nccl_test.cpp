// NCCL collectives on exact inputs, on GPUs. Skips, saying why, where there is no GPU, no NCCL
// in this build, or a libtorch without CUDA (then tensors cannot live on the GPU).
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/Context.h>

#include "dist/communicator.h"
#include "dist/world.h"
#include "tests/dist/mpi_test_world.h"

namespace genvec {
namespace {

TEST(Nccl, CollectivesOnExactInputs) {
  const World& world = test_world();
  if (!world_has_nccl()) GTEST_SKIP() << "this build has no NCCL backend (-DGENVEC_NCCL=OFF?)";
  if (world.info().cuda_device < 0) GTEST_SKIP() << "no CUDA device on this machine";
  if (!at::hasCUDA()) GTEST_SKIP() << "this libtorch has no CUDA: build with a CUDA libtorch";

  auto comm = world.make_cuda_communicator(60.0);
  const at::Device device(at::kCUDA, world.info().cuda_device);
  const int rank = comm->rank(), size = comm->size();
  const at::Tensor base = at::arange(1 << 20, at::kLong).remainder(50);
  for (at::ScalarType dtype : {at::kFloat, at::kBFloat16, at::kLong}) {
    at::Tensor sum = (base * (rank + 1)).to(dtype).to(device);
    comm->all_reduce(sum, ReduceOp::sum);
    // Sums up to 49 * s(s+1)/2 stay exact in bfloat16's 8-bit mantissa only for small s.
    if (dtype != at::kBFloat16 || size <= 2) {
      EXPECT_TRUE(at::equal(sum.cpu(), (base * (size * (size + 1) / 2)).to(dtype)));
    }

    at::Tensor broadcast = rank == size - 1 ? (base + 1).to(dtype).to(device)
                                            : at::zeros_like(base, dtype).to(device);
    comm->broadcast(broadcast, size - 1);
    EXPECT_TRUE(at::equal(broadcast.cpu(), (base + 1).to(dtype)));

    at::Tensor gathered = at::empty({size, 4}, at::TensorOptions(dtype).device(device));
    comm->all_gather((at::arange(4, at::kLong) + 10 * rank).to(dtype).to(device), gathered);
    for (int r = 0; r < size; ++r)
      EXPECT_TRUE(at::equal(gathered[r].cpu(), (at::arange(4, at::kLong) + 10 * r).to(dtype)));
  }
  comm->barrier();
}

}  // namespace
}  // namespace genvec
