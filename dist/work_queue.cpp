// Rank 0's work queue over MPI: see work_queue.h. On a private communicator, a rank sends its
// request (4 int64) to rank 0 and waits for the reply (the last flag, then 4 int64). Rank 0's
// helper thread polls for requests with MPI_Test and short sleeps rather than a blocking receive,
// which would spin a core the ranks on this node compute on. While the queue lives the helper
// is the only thread of rank 0 that calls MPI, which MPI_THREAD_SERIALIZED allows: it counts
// itself in World::Impl::mpi_helper_threads, which the communicators check, until it has
// completed its last send, and everyone_done() turns true only after that.
#include "dist/work_queue.h"

#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "common/errors.h"
#include "dist/mpi_internal.h"

namespace genvec {
namespace {

constexpr int kRequestTag = 1;
constexpr int kReplyTag = 2;
using Wire = std::array<int64_t, 5>;  // reply: last flag, then the message

}  // namespace

struct WorkQueue::Impl {
  MPI_Comm comm = MPI_COMM_NULL;
  const World::Impl* world = nullptr;
  int rank = 0;
  int size = 1;
  double timeout_s = 0;
  Handler handler;
  std::mutex mutex;             // rank 0: one handler call at a time
  std::vector<bool> told_last;  // rank 0: which ranks had their last reply
  int ranks_told_last = 0;
  std::thread helper;
  std::atomic<bool> stop{false};
  std::atomic<bool> helper_finished{false};  // served every rank and completed every send
  std::exception_ptr helper_error;

  Reply handle(int from, const Message& request) {
    std::lock_guard lock(mutex);
    if (told_last[from])
      throw DistError("rank " + std::to_string(from) + " asked for work after its last item");
    Reply reply = handler(from, request);
    if (reply.last) {
      told_last[from] = true;
      ++ranks_told_last;
    }
    return reply;
  }

  void rethrow_helper_error() {
    std::lock_guard lock(mutex);
    if (helper_error) std::rethrow_exception(helper_error);
  }

  // Rank 0's helper thread: answers the other ranks until each has had its last reply.
  void serve() {
    try {
      Message request{};
      MPI_Request receive = MPI_REQUEST_NULL;
      std::vector<MPI_Request> sends;
      std::vector<std::unique_ptr<Wire>> send_buffers;
      int others_left = size - 1;
      GENVEC_MPI_CHECK(
          MPI_Irecv(request.data(), 4, MPI_INT64_T, MPI_ANY_SOURCE, kRequestTag, comm, &receive));
      auto pause = std::chrono::microseconds(0);
      while (!stop) {
        int received = 0;
        MPI_Status status;
        if (receive != MPI_REQUEST_NULL) GENVEC_MPI_CHECK(MPI_Test(&receive, &received, &status));
        if (received) {
          const Reply reply = handle(status.MPI_SOURCE, request);
          send_buffers.push_back(std::make_unique<Wire>(Wire{
              reply.last, reply.message[0], reply.message[1], reply.message[2], reply.message[3]}));
          sends.emplace_back();
          GENVEC_MPI_CHECK(MPI_Isend(send_buffers.back()->data(), 5, MPI_INT64_T, status.MPI_SOURCE,
                                     kReplyTag, comm, &sends.back()));
          if (reply.last) --others_left;
          if (others_left > 0)
            GENVEC_MPI_CHECK(MPI_Irecv(request.data(), 4, MPI_INT64_T, MPI_ANY_SOURCE, kRequestTag,
                                       comm, &receive));
          pause = std::chrono::microseconds(0);
          continue;
        }
        for (size_t i = 0; i < sends.size();) {
          int sent = 0;
          GENVEC_MPI_CHECK(MPI_Test(&sends[i], &sent, MPI_STATUS_IGNORE));
          if (sent) {
            sends.erase(sends.begin() + static_cast<std::ptrdiff_t>(i));
            send_buffers.erase(send_buffers.begin() + static_cast<std::ptrdiff_t>(i));
          } else {
            ++i;
          }
        }
        if (others_left == 0 && sends.empty()) {
          helper_finished = true;
          break;
        }
        pause = std::min(pause * 2 + std::chrono::microseconds(1), std::chrono::microseconds(1000));
        std::this_thread::sleep_for(pause);
      }
      // Stopped early (rank 0 failed and the job is being aborted): withdraw the receive.
      if (receive != MPI_REQUEST_NULL) {
        MPI_Cancel(&receive);
        MPI_Wait(&receive, MPI_STATUS_IGNORE);
      }
    } catch (...) {
      std::lock_guard lock(mutex);
      helper_error = std::current_exception();
    }
    --world->mpi_helper_threads;
  }
};

WorkQueue::WorkQueue(const World& world, Handler handler, double timeout_s)
    : impl_(std::make_unique<Impl>()) {
  Impl& q = *impl_;
  const World::Impl& mpi = world.impl();
  q.world = &mpi;
  q.rank = world.rank();
  q.size = world.size();
  q.timeout_s = timeout_s;
  q.handler = std::move(handler);
  q.told_last.assign(q.size, false);
  if (q.size == 1) return;  // alone: ask() calls the handler, no MPI
  if (mpi.thread_level < MPI_THREAD_SERIALIZED)
    throw NotAvailableError(
        "the work queue needs MPI_THREAD_SERIALIZED, and this MPI library provides less (" +
            mpi_where() + ")",
        "use an MPI built with thread support (Open MPI and MPICH are); on Cray MPICH set "
        "MPICH_MAX_THREAD_SAFETY=serialized");
  MPI_Request request;
  GENVEC_MPI_CHECK(MPI_Comm_idup(mpi.comm, &q.comm, &request));
  mpi_wait(&request, 1, timeout_s, "setting up the work queue",
           "rank 0 may still be preparing the shards, or a rank died");
  GENVEC_MPI_CHECK(MPI_Comm_set_errhandler(q.comm, MPI_ERRORS_RETURN));
  if (q.rank == 0) {
    ++mpi.mpi_helper_threads;  // before the thread starts: no MPI call may slip in between
    q.helper = std::thread([&q] { q.serve(); });
  }
}

WorkQueue::~WorkQueue() {
  Impl& q = *impl_;
  if (q.helper.joinable()) {
    // Unwinding (rank 0 failed) or not every rank is done: stop serving; the launcher aborts.
    bool everyone_done;
    {
      std::lock_guard lock(q.mutex);
      everyone_done = q.ranks_told_last == q.size;
    }
    if (std::uncaught_exceptions() > 0 || !everyone_done) q.stop = true;
    q.helper.join();
  }
  if (q.comm != MPI_COMM_NULL) MPI_Comm_free(&q.comm);
}

WorkQueue::Reply WorkQueue::ask(const Message& request) {
  Impl& q = *impl_;
  if (q.rank == 0) {
    q.rethrow_helper_error();
    return q.handle(0, request);
  }
  Message outgoing = request;
  Wire incoming{};
  MPI_Request requests[2];
  GENVEC_MPI_CHECK(MPI_Irecv(incoming.data(), 5, MPI_INT64_T, 0, kReplyTag, q.comm, &requests[0]));
  GENVEC_MPI_CHECK(
      MPI_Isend(outgoing.data(), 4, MPI_INT64_T, 0, kRequestTag, q.comm, &requests[1]));
  mpi_wait(requests, 2, q.timeout_s, "asking rank 0 for work", "rank 0 died or is stuck");
  return {{incoming[1], incoming[2], incoming[3], incoming[4]}, incoming[0] != 0};
}

bool WorkQueue::everyone_done() {
  Impl& q = *impl_;
  if (q.rank != 0) return true;
  q.rethrow_helper_error();
  {
    std::lock_guard lock(q.mutex);
    if (q.ranks_told_last != q.size) return false;
  }
  if (q.helper.joinable()) {
    if (!q.helper_finished) return false;  // its last replies are still being sent
    q.helper.join();
  }
  return true;
}

}  // namespace genvec
