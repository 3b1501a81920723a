#include "eval/tasks/task_scoring.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <tuple>

#include "common/errors.h"
#include "eval/metrics/classification.h"
#include "eval/metrics/clustering.h"
#include "eval/metrics/ranking_metrics.h"
#include "eval/metrics/retrieval_metrics.h"

namespace genvec {
namespace {

Matrix gather_rows(const Matrix& m, const std::vector<int64_t>& rows) {
  Matrix out(static_cast<int64_t>(rows.size()), m.cols);
  for (size_t i = 0; i < rows.size(); ++i)
    std::copy(m.row(rows[i]).begin(), m.row(rows[i]).end(),
              out.row(static_cast<int64_t>(i)).begin());
  return out;
}

void score_sts(const TaskData& data, const Matrix& q, TaskScores& out) {
  std::vector<double> cosines;
  for (const auto& [a, b] : data.pairs) cosines.push_back(paired_cosine(q.row(a), q.row(b)));
  out.scores["cosine_spearman"] = spearman(cosines, data.gold);
  out.scores["cosine_pearson"] = pearson(cosines, data.gold);
}

void score_pair_classification(const TaskData& data, const Matrix& q, TaskScores& out) {
  std::vector<EmbeddingPair> pairs;
  for (const auto& [a, b] : data.pairs) pairs.emplace_back(q.row(a), q.row(b));
  std::vector<bool> positive;
  for (const double g : data.gold) positive.push_back(g == 1.0);
  for (const auto& [name, value] : pair_classification_scores(pairs, positive))
    out.scores[name] = value;
}

void score_classification(const TaskData& data, const Matrix& q, uint64_t seed, TaskScores& out) {
  ClassificationProtocol protocol;
  protocol.experiments = data.spec->experiments;
  protocol.samples_per_label = data.spec->samples_per_label;
  protocol.seed = seed;
  const ClassificationScores s = classification_scores(
      gather_rows(q, data.train_rows), data.train_labels, gather_rows(q, data.test_rows),
      data.test_labels, static_cast<int64_t>(data.label_names.size()), protocol);
  out.scores["accuracy"] = s.accuracy;
  out.scores["f1"] = s.f1_macro;
}

void score_clustering(const TaskData& data, const Matrix& q, uint64_t seed, TaskScores& out) {
  out.scores["v_measure"] = clustering_scores(gather_rows(q, data.test_rows), data.test_labels,
                                              data.spec->experiments, seed)
                                .v_measure;
}

void score_retrieval(const TaskData& data, const Matrix& q, const Matrix& p, TaskScores& out) {
  const Matrix similarities = dot_products(normalized_rows(q), normalized_rows(p));
  Run run;
  constexpr size_t kTop = 1000;  // MTEB keeps each query's top 1000 documents
  for (int64_t i = 0; i < q.rows; ++i) {
    const std::string& query_id = data.query_ids[i];
    if (!data.qrels.count(query_id)) continue;
    std::vector<std::pair<double, int64_t>> ranked;
    for (int64_t j = 0; j < p.rows; ++j) {
      if (data.spec->ignore_identical_ids && data.passage_ids[j] == query_id) continue;
      ranked.emplace_back(similarities.row(i)[j], j);
    }
    const size_t keep = std::min(kTop, ranked.size());
    std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(keep),
                      ranked.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    auto& docs = run[query_id];
    for (size_t r = 0; r < keep; ++r) docs[data.passage_ids[ranked[r].second]] = ranked[r].first;
  }
  const RetrievalScores r = retrieval_scores(data.qrels, run, {1, 3, 5, 10, 20, 100, 1000});
  for (const auto& [metric, value] : r.mean) out.scores[metric] = value;
  const int64_t unjudged = static_cast<int64_t>(data.query_ids.size()) - r.queries_scored;
  if (unjudged > 0)
    out.notes.push_back(std::to_string(unjudged) + " queries without judgements are not scored");
}

void score_reranking(const TaskData& data, const Matrix& q, const Matrix& p, TaskScores& out) {
  double ap = 0, mrr = 0;
  for (const RerankingSample& sample : data.samples) {
    std::vector<double> scores;
    for (const int64_t c : sample.candidates)
      scores.push_back(cosine(q.row(sample.query), p.row(c)));
    ap += average_precision(scores, sample.relevant);
    mrr += reciprocal_rank_at(scores, sample.relevant, 10);
  }
  const double n = static_cast<double>(data.samples.size());
  out.scores["map"] = ap / n;
  out.scores["mrr_at_10"] = mrr / n;
}

void score_safety(const TaskData& data, const Matrix& q, const Matrix& p, TaskScores& out) {
  const Matrix similarities = dot_products(normalized_rows(q), normalized_rows(p));
  std::vector<int64_t> hits(data.spec->k_values.size(), 0);
  for (int64_t i = 0; i < q.rows; ++i) {
    std::vector<double> row(similarities.row(i).begin(), similarities.row(i).end());
    const std::vector<int64_t> order = order_by_score(row);
    for (size_t k = 0; k < hits.size(); ++k) {
      const int64_t cut = std::min<int64_t>(data.spec->k_values[k], p.rows);
      for (int64_t r = 0; r < cut; ++r)
        if (data.harmful[order[r]]) {
          ++hits[k];
          break;
        }
    }
  }
  for (size_t k = 0; k < hits.size(); ++k)
    out.scores["harmful_at_" + std::to_string(data.spec->k_values[k])] =
        static_cast<double>(hits[k]) / static_cast<double>(q.rows);
}

}  // namespace

TaskScores task_score(const TaskData& data, const Matrix& queries, const Matrix& passages,
                      uint64_t seed) {
  TaskScores out;
  out.notes = data.notes;
  // A non-finite embedding would poison every ranking and correlation: stop, naming the text.
  for (const auto& [side, m, texts] : {std::tuple{"query", &queries, &data.queries},
                                       std::tuple{"passage", &passages, &data.passages}})
    for (size_t i = 0; i < m->values.size(); ++i)
      if (!std::isfinite(m->values[i]))
        throw IoError("task " + data.spec->name + ": the " + side + " embedding of \"" +
                          (*texts)[i / static_cast<size_t>(m->cols)].substr(0, 80) +
                          "\" is not finite",
                      "the model produced NaN or infinity (check the checkpoint, or the dtype)");
  switch (data.spec->type) {
    case TaskType::sts:
      score_sts(data, queries, out);
      break;
    case TaskType::pair_classification:
      score_pair_classification(data, queries, out);
      break;
    case TaskType::classification:
      score_classification(data, queries, seed, out);
      break;
    case TaskType::clustering:
      score_clustering(data, queries, seed, out);
      break;
    case TaskType::retrieval:
      score_retrieval(data, queries, passages, out);
      break;
    case TaskType::reranking:
      score_reranking(data, queries, passages, out);
      break;
    case TaskType::safety:
      score_safety(data, queries, passages, out);
      break;
  }
  const auto main = out.scores.find(data.spec->main_score);
  if (main == out.scores.end())
    throw ConfigError("task " + data.spec->name + ": main_score \"" + data.spec->main_score +
                          "\" was not computed",
                      "choose one of the type's scores");
  out.main_score = main->second;
  return out;
}

}  // namespace genvec
