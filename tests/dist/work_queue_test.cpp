// Rank 0's work queue under mpirun: every item is handed out exactly once over all ranks, each
// rank's completions reach the handler in order, and a rank 0 that is busy computing does not hold
// the others up (its helper thread answers them).
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

TEST(WorkQueue, EveryItemOnceOverAllRanks) {
  const World& world = test_world();
  Counter counter;
  counter.given.assign(world.size(), -1);
  WorkQueue queue(world, std::ref(counter), 30.0);
  const at::Tensor mine = take_all(queue, [] {});
  at::Tensor all = mine.clone();
  world.make_cpu_communicator(30.0)->all_reduce(all, ReduceOp::sum);
  EXPECT_TRUE(at::equal(all, at::ones({kItems}, at::kInt)));
  if (world.rank() == 0) {
    const auto start = std::chrono::steady_clock::now();
    while (!queue.everyone_done())
      ASSERT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
    EXPECT_TRUE(counter.reports_matched);
  }
}

TEST(WorkQueue, BusyRankZeroDoesNotHoldTheOthersUp) {
  const World& world = test_world();
  if (world.size() == 1) GTEST_SKIP() << "needs 2 or more ranks";
  Counter counter;
  counter.given.assign(world.size(), -1);
  WorkQueue queue(world, std::ref(counter), 30.0);
  // Rank 0 spends 1 s on each item, the others 5 ms: rank 0 should get very few.
  const at::Tensor mine = take_all(queue, [&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(world.rank() == 0 ? 1000 : 5));
  });
  if (world.rank() == 0) {
    EXPECT_LE(mine.sum().item<int>(), 2);
    while (!queue.everyone_done()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  at::Tensor all = mine.clone();
  world.make_cpu_communicator(30.0)->all_reduce(all, ReduceOp::sum);
  EXPECT_TRUE(at::equal(all, at::ones({kItems}, at::kInt)));
}

}  // namespace
}  // namespace genvec
