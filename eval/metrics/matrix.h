// A dense row-major float32 matrix: what evaluation scores embeddings in. Torch-free, so every
// metric builds, tests and fuzzes without libtorch.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace genvec {

struct Matrix {
  int64_t rows = 0, cols = 0;
  std::vector<float> values;  // rows * cols

  Matrix() = default;
  Matrix(int64_t r, int64_t c) : rows(r), cols(c), values(static_cast<size_t>(r * c), 0.0f) {}
  std::span<const float> row(int64_t i) const {
    return {values.data() + i * cols, static_cast<size_t>(cols)};
  }
  std::span<float> row(int64_t i) { return {values.data() + i * cols, static_cast<size_t>(cols)}; }
};

double dot(std::span<const float> a, std::span<const float> b);
// Cosine similarity; 0 when either vector is zero (an empty text's embedding), as torch's cos_sim
// that MTEB ranks retrieval and reranking candidates with.
double cosine(std::span<const float> a, std::span<const float> b);
// 1 - scikit-learn's paired_cosine_distances, what MTEB scores STS and pair classification with:
// the same for nonzero vectors, but 1 for two zero vectors and 0.5 for one.
double paired_cosine(std::span<const float> a, std::span<const float> b);
double squared_distance(std::span<const float> a, std::span<const float> b);
double euclidean_distance(std::span<const float> a, std::span<const float> b);
double manhattan_distance(std::span<const float> a, std::span<const float> b);

// Rows scaled to unit L2 norm (zero rows stay zero), so a dot product is a cosine.
Matrix normalized_rows(const Matrix& m);

// S = A B^T (a.rows x b.rows), in double accumulation per entry.
Matrix dot_products(const Matrix& a, const Matrix& b);

}  // namespace genvec
