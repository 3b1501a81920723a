// MPI bootstrap: init → rank/size → local rank (shared-memory split) → cores per rank → CUDA
// device by local rank. The order follows nccl-tests and llm.c's multi-GPU setup.
#include "dist/world.h"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>

#ifdef GENVEC_WITH_CUDA
#include <cuda_runtime.h>
#endif
#ifdef GENVEC_WITH_NCCL
#include <nccl.h>
#endif

#include "common/errors.h"
#include "common/host_name.h"
#include "dist/communicator.h"
#include "dist/mpi_internal.h"

namespace genvec {
namespace {

// Cores this rank may use: its CPU affinity mask, shared fairly with the local ranks whose masks
// overlap it. Bound ranks (mpirun's default for small -np, srun with --cpu-bind) keep their own
// cores; unbound ranks on one node split the node, so 2 ranks on 2 cores run 1 thread each.
int cores_for_rank(MPI_Comm local_comm, int local_size) {
  cpu_set_t mine;
  CPU_ZERO(&mine);
  if (sched_getaffinity(0, sizeof mine, &mine) != 0) {
    CPU_ZERO(&mine);
    for (long c = 0; c < std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)); ++c) CPU_SET(c, &mine);
  }
  std::vector<cpu_set_t> all(local_size);
  GENVEC_MPI_CHECK(
      MPI_Allgather(&mine, sizeof mine, MPI_BYTE, all.data(), sizeof mine, MPI_BYTE, local_comm));
  int sharers = 0;
  for (cpu_set_t& other : all) {
    cpu_set_t both;
    CPU_AND(&both, &mine, &other);
    sharers += CPU_COUNT(&both) > 0;
  }
  return std::max(1, CPU_COUNT(&mine) / std::max(1, sharers));
}

std::vector<std::string> gather_hosts(MPI_Comm comm, int size, const std::string& host) {
  constexpr int kLen = 256;
  std::vector<char> mine(kLen, '\0'), all(static_cast<size_t>(kLen) * size);
  std::copy_n(host.begin(), std::min<size_t>(host.size(), kLen - 1), mine.begin());
  GENVEC_MPI_CHECK(MPI_Allgather(mine.data(), kLen, MPI_CHAR, all.data(), kLen, MPI_CHAR, comm));
  std::vector<std::string> hosts;
  for (int r = 0; r < size; ++r) hosts.emplace_back(all.data() + static_cast<size_t>(r) * kLen);
  return hosts;
}

}  // namespace

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", seconds);
  return text;
}

std::string mpi_where() {
  int initialized = 0, finalized = 0, rank = -1;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (initialized && !finalized) MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return "rank " + std::to_string(rank) + " on " + host_name();
}

void mpi_check(int code, const char* call, const char* file, int line) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw DistError(std::string(call) + " failed at " + file + ":" + std::to_string(line) + " (" +
                      mpi_where() + "): " + text,
                  "a peer rank may have died; see the other ranks' logs in RUN/logs/");
}

World::World(int* argc, char*** argv) : impl_(std::make_unique<Impl>()) {
  // Torch's worker threads never call MPI; rank 0's work-queue thread does, while the main
  // thread makes no MPI calls (dist/work_queue.h): serialized calls are all genvec needs.
  if (MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &impl_->thread_level) != MPI_SUCCESS)
    throw DistError("MPI_Init_thread failed on " + host_name(),
                    "check the MPI installation with `mpirun -np 1 hostname`");
  GENVEC_MPI_CHECK(MPI_Comm_dup(MPI_COMM_WORLD, &impl_->comm));
  GENVEC_MPI_CHECK(MPI_Comm_set_errhandler(impl_->comm, MPI_ERRORS_RETURN));
  GENVEC_MPI_CHECK(MPI_Comm_rank(impl_->comm, &info_.rank));
  GENVEC_MPI_CHECK(MPI_Comm_size(impl_->comm, &info_.size));
  GENVEC_MPI_CHECK(MPI_Comm_split_type(impl_->comm, MPI_COMM_TYPE_SHARED, info_.rank, MPI_INFO_NULL,
                                       &impl_->local_comm));
  GENVEC_MPI_CHECK(MPI_Comm_set_errhandler(impl_->local_comm, MPI_ERRORS_RETURN));
  GENVEC_MPI_CHECK(MPI_Comm_rank(impl_->local_comm, &info_.local_rank));
  GENVEC_MPI_CHECK(MPI_Comm_size(impl_->local_comm, &info_.local_size));

  info_.host = host_name();
  info_.hosts = gather_hosts(impl_->comm, info_.size, info_.host);
  info_.num_nodes = static_cast<int>(std::set(info_.hosts.begin(), info_.hosts.end()).size());
  info_.cores = cores_for_rank(impl_->local_comm, info_.local_size);
#ifdef GENVEC_WITH_CUDA
  // No driver or no device both mean "no CUDA here": run on the CPU.
  if (cudaGetDeviceCount(&info_.cuda_device_count) != cudaSuccess) info_.cuda_device_count = 0;
  if (info_.cuda_device_count > 0) {
    info_.cuda_device = info_.local_rank % info_.cuda_device_count;
    if (cudaSetDevice(info_.cuda_device) != cudaSuccess)
      throw DistError(
          "cudaSetDevice(" + std::to_string(info_.cuda_device) + ") failed (" + mpi_where() + ")",
          "check CUDA_VISIBLE_DEVICES and the GPUs Slurm gave this job");
  }
#endif
}

World::~World() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) return;
  if (impl_->local_comm != MPI_COMM_NULL) MPI_Comm_free(&impl_->local_comm);
  if (impl_->comm != MPI_COMM_NULL) MPI_Comm_free(&impl_->comm);
  MPI_Finalize();
}

void World::abort(int code) const {
  if (info_.size > 1) MPI_Abort(MPI_COMM_WORLD, code);
  // Alone there is nobody to take down; a clean finalize avoids MPI's abort banner.
  MPI_Finalize();
  std::exit(code);
}

std::string World::mpi_library_version() const {
  char text[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int length = 0;
  MPI_Get_library_version(text, &length);
  std::string version(text, static_cast<size_t>(length));
  return version.substr(0, version.find_first_of("\n\r,"));
}

std::unique_ptr<Communicator> World::make_cpu_communicator(double timeout_s) const {
  return make_mpi_communicator(*impl_, timeout_s);
}

std::unique_ptr<Communicator> World::make_cuda_communicator(double timeout_s) const {
#ifdef GENVEC_WITH_NCCL
  if (info_.cuda_device < 0)
    throw NotAvailableError(
        "the NCCL backend needs a CUDA device, and " + mpi_where() + " has none",
        "set dist.backend = \"mpi\" to train on CPUs");
  mpi_check_serialized(*impl_, "creating the NCCL communicator");
  return make_nccl_communicator(impl_->comm, info_, timeout_s);
#else
  (void)timeout_s;
  throw NotAvailableError("this genvec was built without NCCL",
                          "rebuild with the CUDA toolkit and NCCL installed and "
                          "-DGENVEC_NCCL=ON, or set dist.backend = \"mpi\"");
#endif
}

bool world_has_nccl() {
#ifdef GENVEC_WITH_NCCL
  return true;
#else
  return false;
#endif
}

std::string world_nccl_version() {
#ifdef GENVEC_WITH_NCCL
  int v = 0;
  if (ncclGetVersion(&v) != ncclSuccess) return "unknown";
  return std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." +
         std::to_string(v % 100);
#else
  return "";
#endif
}

}  // namespace genvec
