// A task's scores from the embeddings of its texts, by its type's protocol (see the metrics in
// eval/metrics/). Torch-free: embeddings arrive as float32 matrices.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "eval/metrics/matrix.h"
#include "eval/tasks/task_data.h"

namespace genvec {

struct TaskScores {
  std::map<std::string, double> scores;  // every score the type reports (MTEB's names)
  double main_score = 0;
  std::vector<std::string> notes;
};

// `queries` and `passages` hold one row per data.queries / data.passages text (passages may be
// empty for types without a passage side). `seed` drives classification samples and k-means.
TaskScores task_score(const TaskData& data, const Matrix& queries, const Matrix& passages,
                      uint64_t seed);

}  // namespace genvec
