// Rank 0's work queue under mpirun: every item is handed out exactly once over all ranks, each
// rank's completions reach the handler in order, a rank 0 that is busy computing does not hold
// the others up (its helper thread answers them), and rank 0 can call MPI again right after
// everyone_done() — never while the helper still does (MPI_THREAD_SERIALIZED).
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <ATen/ATen.h>

#include "common/errors.h"
#include "dist/communicator.h"
#include "dist/work_queue.h"
#include "dist/world.h"
#include "tests/dist/mpi_test_world.h"

namespace genvec {
namespace {

constexpr int64_t kItems = 60;

// Hands out 0 .. kItems-1, one per ask; checks that each rank reports the item it was given.
struct Counter {
  int64_t next = 0;
  std::vector<int64_t> given;  // per rank, -1 for none
  bool reports_matched = true;

  WorkQueue::Reply operator()(int rank, const WorkQueue::Message& request) {
    if (request[0] != given[rank] || request[1] != 7 * given[rank]) reports_matched = false;
    if (next == kItems) return {{-1, 0, 0, 0}, true};
    given[rank] = next++;
    return {{given[rank], 7 * given[rank], 0, 0}, false};
  }
};

// Asks until the last reply, reporting each item back; `work` runs between asks.
at::Tensor take_all(WorkQueue& queue, const std::function<void()>& work) {
  at::Tensor mine = at::zeros({kItems}, at::kInt);
  WorkQueue::Message report{-1, -7, 0, 0};
  for (;;) {
    const WorkQueue::Reply reply = queue.ask(report);
    if (reply.last) break;
    mine[reply.message[0]] += 1;
    work();
    report = reply.message;
  }
  return mine;
}

// Rank 0 makes no MPI call before everyone_done() says true: its helper thread may still be
// sending the last replies (MPI_THREAD_SERIALIZED).
void wait_everyone_done(WorkQueue& queue) {
  const auto start = std::chrono::steady_clock::now();
  while (!queue.everyone_done())
    ASSERT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST(WorkQueue, EveryItemOnceOverAllRanks) {
  const World& world = test_world();
  Counter counter;
  counter.given.assign(world.size(), -1);
  WorkQueue queue(world, std::ref(counter), 30.0);
  const at::Tensor mine = take_all(queue, [] {});
  wait_everyone_done(queue);
  if (world.rank() == 0) {
    EXPECT_TRUE(counter.reports_matched);
  }
  at::Tensor all = mine.clone();
  world.make_cpu_communicator(30.0)->all_reduce(all, ReduceOp::sum);
  EXPECT_TRUE(at::equal(all, at::ones({kItems}, at::kInt)));
}

// The stages' pattern, many times over: tiny items, then at once a collective on every rank.
// Were everyone_done() true while the helper still sends its last replies, rank 0's collective
// would overlap the helper's MPI calls, and the communicator's check would throw.
TEST(WorkQueue, CollectiveRightAfterEveryoneDoneNeverOverlapsTheHelper) {
  const World& world = test_world();
  auto communicator = world.make_cpu_communicator(30.0);
  for (int round = 0; round < 200; ++round) {
    Counter counter;
    counter.given.assign(world.size(), -1);
    WorkQueue queue(world, std::ref(counter), 30.0);
    // The other ranks are a little slower, so rank 0 is done first and waits, as in the stages,
    // while the helper answers their last asks.
    const at::Tensor mine = take_all(queue, [&] {
      if (world.rank() != 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
    });
    while (!queue.everyone_done()) {
    }
    ASSERT_NO_THROW(communicator->barrier()) << "round " << round;
    at::Tensor all = mine.clone();
    communicator->all_reduce(all, ReduceOp::sum);
    ASSERT_TRUE(at::equal(all, at::ones({kItems}, at::kInt))) << "round " << round;
  }
}

// Tests that need 2 or more ranks (the np 1 run filters them out).
TEST(WorkQueueMultiRank, BusyRankZeroDoesNotHoldTheOthersUp) {
  const World& world = test_world();
  Counter counter;
  counter.given.assign(world.size(), -1);
  WorkQueue queue(world, std::ref(counter), 30.0);
  // Rank 0 spends 1 s on each item, the others 5 ms: rank 0 should get very few.
  const at::Tensor mine = take_all(queue, [&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(world.rank() == 0 ? 1000 : 5));
  });
  if (world.rank() == 0) {
    EXPECT_LE(mine.sum().item<int>(), 2);
  }
  wait_everyone_done(queue);
  at::Tensor all = mine.clone();
  world.make_cpu_communicator(30.0)->all_reduce(all, ReduceOp::sum);
  EXPECT_TRUE(at::equal(all, at::ones({kItems}, at::kInt)));
}

TEST(WorkQueueMultiRank, CollectiveWhileTheHelperServesIsRefused) {
  const World& world = test_world();
  auto communicator = world.make_cpu_communicator(30.0);
  Counter counter;
  counter.given.assign(world.size(), -1);
  WorkQueue queue(world, std::ref(counter), 30.0);
  if (world.rank() == 0) {
    at::Tensor t = at::zeros({1}, at::kInt);
    EXPECT_THROW(communicator->all_reduce(t, ReduceOp::sum), DistError);
    EXPECT_THROW(world.make_cpu_communicator(30.0), DistError);
  }
  take_all(queue, [] {});
  wait_everyone_done(queue);
  at::Tensor t = at::ones({1}, at::kInt);
  communicator->all_reduce(t, ReduceOp::sum);
  EXPECT_EQ(t.item<int>(), world.size());
}

}  // namespace
}  // namespace genvec
