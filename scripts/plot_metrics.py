#!/usr/bin/env python3
"""The loss curves of a training run as a PNG: total, reconstruction and alignment loss against
the step, read from RUN/metrics.jsonl (one row per train.log_every steps; rows of the evaluation
during training, when there is one, add a panel of the tasks' main scores), with the learning rate
on a second axis. Needs matplotlib (Debian: python3-matplotlib, installed by scripts/setup.sh).

    scripts/plot_metrics.py RUN [--out RUN/loss.png]
"""
import argparse
import json
import os
import sys


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", help="the run directory (holds metrics.jsonl)")
    parser.add_argument("--out", help="PNG to write (default RUN/loss.png)")
    args = parser.parse_args()
    source = os.path.join(args.run, "metrics.jsonl")
    out = args.out or os.path.join(args.run, "loss.png")
    rows = []
    try:
        with open(source, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if line.strip():
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError as e:
                        sys.exit(f"plot_metrics: {source}:{number}: not JSON ({e})")
    except FileNotFoundError:
        sys.exit(f"plot_metrics: {source} is missing: run `genvec train` on this run first")
    if not rows:
        sys.exit(f"plot_metrics: {source} has no rows yet")
    try:
        import matplotlib
    except ImportError:
        sys.exit("plot_metrics: matplotlib is missing: apt-get install python3-matplotlib "
                 "(scripts/setup.sh does)")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Training rows carry the losses; evaluation rows (eval.train_tasks) the main scores.
    evals = [r for r in rows if "eval" in r]
    rows = [r for r in rows if "loss" in r]
    if not rows:
        sys.exit(f"plot_metrics: {source} has no training rows yet")
    steps = [r["step"] for r in rows]
    if evals:
        fig, (ax, scores) = plt.subplots(2, 1, figsize=(8, 7.5), dpi=120,
                                         gridspec_kw={"height_ratios": [3, 2]})
        eval_steps = [r["step"] for r in evals]
        for task in evals[-1]["eval"]:
            scores.plot(eval_steps, [100 * r["eval"].get(task, float("nan")) for r in evals],
                        marker="o", label=task)
        scores.set_xlabel("step")
        scores.set_ylabel("main score (x100)")
        scores.grid(alpha=0.3)
        scores.legend(loc="best", frameon=False, fontsize="small")
    else:
        fig, ax = plt.subplots(figsize=(8, 4.5), dpi=120)
    for key, label in (("loss", "total"), ("loss_recon", "reconstruction (CE)"),
                       ("loss_align", "alignment (MSE)")):
        ax.plot(steps, [r[key] for r in rows], label=label)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_yscale("log")
    ax.grid(alpha=0.3)
    lr = ax.twinx()
    lr.plot(steps, [r["lr"] for r in rows], color="gray", linestyle=":", label="learning rate")
    lr.set_ylabel("learning rate")
    lines = ax.get_legend_handles_labels()
    extra = lr.get_legend_handles_labels()
    ax.legend(lines[0] + extra[0], lines[1] + extra[1], loc="upper center",
              bbox_to_anchor=(0.5, -0.14), ncol=4, frameon=False)  # below the axes, off the curves
    ax.set_title(f"{os.path.basename(os.path.abspath(args.run))}: {len(rows)} rows, "
                 f"last step {steps[-1]}")
    fig.tight_layout()
    fig.savefig(out)
    print(f"plot_metrics: wrote {out}")


if __name__ == "__main__":
    main()
