// AdamW, the linear schedule and gradient clipping: see optimizer.h.
#include "training/optimizer.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <cmath>

namespace genvec {

AdamW::AdamW(const at::Tensor& parameters, AdamWSettings settings)
    : settings_(settings),
      m_(at::zeros_like(parameters, at::TensorOptions().requires_grad(false))),
      v_(at::zeros_like(parameters, at::TensorOptions().requires_grad(false))) {}

void AdamW::restore(const at::Tensor& m, const at::Tensor& v, int64_t steps_done) {
  m_.copy_(m);
  v_.copy_(v);
  steps_ = steps_done;
}

void AdamW::step(at::Tensor& parameters, const at::Tensor& gradient, double lr) {
  at::NoGradGuard no_grad;
  ++steps_;
  const AdamWSettings& s = settings_;
  parameters.mul_(1.0 - lr * s.weight_decay);
  m_.lerp_(gradient, 1.0 - s.beta1);  // as torch.optim.AdamW does (rounds unlike mul + add)
  v_.mul_(s.beta2).addcmul_(gradient, gradient, 1.0 - s.beta2);
  const double bias_correction1 = 1.0 - std::pow(s.beta1, static_cast<double>(steps_));
  const double bias_correction2 = 1.0 - std::pow(s.beta2, static_cast<double>(steps_));
  const at::Tensor denominator = (v_.sqrt() / std::sqrt(bias_correction2)).add_(s.eps);
  parameters.addcdiv_(m_, denominator, -lr / bias_correction1);
}

double linear_schedule_lr(double peak, int64_t step, int64_t warmup_steps, int64_t schedule_steps) {
  if (step < warmup_steps)
    return peak * static_cast<double>(step) /
           static_cast<double>(std::max<int64_t>(1, warmup_steps));
  return peak * std::max(0.0, static_cast<double>(schedule_steps - step) /
                                  static_cast<double>(
                                      std::max<int64_t>(1, schedule_steps - warmup_steps)));
}

double clip_gradient_norm(at::Tensor& gradient, double max_norm) {
  at::NoGradGuard no_grad;
  const double norm = gradient.to(at::kDouble).norm().item<double>();
  if (max_norm > 0) {
    const double coefficient = max_norm / (norm + 1e-6);
    if (coefficient < 1.0) gradient.mul_(coefficient);
  }
  return norm;
}

}  // namespace genvec
