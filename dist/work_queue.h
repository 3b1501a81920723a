// A work queue that rank 0 serves over MPI: every rank asks for its next item, reporting the
// one it finished, and rank 0 answers from one handler, so whoever is free takes the next item
// while the policy stays in one place (data/work_schedule.h). Rank 0 answers the other ranks
// from a helper thread and its own main thread calls the handler directly, so nobody waits on
// rank 0's computation. Needs MPI_THREAD_SERIALIZED with more than one rank: while the helper
// thread lives, it is rank 0's only MPI caller, so rank 0 makes no other MPI call until
// everyone_done() has said true (the communicators check this).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>

namespace genvec {

class World;

class WorkQueue {
 public:
  using Message = std::array<int64_t, 4>;
  struct Reply {
    Message message{};
    bool last = false;  // the asking rank gets nothing more and must not ask again
  };
  // Called on rank 0 only, one call at a time.
  using Handler = std::function<Reply(int rank, const Message& request)>;

  // Collective: every rank constructs the queue at the same point; `handler` matters on rank 0
  // only. A rank waits at most timeout_s for rank 0's answer (a dead rank 0 is a DistError).
  WorkQueue(const World& world, Handler handler, double timeout_s);
  // Rank 0: waits until every rank has had its last reply (they each ask again right after
  // their last item, so this is short), then stops the helper thread; when unwinding, stops it
  // at once.
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  Reply ask(const Message& request);
  // Rank 0: whether every rank, rank 0 included, has had its last reply, so all the work handed
  // out is done, and the helper thread has finished sending (it is joined then): from the first
  // true on, rank 0 may call MPI again. Other ranks: true. Rethrows an error of the helper.
  bool everyone_done();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace genvec
