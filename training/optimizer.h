// AdamW over the flat parameter vector, as torch.optim.AdamW computes it (decoupled weight decay,
// bias-corrected moments, eps added to the corrected square root), and the linear warm-up /
// linear decay schedule of transformers' get_linear_schedule_with_warmup.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace genvec {

struct AdamWSettings {
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.0;
};

class AdamW {
 public:
  AdamW(const at::Tensor& parameters, AdamWSettings settings);
  // Moments restored from a checkpoint; `steps_done` optimizer steps taken so far.
  void restore(const at::Tensor& m, const at::Tensor& v, int64_t steps_done);
  // One update of `parameters` (the flat leaf) with `gradient` at learning rate lr.
  void step(at::Tensor& parameters, const at::Tensor& gradient, double lr);
  const at::Tensor& m() const { return m_; }
  const at::Tensor& v() const { return v_; }

 private:
  AdamWSettings settings_;
  at::Tensor m_, v_;
  int64_t steps_ = 0;
};

// The learning rate of optimizer step `step` (0-based): step / warmup during warm-up, then
// decaying linearly to 0 at schedule_steps (transformers evaluates it before each step, so the
// first step of a warm-up runs at 0).
double linear_schedule_lr(double peak, int64_t step, int64_t warmup_steps, int64_t schedule_steps);

// Scales `gradient` in place so its L2 norm is at most max_norm (0: no clipping), as
// torch.nn.utils.clip_grad_norm_ does; returns the norm before clipping.
double clip_gradient_norm(at::Tensor& gradient, double max_norm);

}  // namespace genvec
