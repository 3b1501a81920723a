// Evaluation results on disk. One JSON file per task and model in MTEB's result layout
// (task_name, evaluation_time, scores: {split: [{hf_subset, languages, main_score, metric...}]},
// plus a "genvec" block: model, its identity, checkpoint, version, task type, notes), written
// atomically to RUN/eval/<model label>/<task>.json; and the markdown summary of tasks x models
// with the average and the average per task type. Torch-free.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace genvec {

struct TaskSpec;

struct TaskResult {
  std::string task_name, task_type, split, main_score_name;
  std::map<std::string, double> scores;
  double main_score = 0;
  double evaluation_time_s = 0;  // scoring plus this task's share of encoding
  std::string model;             // "checkpoint", "teacher", "llm-mean", "llm-last"
  std::string model_identity;    // what decides the embeddings (weights, device, dtype)
  std::string task_identity;     // what decides the task's scores besides them (task_identity())
  std::string checkpoint;        // the checkpoint file, for model = checkpoint
  std::vector<std::string> notes;
};

// The task's definition (registry entry, its data files' identities) and the evaluation seed: a
// stored result counts only for the same model identity and task identity.
std::string task_identity(const TaskSpec& spec, uint64_t seed);

void task_result_write(const std::filesystem::path& file, const TaskResult& result);
// The result stored at `file`; nullopt when there is none or it cannot be read (then it is redone).
std::optional<TaskResult> task_result_read(const std::filesystem::path& file);

// The markdown table: one row per task, one column per model (main scores x 100), then the
// average over tasks where higher is better and the average per task type. Safety rows (lower is
// safer) are shown but kept out of the averages.
std::string results_summary(const std::vector<std::string>& models,
                            const std::vector<std::vector<TaskResult>>& results_per_model);

}  // namespace genvec
