// Retrieval metrics as trec_eval computes them through pytrec_eval, which BEIR and MTEB call:
// a run is ranked by score, highest first, ties by document id in descending string order;
// a document is relevant when its judged relevance is at least 1; nDCG's gain is the judged
// relevance and its ideal ranking comes from the qrels. MRR@k as BEIR's custom metric.
// Only queries that have judgements are scored (pytrec_eval skips the others).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace genvec {

using Qrels = std::map<std::string, std::map<std::string, int64_t>>;  // query -> doc -> relevance
using Run = std::map<std::string, std::map<std::string, double>>;     // query -> doc -> score

struct RetrievalScores {
  // metric ("ndcg_at_10", "map_at_100", "recall_at_100", "precision_at_1", "mrr_at_10") ->
  // query -> value, and the mean over scored queries.
  std::map<std::string, std::map<std::string, double>> per_query;
  std::map<std::string, double> mean;
  int64_t queries_scored = 0;
};

RetrievalScores retrieval_scores(const Qrels& qrels, const Run& run,
                                 const std::vector<int64_t>& k_values);

}  // namespace genvec
