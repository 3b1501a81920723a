#include "eval/evaluator.h"

#include <ATen/ATen.h>

#include <chrono>
#include <unordered_map>

#include "common/log.h"
#include "dist/communicator.h"
#include "eval/embedding_model.h"
#include "eval/tasks/task_scoring.h"
#include "training/batch_plan.h"

namespace genvec {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Every rank embeds its share of `texts` (balanced by length); the rows are summed across ranks,
// so every rank ends with all of them.
Matrix embed_across_ranks(const EmbeddingModel& model, const std::vector<std::string>& texts,
                          Communicator& communicator) {
  const int64_t n = static_cast<int64_t>(texts.size());
  std::vector<int64_t> all(static_cast<size_t>(n)), cost(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) all[i] = i, cost[i] = static_cast<int64_t>(texts[i].size());
  const std::vector<int64_t> mine = rank_share(all, cost, communicator.rank(), communicator.size());
  std::vector<std::string> my_texts;
  for (const int64_t i : mine) my_texts.push_back(texts[i]);
  const Matrix local = my_texts.empty() ? Matrix() : model.embed(my_texts);
  at::Tensor dims = at::full({1}, local.cols, at::kLong);
  communicator.all_reduce(dims, ReduceOp::max);
  const int64_t d = dims.item<int64_t>();
  at::Tensor gathered = at::zeros({n, d}, at::kFloat);
  for (size_t r = 0; r < mine.size(); ++r)
    std::copy(local.row(static_cast<int64_t>(r)).begin(), local.row(static_cast<int64_t>(r)).end(),
              gathered.data_ptr<float>() + mine[r] * d);
  communicator.all_reduce(gathered, ReduceOp::sum);
  Matrix out(n, d);
  std::copy_n(gathered.data_ptr<float>(), out.values.size(), out.values.data());
  return out;
}

}  // namespace

std::string instructed_text(const EmbeddingModel& model, const std::string& instruction,
                            const std::string& text) {
  if (!model.takes_instructions() || instruction.empty()) return text;
  return instruction + " " + text;
}

EvalRun evaluate(const EmbeddingModel& model, const std::vector<TaskData>& tasks,
                 Communicator& communicator, const EvalOptions& options) {
  EvalRun run;
  const bool leader = communicator.rank() == 0;
  const std::string identity = model.identity();

  // Which tasks need work: rank 0 decides (it reads the results) and tells the others.
  at::Tensor todo = at::ones({static_cast<int64_t>(tasks.size())}, at::kInt);
  std::vector<std::optional<TaskResult>> kept(tasks.size());
  if (leader && !options.out_dir.empty() && !options.force)
    for (size_t t = 0; t < tasks.size(); ++t) {
      kept[t] = task_result_read(options.out_dir / (tasks[t].spec->name + ".json"));
      if (kept[t] && kept[t]->model_identity == identity) {
        todo[static_cast<int64_t>(t)] = 0;
      } else {
        kept[t].reset();
      }
    }
  communicator.broadcast(todo, 0);

  // Distinct texts of the remaining tasks, and where each task's rows are.
  std::vector<std::string> texts;
  std::unordered_map<std::string, int64_t> index;
  std::vector<std::vector<int64_t>> query_rows(tasks.size()), passage_rows(tasks.size());
  auto add = [&](const std::string& instruction, const std::vector<std::string>& side,
                 std::vector<int64_t>& rows) {
    for (const std::string& text : side) {
      std::string key = instructed_text(model, instruction, text);
      const auto [it, inserted] = index.try_emplace(std::move(key), static_cast<int64_t>(texts.size()));
      if (inserted) texts.push_back(it->first);
      rows.push_back(it->second);
    }
  };
  for (size_t t = 0; t < tasks.size(); ++t) {
    if (todo[static_cast<int64_t>(t)].item<int>() == 0) continue;
    add(tasks[t].spec->instruction, tasks[t].queries, query_rows[t]);
    add(tasks[t].spec->passage_instruction, tasks[t].passages, passage_rows[t]);
  }
  run.texts_embedded = static_cast<int64_t>(texts.size());
  auto start = std::chrono::steady_clock::now();
  const Matrix embedded = texts.empty() ? Matrix() : embed_across_ranks(model, texts, communicator);
  run.embed_s = seconds_since(start);
  if (!leader) return run;

  auto rows_of = [&](const std::vector<int64_t>& rows) {
    Matrix m(static_cast<int64_t>(rows.size()), embedded.cols);
    for (size_t i = 0; i < rows.size(); ++i)
      std::copy(embedded.row(rows[i]).begin(), embedded.row(rows[i]).end(),
                m.row(static_cast<int64_t>(i)).begin());
    return m;
  };
  for (size_t t = 0; t < tasks.size(); ++t) {
    const TaskSpec& spec = *tasks[t].spec;
    if (kept[t]) {
      ++run.tasks_reused;
      run.results.push_back(*kept[t]);
      log_info("eval: " + spec.name + " already evaluated for this model (--force redoes it)");
      continue;
    }
    start = std::chrono::steady_clock::now();
    const TaskScores scores =
        task_score(tasks[t], rows_of(query_rows[t]), rows_of(passage_rows[t]), options.seed);
    const double score_s = seconds_since(start);
    run.score_s += score_s;
    TaskResult r;
    r.task_name = spec.name;
    r.task_type = task_type_name(spec.type);
    r.split = spec.split;
    r.main_score_name = spec.main_score;
    r.scores = scores.scores;
    r.main_score = scores.main_score;
    // This task's time: its scoring plus its texts' share of the embedding time.
    r.evaluation_time_s =
        score_s + run.embed_s * static_cast<double>(query_rows[t].size() + passage_rows[t].size()) /
                      std::max<double>(1.0, static_cast<double>(texts.size()));
    r.model = model.label();
    r.model_identity = identity;
    r.checkpoint = model.checkpoint();
    r.notes = scores.notes;
    if (!options.out_dir.empty()) task_result_write(options.out_dir / (spec.name + ".json"), r);
    run.results.push_back(std::move(r));
  }
  return run;
}

}  // namespace genvec
