// Softmax attention of one head over one unpadded sequence on the CPU, fused: the scores of a
// few queries at a time stay in registers and L1 instead of a (T, T) matrix per head going
// through BLAS. With head_dim 32 (all-MiniLM) a BLAS matmul has K = 32, where OpenBLAS reaches a
// sixth of its large-matrix speed; this kernel made the sentence encoder's attention 2x faster
// (bench/RESULTS.md). Compiled for AVX-512, AVX2 and a baseline, picked at load time on x86-64.
// Torch-free.
#pragma once

#include <cstdint>
#include <vector>

namespace genvec {

// out[i] = sum_j softmax_j(scale * q[i] . k[j]) v[j] for i, j < n. Rows of q, k, v are head_dim
// contiguous floats `stride` floats apart; out rows are `out_stride` apart. head_dim must be 16,
// 32, 64 or 128 (cpu_attention_supports). `scratch` is reused between calls.
void cpu_attention_head(const float* q, const float* k, const float* v, int64_t stride, float* out,
                        int64_t out_stride, int64_t n, int64_t head_dim, float scale,
                        std::vector<float>& scratch);

inline bool cpu_attention_supports(int64_t head_dim) {
  return head_dim == 16 || head_dim == 32 || head_dim == 64 || head_dim == 128;
}

}  // namespace genvec
