// GoogleTest main for tests that run under `mpirun -np N`: every rank runs every test; rank 0
// prints the usual report, other ranks print only their failures; all ranks agree on the result
// (a failure on any rank fails the run everywhere).
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include "dist/communicator.h"
#include "dist/world.h"
#include "tests/dist/mpi_test_world.h"

namespace genvec {

namespace {
World* g_world = nullptr;

class RankFailurePrinter : public testing::EmptyTestEventListener {
 public:
  explicit RankFailurePrinter(int rank) : rank_(rank) {}
  void OnTestPartResult(const testing::TestPartResult& result) override {
    if (result.failed())
      std::fprintf(stderr, "[rank %d] %s:%d: %s\n", rank_, result.file_name(),
                   result.line_number(), result.summary());
  }

 private:
  int rank_;
};
}  // namespace

const World& test_world() { return *g_world; }

}  // namespace genvec

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  genvec::World world(&argc, &argv);
  genvec::g_world = &world;
  at::set_num_threads(world.info().cores);
  if (world.rank() != 0) {
    auto& listeners = testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new genvec::RankFailurePrinter(world.rank()));
  }
  const int local_failed = RUN_ALL_TESTS() != 0;
  at::Tensor failed = at::tensor({local_failed}, at::kInt);
  world.make_cpu_communicator(60.0)->all_reduce(failed, genvec::ReduceOp::sum);
  if (world.rank() == 0 && failed.item<int>() > 0)
    std::fprintf(stderr, "%d rank(s) had failures\n", failed.item<int>());
  return failed.item<int>() > 0 ? 1 : 0;
}
