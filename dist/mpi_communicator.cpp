// Collectives over MPI for CPU tensors. Each one is started non-blocking and then polled, so a
// peer that died or never joined turns into a DistError after dist.timeout_s, not a hang.
#include <chrono>
#include <climits>
#include <thread>

#include <ATen/core/Tensor.h>

#include "common/errors.h"
#include "dist/communicator.h"
#include "dist/mpi_internal.h"

namespace genvec {
namespace {

MPI_Datatype mpi_type(const at::Tensor& t) {
  switch (t.scalar_type()) {
    case at::kFloat:
      return MPI_FLOAT;
    case at::kDouble:
      return MPI_DOUBLE;
    case at::kInt:
      return MPI_INT32_T;
    case at::kLong:
      return MPI_INT64_T;
    case at::kShort:
      return MPI_INT16_T;
    case at::kChar:
      return MPI_INT8_T;
    case at::kByte:
      return MPI_UINT8_T;
    default:
      throw DistError(
          "MPI reductions do not support dtype " + std::string(c10::toString(t.scalar_type())),
          "reduce in float32 (training flattens gradients to float32 first)");
  }
}

MPI_Op mpi_op(ReduceOp op) {
  switch (op) {
    case ReduceOp::sum:
      return MPI_SUM;
    case ReduceOp::max:
      return MPI_MAX;
    case ReduceOp::min:
      return MPI_MIN;
  }
  return MPI_SUM;
}

// Checks the tensor can be handed to MPI as one flat buffer and returns its element count.
int checked_count(const at::Tensor& t, const char* op) {
  if (!t.defined() || !t.device().is_cpu() || !t.is_contiguous())
    throw DistError(std::string(op) + ": the MPI backend needs a defined, contiguous CPU tensor",
                    "call .contiguous() / .cpu() first, or use the NCCL backend for CUDA tensors");
  // Byte counts must fit MPI's int too (broadcast and all_gather move bytes).
  if (t.numel() * static_cast<int64_t>(t.element_size()) > INT_MAX)
    throw DistError(std::string(op) + ": " + std::to_string(t.numel()) +
                        " elements exceed MPI's int count of bytes",
                    "split the tensor into chunks below 2 GiB");
  return static_cast<int>(t.numel());
}

class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator(const World::Impl& world, double timeout_s)
      : world_(world), comm_(world.comm), timeout_s_(timeout_s) {
    mpi_check_serialized(world_, "creating a communicator");
    GENVEC_MPI_CHECK(MPI_Comm_rank(comm_, &rank_));
    GENVEC_MPI_CHECK(MPI_Comm_size(comm_, &size_));
  }

  std::string_view backend() const override { return "mpi"; }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void barrier() override {
    mpi_check_serialized(world_, "barrier");
    MPI_Request request;
    GENVEC_MPI_CHECK(MPI_Ibarrier(comm_, &request));
    wait(request, "barrier");
  }

  void broadcast(at::Tensor& tensor, int root) override {
    if (root < 0 || root >= size_)
      throw DistError("broadcast: root " + std::to_string(root) + " is not a rank of " +
                      std::to_string(size_));
    mpi_check_serialized(world_, "broadcast");
    int count = checked_count(tensor, "broadcast");
    MPI_Request request;
    GENVEC_MPI_CHECK(MPI_Ibcast(tensor.data_ptr(), count * static_cast<int>(tensor.element_size()),
                                MPI_BYTE, root, comm_, &request));
    wait(request, "broadcast");
  }

  void all_reduce(at::Tensor& tensor, ReduceOp op) override {
    mpi_check_serialized(world_, "all_reduce");
    int count = checked_count(tensor, "all_reduce");
    MPI_Request request;
    GENVEC_MPI_CHECK(MPI_Iallreduce(MPI_IN_PLACE, tensor.data_ptr(), count, mpi_type(tensor),
                                    mpi_op(op), comm_, &request));
    wait(request, "all_reduce");
  }

  void all_gather(const at::Tensor& input, at::Tensor& output) override {
    mpi_check_serialized(world_, "all_gather");
    int count = checked_count(input, "all_gather");
    checked_count(output, "all_gather");
    if (output.scalar_type() != input.scalar_type() ||
        output.numel() != static_cast<int64_t>(count) * size_)
      throw DistError("all_gather: output must have the input's dtype and " +
                      std::to_string(size_) + " x " + std::to_string(count) + " elements");
    const int bytes = count * static_cast<int>(input.element_size());
    MPI_Request request;
    GENVEC_MPI_CHECK(MPI_Iallgather(input.data_ptr(), bytes, MPI_BYTE, output.data_ptr(), bytes,
                                    MPI_BYTE, comm_, &request));
    wait(request, "all_gather");
  }

 private:
  void wait(MPI_Request& request, const char* op) {
    mpi_wait(&request, 1, timeout_s_, op,
             "another rank died, is stuck, or skipped this collective");
  }

  const World::Impl& world_;
  MPI_Comm comm_;
  double timeout_s_;
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace

// Spins briefly (most waits end fast), then backs off to 1 ms sleeps so a long wait does not burn
// the core the other local ranks compute on.
void mpi_wait(MPI_Request* requests, int count, double timeout_s, const std::string& what,
              const std::string& likely_cause) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  auto pause = std::chrono::microseconds(0);
  for (int polls = 0;; ++polls) {
    int done = 0;
    GENVEC_MPI_CHECK(MPI_Testall(count, requests, &done, MPI_STATUSES_IGNORE));
    if (done) return;
    if (std::chrono::duration<double>(clock::now() - start).count() > timeout_s)
      throw DistError(what + " did not complete within " + seconds_text(timeout_s) + " s (" +
                          mpi_where() + "): " + likely_cause,
                      "read the other ranks' logs in RUN/logs/; raise dist.timeout_s if a "
                      "step legitimately takes longer");
    if (polls > 1000) {
      pause = std::min(pause * 2 + std::chrono::microseconds(1), std::chrono::microseconds(1000));
      std::this_thread::sleep_for(pause);
    }
  }
}

void mpi_check_serialized(const World::Impl& world, const char* what) {
  if (world.mpi_helper_threads.load() > 0)
    throw DistError(std::string(what) + " on " + mpi_where() +
                        " while the work queue's helper thread still calls MPI: at "
                        "MPI_THREAD_SERIALIZED that is undefined behaviour",
                    "a genvec bug: wait for WorkQueue::everyone_done() before any other MPI "
                    "call; please report it");
}

std::unique_ptr<Communicator> make_mpi_communicator(const World::Impl& world, double timeout_s) {
  return std::make_unique<MpiCommunicator>(world, timeout_s);
}

}  // namespace genvec
