#!/usr/bin/env python3
"""The optimizer step of the paper's trainer (HF Trainer): gradient-norm clipping with
torch.nn.utils.clip_grad_norm_, torch.optim.AdamW, and transformers' linear schedule with warmup,
run for 8 steps on one small parameter vector: the parity fixture of genvec's optimizer
(tests/training/optimizer_test.cpp). Run in the golden venv, from the repository root:

    HF_HUB_OFFLINE=1 /work/venv/bin/python tests/golden/make_adamw_fixture.py

Versions: torch 2.6.0 (CPU), transformers 4.56.2, safetensors 0.8.0.

Set-up (all float32 on the CPU):
  * p: one nn.Parameter of 37 values, torch.manual_seed(0); torch.randn(37) * 0.5;
  * torch.optim.AdamW([p], lr=3e-3, betas=(0.9, 0.98), eps=1e-6, weight_decay=0.1,
    foreach=False, fused=False): the single-tensor path (the CPU default anyway);
  * transformers.get_linear_schedule_with_warmup(opt, num_warmup_steps=3, num_training_steps=10):
    lr(s) = 3e-3 * s / 3 for s < 3, else 3e-3 * max(0, (10 - s) / 7); so step 0 runs with lr 0.
  * step s = 0..7: torch.manual_seed(100 + s); g = torch.randn(37), times 2.0 for even s;
    p.grad = g; total = clip_grad_norm_([p], max_norm=1.0); opt.step(); scheduler.step().
    ||randn(37)|| is about 6, so every step is clipped (the norms are 5.6-6.1 on odd steps and
    10.7-12.9 on even ones); the unclipped path (coef 1) is not exercised.

What torch 2.6.0 computes, in this order (for the C++ port; all float32 tensor ops):
  * clip: total = ||g||_2; coef = min(1, max_norm / (total + 1e-6)); g *= coef (always, even
    when coef is 1);
  * AdamW (t = step count, from 1): p *= (1 - lr * wd); m.lerp_(g, 1 - beta1) (i.e.
    m + (1 - beta1) * (g - m)); v = v * beta2 + (1 - beta2) * g * g; bc1 = 1 - beta1^t,
    bc2 = 1 - beta2^t (Python doubles); denom = sqrt(v) / sqrt(bc2) + eps;
    p += -(lr / bc1) * m / denom.

Writes tests/golden/adamw_steps.safetensors:
  p0 (37) float32                initial parameters
  grads (8, 37) float32          g_s as assigned to p.grad, before clipping
  grad_norm (8) float64          clip_grad_norm_'s return value (the norm before clipping)
  lr (8) float64                 param_groups[0]["lr"] when opt.step() ran
  params (8, 37) float32         p after step s
  exp_avg, exp_avg_sq (8, 37) float32   optimizer state after step s
  hyper (6) float64              [lr, beta1, beta2, eps, weight_decay, max_norm]
  schedule (2) int64             [num_warmup_steps, num_training_steps]
"""
import os

import torch
from safetensors.torch import save_file
from transformers import get_linear_schedule_with_warmup

HERE = os.path.dirname(os.path.abspath(__file__))
N, STEPS = 37, 8
LR, BETAS, EPS, WD, MAX_NORM = 3e-3, (0.9, 0.98), 1e-6, 0.1, 1.0
WARMUP, TOTAL = 3, 10


def check_against_float64(p0, grads, lrs, params):
    """The formulas of the docstring in float64: the fixture must agree to float32 rounding."""
    p, m, v = p0.double(), torch.zeros(N, dtype=torch.float64), torch.zeros(N, dtype=torch.float64)
    for s in range(STEPS):
        g = grads[s].double()
        g = g * min(1.0, MAX_NORM / (g.norm().item() + 1e-6))
        t = s + 1
        p = p * (1 - lrs[s] * WD)
        m = BETAS[0] * m + (1 - BETAS[0]) * g
        v = BETAS[1] * v + (1 - BETAS[1]) * g * g
        denom = v.sqrt() / (1 - BETAS[1] ** t) ** 0.5 + EPS
        p = p - lrs[s] / (1 - BETAS[0] ** t) * m / denom
        assert torch.allclose(p, params[s].double(), rtol=0, atol=1e-6), s


def main():
    torch.manual_seed(0)
    p = torch.nn.Parameter(torch.randn(N) * 0.5)
    p0 = p.detach().clone()
    opt = torch.optim.AdamW([p], lr=LR, betas=BETAS, eps=EPS, weight_decay=WD,
                            foreach=False, fused=False)
    scheduler = get_linear_schedule_with_warmup(opt, num_warmup_steps=WARMUP,
                                                num_training_steps=TOTAL)
    grads, norms, lrs, params, exp_avg, exp_avg_sq = [], [], [], [], [], []
    for s in range(STEPS):
        torch.manual_seed(100 + s)
        g = torch.randn(N) * (2.0 if s % 2 == 0 else 1.0)
        grads.append(g.clone())
        p.grad = g
        norms.append(torch.nn.utils.clip_grad_norm_([p], max_norm=MAX_NORM).item())
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
        state = opt.state[p]
        params.append(p.detach().clone())
        exp_avg.append(state["exp_avg"].clone())
        exp_avg_sq.append(state["exp_avg_sq"].clone())

    assert lrs[0] == 0.0 and torch.equal(params[0], p0)  # warmup: step 0 moves nothing
    assert all(n > MAX_NORM for n in norms)  # ||randn(37)|| ~ 6: every step is clipped
    check_against_float64(p0, grads, lrs, params)
    tensors = {
        "p0": p0,
        "grads": torch.stack(grads),
        "grad_norm": torch.tensor(norms, dtype=torch.float64),
        "lr": torch.tensor(lrs, dtype=torch.float64),
        "params": torch.stack(params),
        "exp_avg": torch.stack(exp_avg),
        "exp_avg_sq": torch.stack(exp_avg_sq),
        "hyper": torch.tensor([LR, BETAS[0], BETAS[1], EPS, WD, MAX_NORM], dtype=torch.float64),
        "schedule": torch.tensor([WARMUP, TOTAL], dtype=torch.int64),
    }
    path = os.path.join(HERE, "adamw_steps.safetensors")
    save_file({k: v.contiguous() for k, v in tensors.items()}, path)
    print(path, os.path.getsize(path), "bytes")
    for k, v in tensors.items():
        print(f"  {k}: {tuple(v.shape)} {v.dtype}")
    print("  lr:", lrs)
    print("  grad_norm:", [round(n, 4) for n in norms])


if __name__ == "__main__":
    main()
