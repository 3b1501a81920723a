// The data stages' work schedule: see work_schedule.h.
#include "data/work_schedule.h"

#include <algorithm>
#include <numeric>

#include "common/errors.h"

namespace genvec {

std::string work_item_text(const WorkItem& item) {
  switch (item.kind) {
    case WorkItem::Kind::none:
      return "no work";
    case WorkItem::Kind::batch:
      return "batch " + std::to_string(item.batch) + " of shard " + std::to_string(item.shard);
    case WorkItem::Kind::merge:
      return "the merge of shard " + std::to_string(item.shard);
  }
  return "an unknown item";
}

WorkSchedule::WorkSchedule(std::vector<ShardWork> shards, int ranks, std::vector<int> owners)
    : shards_(shards.size()),
      owners_(std::move(owners)),
      current_(std::max(ranks, 1), -1),
      given_(current_.size()) {
  if (!owners_.empty() && owners_.size() != shards.size())
    throw DistError("a static plan needs one owner per shard: " + std::to_string(owners_.size()) +
                    " owners for " + std::to_string(shards.size()) + " shards");
  for (size_t s = 0; s < shards.size(); ++s) {
    if (shards[s].finished) continue;
    std::vector<bool> done(shards[s].batches, false);
    for (const int64_t b : shards[s].committed)
      if (b >= 0 && b < shards[s].batches) done[b] = true;
    for (int64_t b = 0; b < shards[s].batches; ++b)
      if (!done[b]) shards_[s].pending.push_back(b);
    if (shards_[s].pending.empty()) unmerged_.push_back(static_cast<int64_t>(s));
  }
}

bool WorkSchedule::may_take(int rank, size_t shard) const {
  return owners_.empty() || owners_[shard] == rank;
}

WorkItem WorkSchedule::take_batch(int rank, size_t s) {
  Shard& shard = shards_[s];
  if (current_[rank] != static_cast<int64_t>(s)) {
    if (current_[rank] >= 0) --shards_[current_[rank]].workers;
    ++shard.workers;
    current_[rank] = static_cast<int64_t>(s);
  }
  const int64_t batch = shard.pending.front();
  shard.pending.pop_front();
  ++shard.running;
  return {WorkItem::Kind::batch, static_cast<int64_t>(s), batch};
}

WorkItem WorkSchedule::next(int rank, const WorkItem& completed) {
  if (rank < 0 || rank >= static_cast<int>(current_.size()))
    throw DistError("the work schedule has no rank " + std::to_string(rank));
  if (completed != given_[rank])
    throw DistError("rank " + std::to_string(rank) + " reported " + work_item_text(completed) +
                    " done while it was given " + work_item_text(given_[rank]));
  WorkItem& item = given_[rank];
  if (completed.kind == WorkItem::Kind::batch) {
    Shard& shard = shards_[completed.shard];
    --shard.running;
    if (shard.pending.empty() && shard.running == 0)  // its last batch: the same rank merges
      return item = {WorkItem::Kind::merge, completed.shard, -1};
  }
  for (auto it = unmerged_.begin(); it != unmerged_.end(); ++it)
    if (may_take(rank, *it)) {
      item = {WorkItem::Kind::merge, *it, -1};
      unmerged_.erase(it);
      return item;
    }
  if (current_[rank] >= 0 && !shards_[current_[rank]].pending.empty())
    return item = take_batch(rank, current_[rank]);
  // A new shard: one nobody is on first, then the most batches left, then the lowest index.
  size_t best = shards_.size();
  for (size_t s = 0; s < shards_.size(); ++s) {
    const Shard& shard = shards_[s];
    if (shard.pending.empty() || !may_take(rank, s)) continue;
    if (best == shards_.size()) {
      best = s;
      continue;
    }
    const Shard& other = shards_[best];
    const bool alone = shard.workers == 0, other_alone = other.workers == 0;
    if (alone != other_alone ? alone : shard.pending.size() > other.pending.size()) best = s;
  }
  if (best < shards_.size()) return item = take_batch(rank, best);
  if (current_[rank] >= 0) --shards_[current_[rank]].workers;
  current_[rank] = -1;
  return item = {};
}

std::vector<size_t> work_batch_order(const std::vector<size_t>& lengths) {
  std::vector<size_t> order(lengths.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return lengths[a] > lengths[b]; });
  return order;
}

std::vector<std::vector<size_t>> work_static_plan(const std::vector<int64_t>& shard_rows,
                                                  int ranks) {
  std::vector<size_t> order(shard_rows.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return shard_rows[a] > shard_rows[b]; });
  std::vector<std::vector<size_t>> plan(std::max(ranks, 1));
  std::vector<int64_t> load(plan.size(), 0);
  for (const size_t shard : order) {
    const auto rank = std::min_element(load.begin(), load.end()) - load.begin();
    plan[rank].push_back(shard);
    load[rank] += shard_rows[shard];
  }
  return plan;
}

}  // namespace genvec
