#!/usr/bin/env python3
"""Summarises a ctest run for scripts/test.sh: how many tests ran, passed, failed and skipped,
per label and in all, and why each skipped test skipped. With --strict, a skipped test fails the
run unless it is labelled `gpu` (hardware this machine may lack): a missing model, data set or
Slurm must fail CI loudly rather than shrink it.

    test_summary.py JUNIT_XML TESTS_JSON [--strict]

JUNIT_XML is `ctest --output-junit`'s report; TESTS_JSON is `ctest --show-only=json-v1`
(the labels). Exit code 1 when a test failed, or, with --strict, skipped without a GPU reason.
"""
import collections
import json
import sys
import xml.etree.ElementTree as ET

HARDWARE_LABELS = {"gpu"}


def labels_by_test(tests_json):
    labels = {}
    for test in json.load(open(tests_json)).get("tests", []):
        names = []
        for prop in test.get("properties", []):
            if prop.get("name") == "LABELS":
                names = list(prop.get("value", []))
        labels[test["name"]] = names or ["(no label)"]
    return labels


def skip_reason(case):
    text = ""
    for tag in ("skipped", "system-out"):
        node = case.find(tag)
        if node is not None:
            text += (node.get("message") or "") + "\n" + (node.text or "")
    lines = [line.strip() for line in text.splitlines()]
    for i, line in enumerate(lines):
        if line.endswith(": Skipped"):  # GoogleTest: "file:line: Skipped", the reason below
            reason = next((l for l in lines[i + 1:] if l), "")
            return f"{line} {reason}".strip()
        if line.upper().startswith("SKIPPED:"):  # tests/skip.sh
            return line
    return "(no reason printed)"


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    strict = "--strict" in argv[3:]
    labels = labels_by_test(argv[2])
    counts = collections.defaultdict(collections.Counter)
    skipped, failed = [], []
    for case in ET.parse(argv[1]).getroot().iter("testcase"):
        name, status = case.get("name"), case.get("status", "run")
        if case.find("failure") is not None or status == "fail":
            outcome = "failed"
            failed.append(name)
        elif case.find("skipped") is not None or status in ("notrun", "disabled"):
            outcome = "skipped"
            skipped.append((name, skip_reason(case)))
        else:
            outcome = "passed"
        for label in labels.get(name, ["(no label)"]) + ["total"]:
            counts[label]["ran"] += 1
            counts[label][outcome] += 1

    print("\n[test] summary by label (a test with several labels counts under each):")
    for label in sorted(l for l in counts if l != "total") + ["total"]:
        c = counts[label]
        print(f"[test]   {label:<12} ran {c['ran']:>4}   passed {c['passed']:>4}   "
              f"failed {c['failed']:>3}   skipped {c['skipped']:>3}")
    forbidden = []
    for name, reason in skipped:
        hardware = HARDWARE_LABELS & set(labels.get(name, []))
        print(f"[test] skipped {name}: {reason}" + ("" if hardware else
              " (not a hardware skip)"))
        if not hardware:
            forbidden.append(name)
    for name in failed:
        print(f"[test] failed {name}")
    if strict and forbidden:
        print(f"[test] strict mode: {len(forbidden)} test(s) skipped for a reason other than "
              "missing hardware; that is a failure (fix the setup, see the reasons above)")
    total = counts["total"]
    moved = len(forbidden) if strict else 0  # strict: such a skip counts as a failure
    bad = total["failed"] + moved
    print(f"total: {total['passed']} passed, {bad} failed, {total['skipped'] - moved} skipped")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
