#include "eval/metrics/classification.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <functional>
#include <map>
#include <numeric>
#include <set>

#include "common/rng.h"

namespace genvec {
namespace {

using Objective = std::function<double(const std::vector<double>&, std::vector<double>&)>;

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += a[i] * b[i];
  return sum;
}

double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (const double x : v) m = std::max(m, std::fabs(x));
  return m;
}

// Limited-memory BFGS (Nocedal & Wright, algorithm 7.4) with a backtracking Armijo line search;
// returns the iterations run.
int64_t minimize_lbfgs(const Objective& objective, std::vector<double>& x, int64_t max_iter,
                       double tolerance) {
  constexpr size_t kHistory = 10;
  std::vector<double> gradient(x.size()), next_gradient(x.size()), direction(x.size()),
      next(x.size());
  double value = objective(x, gradient);
  std::deque<std::vector<double>> s_history, y_history;
  std::deque<double> rho_history;
  int64_t iteration = 0;
  for (; iteration < max_iter && max_abs(gradient) > tolerance; ++iteration) {
    // Two-loop recursion: direction = -H gradient.
    direction = gradient;
    std::vector<double> alpha(s_history.size());
    for (size_t i = s_history.size(); i-- > 0;) {
      alpha[i] = rho_history[i] * dot(s_history[i], direction);
      for (size_t j = 0; j < x.size(); ++j) direction[j] -= alpha[i] * y_history[i][j];
    }
    if (!s_history.empty()) {
      const double gamma =
          dot(s_history.back(), y_history.back()) / dot(y_history.back(), y_history.back());
      for (double& d : direction) d *= gamma;
    }
    for (size_t i = 0; i < s_history.size(); ++i) {
      const double beta = rho_history[i] * dot(y_history[i], direction);
      for (size_t j = 0; j < x.size(); ++j) direction[j] += s_history[i][j] * (alpha[i] - beta);
    }
    for (double& d : direction) d = -d;
    double slope = dot(gradient, direction);
    if (slope >= 0) {  // not a descent direction: restart from steepest descent
      s_history.clear(), y_history.clear(), rho_history.clear();
      for (size_t j = 0; j < x.size(); ++j) direction[j] = -gradient[j];
      slope = dot(gradient, direction);
    }
    double step = s_history.empty() ? std::min(1.0, 1.0 / max_abs(gradient)) : 1.0;
    double next_value = 0;
    for (int tries = 0;; ++tries) {
      for (size_t j = 0; j < x.size(); ++j) next[j] = x[j] + step * direction[j];
      next_value = objective(next, next_gradient);
      if (next_value <= value + 1e-4 * step * slope) break;
      if (tries == 60) return iteration;  // no progress possible in double precision
      step *= 0.5;
    }
    std::vector<double> s(x.size()), y(x.size());
    for (size_t j = 0; j < x.size(); ++j) {
      s[j] = next[j] - x[j];
      y[j] = next_gradient[j] - gradient[j];
    }
    const double sy = dot(s, y);
    if (sy > 1e-12) {
      if (s_history.size() == kHistory) {
        s_history.pop_front(), y_history.pop_front(), rho_history.pop_front();
      }
      s_history.push_back(std::move(s));
      y_history.push_back(std::move(y));
      rho_history.push_back(1.0 / sy);
    }
    x.swap(next);
    gradient.swap(next_gradient);
    value = next_value;
  }
  return iteration;
}

}  // namespace

LogisticRegression LogisticRegression::fit(const Matrix& x, const std::vector<int64_t>& labels,
                                           int64_t num_classes,
                                           const LogisticRegressionOptions& options) {
  LogisticRegression model;
  model.num_classes_ = num_classes;
  model.dims_ = x.cols;
  const int64_t n = x.rows, d = x.cols;
  const bool binary = num_classes == 2;
  const int64_t outputs = binary ? 1 : num_classes;  // weight vectors
  model.parameters_.assign(static_cast<size_t>(outputs * (d + 1)), 0.0);
  const double inverse_n = 1.0 / static_cast<double>(n);
  const double penalty = 1.0 / (options.c * static_cast<double>(n));

  // The loss averaged over rows plus ||W||^2 / (2 C n): scikit-learn's objective scaled by 1/n.
  const Objective objective = [&](const std::vector<double>& p, std::vector<double>& grad) {
    std::fill(grad.begin(), grad.end(), 0.0);
    const double* weights = p.data();
    const double* bias = p.data() + outputs * d;
    double loss = 0;
    std::vector<double> logits(static_cast<size_t>(outputs));
    for (int64_t i = 0; i < n; ++i) {
      const std::span<const float> row = x.row(i);
      for (int64_t k = 0; k < outputs; ++k) {
        double z = bias[k];
        const double* w = weights + k * d;
        for (int64_t j = 0; j < d; ++j) z += w[j] * row[j];
        logits[k] = z;
      }
      std::vector<double> residual(static_cast<size_t>(outputs));
      if (binary) {
        const double z = logits[0], y = labels[i] == 1 ? 1.0 : 0.0;
        // log(1 + e^z) - y z, computed without overflow.
        loss += (z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z))) - y * z;
        residual[0] = 1.0 / (1.0 + std::exp(-z)) - y;
      } else {
        const double top = *std::max_element(logits.begin(), logits.end());
        double sum = 0;
        for (const double z : logits) sum += std::exp(z - top);
        const double log_sum = top + std::log(sum);
        loss += log_sum - logits[labels[i]];
        for (int64_t k = 0; k < outputs; ++k)
          residual[k] = std::exp(logits[k] - log_sum) - (k == labels[i] ? 1.0 : 0.0);
      }
      for (int64_t k = 0; k < outputs; ++k) {
        double* g = grad.data() + k * d;
        const double r = residual[k] * inverse_n;
        for (int64_t j = 0; j < d; ++j) g[j] += r * row[j];
        grad[static_cast<size_t>(outputs * d + k)] += r;
      }
    }
    loss *= inverse_n;
    for (int64_t j = 0; j < outputs * d; ++j) {
      loss += 0.5 * penalty * weights[j] * weights[j];
      grad[j] += penalty * weights[j];
    }
    return loss;
  };
  model.iterations_ =
      minimize_lbfgs(objective, model.parameters_, options.max_iter, options.gradient_tolerance);
  return model;
}

std::vector<int64_t> LogisticRegression::predict(const Matrix& x) const {
  const bool binary = num_classes_ == 2;
  const int64_t outputs = binary ? 1 : num_classes_, d = dims_;
  std::vector<int64_t> out(static_cast<size_t>(x.rows));
  for (int64_t i = 0; i < x.rows; ++i) {
    const std::span<const float> row = x.row(i);
    int64_t best = 0;
    double best_z = 0;
    for (int64_t k = 0; k < outputs; ++k) {
      double z = parameters_[static_cast<size_t>(outputs * d + k)];
      for (int64_t j = 0; j < d; ++j) z += parameters_[static_cast<size_t>(k * d + j)] * row[j];
      if (binary) {
        best = z > 0 ? 1 : 0;
      } else if (k == 0 || z > best_z) {
        best = k, best_z = z;
      }
    }
    out[static_cast<size_t>(i)] = best;
  }
  return out;
}

double accuracy(const std::vector<int64_t>& truth, const std::vector<int64_t>& predicted) {
  int64_t right = 0;
  for (size_t i = 0; i < truth.size(); ++i) right += truth[i] == predicted[i];
  return truth.empty() ? 0.0 : static_cast<double>(right) / static_cast<double>(truth.size());
}

double macro_f1(const std::vector<int64_t>& truth, const std::vector<int64_t>& predicted) {
  std::map<int64_t, std::array<int64_t, 3>>
      counts;  // label -> true positives, false pos., false neg.
  for (size_t i = 0; i < truth.size(); ++i) {
    if (truth[i] == predicted[i]) {
      ++counts[truth[i]][0];
    } else {
      ++counts[predicted[i]][1];
      ++counts[truth[i]][2];
    }
  }
  double sum = 0;
  for (const auto& [label, c] : counts) {
    const int64_t denominator = 2 * c[0] + c[1] + c[2];
    sum +=
        denominator > 0 ? 2.0 * static_cast<double>(c[0]) / static_cast<double>(denominator) : 0.0;
  }
  return counts.empty() ? 0.0 : sum / static_cast<double>(counts.size());
}

ClassificationScores classification_scores(const Matrix& train,
                                           const std::vector<int64_t>& train_labels,
                                           const Matrix& test,
                                           const std::vector<int64_t>& test_labels,
                                           int64_t num_classes,
                                           const ClassificationProtocol& protocol) {
  ClassificationScores scores;
  SplitMix64 rng(protocol.seed);
  for (int64_t experiment = 0; experiment < protocol.experiments; ++experiment) {
    // A fresh shuffle each run; the first samples_per_label rows of each label in that order.
    std::vector<int64_t> order(static_cast<size_t>(train.rows));
    std::iota(order.begin(), order.end(), 0);
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
    std::vector<int64_t> taken_per_label(static_cast<size_t>(num_classes), 0), chosen;
    for (const int64_t row : order)
      if (protocol.samples_per_label == 0 ||
          taken_per_label[train_labels[row]]++ < protocol.samples_per_label)
        chosen.push_back(row);
    Matrix sample(static_cast<int64_t>(chosen.size()), train.cols);
    std::vector<int64_t> sample_labels;
    std::set<int64_t> distinct;
    for (size_t i = 0; i < chosen.size(); ++i) {
      std::copy(train.row(chosen[i]).begin(), train.row(chosen[i]).end(),
                sample.row(static_cast<int64_t>(i)).begin());
      sample_labels.push_back(train_labels[chosen[i]]);
      distinct.insert(train_labels[chosen[i]]);
    }
    // Fit over the labels the sample has (relabelled 0..m-1), as scikit-learn does.
    const std::vector<int64_t> present(distinct.begin(), distinct.end());
    std::map<int64_t, int64_t> dense;
    for (size_t i = 0; i < present.size(); ++i) dense[present[i]] = static_cast<int64_t>(i);
    for (int64_t& label : sample_labels) label = dense[label];
    std::vector<int64_t> predicted;
    if (present.size() == 1) {
      predicted.assign(test_labels.size(), present[0]);
    } else {
      const LogisticRegression model =
          LogisticRegression::fit(sample, sample_labels, static_cast<int64_t>(present.size()));
      predicted = model.predict(test);
      for (int64_t& label : predicted) label = present[label];
    }
    const double a = accuracy(test_labels, predicted);
    scores.accuracy_per_experiment.push_back(a);
    scores.accuracy += a / static_cast<double>(protocol.experiments);
    scores.f1_macro += macro_f1(test_labels, predicted) / static_cast<double>(protocol.experiments);
  }
  return scores;
}

}  // namespace genvec
