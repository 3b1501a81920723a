// Measured matmul peak: see peak_flops.h.
#include "stages/peak_flops.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <vector>

namespace genvec {

double measure_peak_gflops(const Placement& placement) {
  constexpr int64_t n = 1024;
  const at::TensorOptions options = at::TensorOptions(placement.device).dtype(placement.dtype);
  at::Tensor a = at::randn({n, n}, options), b = at::randn({n, n}, options),
             c = at::empty({n, n}, options);
  auto finish = [&] { (void)c[0][0].item<float>(); };  // waits for a GPU to finish
  at::mm_out(c, a, b);  // warm-up: thread pool start, page faults, kernel selection
  finish();
  std::vector<double> gflops;
  for (int run = 0; run < 20; ++run) {
    const auto start = std::chrono::steady_clock::now();
    at::mm_out(c, a, b);
    finish();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    gflops.push_back(2.0 * n * n * n / seconds / 1e9);
  }
  return *std::max_element(gflops.begin(), gflops.end());
}

}  // namespace genvec
