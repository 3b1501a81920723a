// One model over a list of tasks: every distinct text (after its instruction) is embedded once
// however many tasks use it, in length-sorted batches split across the ranks, gathered on every
// rank; rank 0 scores the tasks and, with an output folder, writes each task's MTEB-layout JSON.
// A task whose result already exists for the same model identity is not redone unless `force`.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/progress.h"
#include "eval/results.h"
#include "eval/tasks/task_data.h"

namespace genvec {

class Communicator;
class EmbeddingModel;

struct EvalOptions {
  std::filesystem::path out_dir;  // results go to out_dir/<task>.json; empty: not written
  bool force = false;
  uint64_t seed = 42;  // classification samples and k-means runs
  // Rank 0 shows how far its share of the embedding is, under this name; none when empty.
  std::string progress_name;
  ProgressStyle progress_style;
};

struct EvalRun {
  std::vector<TaskResult> results;  // in task order (on rank 0; other ranks get none)
  int64_t texts_embedded = 0, tasks_reused = 0;
  double embed_s = 0, score_s = 0;
  // A stop signal (common/stop_signal.h) reached a rank while embedding: every rank stopped at
  // its next chunk, nothing was scored or written; the results of earlier calls stay.
  bool stopped = false;
};

// `tasks` are loaded on every rank (all ranks must pass the same list).
EvalRun evaluate(const EmbeddingModel& model, const std::vector<TaskData>& tasks,
                 Communicator& communicator, const EvalOptions& options);

// The text a model embeds for `text` on a side with `instruction`.
std::string instructed_text(const EmbeddingModel& model, const std::string& instruction,
                            const std::string& text);

}  // namespace genvec
