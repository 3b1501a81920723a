// A task's data, read from its files and ready to score: the distinct texts of each side (what
// gets embedded) and, per task type, how they pair up, their labels and judgements. Torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "eval/metrics/retrieval_metrics.h"
#include "eval/tasks/task_registry.h"

namespace genvec {

struct RerankingSample {
  int64_t query = 0;                // index into queries
  std::vector<int64_t> candidates;  // indices into passages
  std::vector<bool> relevant;
};

struct TaskData {
  const TaskSpec* spec = nullptr;
  // Distinct texts: the query side (every text of a symmetric task) gets spec.instruction, the
  // passage side spec.passage_instruction.
  std::vector<std::string> queries, passages;

  // sts, pair_classification: (query index, query index) and the gold score or 0/1 label.
  std::vector<std::pair<int64_t, int64_t>> pairs;
  std::vector<double> gold;
  // classification: train and test rows (query indices) with dense labels 0..classes-1;
  // clustering: the test side only.
  std::vector<int64_t> train_rows, train_labels, test_rows, test_labels;
  std::vector<std::string> label_names;
  // retrieval and safety: ids of queries and passages (same order), retrieval's judgements,
  // safety's harmful flag per passage.
  std::vector<std::string> query_ids, passage_ids;
  Qrels qrels;
  std::vector<bool> harmful;
  // reranking.
  std::vector<RerankingSample> samples;
  // What loading set aside by the protocol's rules, for the results ("12 samples without a
  // negative skipped, as MTEB does").
  std::vector<std::string> notes;
  int64_t replaced_utf8 = 0;  // texts whose invalid UTF-8 was replaced (invalid_utf8 = "replace")
};

TaskData task_data_load(const TaskSpec& spec);

}  // namespace genvec
