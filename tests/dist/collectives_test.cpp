// MPI collectives on exact inputs (small integers, exactly representable in every dtype),
// compared by equality on every rank (the nccl-tests way). Runs under mpirun with any -np.
#include <gtest/gtest.h>

#include <thread>

#include <ATen/ATen.h>

#include "common/errors.h"
#include "dist/communicator.h"
#include "dist/world.h"
#include "tests/dist/mpi_test_world.h"

namespace genvec {
namespace {

class Collectives : public testing::TestWithParam<at::ScalarType> {
 protected:
  std::unique_ptr<Communicator> comm = test_world().make_cpu_communicator(60.0);
  int rank = comm->rank();
  int size = comm->size();
};

TEST_P(Collectives, AllReduceSumMaxMinAreExact) {
  const at::ScalarType dtype = GetParam();
  // Element i on rank r holds (r + 1) * (i % 50): the sum over ranks is (i % 50) * s(s+1)/2.
  const at::Tensor base = at::arange(1000, at::kLong).remainder(50);
  at::Tensor sum = (base * (rank + 1)).to(dtype);
  comm->all_reduce(sum, ReduceOp::sum);
  EXPECT_TRUE(at::equal(sum, (base * (size * (size + 1) / 2)).to(dtype)));

  at::Tensor max = (base + rank).to(dtype);
  comm->all_reduce(max, ReduceOp::max);
  EXPECT_TRUE(at::equal(max, (base + (size - 1)).to(dtype)));

  at::Tensor min = (base + rank).to(dtype);
  comm->all_reduce(min, ReduceOp::min);
  EXPECT_TRUE(at::equal(min, base.to(dtype)));
}

TEST_P(Collectives, BroadcastFromEveryRoot) {
  const at::ScalarType dtype = GetParam();
  for (int root = 0; root < size; ++root) {
    const at::Tensor expected = (at::arange(37, at::kLong).remainder(11) + root).to(dtype);
    at::Tensor tensor = rank == root ? expected.clone() : at::zeros({37}, dtype);
    comm->broadcast(tensor, root);
    EXPECT_TRUE(at::equal(tensor, expected)) << "root " << root;
  }
}

TEST_P(Collectives, AllGatherStacksRanksInOrder) {
  const at::ScalarType dtype = GetParam();
  const at::Tensor mine = (at::arange(6, at::kLong).reshape({2, 3}) + 10 * rank).to(dtype);
  at::Tensor all = at::empty({size, 2, 3}, dtype);
  comm->all_gather(mine, all);
  for (int r = 0; r < size; ++r)
    EXPECT_TRUE(at::equal(all[r], (at::arange(6, at::kLong).reshape({2, 3}) + 10 * r).to(dtype)))
        << "row of rank " << r;
}

INSTANTIATE_TEST_SUITE_P(Dtypes, Collectives,
                         testing::Values(at::kFloat, at::kDouble, at::kInt, at::kLong),
                         [](const auto& info) { return std::string(c10::toString(info.param)); });

TEST(CollectivesErrors, RejectsTensorsMpiCannotTake) {
  auto comm = test_world().make_cpu_communicator(60.0);
  at::Tensor strided = at::zeros({4, 4}).t();
  EXPECT_THROW(comm->all_reduce(strided, ReduceOp::sum), DistError);
  at::Tensor half = at::zeros({4}, at::kBFloat16);
  EXPECT_THROW(comm->all_reduce(half, ReduceOp::sum), DistError);
  at::Tensor wrong_size = at::zeros({comm->size() * 4 + 1});
  EXPECT_THROW(comm->all_gather(at::zeros({4}), wrong_size), DistError);
  at::Tensor tensor = at::zeros({4});
  EXPECT_THROW(comm->broadcast(tensor, comm->size()), DistError);
  // Every rank threw before communicating, so the ranks are still in step.
  comm->barrier();
}

TEST(CollectivesErrors, BroadcastMovesBytesOfAnyDtype) {
  auto comm = test_world().make_cpu_communicator(60.0);
  const at::Tensor expected = at::arange(8).to(at::kBFloat16);
  at::Tensor tensor = comm->rank() == 0 ? expected.clone() : at::zeros({8}, at::kBFloat16);
  comm->broadcast(tensor, 0);
  EXPECT_TRUE(at::equal(tensor, expected));
}

TEST(WorldLayout, LocalRanksAndCoresNeverOversubscribe) {
  const WorldInfo& info = test_world().info();
  EXPECT_EQ(info.hosts.size(), static_cast<size_t>(info.size));
  EXPECT_EQ(info.hosts[info.rank], info.host);
  EXPECT_GE(info.local_rank, 0);
  EXPECT_LT(info.local_rank, info.local_size);
  EXPECT_GE(info.cores, 1);
  // Ranks sharing this node never run more threads in total than the node has cores (unless
  // there are more ranks than cores, when each still gets one).
  const int node_cores = static_cast<int>(std::thread::hardware_concurrency());
  EXPECT_LE(info.cores * info.local_size, std::max(node_cores, info.local_size));
  if (info.num_nodes == 1) {
    EXPECT_EQ(info.local_size, info.size);
  }
}

}  // namespace
}  // namespace genvec
