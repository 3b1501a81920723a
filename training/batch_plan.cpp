// Batches, shares and micro-batches: see batch_plan.h.
#include "training/batch_plan.h"

#include <algorithm>
#include <numeric>

#include "common/rng.h"

namespace genvec {

BatchOrder::BatchOrder(int64_t num_examples, int64_t batch_size, uint64_t seed)
    : num_examples_(num_examples), batch_size_(batch_size), seed_(seed) {}

const std::vector<int64_t>& BatchOrder::permutation(int64_t epoch) {
  if (epoch != cached_epoch_) {
    cached_.resize(num_examples_);
    std::iota(cached_.begin(), cached_.end(), 0);
    SplitMix64 random(seed_ * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(epoch) + 1);
    for (int64_t i = num_examples_ - 1; i > 0; --i)  // Fisher-Yates
      std::swap(cached_[i], cached_[random.below(static_cast<uint64_t>(i) + 1)]);
    cached_epoch_ = epoch;
  }
  return cached_;
}

std::vector<int64_t> BatchOrder::global_batch(int64_t step) {
  std::vector<int64_t> batch;
  for (int64_t position = step * batch_size_; position < (step + 1) * batch_size_; ++position)
    batch.push_back(permutation(position / num_examples_)[position % num_examples_]);
  return batch;
}

std::vector<int64_t> sorted_by_length(std::vector<int64_t> examples,
                                      const std::vector<int64_t>& length) {
  std::stable_sort(examples.begin(), examples.end(), [&](int64_t a, int64_t b) {
    return length[a] != length[b] ? length[a] > length[b] : a < b;
  });
  return examples;
}

std::vector<int64_t> rank_share(const std::vector<int64_t>& batch,
                                const std::vector<int64_t>& cost, int rank, int world) {
  std::vector<int64_t> load(world, 0), share;
  for (int64_t example : sorted_by_length(batch, cost)) {
    const int lightest =
        static_cast<int>(std::min_element(load.begin(), load.end()) - load.begin());
    load[lightest] += cost[example];
    if (lightest == rank) share.push_back(example);
  }
  return share;
}

std::vector<std::vector<int64_t>> micro_batches(const std::vector<int64_t>& share,
                                                const std::vector<int64_t>& length,
                                                int64_t max_tokens, int64_t max_rows) {
  std::vector<std::vector<int64_t>> out;
  int64_t longest = 0;
  for (int64_t example : share) {
    if (!out.empty()) {
      std::vector<int64_t>& open = out.back();
      const int64_t rows = static_cast<int64_t>(open.size()) + 1;
      const int64_t padded = rows * std::max(longest, length[example]);
      if (padded <= max_tokens && (max_rows <= 0 || rows <= max_rows)) {
        open.push_back(example);
        longest = std::max(longest, length[example]);
        continue;
      }
    }
    out.push_back({example});
    longest = length[example];
  }
  return out;
}

}  // namespace genvec
