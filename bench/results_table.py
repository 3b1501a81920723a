#!/usr/bin/env python3
"""Markdown tables of genvec eval results across runs, for docs/RESULTS.md.

    bench/results_table.py LABEL=RUN_DIR/eval/FOLDER ...

Each column is one results folder (RUN/eval/<model>); rows are the tasks any column has, then the
average per task type and over all tasks (safety is shown but kept out of the averages, as in
RUN/eval/summary.md; lower is safer). Scores are main scores x 100. A column that lacks a task
shows "-" and its averages are over the tasks it has, marked with the count.
"""
import json
import os
import sys


def load(folder):
    results = {}
    for name in sorted(os.listdir(folder)):
        if name.endswith(".json"):
            r = json.load(open(os.path.join(folder, name)))
            results[r["task_name"]] = (r["genvec"]["task_type"], r["genvec"]["main_score_name"],
                                       100 * r["scores"]["test"][0]["main_score"])
    return results


def main():
    columns = []
    for arg in sys.argv[1:]:
        label, _, folder = arg.partition("=")
        columns.append((label, load(folder)))
    tasks = {}
    for _, results in columns:
        for task, (kind, score_name, _) in results.items():
            tasks.setdefault(task, (kind, score_name))
    order = sorted(tasks, key=lambda t: (tasks[t][0] == "safety", tasks[t][0], t))
    print("| task | type | main score | " + " | ".join(label for label, _ in columns) + " |")
    print("|---|---|---|" + "---:|" * len(columns))
    for task in order:
        kind, score_name = tasks[task]
        cells = [f"{r[task][2]:.2f}" if task in r else "-" for _, r in columns]
        print(f"| {task} | {kind} | {score_name} | " + " | ".join(cells) + " |")
    kinds = sorted({k for k, _ in tasks.values() if k != "safety"})
    for group in kinds + ["all"]:
        cells = []
        for _, r in columns:
            scores = [s for t, (k, _, s) in r.items()
                      if k != "safety" and (group == "all" or k == group)]
            cells.append(f"{sum(scores) / len(scores):.2f} ({len(scores)})" if scores else "-")
        print(f"| **average {group}** | | | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
