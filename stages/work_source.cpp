// A data stage's share of the work: see work_source.h.
#include "stages/work_source.h"

#include <chrono>
#include <iostream>
#include <thread>

#include <ATen/ATen.h>

#include "common/config.h"
#include "common/errors.h"
#include "common/stop_signal.h"
#include "dist/communicator.h"
#include "dist/world.h"
#include "stages/command.h"

namespace genvec {
namespace {

// Added to a message's kind: in a request, "this rank received a stop signal"; in a reply,
// "nothing more: the stage is stopping".
constexpr int64_t kStopFlag = 0x100;

WorkQueue::Message to_message(const WorkItem& item, int64_t units = 0, bool stop = false) {
  return {static_cast<int64_t>(item.kind) + (stop ? kStopFlag : 0), item.shard, item.batch, units};
}

WorkItem to_item(const WorkQueue::Message& message) {
  const int64_t kind = message[0] & ~kStopFlag;
  if (kind < 0 || kind > static_cast<int64_t>(WorkItem::Kind::merge))
    throw DistError("a work message of unknown kind " + std::to_string(message[0]));
  return {static_cast<WorkItem::Kind>(kind), message[1], message[2]};
}

bool has_stop_flag(const WorkQueue::Message& message) { return (message[0] & kStopFlag) != 0; }

}  // namespace

WorkSource::WorkSource(const World& world, const Config& config, const std::string& stage,
                       const std::string& unit, const std::vector<ShardEntry>& shards,
                       int64_t batch_rows, const Prepare& prepare)
    : world_(world), stage_(stage), timeout_s_(config.dist.timeout_s), batch_rows_(batch_rows) {
  const DistConfig& dist = config.dist;
  int64_t total_rows = 0;
  for (const ShardEntry& shard : shards) {
    shard_rows_.push_back(shard.rows);
    total_rows += shard.rows;
  }
  if (world.rank() == 0) {
    std::vector<ShardWork> work(shard_rows_.size());
    int64_t rows_at_start = 0;
    for (size_t s = 0; s < shard_rows_.size(); ++s) {
      const ShardChunksState state = prepare(s);
      work[s] = {batches(static_cast<int64_t>(s)), state.committed_batches, state.finished};
      rows_at_start += state.committed_rows;
    }
    std::vector<int> owners;
    if (dist.schedule == "static") {
      owners.assign(shard_rows_.size(), 0);
      const auto plan = work_static_plan(shard_rows_, world.size());
      for (size_t rank = 0; rank < plan.size(); ++rank)
        for (const size_t s : plan[rank]) owners[s] = static_cast<int>(rank);
    }
    schedule_.emplace(std::move(work), world.size(), std::move(owners));
    rows_committed_ = rows_at_start;
    progress_.emplace(stage, total_rows, rows_at_start, progress_style(config.log), unit);
  }
  queue_ = std::make_unique<WorkQueue>(
      world,
      [this](int rank, const WorkQueue::Message& request) {
        const WorkItem completed = to_item(request);
        if (completed.kind == WorkItem::Kind::batch) {
          rows_committed_ += batch_count(completed.shard, completed.batch);
          units_ += request[3];
        }
        // Rank 0's own signal counts too: it may arrive while rank 0 only serves the others.
        if (has_stop_flag(request) || stop_signal_received()) stopping_ = true;
        if (stopping_) return WorkQueue::Reply{to_message({}, 0, true), true};
        const WorkItem item = schedule_->next(rank, completed);
        return WorkQueue::Reply{to_message(item), item.kind == WorkItem::Kind::none};
      },
      dist.timeout_s);
}

WorkItem WorkSource::next(const WorkItem& completed, int64_t completed_units) {
  const WorkQueue::Reply reply =
      queue_->ask(to_message(completed, completed_units, stop_signal_received() != 0));
  if (has_stop_flag(reply.message)) stopping_ = true;
  if (progress_ && progress_->due()) progress_->update(rows_committed_, units_);
  return to_item(reply.message);
}

bool WorkSource::finish() {
  if (progress_) {
    while (!queue_->everyone_done()) {
      progress_->update(rows_committed_, units_);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    progress_->finish(rows_committed_, units_);
  }
  // A rank whose work ran out before another was signalled has not heard of the stop.
  at::Tensor stopped = at::tensor({stopping_.load() ? 1 : 0}, at::kInt);
  world_.make_cpu_communicator(timeout_s_)->all_reduce(stopped, ReduceOp::max);
  if (stopped.item<int>() == 0) return false;
  log_stop_reason(stage_, world_.rank());
  if (progress_) {
    int64_t total_rows = 0;
    for (const int64_t rows : shard_rows_) total_rows += rows;
    std::cout << stage_ << " stopped by a signal with " << rows_committed_ << " of " << total_rows
              << " rows committed; rerun the same command to continue (exit code " << kExitPreempted
              << ")\n";
  }
  return true;
}

int64_t WorkSource::batches(int64_t shard) const {
  return (shard_rows_[shard] + batch_rows_ - 1) / batch_rows_;
}

int64_t WorkSource::batch_count(int64_t shard, int64_t batch) const {
  return std::min(batch_rows_, shard_rows_[shard] - batch * batch_rows_);
}

}  // namespace genvec
