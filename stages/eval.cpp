// `genvec eval`: a checkpoint and the baselines (teacher, llm-mean, llm-last) through the same
// harness over the task registry; --model picks one (or all), else eval.models says which.
// Results: RUN/eval/<model>/<task>.json (MTEB layout), and RUN/eval/summary.md, the table of every
// model evaluated in the run so far, printed at the end.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>

#include "common/atomic_file.h"
#include "common/config.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/stop_signal.h"
#include "dist/communicator.h"
#include "dist/world.h"
#include "eval/embedding_model.h"
#include "eval/evaluator.h"
#include "eval/results.h"
#include "eval/tasks/task_registry.h"
#include "models/placement.h"
#include "stages/command.h"
#include "stages/eval_tasks.h"
#include "stages/fingerprints.h"

namespace genvec {
namespace fs = std::filesystem;
namespace {

// RUN/eval/<this> for a model: its kind, for a checkpoint also the file it came from.
std::string results_folder(const EmbeddingModel& model) {
  if (model.checkpoint().empty()) return model.label();
  return "checkpoint-" + fs::path(model.checkpoint()).stem().string();
}

// The summary over every model folder of RUN/eval that has results for these tasks: checkpoints
// first (by name), then the baselines.
std::string run_summary(const fs::path& eval_dir, const std::vector<TaskData>& tasks) {
  std::vector<std::string> folders;
  for (const auto& entry : fs::directory_iterator(eval_dir))
    if (entry.is_directory()) folders.push_back(entry.path().filename().string());
  std::sort(folders.begin(), folders.end(), [](const std::string& a, const std::string& b) {
    const bool ca = a.rfind("checkpoint", 0) == 0, cb = b.rfind("checkpoint", 0) == 0;
    return ca != cb ? ca : a < b;
  });
  std::vector<std::string> models;
  std::vector<std::vector<TaskResult>> results;
  for (const std::string& folder : folders) {
    std::vector<TaskResult> found;
    for (const TaskData& task : tasks)
      if (auto r = task_result_read(eval_dir / folder / (task.spec->name + ".json")))
        found.push_back(std::move(*r));
    if (found.empty()) continue;
    models.push_back(folder);
    results.push_back(std::move(found));
  }
  return results_summary(models, results);
}

}  // namespace

int eval_main(const CommandContext& context) {
  const Config& config = context.config;
  const World& world = context.world;
  const bool leader = world.rank() == 0;
  const Placement placement = stage_placement(config, world.info());
  const std::string* kind = context.value("--model");
  const std::vector<std::string> kinds = !kind            ? config.eval.models
                                         : *kind == "all" ? embedding_model_kinds()
                                                          : std::vector<std::string>{*kind};
  const fs::path checkpoint =
      context.value("--checkpoint") ? fs::path(*context.value("--checkpoint")) : fs::path();
  if (!checkpoint.empty() && std::find(kinds.begin(), kinds.end(), "checkpoint") == kinds.end())
    throw ConfigError("--checkpoint applies to --model checkpoint", "leave it out for baselines");

  const TaskRegistry registry = eval_registry(config, context.value("--tasks"));
  const std::vector<TaskData> tasks = eval_tasks_load(registry, config.eval.tasks);
  if (context.has_flag("--list")) {  // what would run, read and checked, without a model
    if (leader) {
      std::cout << "| task | type | main score | texts (query side) | texts (passage side) | notes |\n"
                   "|---|---|---|---:|---:|---|\n";
      for (const TaskData& t : tasks) {
        std::string notes;
        for (const std::string& note : t.notes) notes += (notes.empty() ? "" : "; ") + note;
        std::cout << "| " << t.spec->name << " | " << task_type_name(t.spec->type) << " | "
                  << t.spec->main_score << " | " << t.queries.size() << " | " << t.passages.size()
                  << " | " << notes << " |\n";
      }
    }
    return 0;
  }
  const fs::path eval_dir = fs::path(config.run.dir) / "eval";
  const std::unique_ptr<Communicator> communicator =
      world.make_cpu_communicator(config.dist.timeout_s);
  if (leader)
    log_info("eval: " + std::to_string(tasks.size()) + " tasks from " + registry.file.string() +
             ", " + std::to_string(world.size()) + " rank(s) on " + placement.describe());

  const StopSignals stop_signals;  // the model being embedded stops; finished ones are kept
  EmbeddingModelLoader loader(config, placement);
  for (const std::string& k : kinds) {
    const auto load_start = std::chrono::steady_clock::now();
    const std::unique_ptr<EmbeddingModel> model =
        loader.load(k, k == "checkpoint" ? checkpoint : fs::path());
    const double load_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
    EvalOptions options;
    options.out_dir = eval_dir / results_folder(*model);
    options.force = context.has_flag("--force");
    options.seed = static_cast<uint64_t>(config.eval.seed);
    options.progress_name = "eval " + results_folder(*model) + ": texts embedded (rank 0's share)";
    options.progress_style = progress_style(config.log);
    const EvalRun run = evaluate(*model, tasks, *communicator, options);
    if (run.stopped) {
      log_stop_reason("eval", world.rank());
      if (leader)
        log_warn(str_cat("eval: stopped by a signal while embedding for ", results_folder(*model),
                         "; the results written so far stay, rerun the same command to continue "
                         "(exit code ",
                         kExitPreempted, ")"));
      return kExitPreempted;
    }
    if (!leader) continue;
    for (const TaskResult& r : run.results)
      log_info("eval: " + model->label() + "  " + r.task_name + "  " + r.main_score_name + " " +
               std::to_string(r.main_score * 100));
    log_info("eval: " + results_folder(*model) + ": loaded in " + std::to_string(load_s) + " s, " +
             std::to_string(run.texts_embedded) + " texts embedded in " +
             std::to_string(run.embed_s) + " s, scored in " + std::to_string(run.score_s) + " s (" +
             std::to_string(run.tasks_reused) + " tasks reused) -> " + options.out_dir.string());
  }
  if (leader) {
    const std::string summary = run_summary(eval_dir, tasks);
    write_file_atomic(eval_dir / "summary.md", summary);
    std::cout << summary << std::flush;
    log_info("eval: summary in " + (eval_dir / "summary.md").string());
  }
  return 0;
}

}  // namespace genvec
