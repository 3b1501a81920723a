#include "eval/metrics/clustering.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <set>

#include "common/rng.h"

namespace genvec {
namespace {

double entropy(const std::map<int64_t, int64_t>& counts, double n) {
  double h = 0;
  for (const auto& [label, count] : counts) {
    const double p = static_cast<double>(count) / n;
    h -= p * std::log(p);
  }
  return h;
}

// k-means++ seeding: each next centre among 2 + ln k candidates drawn in proportion to the
// squared distance to the nearest centre so far, keeping the one that lowers the total most.
Matrix seed_centres(const Matrix& x, int64_t k, SplitMix64& rng) {
  const int64_t n = x.rows;
  Matrix centres(k, x.cols);
  auto set_centre = [&](int64_t c, int64_t row) {
    std::copy(x.row(row).begin(), x.row(row).end(), centres.row(c).begin());
  };
  set_centre(0, static_cast<int64_t>(rng.below(static_cast<uint64_t>(n))));
  std::vector<double> nearest(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) nearest[i] = squared_distance(x.row(i), centres.row(0));
  const int64_t trials = 2 + static_cast<int64_t>(std::log(static_cast<double>(k)));
  for (int64_t c = 1; c < k; ++c) {
    double total = 0;
    for (const double d : nearest) total += d;
    int64_t best_row = 0;
    double best_total = std::numeric_limits<double>::infinity();
    std::vector<double> best_nearest;
    for (int64_t t = 0; t < trials; ++t) {
      // A row drawn with probability nearest / total (uniform when every distance is 0).
      int64_t row = n - 1;
      if (total > 0) {
        double target = rng.uniform() * total;
        for (int64_t i = 0; i < n; ++i) {
          target -= nearest[i];
          if (target < 0) {
            row = i;
            break;
          }
        }
      } else {
        row = static_cast<int64_t>(rng.below(static_cast<uint64_t>(n)));
      }
      std::vector<double> candidate(nearest);
      double candidate_total = 0;
      for (int64_t i = 0; i < n; ++i) {
        candidate[i] = std::min(candidate[i], squared_distance(x.row(i), x.row(row)));
        candidate_total += candidate[i];
      }
      if (candidate_total < best_total) {
        best_total = candidate_total, best_row = row, best_nearest = std::move(candidate);
      }
    }
    set_centre(c, best_row);
    nearest = std::move(best_nearest);
  }
  return centres;
}

}  // namespace

VMeasure v_measure(const std::vector<int64_t>& truth, const std::vector<int64_t>& predicted) {
  const double n = static_cast<double>(truth.size());
  std::map<int64_t, int64_t> classes, clusters;
  std::map<std::pair<int64_t, int64_t>, int64_t> joint;
  for (size_t i = 0; i < truth.size(); ++i) {
    ++classes[truth[i]];
    ++clusters[predicted[i]];
    ++joint[{truth[i], predicted[i]}];
  }
  const double h_class = entropy(classes, n), h_cluster = entropy(clusters, n);
  double mutual = 0;  // mutual information, natural log
  for (const auto& [pair, count] : joint) {
    const double c = static_cast<double>(count);
    mutual += c / n *
              std::log(c * n /
                       (static_cast<double>(classes[pair.first]) *
                        static_cast<double>(clusters[pair.second])));
  }
  VMeasure v;
  v.homogeneity = h_class > 0 ? mutual / h_class : 1.0;
  v.completeness = h_cluster > 0 ? mutual / h_cluster : 1.0;
  const double sum = v.homogeneity + v.completeness;
  v.v_measure = sum > 0 ? 2.0 * v.homogeneity * v.completeness / sum : 0.0;
  return v;
}

namespace {

int64_t nearest_centre(std::span<const float> point, const Matrix& centres, double* distance) {
  int64_t best = 0;
  double best_distance = std::numeric_limits<double>::infinity();
  for (int64_t c = 0; c < centres.rows; ++c) {
    const double d = squared_distance(point, centres.row(c));
    if (d < best_distance) best_distance = d, best = c;
  }
  if (distance) *distance = best_distance;
  return best;
}

}  // namespace

std::vector<int64_t> minibatch_kmeans(const Matrix& x, int64_t k, uint64_t seed,
                                      const MiniBatchKMeansOptions& options) {
  SplitMix64 rng(seed);
  const int64_t n = x.rows, batch = std::min(options.batch_size, n);
  // k-means++ runs on init_size = 3 x batch rows (at least 3 k) drawn with replacement, or on
  // all rows when there are no more than that.
  const int64_t init_size = std::min(n, std::max(3 * options.batch_size, 3 * k));
  Matrix centres;
  if (init_size < n) {
    Matrix sample(init_size, x.cols);
    for (int64_t i = 0; i < init_size; ++i) {
      const int64_t row = static_cast<int64_t>(rng.below(static_cast<uint64_t>(n)));
      std::copy(x.row(row).begin(), x.row(row).end(), sample.row(i).begin());
    }
    centres = seed_centres(sample, k, rng);
  } else {
    centres = seed_centres(x, k, rng);
  }
  std::vector<double> counts(static_cast<size_t>(k), 0.0);
  const int64_t steps = options.max_iter * n / batch;
  const double alpha = std::min(1.0, 2.0 * static_cast<double>(batch) / static_cast<double>(n + 1));
  double ewa = 0, ewa_min = std::numeric_limits<double>::infinity();
  int64_t no_improvement = 0, since_reassign = 0;
  std::vector<int64_t> rows(static_cast<size_t>(batch)), labels(static_cast<size_t>(batch));
  for (int64_t step = 1; step <= steps; ++step) {
    for (int64_t& row : rows) row = static_cast<int64_t>(rng.below(static_cast<uint64_t>(n)));
    // Whether to restart starved centres is decided on the counts before this batch: every
    // 10 k samples, or whenever a centre has had none.
    since_reassign += batch;
    const bool reassign =
        std::count(counts.begin(), counts.end(), 0.0) > 0 || since_reassign >= 10 * k;
    if (reassign) since_reassign = 0;
    double inertia = 0;
    for (int64_t i = 0; i < batch; ++i) {
      double d = 0;
      labels[i] = nearest_centre(x.row(rows[i]), centres, &d);
      inertia += d;
    }
    // Each centre moves to the running mean of every point ever assigned to it.
    Matrix sums(k, x.cols);
    std::vector<double> batch_counts(static_cast<size_t>(k), 0.0);
    for (int64_t i = 0; i < batch; ++i) {
      batch_counts[labels[i]] += 1;
      for (int64_t j = 0; j < x.cols; ++j) sums.row(labels[i])[j] += x.row(rows[i])[j];
    }
    for (int64_t c = 0; c < k; ++c) {
      if (batch_counts[c] == 0) continue;
      const double total = counts[c] + batch_counts[c];
      for (int64_t j = 0; j < x.cols; ++j)
        centres.row(c)[j] =
            static_cast<float>((centres.row(c)[j] * counts[c] + sums.row(c)[j]) / total);
      counts[c] = total;
    }
    // Centres given under reassignment_ratio of the busiest one's points restart at random
    // points of the batch.
    if (reassign) {
      const double most = *std::max_element(counts.begin(), counts.end());
      std::vector<int64_t> low;
      for (int64_t c = 0; c < k; ++c)
        if (counts[c] < options.reassignment_ratio * most) low.push_back(c);
      if (static_cast<double>(low.size()) > 0.5 * static_cast<double>(batch)) {
        std::stable_sort(low.begin(), low.end(),
                         [&](int64_t a, int64_t b) { return counts[a] < counts[b]; });
        low.resize(static_cast<size_t>(0.5 * static_cast<double>(batch)));
      }
      if (!low.empty()) {
        double floor = std::numeric_limits<double>::infinity();
        for (int64_t c = 0; c < k; ++c)
          if (std::find(low.begin(), low.end(), c) == low.end()) floor = std::min(floor, counts[c]);
        std::vector<int64_t> picks(static_cast<size_t>(batch));
        std::iota(picks.begin(), picks.end(), 0);
        for (size_t r = 0; r < low.size(); ++r) {
          std::swap(picks[r], picks[r + rng.below(picks.size() - r)]);
          std::copy(x.row(rows[picks[r]]).begin(), x.row(rows[picks[r]]).end(),
                    centres.row(low[r]).begin());
          counts[low[r]] = floor;
        }
      }
    }
    // Early stop when the smoothed batch inertia has not improved for max_no_improvement steps.
    if (step == 1) continue;
    const double mean_inertia = inertia / static_cast<double>(batch);
    ewa = step == 2 ? mean_inertia : ewa * (1 - alpha) + mean_inertia * alpha;
    if (ewa < ewa_min) {
      ewa_min = ewa, no_improvement = 0;
    } else if (++no_improvement >= options.max_no_improvement) {
      break;
    }
  }
  std::vector<int64_t> assignment(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) assignment[i] = nearest_centre(x.row(i), centres, nullptr);
  return assignment;
}

ClusteringScores clustering_scores(const Matrix& x, const std::vector<int64_t>& labels,
                                   int64_t runs, uint64_t seed) {
  const int64_t k = static_cast<int64_t>(std::set<int64_t>(labels.begin(), labels.end()).size());
  ClusteringScores scores;
  for (int64_t run = 0; run < runs; ++run) {
    const double v =
        v_measure(labels, minibatch_kmeans(x, k, seed + static_cast<uint64_t>(run))).v_measure;
    scores.v_measure_per_run.push_back(v);
    scores.v_measure += v / static_cast<double>(runs);
  }
  return scores;
}

}  // namespace genvec
