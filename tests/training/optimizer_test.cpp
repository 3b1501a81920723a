// AdamW, gradient clipping and the linear warm-up schedule against torch.optim.AdamW,
// torch.nn.utils.clip_grad_norm_ and transformers' get_linear_schedule_with_warmup over 8 steps
// (tests/golden/make_adamw_fixture.py): learning rates within 1e-7 (the fixture's
// hyperparameters pass through float32), norms, parameters and both moments within 2e-6 of their
// scale.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <filesystem>

#include "tests/models/golden_tensors.h"
#include "training/optimizer.h"

namespace genvec {
namespace {

const std::filesystem::path kFixture =
    std::filesystem::path(GENVEC_SOURCE_DIR) / "tests/golden/adamw_steps.safetensors";

double relative_error(const at::Tensor& actual, const at::Tensor& expected) {
  return ((actual.to(at::kDouble) - expected.to(at::kDouble)).abs().max() /
          expected.to(at::kDouble).abs().max().clamp_min(1e-30))
      .item<double>();
}

TEST(AdamW, MatchesTorchWithClippingAndTheLinearSchedule) {
  const std::map<std::string, at::Tensor> f = read_golden_tensors(kFixture);
  const at::Tensor hyper = f.at("hyper").to(at::kDouble);
  const double peak = hyper[0].item<double>(), max_norm = hyper[5].item<double>();
  const int64_t warmup = f.at("schedule")[0].item<int64_t>();
  const int64_t total = f.at("schedule")[1].item<int64_t>();
  at::Tensor parameters = f.at("p0").clone();
  AdamW optimizer(parameters, {hyper[1].item<double>(), hyper[2].item<double>(),
                               hyper[3].item<double>(), hyper[4].item<double>()});
  for (int64_t step = 0; step < f.at("grads").size(0); ++step) {
    at::Tensor gradient = f.at("grads")[step].clone();
    const double norm = clip_gradient_norm(gradient, max_norm);
    EXPECT_NEAR(norm, f.at("grad_norm")[step].item<double>(), 1e-6 * norm) << "step " << step;
    const double lr = linear_schedule_lr(peak, step, warmup, total);
    EXPECT_NEAR(lr, f.at("lr")[step].item<double>(), 1e-7 * peak) << "step " << step;
    optimizer.step(parameters, gradient, lr);
    EXPECT_LT(relative_error(parameters, f.at("params")[step]), 2e-6) << "step " << step;
    EXPECT_LT(relative_error(optimizer.m(), f.at("exp_avg")[step]), 2e-6) << "step " << step;
    EXPECT_LT(relative_error(optimizer.v(), f.at("exp_avg_sq")[step]), 2e-6) << "step " << step;
  }
}

TEST(ClipGradientNorm, LeavesASmallGradientAlone) {
  at::Tensor gradient = at::full({4}, 0.25f);  // norm 0.5
  EXPECT_NEAR(clip_gradient_norm(gradient, 1.0), 0.5, 1e-12);
  EXPECT_TRUE(gradient.equal(at::full({4}, 0.25f)));
  EXPECT_NEAR(clip_gradient_norm(gradient, 0.0), 0.5, 1e-12) << "0 disables clipping";
}

TEST(LinearSchedule, WarmsUpThenDecaysToZero) {
  EXPECT_EQ(linear_schedule_lr(1.0, 0, 4, 12), 0.0);
  EXPECT_EQ(linear_schedule_lr(1.0, 2, 4, 12), 0.5);
  EXPECT_EQ(linear_schedule_lr(1.0, 4, 4, 12), 1.0);
  EXPECT_EQ(linear_schedule_lr(1.0, 8, 4, 12), 0.5);
  EXPECT_EQ(linear_schedule_lr(1.0, 12, 4, 12), 0.0);
  EXPECT_EQ(linear_schedule_lr(1.0, 0, 0, 10), 1.0) << "no warm-up";
}

}  // namespace
}  // namespace genvec
