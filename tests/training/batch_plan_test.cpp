// The batch order is a pure function of (seed, step); rank shares partition a global batch;
// micro-batches respect their token and row budgets.
#include "training/batch_plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace genvec {
namespace {

TEST(BatchOrder, EveryEpochIsAPermutationAndStepsAreReproducible) {
  BatchOrder order(10, 4, 7), again(10, 4, 7), other_seed(10, 4, 8);
  std::vector<int64_t> stream;
  for (int64_t step = 0; step < 5; ++step) {  // 20 positions: two whole epochs
    const std::vector<int64_t> batch = order.global_batch(step);
    ASSERT_EQ(batch.size(), 4u);
    stream.insert(stream.end(), batch.begin(), batch.end());
  }
  for (int epoch = 0; epoch < 2; ++epoch) {
    std::vector<int64_t> seen(stream.begin() + 10 * epoch, stream.begin() + 10 * (epoch + 1));
    std::sort(seen.begin(), seen.end());
    for (int64_t i = 0; i < 10; ++i) EXPECT_EQ(seen[i], i) << "epoch " << epoch;
  }
  EXPECT_NE(std::vector<int64_t>(stream.begin(), stream.begin() + 10),
            std::vector<int64_t>(stream.begin() + 10, stream.end()))
      << "each epoch has its own order";
  // A resumed run asks for a later step first; the batch is the same.
  EXPECT_EQ(again.global_batch(3), order.global_batch(3));
  EXPECT_NE(other_seed.global_batch(0), order.global_batch(0));
  EXPECT_EQ(order.epoch_of(2), 0);
  EXPECT_EQ(order.epoch_of(3), 1);
}

TEST(RankShare, SharesPartitionTheBatchWhateverTheWorldSize) {
  const std::vector<int64_t> length = {5, 9, 1, 9, 3, 7, 2};
  const std::vector<int64_t> batch = {6, 0, 3, 1, 4, 2};
  for (int world : {1, 2, 3, 4}) {
    std::multiset<int64_t> all;
    for (int rank = 0; rank < world; ++rank) {
      const std::vector<int64_t> share = rank_share(batch, length, rank, world);
      for (size_t i = 1; i < share.size(); ++i)
        EXPECT_GE(length[share[i - 1]], length[share[i]]) << "sorted longest first";
      all.insert(share.begin(), share.end());
    }
    EXPECT_EQ(all, std::multiset<int64_t>(batch.begin(), batch.end())) << world << " ranks";
  }
  // The heaviest first, each to the lightest rank: lengths 9, 9, 5, 3, 2, 1 on 2 ranks give
  // 9+5+1 = 15 and 9+3+2 = 14 (dealing in turn would give 9+5+2 = 16 against 9+3+1 = 13).
  EXPECT_EQ(rank_share(batch, length, 0, 2), (std::vector<int64_t>{1, 0, 2}));
  EXPECT_EQ(rank_share(batch, length, 1, 2), (std::vector<int64_t>{3, 4, 6}));
  // Ties between equal lengths go by index, so every rank sorts the same way.
  EXPECT_EQ(rank_share(batch, length, 0, 1), (std::vector<int64_t>{1, 3, 0, 4, 6, 2}));
  EXPECT_EQ(sorted_by_length({6, 0, 3}, length), (std::vector<int64_t>{3, 0, 6}));
}

TEST(MicroBatches, StayWithinTheTokenAndRowBudgets) {
  const std::vector<int64_t> length = {10, 8, 8, 4, 4, 4, 40};
  const std::vector<int64_t> share = {6, 0, 1, 2, 3, 4, 5};  // longest first
  const auto by_tokens = micro_batches(share, length, 24, 0);
  // 40 alone (over the budget, runs by itself); then 10+8 (2 x 10 = 20), 8+4+4 (3 x 8 = 24), 4.
  ASSERT_EQ(by_tokens.size(), 4u);
  EXPECT_EQ(by_tokens[0], (std::vector<int64_t>{6}));
  EXPECT_EQ(by_tokens[1], (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(by_tokens[2], (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(by_tokens[3], (std::vector<int64_t>{5}));
  const auto by_rows = micro_batches(share, length, 1000, 2);
  ASSERT_EQ(by_rows.size(), 4u);
  for (const auto& micro : by_rows) EXPECT_LE(micro.size(), 2u);
}

}  // namespace
}  // namespace genvec
