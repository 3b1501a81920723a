// dist/-internal: the MPI handles behind World and the checked-call macro. Nothing outside dist/
// includes this file; the rest of genvec sees only World and Communicator.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include <mpi.h>

#include "dist/world.h"

namespace genvec {

struct World::Impl {
  MPI_Comm comm = MPI_COMM_NULL;         // a private duplicate of MPI_COMM_WORLD
  MPI_Comm local_comm = MPI_COMM_NULL;   // the ranks sharing this node's memory
  int thread_level = MPI_THREAD_SINGLE;  // what MPI_Init_thread provided
  // Helper threads that call MPI right now (the work queue's, on rank 0). At
  // MPI_THREAD_SERIALIZED nothing else of this process may call MPI while one runs; the
  // communicators check, so a violation is an error rather than undefined behaviour.
  mutable std::atomic<int> mpi_helper_threads{0};
};

// Throws DistError naming the call, file:line, host, rank and MPI's own error string.
void mpi_check(int code, const char* call, const char* file, int line);

#define GENVEC_MPI_CHECK(call) ::genvec::mpi_check((call), #call, __FILE__, __LINE__)

// "2.5" rather than "2.500000", for time-out messages.
std::string seconds_text(double seconds);

// "rank 3 on node-7": where a failure happened, for error messages.
std::string mpi_where();

// Waits for all `count` requests, polling; after timeout_s a DistError says `what` did not
// complete, where, and `likely_cause`.
void mpi_wait(MPI_Request* requests, int count, double timeout_s, const std::string& what,
              const std::string& likely_cause);

// Throws DistError when a helper thread is calling MPI (see World::Impl): `what` names the call.
void mpi_check_serialized(const World::Impl& world, const char* what);

std::unique_ptr<Communicator> make_mpi_communicator(const World::Impl& world, double timeout_s);

#ifdef GENVEC_WITH_NCCL
std::unique_ptr<Communicator> make_nccl_communicator(MPI_Comm comm, const WorldInfo& info,
                                                     double timeout_s);
#endif

}  // namespace genvec
