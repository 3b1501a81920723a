#include "stages/train_eval.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

#include "common/atomic_file.h"
#include "common/config.h"
#include "common/errors.h"
#include "common/json.h"
#include "common/log.h"
#include "dist/communicator.h"
#include "dist/world.h"
#include "eval/embedding_model.h"
#include "eval/evaluator.h"
#include "models/gen_embedder.h"
#include "models/llm.h"
#include "models/tokenizer.h"
#include "stages/eval_tasks.h"

namespace genvec {
namespace fs = std::filesystem;

TrainingEvaluator::TrainingEvaluator(const Config& config, const World& world)
    : config_(config), run_(config.run.dir), leader_(world.rank() == 0) {
  const EvalConfig& e = config.eval;
  if (e.train_tasks.empty()) return;
  registry_ = eval_registry(config, nullptr);
  tasks_ = eval_tasks_load(*registry_, e.train_tasks);
  if (e.best_score != "average" &&
      std::find(e.train_tasks.begin(), e.train_tasks.end(), e.best_score) == e.train_tasks.end())
    throw ConfigError("eval.best_score = \"" + e.best_score +
                          "\" is neither \"average\" nor one of eval.train_tasks",
                      "name one of the tasks evaluated during training");
  communicator_ = world.make_cpu_communicator(config.dist.timeout_s);
}

void TrainingEvaluator::restore_best() {
  best_.reset();
  const fs::path file = run_ / "best.json";
  if (!leader_ || !fs::exists(file)) return;
  // A best.json that does not read (edited, or a score that was not finite) holds no best.
  try {
    const Json best = json_parse_file(file);
    const Json* score = best.find("score");
    if (score && score->is_number()) best_ = score->as_number("score");
  } catch (const Error&) {
  }
}

TrainingEvaluator::~TrainingEvaluator() = default;

bool TrainingEvaluator::due(int64_t step, int64_t max_steps) const {
  return !tasks_.empty() && (step % config_.eval.every_steps == 0 || step == max_steps);
}

bool TrainingEvaluator::evaluated(int64_t step) const {
  // Rank 0 looks (the ranks' views of a shared file system may lag) and tells the others.
  int64_t all_there = 1;
  if (leader_)
    for (const TaskData& task : tasks_)
      if (!fs::exists(run_ / "eval" / "training" / checkpoint_step_name(step) /
                      (task.spec->name + ".json")))
        all_there = 0;
  at::Tensor flag = at::full({1}, all_there, at::kLong);
  communicator_->broadcast(flag, 0);
  return flag.item<int64_t>() == 1;
}

void TrainingEvaluator::forget(const fs::path& run) {
  fs::remove(run / "best.h5");
  fs::remove(run / "best.json");
  fs::remove_all(run / "eval" / "training");
}

bool TrainingEvaluator::evaluate_step(int64_t step, const Llm& llm, const Tokenizer& tokenizer,
                                      const GenEmbedder& embedder, std::ofstream& metrics,
                                      const std::function<Checkpoint()>& export_state) {
  const std::string folder = checkpoint_step_name(step);
  const std::unique_ptr<EmbeddingModel> model = embedding_model_of_training(
      llm, tokenizer, embedder, embedding_max_length(config_), config_.eval.batch_size,
      "training " + run_.string() + " " + folder);
  EvalOptions options;
  options.out_dir = run_ / "eval" / "training" / folder;
  options.force = true;  // a resumed run that trains the step again evaluates it again
  options.seed = static_cast<uint64_t>(config_.eval.seed);
  const EvalRun run = evaluate(*model, tasks_, *communicator_, options);
  if (run.stopped) return false;
  if (leader_) record(step, run, metrics, export_state);
  // The other ranks wait here while rank 0 scores, not in the next step's gradient all-reduce.
  communicator_->barrier();
  return true;
}

void TrainingEvaluator::record(int64_t step, const EvalRun& run, std::ofstream& metrics,
                               const std::function<Checkpoint()>& export_state) {
  // The step's score: one task's main score, or the mean of the tasks' where higher is better;
  // stored so that higher is better (safety's lower-is-better scores negated).
  double sum = 0, count = 0, score = 0;
  std::string scores, listing;
  for (const TaskResult& r : run.results) {
    const bool lower_better = r.task_type == "safety";
    if (config_.eval.best_score == r.task_name) score = lower_better ? -r.main_score : r.main_score;
    if (!lower_better) sum += r.main_score, count += 1;
    scores +=
        (scores.empty() ? "" : ", ") + json_quote(r.task_name) + ": " + json_number(r.main_score);
    listing += "  " + r.task_name + " " + std::to_string(r.main_score * 100).substr(0, 5);
  }
  if (config_.eval.best_score == "average") score = count > 0 ? sum / count : 0.0;
  metrics << "{\"step\": " << step << ", \"eval_score\": " << json_number(score) << ", \"eval\": {"
          << scores << "}, \"eval_s\": " << json_number(run.embed_s + run.score_s) << "}\n";
  metrics.flush();
  // A score that is not finite (a constant embedding's correlation) is logged, never the best.
  const bool best = std::isfinite(score) && (!best_ || score > *best_);
  log_info("train: eval at step " + std::to_string(step) + ":" + listing + "  (" +
           config_.eval.best_score + " " + std::to_string(score * 100).substr(0, 5) + ", " +
           std::to_string(static_cast<int64_t>(run.embed_s + run.score_s)) + " s" +
           (best ? ", best so far -> " + (run_ / "best.h5").string() : "") + ")");
  if (!best) return;
  best_ = score;
  checkpoint_write(run_ / "best.h5", export_state());
  write_file_atomic(run_ / "best.json",
                    "{\"step\": " + std::to_string(step) + ", \"score\": " + json_number(score) +
                        ", \"best_score\": " + json_quote(config_.eval.best_score) + "}\n");
}

}  // namespace genvec
