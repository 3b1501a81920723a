// The work one rank of a data stage (generate, teacher) does, shared out as dist.schedule says:
// rank 0 readies every shard's files, then serves a WorkSchedule (data/work_schedule.h) through
// rank 0's WorkQueue (dist/work_queue.h). "dynamic": whoever is free takes the next batch;
// "static": each rank works only on its own shards (work_static_plan), whole. Rank 0 counts the
// rows committed over all ranks as the completions come in and shows the stage's progress.
// A stop signal (common/stop_signal.h) on any rank stops the handing out: every rank commits the
// batch in flight, gets nothing more, and finish() tells all of them the stage was stopped.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "common/progress.h"
#include "data/shard_chunks.h"
#include "data/shards.h"
#include "data/work_schedule.h"
#include "dist/work_queue.h"

namespace genvec {

struct Config;
class World;

class WorkSource {
 public:
  // prepare(s) readies shard s's files and says where it stands; rank 0 calls it for every
  // shard before anyone works. Each shard is cut into batches of batch_rows rows; `stage` names
  // the progress line, `unit` what the batches' second count counts ("" for none).
  using Prepare = std::function<ShardChunksState(size_t shard)>;
  WorkSource(const World& world, const Config& config, const std::string& stage,
             const std::string& unit, const std::vector<ShardEntry>& shards, int64_t batch_rows,
             const Prepare& prepare);

  // This rank's next item, reporting the one it finished (none at the first call) and that
  // item's second count (the tokens a batch generated).
  WorkItem next(const WorkItem& completed, int64_t completed_units = 0);
  // Collective, after this rank's last item. Rank 0 follows the others until every rank is done
  // and its queue's helper thread has stopped; after finish() every rank may make collective
  // calls. True on every rank when a stop signal cut the work short (some is left undone): then
  // every rank has logged why, and rank 0 has said how far the stage got.
  bool finish();

  // The rows of batch `batch` of shard `shard`: [first, first + count) of its batch plan.
  int64_t batch_first(int64_t batch) const { return batch * batch_rows_; }
  int64_t batch_count(int64_t shard, int64_t batch) const;
  int64_t batches(int64_t shard) const;

 private:
  const World& world_;
  std::string stage_;
  double timeout_s_;
  std::vector<int64_t> shard_rows_;
  int64_t batch_rows_;
  std::atomic<bool> stopping_{false};       // rank 0: hands out nothing more; others: were told so
  std::optional<WorkSchedule> schedule_;    // rank 0
  std::atomic<int64_t> rows_committed_{0};  // rank 0: over all ranks, resumed rows included
  std::atomic<int64_t> units_{0};           // rank 0: over all ranks, this run
  std::optional<Progress> progress_;        // rank 0
  std::unique_ptr<WorkQueue> queue_;
};

}  // namespace genvec
