// How the data stages (generate, teacher) share out their work over ranks. A shard's work is a
// fixed list of batches, each committed as one chunk (data/shard_chunks.h), and then one merge
// of those chunks into the shard's file. Whoever runs a batch, its rows are the same, so the
// schedule decides only speed, never results. Torch- and MPI-free: the policy alone, which rank 0
// serves to every rank through its work queue (stages/work_source.h).
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace genvec {

struct WorkItem {
  enum class Kind : int64_t { none = 0, batch = 1, merge = 2 };
  Kind kind = Kind::none;  // none: nothing left for this rank
  int64_t shard = -1;
  int64_t batch = -1;  // for Kind::batch

  bool operator==(const WorkItem&) const = default;
};
std::string work_item_text(const WorkItem& item);  // "batch 3 of shard 1", for logs and errors

// What is left of one shard, as prepared from its files on disk.
struct ShardWork {
  int64_t batches = 0;             // in the shard's batch plan
  std::vector<int64_t> committed;  // batches already committed (a resumed run)
  bool finished = false;           // merged already: nothing to do
};

// Hands out every uncommitted batch exactly once, and each shard's merge once, right after its
// last batch is committed, to the rank that committed it (or, for a shard a killed run left fully
// committed but unmerged, to the first rank that asks). A rank keeps to the shard it is on,
// so it reads and tokenizes few shards; a rank without one takes the shard with the most
// batches left, preferring shards nobody is on: ranks start on separate shards (largest first)
// and, when their own run out, help with the others' until nothing is left. With `owners`
// (a rank per shard), a shard's batches and merge go to its owner only: a static plan.
class WorkSchedule {
 public:
  WorkSchedule(std::vector<ShardWork> shards, int ranks, std::vector<int> owners = {});

  // The next item for `rank`, which has just completed `completed` (Kind::none on its first
  // call). A completion that was never handed out to `rank` is a DistError.
  WorkItem next(int rank, const WorkItem& completed);

 private:
  struct Shard {
    std::deque<int64_t> pending;  // batches not yet handed out, in order
    int64_t running = 0;          // handed out, not yet completed
    int workers = 0;              // ranks whose current shard this is
  };
  WorkItem take_batch(int rank, size_t shard);
  bool may_take(int rank, size_t shard) const;

  std::vector<Shard> shards_;
  std::vector<int> owners_;        // empty: any rank may take any shard
  std::vector<int64_t> unmerged_;  // fully committed, unmerged shards a killed run left
  std::vector<int64_t> current_;   // per rank: the shard it is on, -1 for none
  std::vector<WorkItem> given_;    // per rank: the item it is working on
};

// A shard's batch plan: its rows ordered by `lengths` (prompt or response lengths), longest
// first, ties in row order; batch b is the b-th run of batch-size rows. Longest first puts the
// largest batch (the memory peak) first and keeps padding tight.
std::vector<size_t> work_batch_order(const std::vector<size_t>& lengths);

// The static schedule: which shards each of `ranks` ranks works on, whole, without talking:
// largest first onto the rank with the fewest rows so far (ties: the lowest rank).
std::vector<std::vector<size_t>> work_static_plan(const std::vector<int64_t>& shard_rows,
                                                  int ranks);

}  // namespace genvec
