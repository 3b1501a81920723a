// Scores of one ranked list and of paired values, computed as the references do: average
// precision as scikit-learn's average_precision_score (tied scores form one threshold), MRR@k as
// MTEB's reranking evaluator, Pearson and Spearman (average ranks for ties) as scipy.stats.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace genvec {

// sklearn.metrics.average_precision_score(relevant, scores): sum over distinct score thresholds,
// highest first, of (recall gained) x (precision there). 0 when nothing is relevant.
double average_precision(std::span<const double> scores, const std::vector<bool>& relevant);

// 1 / rank of the first relevant item among the k highest scores (ties keep input order), 0 when
// none is there.
double reciprocal_rank_at(std::span<const double> scores, const std::vector<bool>& relevant,
                          int64_t k);

// Ranks 1..n, tied values sharing the mean of their ranks (scipy.stats.rankdata "average").
std::vector<double> average_ranks(std::span<const double> values);

// Pearson's r; NaN when either side is constant (as scipy, which also warns).
double pearson(std::span<const double> x, std::span<const double> y);
// Spearman's rho: Pearson's r of the average ranks.
double spearman(std::span<const double> x, std::span<const double> y);

// Pair classification as MTEB scores it: the average precision of the positive pairs when pairs
// are ranked by each similarity — "cosine_ap" (sklearn's paired cosine), "dot_ap",
// "euclidean_ap" and "manhattan_ap" (distances negated) — and "max_ap", the best of them.
using EmbeddingPair = std::pair<std::span<const float>, std::span<const float>>;
std::map<std::string, double> pair_classification_scores(const std::vector<EmbeddingPair>& pairs,
                                                         const std::vector<bool>& positive);

// Indices of `scores` from highest to lowest, ties in index order.
std::vector<int64_t> order_by_score(std::span<const double> scores);

}  // namespace genvec
