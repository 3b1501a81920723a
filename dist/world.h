// The process world: MPI bootstrap (singleton, mpirun or srun), rank and size, the local rank
// from a shared-memory split, the CPU cores this rank may use, and the CUDA device it drives.
// One World object per process owns MPI; it is passed by reference, never a global.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace genvec {

class Communicator;

struct WorldInfo {
  int rank = 0;
  int size = 1;
  int local_rank = 0;  // rank among the ranks on this node
  int local_size = 1;  // ranks on this node
  int num_nodes = 1;
  std::string host;
  int cores = 1;         // CPU cores this rank may use without oversubscribing the node
  int cuda_device = -1;  // CUDA device chosen by local rank; -1 without CUDA
  int cuda_device_count = 0;
  std::vector<std::string> hosts;  // host of every rank, indexed by rank
};

class World {
 public:
  // Initializes MPI (thread level SERIALIZED, see dist/work_queue.h) and gathers WorldInfo.
  World(int* argc, char*** argv);
  ~World();  // finalizes MPI
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  const WorldInfo& info() const { return info_; }
  int rank() const { return info_.rank; }
  int size() const { return info_.size; }

  // Tears the whole job down: every rank exits with `code`. Use on unrecoverable errors so no
  // rank waits forever for a peer that is gone.
  [[noreturn]] void abort(int code) const;

  // "Open MPI v4.1.4, ..." as the MPI library reports itself.
  std::string mpi_library_version() const;

  // A communicator over all ranks for CPU tensors; collectives wait at most timeout_s.
  std::unique_ptr<Communicator> make_cpu_communicator(double timeout_s) const;

  // A communicator for CUDA tensors (NCCL, bootstrapped over MPI). Throws NotAvailableError if
  // this build has no NCCL or this rank has no CUDA device.
  std::unique_ptr<Communicator> make_cuda_communicator(double timeout_s) const;

  struct Impl;
  const Impl& impl() const { return *impl_; }  // the MPI handles, for dist/ only

 private:
  std::unique_ptr<Impl> impl_;
  WorldInfo info_;
};

// True when this build compiled the NCCL backend.
bool world_has_nccl();

// The NCCL library version ("2.27.3"), or "" when NCCL is not built.
std::string world_nccl_version();

}  // namespace genvec
