// Fused single-head attention: see cpu_attention.h. Written with GCC/Clang vector extensions
// (16 floats), which each target clone lowers to its own instructions (one AVX-512 register, two
// AVX2 registers, four SSE registers), so there is one source and no intrinsics.
#include "models/cpu_attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>

// Vec values cross no real call boundary (every helper is always_inline into the cloned kernel),
// so GCC's note that passing them changes the ABI without AVX-512 does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace genvec {
namespace {

typedef float Vec __attribute__((vector_size(64)));
typedef int32_t IntVec __attribute__((vector_size(64)));
constexpr int64_t kLanes = 16;
constexpr int kRowsPerBlock = 4;  // queries sharing each key/value load

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define GENVEC_CPU_CLONES __attribute__((target_clones("avx512f", "avx2,fma", "default")))
#else
#define GENVEC_CPU_CLONES
#endif
#define GENVEC_INLINE inline __attribute__((always_inline))

GENVEC_INLINE Vec load(const float* p) {
  Vec v;
  std::memcpy(&v, p, sizeof v);  // unaligned
  return v;
}
GENVEC_INLINE void store(float* p, const Vec& v) { std::memcpy(p, &v, sizeof v); }
GENVEC_INLINE Vec splat(float x) { return Vec{} + x; }
template <class To, class From>
GENVEC_INLINE To bits(const From& from) {
  To to;
  std::memcpy(&to, &from, sizeof to);
  return to;
}

// e^x for x <= 0 (scores minus their row maximum), Cephes' expf: x = n ln2 + r with |r| <=
// ln2/2, a degree-6 polynomial for e^r, and 2^n put into the exponent bits; within 2 ulp.
GENVEC_INLINE Vec exp_nonpositive(const Vec& in) {
  // e^-87 ~ 1.6e-38 is still a normal float; e^-inf (a missing key) comes out as that, ~0.
  const Vec x = in < splat(-87.0f) ? splat(-87.0f) : in;
  const Vec shifter = splat(12582912.0f);  // 1.5 * 2^23: adding it rounds to an integer
  const Vec shifted = x * 1.44269504088896341f + shifter;
  const Vec n = shifted - shifter;
  const Vec r = x - n * 0.693359375f - n * -2.12194440e-4f;
  Vec p = splat(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  const IntVec exponent = (bits<IntVec>(shifted) - bits<IntVec>(shifter) + 127) << 23;
  return p * bits<Vec>(exponent);
}

// Lanes 0..15, to mask the keys past n in the last 16-key block.
GENVEC_INLINE Vec lane_index() {
  Vec index;
  for (int lane = 0; lane < kLanes; ++lane) index[lane] = static_cast<float>(lane);
  return index;
}

// Attention for `rows` consecutive queries with head_dim = 16 * chunks. keys_t: head_dim x
// padded (keys transposed); scores: rows x padded.
template <int rows, int chunks>
GENVEC_INLINE void attend_block(const float* q, int64_t stride, const float* keys_t, const float* v,
                                float* out, int64_t out_stride, int64_t n, int64_t padded,
                                float scale, float* scores) {
  constexpr int64_t head_dim = chunks * kLanes;
  const Vec lanes = lane_index();
  const Vec minus_infinity = splat(-INFINITY);
  // Scores, 16 keys at a time: each transposed key row is loaded once for all `rows` queries;
  // keys past n score -inf.
  Vec max[rows];
  for (int r = 0; r < rows; ++r) max[r] = minus_infinity;
  for (int64_t j = 0; j < padded; j += kLanes) {
    Vec acc[rows] = {};
    for (int64_t d = 0; d < head_dim; ++d) {
      const Vec key = load(keys_t + d * padded + j);
      for (int r = 0; r < rows; ++r) acc[r] += key * q[r * stride + d];
    }
    const auto real = lanes + static_cast<float>(j) < static_cast<float>(n);
    for (int r = 0; r < rows; ++r) {
      const Vec score = real ? acc[r] * scale : minus_infinity;
      max[r] = score > max[r] ? score : max[r];
      store(scores + r * padded + j, score);
    }
  }
  // Softmax numerators (e^-inf = 0 for the missing keys) and their sums.
  float inverse_sum[rows];
  for (int r = 0; r < rows; ++r) {
    float row_max = max[r][0];
    for (int lane = 1; lane < kLanes; ++lane) row_max = std::max(row_max, max[r][lane]);
    float* s = scores + r * padded;
    Vec sum = {};
    for (int64_t j = 0; j < padded; j += kLanes) {
      const Vec e = exp_nonpositive(load(s + j) - row_max);
      store(s + j, e);
      sum += e;
    }
    float total = 0.0f;
    for (int lane = 0; lane < kLanes; ++lane) total += sum[lane];
    inverse_sum[r] = 1.0f / total;
  }
  // Weighted values: rows x chunks accumulators stay in registers.
  Vec acc[rows][chunks] = {};
  for (int64_t j = 0; j < n; ++j) {
    const float* value = v + j * stride;
    for (int c = 0; c < chunks; ++c) {
      const Vec part = load(value + c * kLanes);
      for (int r = 0; r < rows; ++r) acc[r][c] += part * scores[r * padded + j];
    }
  }
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < chunks; ++c)
      store(out + r * out_stride + c * kLanes, acc[r][c] * inverse_sum[r]);
}

template <int chunks>
GENVEC_INLINE void attend_all(const float* q, const float* k, const float* v, int64_t stride,
                              float* out, int64_t out_stride, int64_t n, float scale, float* keys_t,
                              float* scores, int64_t padded) {
  constexpr int64_t head_dim = chunks * kLanes;
  for (int64_t j = 0; j < n; ++j)
    for (int64_t d = 0; d < head_dim; ++d) keys_t[d * padded + j] = k[j * stride + d];
  for (int64_t d = 0; d < head_dim; ++d)
    std::fill(keys_t + d * padded + n, keys_t + (d + 1) * padded, 0.0f);
  int64_t i = 0;
  for (; i + kRowsPerBlock <= n; i += kRowsPerBlock)
    attend_block<kRowsPerBlock, chunks>(q + i * stride, stride, keys_t, v, out + i * out_stride,
                                        out_stride, n, padded, scale, scores);
  for (; i < n; ++i)
    attend_block<1, chunks>(q + i * stride, stride, keys_t, v, out + i * out_stride, out_stride, n,
                            padded, scale, scores);
}

// One instantiation per supported head_dim, each compiled for every target clone (each costs
// build time, so only the sizes BERT-family encoders use).
GENVEC_CPU_CLONES
void attention_head(const float* q, const float* k, const float* v, int64_t stride, float* out,
                    int64_t out_stride, int64_t n, int64_t head_dim, float scale, float* keys_t,
                    float* scores, int64_t padded) {
  // (No helper lambda: it would be compiled for the baseline target, not for each clone.)
  switch (head_dim / kLanes) {
    case 1:
      return attend_all<1>(q, k, v, stride, out, out_stride, n, scale, keys_t, scores, padded);
    case 2:
      return attend_all<2>(q, k, v, stride, out, out_stride, n, scale, keys_t, scores, padded);
    case 4:
      return attend_all<4>(q, k, v, stride, out, out_stride, n, scale, keys_t, scores, padded);
    case 8:
      return attend_all<8>(q, k, v, stride, out, out_stride, n, scale, keys_t, scores, padded);
  }
}

}  // namespace

void cpu_attention_head(const float* q, const float* k, const float* v, int64_t stride, float* out,
                        int64_t out_stride, int64_t n, int64_t head_dim, float scale,
                        std::vector<float>& scratch) {
  if (n <= 0) return;
  const int64_t padded = (n + kLanes - 1) / kLanes * kLanes;
  scratch.resize(head_dim * padded + kRowsPerBlock * padded);
  attention_head(q, k, v, stride, out, out_stride, n, head_dim, scale, scratch.data(),
                 scratch.data() + head_dim * padded, padded);
}

}  // namespace genvec
