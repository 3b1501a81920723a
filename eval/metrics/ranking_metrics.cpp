#include "eval/metrics/ranking_metrics.h"

#include "eval/metrics/matrix.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace genvec {

std::vector<int64_t> order_by_score(std::span<const double> scores) {
  std::vector<int64_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return scores[a] > scores[b]; });
  return order;
}

double average_precision(std::span<const double> scores, const std::vector<bool>& relevant) {
  const std::vector<int64_t> order = order_by_score(scores);
  const int64_t positives = std::count(relevant.begin(), relevant.end(), true);
  if (positives == 0) return 0.0;
  double ap = 0, hits = 0, previous_recall = 0;
  for (size_t i = 0; i < order.size();) {
    // One threshold takes every item tied at this score.
    size_t end = i;
    while (end < order.size() && scores[order[end]] == scores[order[i]]) {
      hits += relevant[order[end]] ? 1 : 0;
      ++end;
    }
    const double recall = hits / positives;
    ap += (recall - previous_recall) * (hits / static_cast<double>(end));
    previous_recall = recall;
    i = end;
  }
  return ap;
}

double reciprocal_rank_at(std::span<const double> scores, const std::vector<bool>& relevant,
                          int64_t k) {
  const std::vector<int64_t> order = order_by_score(scores);
  for (size_t rank = 0; rank < order.size() && static_cast<int64_t>(rank) < k; ++rank)
    if (relevant[order[rank]]) return 1.0 / static_cast<double>(rank + 1);
  return 0.0;
}

std::vector<double> average_ranks(std::span<const double> values) {
  std::vector<int64_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (size_t i = 0; i < order.size();) {
    size_t end = i;
    while (end < order.size() && values[order[end]] == values[order[i]]) ++end;
    const double mean_rank = (static_cast<double>(i + 1) + static_cast<double>(end)) / 2.0;
    for (size_t j = i; j < end; ++j) ranks[order[j]] = mean_rank;
    i = end;
  }
  return ranks;
}

double pearson(std::span<const double> x, std::span<const double> y) {
  const double n = static_cast<double>(x.size());
  const double mean_x = std::accumulate(x.begin(), x.end(), 0.0) / n;
  const double mean_y = std::accumulate(y.begin(), y.end(), 0.0) / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double dx = x[i] - mean_x, dy = y[i] - mean_y;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx == 0 || syy == 0) return std::numeric_limits<double>::quiet_NaN();
  return std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0);
}

std::map<std::string, double> pair_classification_scores(const std::vector<EmbeddingPair>& pairs,
                                                         const std::vector<bool>& positive) {
  std::vector<double> cos, dots, euclid, manhattan;
  for (const auto& [a, b] : pairs) {
    cos.push_back(paired_cosine(a, b));
    dots.push_back(dot(a, b));
    euclid.push_back(-euclidean_distance(a, b));
    manhattan.push_back(-manhattan_distance(a, b));
  }
  std::map<std::string, double> out = {{"cosine_ap", average_precision(cos, positive)},
                                       {"dot_ap", average_precision(dots, positive)},
                                       {"euclidean_ap", average_precision(euclid, positive)},
                                       {"manhattan_ap", average_precision(manhattan, positive)}};
  out["max_ap"] =
      std::max({out["cosine_ap"], out["dot_ap"], out["euclidean_ap"], out["manhattan_ap"]});
  return out;
}

double spearman(std::span<const double> x, std::span<const double> y) {
  const std::vector<double> rx = average_ranks(x), ry = average_ranks(y);
  return pearson(rx, ry);
}

}  // namespace genvec
