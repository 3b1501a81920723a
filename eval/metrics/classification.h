// Classification scores of embeddings, MTEB's protocol: an L2-regularised logistic regression
// (scikit-learn's LogisticRegression objective, C = 1, intercept not penalised: multinomial for
// three or more classes, one weight vector for two) trained on the train split's embeddings
// (undersampled to `samples_per_label` per label, a fresh sample in each of `experiments` runs),
// scored on the test split by accuracy (main) and macro-F1, averaged over the runs.
#pragma once

#include <cstdint>
#include <vector>

#include "eval/metrics/matrix.h"

namespace genvec {

struct LogisticRegressionOptions {
  double c = 1.0;           // inverse regularisation strength, as scikit-learn's C
  int64_t max_iter = 1000;  // L-BFGS iterations; the problem is convex, so this runs to the optimum
  double gradient_tolerance = 1e-6;  // on max |gradient| of the loss averaged over rows
};

class LogisticRegression {
 public:
  // Labels are 0..num_classes-1.
  static LogisticRegression fit(const Matrix& x, const std::vector<int64_t>& labels,
                                int64_t num_classes, const LogisticRegressionOptions& options = {});
  std::vector<int64_t> predict(const Matrix& x) const;
  int64_t iterations() const { return iterations_; }

 private:
  int64_t num_classes_ = 0, dims_ = 0;
  std::vector<double> parameters_;  // binary: w (D) then b; multinomial: W (K x D) then b (K)
  int64_t iterations_ = 0;
};

double accuracy(const std::vector<int64_t>& truth, const std::vector<int64_t>& predicted);
// sklearn.metrics.f1_score(average="macro"): the mean F1 over every label that occurs in either
// list (a label never predicted or never true scores 0).
double macro_f1(const std::vector<int64_t>& truth, const std::vector<int64_t>& predicted);

struct ClassificationProtocol {
  int64_t experiments = 10;
  int64_t samples_per_label = 8;  // per label in each run's train sample; 0 takes the whole split
  uint64_t seed = 42;
};

struct ClassificationScores {
  double accuracy = 0, f1_macro = 0;  // means over the experiments
  std::vector<double> accuracy_per_experiment;
};

ClassificationScores classification_scores(const Matrix& train,
                                           const std::vector<int64_t>& train_labels,
                                           const Matrix& test,
                                           const std::vector<int64_t>& test_labels,
                                           int64_t num_classes,
                                           const ClassificationProtocol& protocol);

}  // namespace genvec
