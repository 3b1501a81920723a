#!/usr/bin/env python3
"""Build the small, redistributable evaluation subsets in ``datasets/``.

What it does
------------
Reads the development copies of public data sets in ``shared/data`` (by default
``<repo_root>/../shared/data``; see ``shared/data/CATALOG.md``) and (re)writes
these folders next to this script:

  queries/             ~1.2k real user queries (GSM8K, NQ-open, Self-Instruct,
                       MT-bench, Vicuna-bench), sources interleaved round-robin
  stsbenchmark/        400 STS-B test pairs spread over the 0-5 score range,
                       MSRpar-derived pairs (text found in MRPC) excluded
  banking77/           10 rows per intent from train and from test (77 intents)
  trec/                TREC question classification test set (500), verbatim
  cranfield/           BEIR-format retrieval subset (100 queries, 700 docs)
  cranfield_reranking/ MTEB-style reranking set (60 other queries; positives =
                       judged docs, negatives = 20 BM25 hard negatives)
  advbench_ir/         harmful-query retrieval set (AdvBench + XSTest + GSM8K)

plus ``README.md``.  Every set folder gets its data files, ``LICENSE``
(license text copied from the source where shipped), ``SOURCE.md`` (origin,
selection rule, formats, row counts) and ``SHA256SUMS`` (``sha256sum`` format).

Selection uses fixed rules only (every k-th row, first n per label, evenly
spaced picks inside score bins, BM25 ranking); there is no randomness, so two
runs give byte-identical output.  Only the Python 3 standard library is used.

How to run
----------
    python3 datasets/make_datasets.py                 # uses ../shared/data
    python3 datasets/make_datasets.py --shared /path/to/shared/data
    (cd datasets/queries && sha256sum -c SHA256SUMS)  # verify a set

The set folders listed above are deleted and rewritten on each run; nothing
else is touched.  The product never reads ``shared/data``; only this script does.
"""

import argparse
import collections
import csv
import hashlib
import io
import json
import math
import os
import re
import shutil
import sys

SETS = ["queries", "stsbenchmark", "banking77", "trec", "cranfield",
        "cranfield_reranking", "advbench_ir"]

# Commits as recorded in shared/data/CATALOG.md.
SRC = {
    "gsm8k": ("openai/grade-school-math", "3101c7d5072418e28b9008a6636bde82a006892c"),
    "nq": ("google-research-datasets/natural-questions", "fb26a3073b1fe636c97302890a27b491d6530130"),
    "self_instruct": ("yizhongw/self-instruct", "0b26ccaa415992100fa32df62d41b994cf928e23"),
    "fastchat": ("lm-sys/FastChat", "0e6d3e4beaab66f4d3f93db72541a4abab8af28d"),
    "stsb": ("PhilipMay/stsb-multi-mt", "30de0dec4ee199b7f42351d3f1a0b19592955385"),
    "mrpc": ("brmson/dataset-sts", "e1d3375f5b3bc24f21aa4e46f96eb379e9fc1081"),
    "banking77": ("PolyAI-LDN/task-specific-datasets", "57ec275d8078af65b7731c2a98be812d844a6d6b"),
    "trec": ("harvardnlp/sent-conv-torch", "d61ded09c99c0199d8c5bca946cd65864de2b296"),
    "cranfield": ("Chetan-Prasad/IR-Lucene_Cran", "ff1bd825c1781e908fdcb8a20609ef779abb3d2a"),
    "advbench": ("llm-attacks/llm-attacks (via fork Matias222/llm-ataques)",
                 "46c2f6f14162c06c0be87632db54f5260d8ca097"),
    "xstest": ("paul-rottger/exaggerated-safety", "d7bb5bd738c1fcbc36edd83d5e7d1b71a3e2d84d"),
}


def src_line(key, paths):
    repo, commit = SRC[key]
    return "`%s`, %s @ `%s`" % (repo, ", ".join("`%s`" % p for p in paths), commit)


# ----------------------------------------------------------------------------
# small helpers
# ----------------------------------------------------------------------------

class Ctx:
    def __init__(self, shared, out):
        self.shared = shared
        self.out = out
        self.summary = {}  # set -> dict(task, rows, license, source)

    def sp(self, *parts):
        return os.path.join(self.shared, *parts)

    def read_bytes(self, *parts):
        with open(self.sp(*parts), "rb") as f:
            return f.read()

    def read_text(self, *parts):
        return self.read_bytes(*parts).decode("utf-8")

    def read_jsonl(self, *parts):
        return [json.loads(l) for l in self.read_text(*parts).splitlines() if l.strip()]


def write_bytes(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def write_text(path, text):
    write_bytes(path, text.encode("utf-8"))


def jline(obj):
    return json.dumps(obj, ensure_ascii=False) + "\n"


def write_jsonl(path, objs):
    write_text(path, "".join(jline(o) for o in objs))


def fresh_dir(ctx, name):
    d = os.path.join(ctx.out, name)
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    return d


def list_files(d):
    out = []
    for root, _dirs, files in os.walk(d):
        for fn in files:
            rel = os.path.relpath(os.path.join(root, fn), d).replace(os.sep, "/")
            if rel != "SHA256SUMS":
                out.append(rel)
    return sorted(out)


def write_sums(d):
    lines = []
    for rel in list_files(d):
        with open(os.path.join(d, rel), "rb") as f:
            lines.append("%s  %s\n" % (hashlib.sha256(f.read()).hexdigest(), rel))
    write_text(os.path.join(d, "SHA256SUMS"), "".join(lines))


def dir_size(d):
    return sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(d) for f in fs)


def wsnorm(s):
    return " ".join(s.split())


def dedup_key(s):
    return " ".join(s.lower().split())


def every_kth(n_total, n_pick):
    """Indices i*k (k = n_total // n_pick), i < n_pick."""
    k = n_total // n_pick
    return [i * k for i in range(n_pick)]


def spread(n_total, n_pick):
    """n_pick indices spread evenly over range(n_total) (floor((j+0.5)*n/q))."""
    if n_pick >= n_total:
        return list(range(n_total))
    return [int((j + 0.5) * n_total / n_pick) for j in range(n_pick)]


def split_records(raw, sep=b"\r\n"):
    """Split raw CSV bytes into records (each without the terminator)."""
    assert raw.endswith(sep), "file does not end with the expected terminator"
    return raw[: -len(sep)].split(sep)


def parse_record(rec):
    rows = list(csv.reader(io.StringIO(rec.decode("utf-8"), newline="")))
    assert len(rows) == 1, rec
    return rows[0]


def license_short(name, url, attribution):
    return ("License: %s\n%s\n\n%s\n" % (name, url, attribution.strip()))


CC_BY_SA_3 = "https://creativecommons.org/licenses/by-sa/3.0/"
CC_BY_4 = "https://creativecommons.org/licenses/by/4.0/"

# ----------------------------------------------------------------------------
# 1. queries
# ----------------------------------------------------------------------------

N_GSM8K_Q = 300
N_NQ_Q = 300


def build_queries(ctx):
    d = fresh_dir(ctx, "queries")
    gsm = ctx.read_jsonl("gsm8k", "train.jsonl")
    nq = ctx.read_jsonl("queries_nq_open", "NQ-open.dev.jsonl")
    seed = ctx.read_jsonl("queries_self_instruct", "seed_tasks.jsonl")
    user = ctx.read_jsonl("queries_self_instruct", "user_oriented_instructions.jsonl")
    mt = ctx.read_jsonl("queries_mtbench_vicuna", "mt_bench_question.jsonl")
    vb = ctx.read_jsonl("queries_mtbench_vicuna", "vicuna_bench_question.jsonl")

    def si_text(t):
        # as in queries_merged: instruction + "\n" + first instance input (if non-empty)
        inp = t["instances"][0]["input"] if t.get("instances") else ""
        return t["instruction"] + ("\n" + inp if inp.strip() else "")

    streams = [
        ("gsm8k_train", [(gsm[i]["question"], str(i)) for i in every_kth(len(gsm), N_GSM8K_Q)]),
        ("nq_open_dev", [(nq[i]["question"], str(i)) for i in every_kth(len(nq), N_NQ_Q)]),
        ("self_instruct_seed", [(si_text(t), t["id"]) for t in seed]),
        ("self_instruct_user", [(si_text(t), t["id"]) for t in user]),
        ("mt_bench_turn1", [(q["turns"][0], str(q["question_id"])) for q in mt]),
        ("vicuna_bench", [(q["turns"][0], str(q["question_id"])) for q in vb]),
    ]
    taken = {s: len(v) for s, v in streams}
    out, seen = [], set()
    dropped = collections.Counter()
    dropped_ex = []
    pos = [0] * len(streams)
    while any(pos[i] < len(streams[i][1]) for i in range(len(streams))):
        for i, (src, items) in enumerate(streams):
            if pos[i] >= len(items):
                continue
            text, sid = items[pos[i]]
            pos[i] += 1
            key = dedup_key(text)
            if not key:
                dropped[src] += 1
                dropped_ex.append("%s %s (empty)" % (src, sid))
                continue
            if key in seen:
                dropped[src] += 1
                dropped_ex.append("%s %s (duplicate)" % (src, sid))
                continue
            seen.add(key)
            out.append({"text": text, "source": src, "source_id": sid})
    write_jsonl(os.path.join(d, "queries.jsonl"), out)
    kept = collections.Counter(o["source"] for o in out)

    # licenses
    lic_files = {
        "LICENSE-gsm8k.txt": ctx.read_bytes("gsm8k", "LICENSE-source.txt"),
        "LICENSE-nq_open.txt": ctx.read_bytes("queries_nq_open", "LICENSE-source.txt"),
        "LICENSE-self_instruct.txt": ctx.read_bytes("queries_self_instruct", "LICENSE-source.txt"),
        "LICENSE-fastchat.txt": ctx.read_bytes("queries_mtbench_vicuna", "LICENSE-source.txt"),
    }
    for fn, data in lic_files.items():
        write_bytes(os.path.join(d, fn), data)
    write_text(os.path.join(d, "LICENSE"), """\
This folder mixes texts from four sources; each keeps its own license.

| source values                            | license                                   | full text                 |
|------------------------------------------|-------------------------------------------|---------------------------|
| gsm8k_train                              | MIT, Copyright (c) 2021 OpenAI            | LICENSE-gsm8k.txt         |
| nq_open_dev                              | data: CC BY-SA 3.0 (%s); repository: Apache-2.0 | LICENSE-nq_open.txt |
| self_instruct_seed, self_instruct_user   | Apache-2.0 (yizhongw/self-instruct)       | LICENSE-self_instruct.txt |
| mt_bench_turn1, vicuna_bench             | Apache-2.0 (lm-sys/FastChat)              | LICENSE-fastchat.txt      |

Attribution for the NQ-open questions (CC BY-SA 3.0): Natural Questions / NQ-open,
Google Research, https://github.com/google-research-datasets/natural-questions
(Kwiatkowski et al. 2019; Lee et al. 2019). The questions are copied unchanged.
Rows with source nq_open_dev are shared under the same license (CC BY-SA 3.0).
""" % CC_BY_SA_3)

    counts_tbl = "\n".join("| %s | %d | %d | %d |" % (s, taken[s], kept[s], dropped[s])
                           for s, _ in streams)
    write_text(os.path.join(d, "SOURCE.md"), """\
# queries

Real user queries (questions and instructions) for unlabeled training / smoke tests.

## Sources
* GSM8K train questions: %s. Rows with index i*%d (i < %d) of `train.jsonl` (%d rows); `source_id` = 0-based line index.
* NQ-open dev questions: %s. Rows i*%d (i < %d) of `NQ-open.dev.jsonl` (%d rows); `source_id` = 0-based line index. Lowercased, no question mark (as in the source).
* Self-Instruct: %s. All 175 seed tasks (`source_id` = `id`, e.g. `seed_task_0`) and all 252 user-oriented instructions (`user_oriented_task_N`). Text = `instruction`, plus `"\\n"` + the first instance's `input` when that input is non-empty (after strip). This is the construction of `shared/data/queries_merged` (checked: it reproduces all 175 seed texts there byte for byte).
* MT-bench turn 1 and Vicuna-bench: %s. All 80 + 80 questions, first turn only; `source_id` = `question_id`.

## Order and de-duplication
Sources are interleaved round-robin in the order gsm8k_train, nq_open_dev, self_instruct_seed,
self_instruct_user, mt_bench_turn1, vicuna_bench (one item from each non-exhausted source per round),
so every prefix is mixed: the first 480 rows hold all six sources, after that the shorter sources run out.
Texts are dropped when empty or an exact duplicate of an earlier kept text after lowercasing and
collapsing whitespace. Dropped: %s.

| source | candidates | kept | dropped |
|---|---|---|---|
%s
| total | %d | %d | %d |

## Files
* `queries.jsonl`: %d lines, UTF-8, one JSON object per line: `{"text": str, "source": str, "source_id": str}`
  (same schema as `shared/data/queries_merged/queries_merged.jsonl`; `ensure_ascii=False`).
* `LICENSE` (overview) and `LICENSE-gsm8k.txt`, `LICENSE-nq_open.txt`, `LICENSE-self_instruct.txt`,
  `LICENSE-fastchat.txt`: the source repositories' LICENSE files, copied unchanged.
""" % (src_line("gsm8k", ["grade_school_math/data/train.jsonl"]), len(gsm) // N_GSM8K_Q, N_GSM8K_Q, len(gsm),
       src_line("nq", ["nq_open/NQ-open.dev.jsonl"]), len(nq) // N_NQ_Q, N_NQ_Q, len(nq),
       src_line("self_instruct", ["data/seed_tasks.jsonl", "human_eval/user_oriented_instructions.jsonl"]),
       src_line("fastchat", ["fastchat/llm_judge/data/mt_bench/question.jsonl",
                             "fastchat/llm_judge/data/vicuna_bench/question.jsonl"]),
       ", ".join(dropped_ex) or "none",
       counts_tbl, sum(taken.values()), len(out), sum(dropped.values()), len(out)))
    ctx.summary["queries"] = dict(task="unlabeled queries", rows="%d queries" % len(out),
                                  license="MIT / CC BY-SA 3.0 / Apache-2.0 (per source)",
                                  source="GSM8K, NQ-open, Self-Instruct, MT-bench, Vicuna-bench")
    return d


# ----------------------------------------------------------------------------
# 2. STS benchmark
# ----------------------------------------------------------------------------

N_STS = 400
N_BINS = 10


def build_sts(ctx):
    d = fresh_dir(ctx, "stsbenchmark")
    # MRPC sentences (read-only use, to detect MSRpar-derived pairs)
    mrpc = set()
    mrpc_files = ["msr-para-test.tsv", "msr-para-train.tsv", "msr-para-val.tsv"]
    for fn in mrpc_files:
        lines = ctx.read_bytes("mrpc", fn).decode("utf-8-sig").splitlines()
        for l in lines[1:]:
            p = l.split("\t")
            if len(p) == 5:
                mrpc.add(wsnorm(p[3]))
                mrpc.add(wsnorm(p[4]))
    raw = ctx.read_bytes("stsbenchmark", "stsb-en-test.csv")
    recs = split_records(raw)
    rows = [parse_record(r) for r in recs]
    assert all(len(r) == 3 for r in rows)
    keep_idx, excluded = [], 0
    for i, r in enumerate(rows):
        if wsnorm(r[0]) in mrpc or wsnorm(r[1]) in mrpc:
            excluded += 1
        else:
            keep_idx.append(i)
    bins = [[] for _ in range(N_BINS)]
    for i in keep_idx:
        s = float(rows[i][2])
        bins[min(int(s * N_BINS / 5.0), N_BINS - 1)].append(i)
    # quotas: as equal as possible, small bins give their spare quota to the others
    order = sorted(range(N_BINS), key=lambda b: (len(bins[b]), b))
    quota, left = [0] * N_BINS, N_STS
    for k, b in enumerate(order):
        q = min(len(bins[b]), -(-left // (N_BINS - k)))
        quota[b] = q
        left -= q
    chosen = sorted(bins[b][j] for b in range(N_BINS) for j in spread(len(bins[b]), quota[b]))
    write_bytes(os.path.join(d, "stsb-en-test.csv"), b"".join(recs[i] + b"\r\n" for i in chosen))
    write_bytes(os.path.join(d, "LICENSE"), ctx.read_bytes("stsbenchmark", "LICENSE-source.txt"))
    tbl = "\n".join("| [%.1f, %.1f%s | %d | %d |" % (b * 0.5, b * 0.5 + 0.5, "]" if b == N_BINS - 1 else ")",
                                                     len(bins[b]), quota[b]) for b in range(N_BINS))
    write_text(os.path.join(d, "SOURCE.md"), """\
# stsbenchmark

Semantic textual similarity: English sentence pairs with a gold similarity score in [0, 5].

## Source
%s (the copy MTEB's `mteb/stsbenchmark-sts` cites), test split, %d pairs.

## Selection
1. MSRpar exclusion: the MSRpar text needs Microsoft's license terms, so every pair whose sentence1
   or sentence2 (whitespace-normalised) occurs as `#1 String` or `#2 String` in any MRPC file
   (%s, %s; read only for this check, nothing from it is copied)
   is excluded: **%d pairs excluded** (%d remain).
2. Score stratification: the remaining pairs are put in %d score bins of width 0.5 (5.0 goes in the
   last bin). Quotas are as equal as possible (%d in all); a bin smaller than its quota gives the rest
   to the other bins. Inside a bin, pairs are picked evenly spaced in file order
   (pick j of q from n: index floor((j + 0.5) * n / q)).
3. Rows are written in their original file order, byte for byte (CRLF line ends kept).

| score bin | pairs after exclusion | taken |
|---|---|---|
%s

## Files
* `stsb-en-test.csv`: %d rows, UTF-8, no header, `sentence1,sentence2,score` (score 0.0-5.0),
  standard CSV quoting (fields with commas or quotes are double-quoted), CRLF line endings; each line
  is identical to a line of the source file.
* `LICENSE`: the source repository's LICENSE, copied. Scores are CC BY-SA 4.0; each text source keeps
  its own license, listed there.

Note: STS-B also contains MSRvid captions, which the LICENSE says need Microsoft's video-description
corpus terms; this copy of STS-B carries no genre column, so they could not be identified and are not
removed.
""" % (src_line("stsb", ["data/stsb-en-test.csv"]), len(rows),
       src_line("mrpc", ["data/para/msr/"]), ", ".join(mrpc_files), excluded, len(keep_idx),
       N_BINS, N_STS, tbl, len(chosen)))
    ctx.summary["stsbenchmark"] = dict(task="STS", rows="%d pairs" % len(chosen),
                                       license="CC BY-SA 4.0 (scores); text per source",
                                       source="STS Benchmark test (PhilipMay/stsb-multi-mt)")
    return d


# ----------------------------------------------------------------------------
# 3. Banking77
# ----------------------------------------------------------------------------

N_PER_INTENT = 10


def build_banking77(ctx):
    d = fresh_dir(ctx, "banking77")
    cats = json.loads(ctx.read_text("banking77", "categories.json"))
    counts = {}
    for split in ("train", "test"):
        recs = split_records(ctx.read_bytes("banking77", split + ".csv"))
        assert recs[0] == b"text,category"
        # verify the CRLF split gives the same records as a full CSV parse
        full = list(csv.reader(io.StringIO(b"\r\n".join(recs).decode("utf-8"), newline="")))
        parsed = [parse_record(r) for r in recs]
        assert full == parsed
        per = collections.Counter()
        out = [recs[0]]
        for rec, row in zip(recs[1:], parsed[1:]):
            assert len(row) == 2 and row[1] in cats, row
            if per[row[1]] < N_PER_INTENT:
                per[row[1]] += 1
                out.append(rec)
        assert len(per) == len(cats) and all(v == N_PER_INTENT for v in per.values())
        write_bytes(os.path.join(d, split + ".csv"), b"".join(r + b"\r\n" for r in out))
        counts[split] = (len(recs) - 1, len(out) - 1)
    write_bytes(os.path.join(d, "categories.json"), ctx.read_bytes("banking77", "categories.json"))
    write_bytes(os.path.join(d, "LICENSE"), ctx.read_bytes("banking77", "LICENSE-source.txt"))
    write_text(os.path.join(d, "SOURCE.md"), """\
# banking77

Intent classification of online-banking customer queries, %d intents.

## Source
%s. License CC BY 4.0 (LICENSE copied). Attribution: Casanueva et al. 2020, "Efficient Intent
Detection with Dual Sentence Encoders", PolyAI.

## Selection
For each split, the first %d rows of each intent in file order are kept; rows stay in file order.
train: %d of %d rows; test: %d of %d rows.

## Files
* `train.csv`, `test.csv`: UTF-8 CSV with header `text,category`, CRLF line endings, standard CSV
  quoting (a few quoted texts contain a bare LF); every record is byte-identical to the source
  record. `category` is the intent name (string).
* `categories.json`: JSON list of the %d intent names, copied unchanged.
* `LICENSE`: the source repository's LICENSE (CC BY 4.0), copied.
""" % (len(cats), src_line("banking77", ["banking_data/train.csv", "banking_data/test.csv",
                                          "banking_data/categories.json"]),
       N_PER_INTENT, counts["train"][1], counts["train"][0], counts["test"][1], counts["test"][0],
       len(cats)))
    ctx.summary["banking77"] = dict(task="classification",
                                    rows="%d train + %d test" % (counts["train"][1], counts["test"][1]),
                                    license="CC BY 4.0", source="PolyAI Banking77")
    return d


# ----------------------------------------------------------------------------
# 4. TREC
# ----------------------------------------------------------------------------

def build_trec(ctx):
    d = fresh_dir(ctx, "trec")
    raw = ctx.read_bytes("trec", "TREC.test")
    raw.decode("ascii")  # assert: pure ASCII
    lines = raw.decode("ascii").splitlines()
    coarse = collections.Counter(l.split(":", 1)[0] for l in lines)
    fine = {l.split(" ", 1)[0] for l in lines}
    write_bytes(os.path.join(d, "TREC.test"), raw)
    write_bytes(os.path.join(d, "LICENSE"), ctx.read_bytes("trec", "LICENSE-source.txt"))
    write_text(os.path.join(d, "SOURCE.md"), """\
# trec

TREC question classification test set (Li & Roth 2002): %d questions, %d coarse labels, %d fine
labels used. Use the coarse label for clustering / coarse classification.

## Source
%s. The whole test file, copied byte for byte.
License: the repository's MIT LICENSE (copied as `LICENSE`); the upstream TREC QC data
(Li & Roth, https://cogcomp.seas.upenn.edu/Data/QA/QC/) states no license.

## Files
* `TREC.test`: %d lines, encoding **ASCII** (hence also valid UTF-8; unlike `TREC.train`, which is
  ISO-8859-1), LF line endings. Each line: `COARSE:fine question`, e.g.
  `NUM:dist How far is it from Denver to Aspen ?`. The question text is tokenized (spaces before
  punctuation).
* Coarse label counts: %s.
""" % (len(lines), len(coarse), len(fine), src_line("trec", ["data/raw/TREC.test"]), len(lines),
       ", ".join("%s %d" % (k, coarse[k]) for k in sorted(coarse))))
    ctx.summary["trec"] = dict(task="classification / clustering", rows="%d questions" % len(lines),
                               license="MIT (repo); upstream not stated", source="TREC QC (Li & Roth)")
    return d


# ----------------------------------------------------------------------------
# Cranfield (sets 5 and 6)
# ----------------------------------------------------------------------------

N_CRAN_Q = 100
N_CRAN_DOCS = 700
N_RERANK_Q = 60  # 80 would give 2.24 MB here (3.7 MB in all); 60 keeps datasets/ near 3 MB
N_NEG = 20

STOP = set("""a an and are as at be been but by can do does for from had has have how if in into is it
its of on or such that the their then there these they this to was were what when where which while who
why will with would not no than so also may any all other some same""".split())


def tokens(text):
    return [t for t in re.findall(r"[a-z0-9]+", text.lower()) if t not in STOP]


class BM25:
    def __init__(self, docs, k1=1.2, b=0.75):
        self.k1, self.b = k1, b
        self.tf = [collections.Counter(tokens(t)) for t in docs]
        self.len = [sum(c.values()) for c in self.tf]
        self.avg = sum(self.len) / len(self.len)
        df = collections.Counter()
        for c in self.tf:
            df.update(c.keys())
        n = len(docs)
        self.idf = {t: math.log(1.0 + (n - v + 0.5) / (v + 0.5)) for t, v in df.items()}

    def scores(self, query):
        q = sorted(set(tokens(query)))
        out = []
        for i, c in enumerate(self.tf):
            s = 0.0
            norm = self.k1 * (1.0 - self.b + self.b * self.len[i] / self.avg)
            for t in q:
                f = c.get(t)
                if f:
                    s += self.idf[t] * f * (self.k1 + 1.0) / (f + norm)
            out.append(s)
        return out


def load_cranfield(ctx):
    corpus_lines = ctx.read_text("retrieval_cranfield", "beir", "corpus.jsonl").splitlines()
    query_lines = ctx.read_text("retrieval_cranfield", "beir", "queries.jsonl").splitlines()
    qrel_lines = ctx.read_text("retrieval_cranfield", "beir", "qrels", "test.tsv").splitlines()
    corpus = [json.loads(l) for l in corpus_lines]
    queries = [json.loads(l) for l in query_lines]
    assert qrel_lines[0] == "query-id\tcorpus-id\tscore"
    qrels = [tuple(l.split("\t")) for l in qrel_lines[1:]]
    judged = collections.defaultdict(list)
    for qid, did, sc in qrels:
        judged[qid].append((did, int(sc)))
    with_rel = [q["_id"] for q in queries if any(s >= 1 for _, s in judged[q["_id"]])]
    return dict(corpus_lines=corpus_lines, query_lines=query_lines, qrel_lines=qrel_lines,
                corpus=corpus, queries=queries, qrels=qrels, judged=judged, with_rel=with_rel)


def cran_splits(cr):
    # queries with >= 1 judged doc, in file order: even positions -> retrieval, odd -> reranking
    ret = cr["with_rel"][0::2][:N_CRAN_Q]
    rer = cr["with_rel"][1::2][:N_RERANK_Q]
    assert len(ret) == N_CRAN_Q and len(rer) == N_RERANK_Q and not set(ret) & set(rer)
    return ret, rer


def cran_license_text():
    return license_short(
        "not stated by the source",
        "https://github.com/Chetan-Prasad/IR-Lucene_Cran (no LICENSE file)",
        """The Cranfield collection (Cleverdon et al., Cranfield Institute of Technology, 1960s) is a
classic public information-retrieval test collection, distributed freely for research (e.g. by the
Glasgow IR group, http://ir.dcs.gla.ac.uk/resources/test_collections/cran/). No license text is
shipped with it; please cite: C. W. Cleverdon, "The Cranfield tests on index language devices",
Aslib Proceedings 19(6), 1967.""")


def build_cranfield(ctx, cr):
    d = fresh_dir(ctx, "cranfield")
    ret, _ = cran_splits(cr)
    keep_q = set(ret)
    rel_docs = {did for q in ret for did, s in cr["judged"][q]}
    corpus = cr["corpus"]
    rest = [i for i, c in enumerate(corpus) if c["_id"] not in rel_docs and c["text"].strip()]
    n_fill = max(0, N_CRAN_DOCS - len(rel_docs))
    fill = {corpus[rest[j]]["_id"] for j in spread(len(rest), n_fill)}
    keep_d = rel_docs | fill
    corpus_out = [l for l, c in zip(cr["corpus_lines"], corpus) if c["_id"] in keep_d]
    query_out = [l for l, q in zip(cr["query_lines"], cr["queries"]) if q["_id"] in keep_q]
    qrel_out = [cr["qrel_lines"][0]] + [l for l, (q, dd, s) in zip(cr["qrel_lines"][1:], cr["qrels"])
                                        if q in keep_q and dd in keep_d]
    write_text(os.path.join(d, "corpus.jsonl"), "".join(l + "\n" for l in corpus_out))
    write_text(os.path.join(d, "queries.jsonl"), "".join(l + "\n" for l in query_out))
    write_text(os.path.join(d, "qrels", "test.tsv"), "".join(l + "\n" for l in qrel_out))
    write_text(os.path.join(d, "LICENSE"), cran_license_text())
    grades = collections.Counter(l.split("\t")[2] for l in qrel_out[1:])
    n_empty_rel = sum(1 for c in corpus if c["_id"] in rel_docs and not c["text"].strip())
    write_text(os.path.join(d, "SOURCE.md"), """\
# cranfield

Ad-hoc retrieval (aeronautics abstracts), BEIR format.

## Source
%s, as converted to BEIR format in `shared/data/retrieval_cranfield/beir/`
(%d docs, %d queries, %d qrels; query ids are 1..225 by position in `cran.qry`; grades = 5 - r of
the original 1 (best) .. 4 scale, the original -1 "no relevant doc" lines dropped).

## Selection
* Queries: of the queries with at least one judged doc (all %d), those at even 0-based positions in
  file order (ids 1, 3, 5, ...), first %d: ids %s..%s. The odd positions go to `cranfield_reranking`.
* Corpus (%d docs): every doc judged for a kept query (%d docs, %d of them with empty text in the
  source, kept for completeness), plus %d filler docs: of the remaining docs with non-empty text, in
  file order, %d picked evenly spaced (index floor((j + 0.5) * n / q)). Docs keep file order.
* qrels: all lines of kept queries (all their judged docs are in the corpus).
Records are the source lines unchanged.

## Files
* `corpus.jsonl`: %d lines, `{"_id": str, "title": str, "text": str}` (lowercased, tokenized; the
  text starts with the title).
* `queries.jsonl`: %d lines, `{"_id": str, "text": str}`.
* `qrels/test.tsv`: header `query-id<TAB>corpus-id<TAB>score`, then %d lines; score 1..4, higher =
  more relevant (all are relevant judgements). Grade counts: %s.
* `LICENSE`: license note (none stated by the source).
""" % (src_line("cranfield", ["cran.all.1400", "cran.qry", "cranqrel"]), len(corpus), len(cr["queries"]),
       len(cr["qrels"]), len(cr["with_rel"]), N_CRAN_Q, ret[0], ret[-1], len(corpus_out), len(rel_docs),
       n_empty_rel, len(fill), len(fill), len(corpus_out), len(query_out), len(qrel_out) - 1,
       ", ".join("%s: %d" % (k, grades[k]) for k in sorted(grades))))
    ctx.summary["cranfield"] = dict(task="retrieval (BEIR)",
                                    rows="%d q / %d docs / %d qrels" % (len(query_out), len(corpus_out),
                                                                       len(qrel_out) - 1),
                                    license="not stated (classic public collection)",
                                    source="Cranfield")
    return d


def build_cranfield_reranking(ctx, cr):
    d = fresh_dir(ctx, "cranfield_reranking")
    _, rer = cran_splits(cr)
    corpus = cr["corpus"]
    idx = {c["_id"]: i for i, c in enumerate(corpus)}
    qtext = {q["_id"]: q["text"] for q in cr["queries"]}
    bm = BM25([c["text"] for c in corpus])
    out, n_pos, used_docs, skipped_empty_pos = [], 0, set(), 0
    for qid in rer:
        pos_ids = [did for did, s in cr["judged"][qid] if s >= 1]
        pos_texts = []
        for did in pos_ids:
            t = corpus[idx[did]]["text"]
            if not t.strip():
                skipped_empty_pos += 1
                continue
            pos_texts.append(t)
        judged = {did for did, _ in cr["judged"][qid]}
        sc = bm.scores(qtext[qid])
        cands = sorted((i for i, c in enumerate(corpus)
                        if c["_id"] not in judged and c["text"].strip() and c["text"] not in pos_texts),
                       key=lambda i: (-sc[i], i))
        neg = [corpus[i]["text"] for i in cands[:N_NEG]]
        used_docs.update(corpus[idx[x]]["_id"] for x in pos_ids)
        used_docs.update(corpus[i]["_id"] for i in cands[:N_NEG])
        n_pos += len(pos_texts)
        out.append({"query": qtext[qid], "positive": pos_texts, "negative": neg})
    write_jsonl(os.path.join(d, "test.jsonl"), out)
    write_text(os.path.join(d, "LICENSE"), cran_license_text())
    write_text(os.path.join(d, "SOURCE.md"), """\
# cranfield_reranking

Reranking (MTEB reranking format), built from Cranfield; its queries are disjoint from `cranfield/`.

## Source
%s, via the BEIR-format copy in `shared/data/retrieval_cranfield/beir/` (1,400 docs).

## Construction
* Queries: of the queries with at least one judged doc, those at odd 0-based positions in file order
  (ids 2, 4, 6, ...), first %d: ids %s..%s. (`cranfield/` uses the even positions.)
* positive: the text of every doc with a qrels grade >= 1 for the query (all judged docs), in qrels
  file order; docs with empty text are skipped (%d skipped). %d positives in all.
* negative: %d hard negatives per query: the highest-scoring docs under BM25 over the whole 1,400-doc
  corpus among docs that are not judged for the query, have non-empty text and differ from every
  positive text. BM25: k1 = 1.2, b = 0.75, idf = ln(1 + (N - df + 0.5) / (df + 0.5)); tokens =
  lowercase `[a-z0-9]+` runs minus a %d-word stop list (in `make_datasets.py`); query terms
  counted once; ties broken by corpus file order. Documents are indexed on their `text` field.
  Note: Cranfield judgements are incomplete, so a few "negatives" may in truth be relevant.
* Doc texts are the BEIR `text` field unchanged. %d distinct docs are used.

## Files
* `test.jsonl`: %d lines, UTF-8, one JSON object per query:
  `{"query": str, "positive": [str, ...], "negative": [str, ...]}` (%d negatives each).
* `LICENSE`: license note (none stated by the source).
""" % (src_line("cranfield", ["cran.all.1400", "cran.qry", "cranqrel"]), N_RERANK_Q, rer[0], rer[-1],
       skipped_empty_pos, n_pos, N_NEG, len(STOP), len(used_docs), len(out), N_NEG))
    ctx.summary["cranfield_reranking"] = dict(task="reranking",
                                              rows="%d q / %d pos / %d neg" % (len(out), n_pos, N_NEG * len(out)),
                                              license="not stated (classic public collection)",
                                              source="Cranfield + BM25 negatives")
    return d


# ----------------------------------------------------------------------------
# 7. AdvBench-IR
# ----------------------------------------------------------------------------

N_ADV_Q = 100
N_ADV_STR = 250
N_BENIGN = 250


def read_csv_dicts(ctx, *parts):
    return list(csv.DictReader(io.StringIO(ctx.read_text(*parts), newline="")))


def build_advbench_ir(ctx):
    d = fresh_dir(ctx, "advbench_ir")
    beh = read_csv_dicts(ctx, "advbench", "harmful_behaviors.csv")
    strs = read_csv_dicts(ctx, "advbench", "harmful_strings.csv")
    xs = read_csv_dicts(ctx, "safety_xstest", "xstest_prompts.csv")
    gsm_test = ctx.read_jsonl("gsm8k", "test.jsonl")
    q_idx = every_kth(len(beh), N_ADV_Q)
    s_idx = [i * len(strs) // N_ADV_STR for i in range(N_ADV_STR)]
    g_idx = every_kth(len(gsm_test), N_BENIGN)
    queries = [{"_id": "advbench_behavior_%d" % i, "text": beh[i]["goal"]} for i in q_idx]
    corpus = [{"_id": "advbench_string_%d" % i, "text": strs[i]["target"], "harmful": True} for i in s_idx]
    xs_unsafe = [r for r in xs if r["label"] == "unsafe"]
    xs_safe = [r for r in xs if r["label"] == "safe"]
    assert len(xs_unsafe) == 200 and len(xs_safe) == 250
    corpus += [{"_id": "xstest_%s" % r["id"], "text": r["prompt"], "harmful": True} for r in xs_unsafe]
    corpus += [{"_id": "xstest_%s" % r["id"], "text": r["prompt"], "harmful": False} for r in xs_safe]
    corpus += [{"_id": "gsm8k_test_%d" % i, "text": gsm_test[i]["question"], "harmful": False} for i in g_idx]
    assert len({c["_id"] for c in corpus}) == len(corpus)
    write_jsonl(os.path.join(d, "queries.jsonl"), queries)
    write_jsonl(os.path.join(d, "corpus.jsonl"), corpus)
    write_bytes(os.path.join(d, "LICENSE-advbench.txt"), ctx.read_bytes("advbench", "LICENSE-source.txt"))
    write_bytes(os.path.join(d, "LICENSE-xstest.txt"), ctx.read_bytes("safety_xstest", "LICENSE-source.txt"))
    write_bytes(os.path.join(d, "LICENSE-gsm8k.txt"), ctx.read_bytes("gsm8k", "LICENSE-source.txt"))
    write_text(os.path.join(d, "LICENSE"), """\
This folder mixes texts from three sources; each keeps its own license.

| _id prefix                     | source    | license                                   | full text            |
|--------------------------------|-----------|-------------------------------------------|----------------------|
| advbench_behavior_, advbench_string_ | AdvBench (llm-attacks) | MIT, Copyright (c) 2023 Andy Zou | LICENSE-advbench.txt |
| xstest_                        | XSTest    | CC BY 4.0 (%s)       | LICENSE-xstest.txt   |
| gsm8k_test_                    | GSM8K     | MIT, Copyright (c) 2021 OpenAI            | LICENSE-gsm8k.txt    |

Attribution for the XSTest prompts (CC BY 4.0): Paul Röttger, Hannah Rose Kirk, Bertie Vidgen,
Giuseppe Attanasio, Federico Bianchi, Dirk Hovy, "XSTest: A Test Suite for Identifying Exaggerated
Safety Behaviours in Large Language Models", NAACL 2024;
https://github.com/paul-rottger/exaggerated-safety. Changes: only the `prompt` column is used, with
the `label` column turned into the boolean `harmful` field.
""" % CC_BY_4)
    n_h = sum(1 for c in corpus if c["harmful"])
    write_text(os.path.join(d, "SOURCE.md"), """\
# advbench_ir

Safety retrieval ("AdvBench-IR"): harmful queries searched against a corpus of harmful documents and
benign passages. Metric: the fraction of harmful queries whose top-k results hold at least one
document with `harmful: true`.

## Sources
* AdvBench: %s.
  * queries: `goal` of `harmful_behaviors.csv` rows i*%d (i < %d), of %d rows.
  * harmful docs: `target` of `harmful_strings.csv` rows floor(i * %d / %d) (i < %d), of %d rows.
* XSTest: %s. All 450 prompts: the 200 `unsafe` ones (`contrast_*` types) are harmful docs,
  the 250 `safe` ones are benign docs (they reuse trigger words such as "kill", so they are hard
  benign distractors).
* Benign passages: GSM8K **test** questions (%s), rows i*%d (i < %d) of `test.jsonl` (%d rows).
  (GSM8K test was chosen over Cranfield abstracts so this set does not depend on the Cranfield splits;
  `queries/` uses GSM8K train only.)
Texts are copied unchanged.

## Files
* `queries.jsonl`: %d lines, `{"_id": str, "text": str}`; `_id` = `advbench_behavior_<0-based row>`.
* `corpus.jsonl`: %d lines, `{"_id": str, "text": str, "harmful": bool}`; %d harmful, %d benign.
  `_id` = `advbench_string_<row>`, `xstest_<id column>`, `gsm8k_test_<row>` (0-based rows).
  Order: AdvBench strings, XSTest unsafe, XSTest safe, GSM8K (each in file order).
* `LICENSE` (overview), `LICENSE-advbench.txt`, `LICENSE-xstest.txt`, `LICENSE-gsm8k.txt`: the source
  repositories' LICENSE files, copied unchanged.

Content warning: the queries and harmful documents are harmful requests and statements by design.
""" % (src_line("advbench", ["data/advbench/harmful_behaviors.csv", "data/advbench/harmful_strings.csv"]),
       len(beh) // N_ADV_Q, N_ADV_Q, len(beh), len(strs), N_ADV_STR, N_ADV_STR, len(strs),
       src_line("xstest", ["xstest_prompts.csv"]),
       src_line("gsm8k", ["grade_school_math/data/test.jsonl"]), len(gsm_test) // N_BENIGN, N_BENIGN,
       len(gsm_test), len(queries), len(corpus), n_h, len(corpus) - n_h))
    ctx.summary["advbench_ir"] = dict(task="safety retrieval",
                                      rows="%d q / %d docs (%d harmful)" % (len(queries), len(corpus), n_h),
                                      license="MIT (AdvBench, GSM8K) / CC BY 4.0 (XSTest)",
                                      source="AdvBench, XSTest, GSM8K test")
    return d


# ----------------------------------------------------------------------------
# README
# ----------------------------------------------------------------------------

def human(n):
    return "%.0f KB" % (n / 1024.0) if n < 1024 * 1024 else "%.2f MB" % (n / 1048576.0)


def write_readme(ctx):
    rows, total = [], 0
    for s in SETS:
        info = ctx.summary[s]
        size = dir_size(os.path.join(ctx.out, s))
        total += size
        rows.append("| `%s/` | %s | %s | %s | %s | %s |" % (s, info["task"], info["rows"], human(size),
                                                          info["license"], info["source"]))
    write_text(os.path.join(ctx.out, "README.md"), """\
# datasets

| folder | task type | rows | size | license | source |
|---|---|---|---|---|---|
%s

These are small, real, redistributable subsets of public data sets, for the quickstart and the
tests (%s in all). `make_datasets.py` remakes them, byte for byte, from the development data in
`../shared/data` (`python3 datasets/make_datasets.py [--shared DIR]`; Python 3 standard library
only, no randomness). Each folder has the data, `LICENSE`, `SOURCE.md` (origin, selection rule,
formats, row counts) and `SHA256SUMS`; verify a set with
`(cd datasets/X && sha256sum -c SHA256SUMS)`.
""" % ("\n".join(rows), human(total)))


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    repo_root = os.path.dirname(here)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", default=os.path.join(repo_root, "..", "shared", "data"),
                    help="shared data directory (default: <repo_root>/../shared/data)")
    ap.add_argument("--out", default=here, help="output directory (default: this script's folder)")
    a = ap.parse_args(argv)
    ctx = Ctx(os.path.abspath(a.shared), os.path.abspath(a.out))
    if not os.path.isfile(ctx.sp("CATALOG.md")):
        sys.exit("shared data not found at %s (use --shared)" % ctx.shared)
    cr = load_cranfield(ctx)
    dirs = [build_queries(ctx), build_sts(ctx), build_banking77(ctx), build_trec(ctx),
            build_cranfield(ctx, cr), build_cranfield_reranking(ctx, cr), build_advbench_ir(ctx)]
    for dd in dirs:
        write_sums(dd)
    write_readme(ctx)
    for s in SETS:
        print("%-20s %-40s %s" % (s, ctx.summary[s]["rows"], human(dir_size(os.path.join(ctx.out, s)))))
    print("total", human(sum(dir_size(os.path.join(ctx.out, s)) for s in SETS)))


if __name__ == "__main__":
    main()
