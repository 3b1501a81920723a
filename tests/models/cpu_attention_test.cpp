// The fused CPU attention kernel against a double-precision reference, over the shapes the
// encoders meet: lengths that are and are not multiples of the 4-query block and the 16-lane
// vector, head dims 16/32/64/128, strided rows like the (T, 3, H, hd) projection output, and
// large scores (the softmax must subtract the row maximum).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "models/cpu_attention.h"

namespace genvec {
namespace {

// `tolerance` is relative to the inputs' magnitude.
void check(int64_t n, int64_t head_dim, float magnitude, double tolerance = 2e-6) {
  const int64_t heads = 3, stride = 3 * heads * head_dim, out_stride = heads * head_dim + 5;
  std::mt19937 random(static_cast<unsigned>(n * 1000 + head_dim));
  std::normal_distribution<float> normal(0.0f, magnitude);
  std::vector<float> qkv(n * stride), out(n * out_stride, -1.0f);
  for (float& x : qkv) x = normal(random);
  const int64_t head = 1;  // a middle head: rows interleave with the other heads'
  const float* q = qkv.data() + head * head_dim;
  const float* k = qkv.data() + (heads + head) * head_dim;
  const float* v = qkv.data() + (2 * heads + head) * head_dim;
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  std::vector<float> scratch;
  cpu_attention_head(q, k, v, stride, out.data(), out_stride, n, head_dim, scale, scratch);

  double worst = 0;
  for (int64_t i = 0; i < n; ++i) {
    std::vector<double> p(n);
    double max = -1e300, sum = 0;
    for (int64_t j = 0; j < n; ++j) {
      double dot = 0;
      for (int64_t d = 0; d < head_dim; ++d) dot += double(q[i * stride + d]) * k[j * stride + d];
      p[j] = dot * scale;
      max = std::max(max, p[j]);
    }
    for (double& x : p) sum += (x = std::exp(x - max));
    for (int64_t d = 0; d < head_dim; ++d) {
      double expected = 0;
      for (int64_t j = 0; j < n; ++j) expected += p[j] / sum * v[j * stride + d];
      worst = std::max(worst, std::abs(expected - out[i * out_stride + d]) / magnitude);
    }
    for (int64_t d = head_dim; d < out_stride; ++d)  // the gap between output rows is untouched
      ASSERT_EQ(out[i * out_stride + d], -1.0f);
  }
  EXPECT_LT(worst, tolerance) << "n " << n << ", head_dim " << head_dim;
}

TEST(CpuAttention, EqualsTheReference) {
  for (const int64_t head_dim : {16, 32, 64, 128})
    for (const int64_t n : {1, 2, 3, 4, 5, 15, 16, 17, 33, 100, 256}) check(n, head_dim, 1.0f);
}

TEST(CpuAttention, LargeScoresStayFinite) {
  // Scores in the hundreds: e^score would overflow without subtracting the maximum. Rounding the
  // float32 scores (ulp ~3e-5 at 300) bounds the accuracy of any float32 kernel here.
  check(50, 32, 8.0f, 1e-4);
}

TEST(CpuAttention, SupportedHeadDims) {
  EXPECT_TRUE(cpu_attention_supports(32));
  EXPECT_TRUE(cpu_attention_supports(128));
  EXPECT_FALSE(cpu_attention_supports(24));
  EXPECT_FALSE(cpu_attention_supports(96));
}

}  // namespace
}  // namespace genvec
