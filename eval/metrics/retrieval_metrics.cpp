#include "eval/metrics/retrieval_metrics.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace genvec {
namespace {

struct Ranked {
  std::string doc;
  double score;
};

std::vector<Ranked> trec_order(const std::map<std::string, double>& docs) {
  std::vector<Ranked> ranked;
  ranked.reserve(docs.size());
  for (const auto& [doc, score] : docs) ranked.push_back({doc, score});
  std::sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.doc > b.doc;
  });
  return ranked;
}

}  // namespace

RetrievalScores retrieval_scores(const Qrels& qrels, const Run& run,
                                 const std::vector<int64_t>& k_values) {
  RetrievalScores out;
  for (const auto& [query, docs] : run) {
    const auto judged = qrels.find(query);
    if (judged == qrels.end()) continue;
    const std::map<std::string, int64_t>& relevance = judged->second;
    auto level = [&](const std::string& doc) -> int64_t {
      const auto it = relevance.find(doc);
      return it == relevance.end() ? 0 : it->second;
    };
    std::vector<int64_t> ideal;
    for (const auto& [doc, rel] : relevance)
      if (rel > 0) ideal.push_back(rel);
    std::sort(ideal.begin(), ideal.end(), std::greater<>());
    const double num_relevant = static_cast<double>(ideal.size());
    const std::vector<Ranked> ranked = trec_order(docs);

    for (const int64_t k : k_values) {
      double dcg = 0, idcg = 0, hits = 0, precision_sum = 0;
      for (int64_t rank = 0; rank < k && rank < static_cast<int64_t>(ranked.size()); ++rank) {
        const int64_t rel = level(ranked[rank].doc);
        if (rel <= 0) continue;
        dcg += rel / std::log2(static_cast<double>(rank + 2));
        hits += 1;
        precision_sum += hits / static_cast<double>(rank + 1);
      }
      for (int64_t rank = 0; rank < k && rank < static_cast<int64_t>(ideal.size()); ++rank)
        idcg += ideal[rank] / std::log2(static_cast<double>(rank + 2));
      const std::string at = "_at_" + std::to_string(k);
      out.per_query["ndcg" + at][query] = idcg > 0 ? dcg / idcg : 0.0;
      out.per_query["map" + at][query] = num_relevant > 0 ? precision_sum / num_relevant : 0.0;
      out.per_query["recall" + at][query] = num_relevant > 0 ? hits / num_relevant : 0.0;
      out.per_query["precision" + at][query] = hits / static_cast<double>(k);

      // BEIR's MRR: the first document judged above 0 among the top k.
      double reciprocal = 0;
      for (int64_t rank = 0; rank < k && rank < static_cast<int64_t>(ranked.size()); ++rank)
        if (level(ranked[rank].doc) > 0) {
          reciprocal = 1.0 / static_cast<double>(rank + 1);
          break;
        }
      out.per_query["mrr" + at][query] = reciprocal;
    }
    ++out.queries_scored;
  }
  for (const auto& [metric, values] : out.per_query) {
    double sum = 0;
    for (const auto& [query, value] : values) sum += value;
    out.mean[metric] = values.empty() ? 0.0 : sum / static_cast<double>(values.size());
  }
  return out;
}

}  // namespace genvec
