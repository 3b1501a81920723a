// The data stages' work schedule: over random interleavings of ranks, every uncommitted batch is
// handed out exactly once and each shard merged once, after its last batch; ranks start on
// separate shards, largest first, keep to their shard, and help with others' when theirs run
// out; a resumed run skips committed batches and merges what a killed run left unmerged; a static
// plan keeps each shard to its owner; a completion that was never handed out is an error; a
// shard's batch plan is longest first.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "common/errors.h"
#include "data/work_schedule.h"

namespace genvec {
namespace {

using Kind = WorkItem::Kind;

// Drives `schedule` as `ranks` ranks would, each completing its item at a random moment; returns
// what every rank did, in order, and checks the schedule's promises along the way.
std::vector<std::vector<WorkItem>> simulate(WorkSchedule& schedule,
                                            const std::vector<ShardWork>& shards, int ranks,
                                            unsigned seed) {
  std::mt19937 random(seed);
  std::vector<std::vector<WorkItem>> done(ranks);
  std::vector<WorkItem> holding(ranks);
  std::vector<bool> finished(ranks, false);
  std::map<int64_t, std::set<int64_t>> committed;
  for (size_t s = 0; s < shards.size(); ++s)
    committed[s].insert(shards[s].committed.begin(), shards[s].committed.end());
  for (int r = 0; r < ranks; ++r) holding[r] = schedule.next(r, {});
  for (;;) {
    std::vector<int> busy;
    for (int r = 0; r < ranks; ++r)
      if (!finished[r]) busy.push_back(r);
    if (busy.empty()) break;
    const int r = busy[random() % busy.size()];
    const WorkItem item = holding[r];
    if (item.kind == Kind::none) {
      finished[r] = true;
      continue;
    }
    if (item.kind == Kind::batch) {
      EXPECT_TRUE(committed[item.shard].insert(item.batch).second) << work_item_text(item);
    } else {
      EXPECT_EQ(static_cast<int64_t>(committed[item.shard].size()), shards[item.shard].batches)
          << "merged before every batch was committed: " << work_item_text(item);
      EXPECT_FALSE(shards[item.shard].finished);
    }
    done[r].push_back(item);
    holding[r] = schedule.next(r, item);
  }
  for (size_t s = 0; s < shards.size(); ++s) {
    if (shards[s].finished) continue;
    EXPECT_EQ(static_cast<int64_t>(committed[s].size()), shards[s].batches) << "shard " << s;
  }
  return done;
}

int64_t merges_of(const std::vector<std::vector<WorkItem>>& done, int64_t shard) {
  int64_t merges = 0;
  for (const auto& items : done)
    for (const WorkItem& item : items) merges += item.kind == Kind::merge && item.shard == shard;
  return merges;
}

TEST(WorkSchedule, EveryBatchOnceAndEveryShardMergedOnceOverRandomInterleavings) {
  const std::vector<ShardWork> shards = {
      {7, {}, false}, {1, {}, false}, {0, {}, false}, {12, {}, false}, {3, {}, false}};
  for (const int ranks : {1, 2, 3, 8})
    for (unsigned seed = 0; seed < 20; ++seed) {
      WorkSchedule schedule(shards, ranks);
      const auto done = simulate(schedule, shards, ranks, seed);
      for (size_t s = 0; s < shards.size(); ++s) EXPECT_EQ(merges_of(done, s), 1) << "shard " << s;
    }
}

TEST(WorkSchedule, RanksStartOnSeparateShardsLargestFirstAndKeepToThem) {
  WorkSchedule schedule({{4, {}, false}, {9, {}, false}, {6, {}, false}}, 3);
  EXPECT_EQ(schedule.next(0, {}), (WorkItem{Kind::batch, 1, 0}));
  EXPECT_EQ(schedule.next(1, {}), (WorkItem{Kind::batch, 2, 0}));
  EXPECT_EQ(schedule.next(2, {}), (WorkItem{Kind::batch, 0, 0}));
  EXPECT_EQ(schedule.next(2, {Kind::batch, 0, 0}), (WorkItem{Kind::batch, 0, 1}));
  EXPECT_EQ(schedule.next(0, {Kind::batch, 1, 0}), (WorkItem{Kind::batch, 1, 1}));
}

TEST(WorkSchedule, MoreRanksThanShardsAllHelp) {
  WorkSchedule schedule({{5, {}, false}}, 3);
  EXPECT_EQ(schedule.next(0, {}), (WorkItem{Kind::batch, 0, 0}));
  EXPECT_EQ(schedule.next(1, {}), (WorkItem{Kind::batch, 0, 1}));
  EXPECT_EQ(schedule.next(2, {}), (WorkItem{Kind::batch, 0, 2}));
  EXPECT_EQ(schedule.next(1, {Kind::batch, 0, 1}), (WorkItem{Kind::batch, 0, 3}));
  EXPECT_EQ(schedule.next(1, {Kind::batch, 0, 3}), (WorkItem{Kind::batch, 0, 4}));
  EXPECT_EQ(schedule.next(0, {Kind::batch, 0, 0}), WorkItem{});
  EXPECT_EQ(schedule.next(1, {Kind::batch, 0, 4}), WorkItem{});
  // The last batch to finish is batch 2, wherever it is: its rank merges.
  EXPECT_EQ(schedule.next(2, {Kind::batch, 0, 2}), (WorkItem{Kind::merge, 0, -1}));
  EXPECT_EQ(schedule.next(2, {Kind::merge, 0, -1}), WorkItem{});
}

TEST(WorkSchedule, ARankWhoseShardRunsOutHelpsTheShardWithMostLeft) {
  WorkSchedule schedule({{1, {}, false}, {6, {}, false}, {3, {}, false}}, 2);
  EXPECT_EQ(schedule.next(0, {}), (WorkItem{Kind::batch, 1, 0}));
  EXPECT_EQ(schedule.next(1, {}), (WorkItem{Kind::batch, 2, 0}));
  EXPECT_EQ(schedule.next(1, {Kind::batch, 2, 0}), (WorkItem{Kind::batch, 2, 1}));
  EXPECT_EQ(schedule.next(1, {Kind::batch, 2, 1}), (WorkItem{Kind::batch, 2, 2}));
  EXPECT_EQ(schedule.next(1, {Kind::batch, 2, 2}), (WorkItem{Kind::merge, 2, -1}));
  // Shard 0 (1 batch) has nobody on it: it goes first, then rank 1 helps with shard 1.
  EXPECT_EQ(schedule.next(1, {Kind::merge, 2, -1}), (WorkItem{Kind::batch, 0, 0}));
  EXPECT_EQ(schedule.next(1, {Kind::batch, 0, 0}), (WorkItem{Kind::merge, 0, -1}));
  EXPECT_EQ(schedule.next(1, {Kind::merge, 0, -1}), (WorkItem{Kind::batch, 1, 1}));
}

TEST(WorkSchedule, ResumedRunSkipsCommittedBatchesAndMergesWhatWasLeftUnmerged) {
  const std::vector<ShardWork> shards = {
      {4, {0, 2}, false}, {3, {0, 1, 2}, false}, {5, {}, true}, {2, {1}, false}};
  WorkSchedule schedule(shards, 2);
  EXPECT_EQ(schedule.next(1, {}), (WorkItem{Kind::merge, 1, -1}));
  for (unsigned seed = 0; seed < 10; ++seed) {
    WorkSchedule fresh(shards, 2);
    const auto done = simulate(fresh, shards, 2, seed);
    EXPECT_EQ(merges_of(done, 0), 1);
    EXPECT_EQ(merges_of(done, 1), 1);
    EXPECT_EQ(merges_of(done, 2), 0);
    EXPECT_EQ(merges_of(done, 3), 1);
    int64_t batches = 0;
    for (const auto& items : done)
      for (const WorkItem& item : items) batches += item.kind == Kind::batch;
    EXPECT_EQ(batches, 3);  // shard 0: 1 and 3; shard 3: 0
  }
}

TEST(WorkSchedule, StaticOwnersKeepEachShardToItsRank) {
  const std::vector<ShardWork> shards = {{3, {}, false}, {2, {}, false}, {1, {}, false}};
  for (unsigned seed = 0; seed < 10; ++seed) {
    WorkSchedule schedule(shards, 2, {1, 0, 1});
    const auto done = simulate(schedule, shards, 2, seed);
    for (int rank = 0; rank < 2; ++rank)
      for (const WorkItem& item : done[rank])
        EXPECT_EQ(item.shard == 1 ? 0 : 1, rank) << work_item_text(item);
  }
  EXPECT_THROW(WorkSchedule(shards, 2, {0, 1}), DistError);
}

TEST(WorkSchedule, CompletionThatWasNotHandedOutIsAnError) {
  WorkSchedule schedule({{3, {}, false}}, 2);
  EXPECT_EQ(schedule.next(0, {}), (WorkItem{Kind::batch, 0, 0}));
  EXPECT_THROW(schedule.next(1, {Kind::batch, 0, 0}), DistError);  // rank 1 was given nothing
  EXPECT_THROW(schedule.next(0, {Kind::batch, 0, 1}), DistError);  // rank 0 was given batch 0
  EXPECT_THROW(schedule.next(2, {}), DistError);                   // no rank 2
}

TEST(WorkSchedule, BatchOrderIsLongestFirstTiesInRowOrder) {
  EXPECT_EQ(work_batch_order({3, 5, 1, 5, 0}), (std::vector<size_t>{1, 3, 0, 2, 4}));
  EXPECT_TRUE(work_batch_order({}).empty());
}

TEST(WorkSchedule, StaticPlanPutsLargestShardsOnTheLeastLoadedRank) {
  const auto plan = work_static_plan({10, 40, 30, 20, 5}, 2);
  EXPECT_EQ(plan[0], (std::vector<size_t>{1, 0, 4}));  // 40, then 10 (50 vs 50), then 5
  EXPECT_EQ(plan[1], (std::vector<size_t>{2, 3}));     // 30 + 20
  EXPECT_EQ(work_static_plan({1, 2}, 4)[3].size(), 0u);
}

}  // namespace
}  // namespace genvec
