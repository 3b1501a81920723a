// Collectives over NCCL for CUDA tensors, bootstrapped over MPI: rank 0 creates the NCCL id and
// MPI broadcasts it (nccl-tests, llm.c). Each collective is queued on a stream of our own and
// then polled with a time-out; on time-out the NCCL communicator is aborted and a DistError
// raised, so a dead peer never hangs the job. Compiled only when GENVEC_WITH_NCCL.
#include <chrono>
#include <thread>

#include <ATen/core/Tensor.h>
#include <cuda_runtime.h>
#include <nccl.h>

#include "common/errors.h"
#include "dist/communicator.h"
#include "dist/mpi_internal.h"

namespace genvec {
namespace {

void cuda_check(cudaError_t code, const char* call, const char* file, int line) {
  if (code == cudaSuccess) return;
  throw DistError(std::string(call) + " failed at " + file + ":" + std::to_string(line) + " (" +
                      mpi_where() + "): " + cudaGetErrorString(code),
                  "check that the GPU is healthy (nvidia-smi) and visible to this rank");
}

void nccl_check(ncclResult_t code, const char* call, const char* file, int line) {
  if (code == ncclSuccess) return;
  throw DistError(std::string(call) + " failed at " + file + ":" + std::to_string(line) + " (" +
                      mpi_where() + "): " + ncclGetErrorString(code),
                  "rerun with NCCL_DEBUG=WARN for NCCL's own diagnosis");
}

#define GENVEC_CUDA_CHECK(call) cuda_check((call), #call, __FILE__, __LINE__)
#define GENVEC_NCCL_CHECK(call) nccl_check((call), #call, __FILE__, __LINE__)

ncclDataType_t nccl_type(const at::Tensor& t) {
  switch (t.scalar_type()) {
    case at::kFloat: return ncclFloat32;
    case at::kDouble: return ncclFloat64;
    case at::kHalf: return ncclFloat16;
    case at::kBFloat16: return ncclBfloat16;
    case at::kInt: return ncclInt32;
    case at::kLong: return ncclInt64;
    case at::kChar: return ncclInt8;
    case at::kByte: return ncclUint8;
    default:
      throw DistError("NCCL does not support dtype " + std::string(c10::toString(t.scalar_type())),
                      "convert to float32 or an integer type first");
  }
}

ncclRedOp_t nccl_op(ReduceOp op) {
  switch (op) {
    case ReduceOp::sum: return ncclSum;
    case ReduceOp::max: return ncclMax;
    case ReduceOp::min: return ncclMin;
  }
  return ncclSum;
}

class NcclCommunicator final : public Communicator {
 public:
  NcclCommunicator(MPI_Comm mpi_comm, const WorldInfo& info, double timeout_s)
      : device_(info.cuda_device), rank_(info.rank), size_(info.size), timeout_s_(timeout_s) {
    ncclUniqueId id;
    if (rank_ == 0) GENVEC_NCCL_CHECK(ncclGetUniqueId(&id));
    GENVEC_MPI_CHECK(MPI_Bcast(&id, sizeof id, MPI_BYTE, 0, mpi_comm));
    GENVEC_CUDA_CHECK(cudaSetDevice(device_));
    // A blocking stream orders itself with the legacy default stream torch computes on.
    GENVEC_CUDA_CHECK(cudaStreamCreate(&stream_));
    GENVEC_CUDA_CHECK(cudaMalloc(&barrier_word_, sizeof(float)));
    GENVEC_NCCL_CHECK(ncclCommInitRank(&comm_, size_, id, rank_));
  }

  ~NcclCommunicator() override {
    if (comm_) ncclCommDestroy(comm_);
    if (barrier_word_) cudaFree(barrier_word_);
    if (stream_) cudaStreamDestroy(stream_);
  }

  std::string_view backend() const override { return "nccl"; }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void barrier() override {
    GENVEC_NCCL_CHECK(ncclAllReduce(barrier_word_, barrier_word_, 1, ncclFloat32, ncclSum, comm_,
                                    stream_));
    wait("barrier");
  }

  void broadcast(at::Tensor& tensor, int root) override {
    check_tensor(tensor, "broadcast");
    GENVEC_NCCL_CHECK(ncclBroadcast(tensor.data_ptr(), tensor.data_ptr(), tensor.numel(),
                                    nccl_type(tensor), root, comm_, stream_));
    wait("broadcast");
  }

  void all_reduce(at::Tensor& tensor, ReduceOp op) override {
    check_tensor(tensor, "all_reduce");
    GENVEC_NCCL_CHECK(ncclAllReduce(tensor.data_ptr(), tensor.data_ptr(), tensor.numel(),
                                    nccl_type(tensor), nccl_op(op), comm_, stream_));
    wait("all_reduce");
  }

  void all_gather(const at::Tensor& input, at::Tensor& output) override {
    check_tensor(input, "all_gather");
    check_tensor(output, "all_gather");
    if (output.scalar_type() != input.scalar_type() || output.numel() != input.numel() * size_)
      throw DistError("all_gather: output must have the input's dtype and " +
                      std::to_string(size_) + " x " + std::to_string(input.numel()) + " elements");
    GENVEC_NCCL_CHECK(ncclAllGather(input.data_ptr(), output.data_ptr(), input.numel(),
                                    nccl_type(input), comm_, stream_));
    wait("all_gather");
  }

 private:
  void check_tensor(const at::Tensor& t, const char* op) const {
    if (!t.defined() || !t.is_cuda() || t.get_device() != device_ || !t.is_contiguous())
      throw DistError(std::string(op) + ": the NCCL backend needs a contiguous tensor on cuda:" +
                          std::to_string(device_) + " (" + mpi_where() + ")",
                      "move the tensor with .to(device) and .contiguous(), or use the MPI "
                      "backend for CPU tensors");
  }

  void wait(const char* op) {
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    for (;;) {
      cudaError_t state = cudaStreamQuery(stream_);
      if (state == cudaSuccess) return;
      if (state != cudaErrorNotReady) GENVEC_CUDA_CHECK(state);
      ncclResult_t async_error = ncclSuccess;
      GENVEC_NCCL_CHECK(ncclCommGetAsyncError(comm_, &async_error));
      GENVEC_NCCL_CHECK(async_error);
      if (std::chrono::duration<double>(clock::now() - start).count() > timeout_s_) {
        ncclCommAbort(comm_);
        comm_ = nullptr;
        throw DistError(std::string(op) + " did not complete within " +
                            seconds_text(timeout_s_) + " s (" + mpi_where() +
                            "): another rank died, is stuck, or skipped this collective",
                        "read the other ranks' logs in RUN/logs/; raise dist.timeout_s if a "
                        "step legitimately takes longer");
      }
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }

  int device_;
  int rank_;
  int size_;
  double timeout_s_;
  cudaStream_t stream_ = nullptr;
  void* barrier_word_ = nullptr;
  ncclComm_t comm_ = nullptr;
};

}  // namespace

std::unique_ptr<Communicator> make_nccl_communicator(MPI_Comm comm, const WorldInfo& info,
                                                     double timeout_s) {
  return std::make_unique<NcclCommunicator>(comm, info, timeout_s);
}

}  // namespace genvec
