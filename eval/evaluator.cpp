#include "eval/evaluator.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <unordered_map>

#include "common/errors.h"
#include "common/fault_injection.h"
#include "common/log.h"
#include "common/stop_signal.h"
#include "dist/communicator.h"
#include "eval/embedding_model.h"
#include "eval/tasks/task_scoring.h"
#include "training/batch_plan.h"

namespace genvec {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Texts a rank embeds between two looks at the stop flag and the progress line: a few batches
// of the longest texts, many of the shortest.
constexpr size_t kEmbedChunk = 512;

// Every rank embeds its share of `texts` (balanced by length); the rows are summed across ranks,
// so every rank ends with all of them. A rank that fails tells the others, so no rank waits in a
// collective for a peer that has stopped; a rank that received a stop signal stops at its next
// chunk and all of them return nothing.
std::optional<Matrix> embed_across_ranks(const EmbeddingModel& model,
                                         const std::vector<std::string>& texts,
                                         Communicator& communicator, const EvalOptions& options) {
  const int64_t n = static_cast<int64_t>(texts.size());
  std::vector<int64_t> all(static_cast<size_t>(n)), cost(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) all[i] = i, cost[i] = static_cast<int64_t>(texts[i].size());
  std::vector<int64_t> mine = rank_share(all, cost, communicator.rank(), communicator.size());
  // Longest first, so each chunk holds texts of similar length (the model sorts within a chunk).
  std::stable_sort(mine.begin(), mine.end(),
                   [&](int64_t a, int64_t b) { return cost[a] > cost[b]; });
  std::optional<Progress> progress;
  if (communicator.rank() == 0 && !options.progress_name.empty())
    progress.emplace(options.progress_name, static_cast<int64_t>(mine.size()), 0,
                     options.progress_style);
  Matrix local;
  std::exception_ptr failure;
  bool stopped = false;
  FaultKillSwitch stop_switch("GENVEC_FAULT_STOP_AFTER_CHUNKS", SIGUSR1);
  try {
    for (size_t start = 0; start < mine.size(); start += kEmbedChunk) {
      if (stop_signal_received()) {
        stopped = true;
        break;
      }
      std::vector<std::string> chunk;
      for (size_t i = start; i < std::min(mine.size(), start + kEmbedChunk); ++i)
        chunk.push_back(texts[mine[i]]);
      const Matrix e = model.embed(chunk);
      if (start == 0) local = Matrix(static_cast<int64_t>(mine.size()), e.cols);
      std::copy(e.values.begin(), e.values.end(), local.row(static_cast<int64_t>(start)).begin());
      if (progress) progress->update(static_cast<int64_t>(start + chunk.size()));
      stop_switch.after_commit();
    }
    if (progress && !stopped) progress->finish(static_cast<int64_t>(mine.size()));
  } catch (...) {
    failure = std::current_exception();
  }
  at::Tensor status =
      at::tensor({failure ? int64_t{1} : int64_t{0}, stopped ? int64_t{1} : int64_t{0}, local.cols},
                 at::kLong);
  communicator.all_reduce(status, ReduceOp::max);
  if (failure) std::rethrow_exception(failure);
  if (status[0].item<int64_t>() != 0)
    throw DistError("another rank failed while embedding texts", "its log (RUN/logs/) says why");
  if (status[1].item<int64_t>() != 0) return std::nullopt;
  const int64_t d = status[2].item<int64_t>();
  Matrix out(n, d);
  for (size_t r = 0; r < mine.size(); ++r)
    std::copy(local.row(static_cast<int64_t>(r)).begin(), local.row(static_cast<int64_t>(r)).end(),
              out.row(mine[r]).begin());
  // Summed in slices of at most 256 MiB: MPI counts are ints, and no rank needs two copies.
  const int64_t rows_per_slice =
      std::max<int64_t>(1, (int64_t{256} << 20) / (4 * std::max<int64_t>(d, 1)));
  for (int64_t start = 0; start < n; start += rows_per_slice) {
    const int64_t rows = std::min(rows_per_slice, n - start);
    at::Tensor slice = at::from_blob(out.row(start).data(), {rows, d}, at::kFloat);
    communicator.all_reduce(slice, ReduceOp::sum);
  }
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
  std::vector<std::string> task_ids;  // rank 0: reading the data files' identities once
  if (leader)
    for (const TaskData& task : tasks) task_ids.push_back(task_identity(*task.spec, options.seed));
  if (leader && !options.out_dir.empty() && !options.force)
    for (size_t t = 0; t < tasks.size(); ++t) {
      kept[t] = task_result_read(options.out_dir / (tasks[t].spec->name + ".json"));
      if (kept[t] && kept[t]->model_identity == identity && kept[t]->task_identity == task_ids[t]) {
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
      const auto [it, inserted] =
          index.try_emplace(std::move(key), static_cast<int64_t>(texts.size()));
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
  std::optional<Matrix> gathered = Matrix();
  if (!texts.empty()) gathered = embed_across_ranks(model, texts, communicator, options);
  run.embed_s = seconds_since(start);
  if (!gathered) {
    run.stopped = true;
    return run;
  }
  const Matrix& embedded = *gathered;
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
      log_info("eval: " + spec.name +
               " already evaluated for this model and task (--force redoes it)");
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
    r.task_identity = task_ids[t];
    r.checkpoint = model.checkpoint();
    r.notes = scores.notes;
    if (!options.out_dir.empty()) task_result_write(options.out_dir / (spec.name + ".json"), r);
    run.results.push_back(std::move(r));
  }
  return run;
}

}  // namespace genvec
