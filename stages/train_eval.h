// Evaluation during training: every eval.every_steps steps (and at the last step) the live
// embedder runs eval.train_tasks on all ranks; the scores go to the log, to metrics.jsonl
// ({"step", "eval_score", "eval": {task: main score}}) and to RUN/eval/training/step-N/ in MTEB's
// layout; the best step by eval.best_score is kept apart as RUN/best.h5 (the embedder export
// format) with RUN/best.json saying which step and score.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "eval/tasks/task_data.h"
#include "eval/tasks/task_registry.h"
#include "training/checkpoint.h"

namespace genvec {

struct Config;
struct EvalRun;
class Communicator;
class World;
class Llm;
class Tokenizer;
class GenEmbedder;

class TrainingEvaluator {
 public:
  // Loads and checks the tasks up front, so a bad registry stops training before step 1.
  TrainingEvaluator(const Config& config, const World& world);
  ~TrainingEvaluator();

  // The best score so far from RUN/best.json (none after --force removed it): call once the run
  // directory is in its final state.
  void restore_best();
  bool due(int64_t step, int64_t max_steps) const;
  // True when every task's result of `step` is on disk (rank 0 decides; a collective).
  bool evaluated(int64_t step) const;
  // `export_state` gives the embedder as a checkpoint to write (called on rank 0 when the step
  // is the best so far). False on every rank when a stop signal cut the evaluation short: then
  // nothing is recorded, and a resumed run evaluates the step again.
  bool evaluate_step(int64_t step, const Llm& llm, const Tokenizer& tokenizer,
                     const GenEmbedder& embedder, std::ofstream& metrics,
                     const std::function<Checkpoint()>& export_state);

  // Removes what earlier evaluations of this run left (training starts over).
  static void forget(const std::filesystem::path& run);

 private:
  // Rank 0: the step's score to the log and metrics, and RUN/best.h5 when it is the best.
  void record(int64_t step, const EvalRun& run, std::ofstream& metrics,
              const std::function<Checkpoint()>& export_state);

  const Config& config_;
  std::filesystem::path run_;
  bool leader_;
  std::optional<TaskRegistry> registry_;
  std::vector<TaskData> tasks_;
  std::unique_ptr<Communicator> communicator_;
  std::optional<double> best_;  // the best score so far (higher is better, as stored)
};

}  // namespace genvec
