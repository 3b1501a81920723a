// Clustering scores of embeddings, MTEB's protocol: k-means with k = the number of gold labels,
// scored by V-measure against the labels (scikit-learn's v_measure_score, natural logarithms,
// beta = 1), averaged over runs with different seeds. Seeding is greedy k-means++ as
// scikit-learn's (2 + ln k candidates per centre).
#pragma once

#include <cstdint>
#include <vector>

#include "eval/metrics/matrix.h"

namespace genvec {

struct VMeasure {
  double homogeneity = 0, completeness = 0, v_measure = 0;
};
VMeasure v_measure(const std::vector<int64_t>& truth, const std::vector<int64_t>& predicted);

// scikit-learn's MiniBatchKMeans as MTEB configures it (batch 500, one k-means++ start): each
// step assigns a random batch (with replacement) to the nearest centres, moves every centre to
// the running mean of the points it has ever been given, restarts centres given under 1% of the
// busiest one's points at random batch points, and stops early when the smoothed batch inertia
// stalls. Cluster of each row, 0..k-1.
struct MiniBatchKMeansOptions {
  int64_t batch_size = 500;
  int64_t max_iter = 100;  // passes over the data
  int64_t max_no_improvement = 10;
  double reassignment_ratio = 0.01;
};
std::vector<int64_t> minibatch_kmeans(const Matrix& x, int64_t k, uint64_t seed,
                                      const MiniBatchKMeansOptions& options = {});

struct ClusteringScores {
  double v_measure = 0;  // mean over runs
  std::vector<double> v_measure_per_run;
};
ClusteringScores clustering_scores(const Matrix& x, const std::vector<int64_t>& labels,
                                   int64_t runs, uint64_t seed);

}  // namespace genvec
