#include "eval/metrics/matrix.h"

#include <cmath>

namespace genvec {

double dot(std::span<const float> a, std::span<const float> b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += static_cast<double>(a[i]) * b[i];
  return sum;
}

double cosine(std::span<const float> a, std::span<const float> b) {
  const double norms = std::sqrt(dot(a, a) * dot(b, b));
  return norms > 0 ? dot(a, b) / norms : 0.0;
}

double paired_cosine(std::span<const float> a, std::span<const float> b) {
  // sklearn normalises each row (a zero row stays zero) and returns 0.5 ||a' - b'||^2.
  const double na = std::sqrt(dot(a, a)), nb = std::sqrt(dot(b, b));
  double squared = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = (na > 0 ? a[i] / na : 0.0) - (nb > 0 ? b[i] / nb : 0.0);
    squared += d * d;
  }
  return 1.0 - 0.5 * squared;
}

double squared_distance(std::span<const float> a, std::span<const float> b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = static_cast<double>(a[i]) - b[i];
    sum += d * d;
  }
  return sum;
}

double euclidean_distance(std::span<const float> a, std::span<const float> b) {
  return std::sqrt(squared_distance(a, b));
}

double manhattan_distance(std::span<const float> a, std::span<const float> b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += std::fabs(static_cast<double>(a[i]) - b[i]);
  return sum;
}

Matrix normalized_rows(const Matrix& m) {
  Matrix out = m;
  for (int64_t i = 0; i < m.rows; ++i) {
    const double norm = std::sqrt(dot(m.row(i), m.row(i)));
    if (norm == 0) continue;
    for (float& v : out.row(i)) v = static_cast<float>(v / norm);
  }
  return out;
}

Matrix dot_products(const Matrix& a, const Matrix& b) {
  Matrix out(a.rows, b.rows);
  for (int64_t i = 0; i < a.rows; ++i)
    for (int64_t j = 0; j < b.rows; ++j)
      out.values[static_cast<size_t>(i * b.rows + j)] = static_cast<float>(dot(a.row(i), b.row(j)));
  return out;
}

}  // namespace genvec
