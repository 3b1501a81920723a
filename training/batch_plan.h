// Which examples each optimizer step trains on, on which rank, in which micro-batches. The
// global batch of step s is positions [s*B, (s+1)*B) of an endless stream of epoch permutations,
// each a pure function of (seed, epoch): the data cursor is the step, and the batches do not
// depend on the number of ranks. Each rank takes every world-th example of the global batch
// sorted by cost (balanced work); its share runs in micro-batches of bounded padded size.
// Torch-free.
#pragma once

#include <cstdint>
#include <vector>

namespace genvec {

class BatchOrder {
 public:
  BatchOrder(int64_t num_examples, int64_t batch_size, uint64_t seed);
  // The example indices of global batch `step`.
  std::vector<int64_t> global_batch(int64_t step);
  int64_t epoch_of(int64_t step) const { return step * batch_size_ / num_examples_; }

 private:
  const std::vector<int64_t>& permutation(int64_t epoch);
  int64_t num_examples_, batch_size_;
  uint64_t seed_;
  int64_t cached_epoch_ = -1;
  std::vector<int64_t> cached_;
};

// Rank `rank`'s share of `batch`: the batch sorted by `cost` (descending; ties by index), each
// example given to the rank with the least cost so far (the lowest rank on ties), so the ranks
// get similar work whatever the spread of lengths. The share keeps the sorted order.
std::vector<int64_t> rank_share(const std::vector<int64_t>& batch, const std::vector<int64_t>& cost,
                                int rank, int world);

// `examples` sorted by `length`, descending (ties by index): what micro_batches expects.
std::vector<int64_t> sorted_by_length(std::vector<int64_t> examples,
                                      const std::vector<int64_t>& length);

// `share` (sorted by length descending) cut into consecutive micro-batches whose rows x longest
// length stays within max_tokens (a single longer row runs alone) and, when max_rows > 0, whose
// row count stays within max_rows.
std::vector<std::vector<int64_t>> micro_batches(const std::vector<int64_t>& share,
                                                const std::vector<int64_t>& length,
                                                int64_t max_tokens, int64_t max_rows);

}  // namespace genvec
