#!/usr/bin/env python3
"""Sentence-encoder teacher throughput of the reference, sentence-transformers, for
bench/teacher.sh; also writes the sentences both engines embed.

Sentences: 2,000 real texts of mixed length from ../shared/data: 1,000 queries (every 13th line
of queries_merged, short) and 1,000 SciFact abstracts (every line up to 1,000, long: most are cut
at the model's 256 tokens), shuffled with a fixed seed so length-sorting is the engine's job.

Reported (median of --repeats timed runs after one untimed warm-up over all sentences):
  sentences_s  sentences / wall time of SentenceTransformer.encode(sentences, batch_size=B)
               (which sorts by length itself), fp32 on the CPU, torch.set_num_threads(T)
  peak_rss_mb  the process's peak resident memory (getrusage), model load included
Needs the golden venv (sentence-transformers, torch).
"""
import argparse
import json
import os
import random
import resource
import statistics
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "data"))


def real_sentences():
    texts = []
    with open(os.path.join(DATA, "queries_merged/queries_merged.jsonl"), encoding="utf-8") as f:
        texts += [json.loads(line)["text"] for n, line in enumerate(f) if n % 13 == 0][:1000]
    with open(os.path.join(DATA, "retrieval_scifact/beir/corpus.jsonl"), encoding="utf-8") as f:
        texts += [json.loads(line)["text"] for n, line in enumerate(f) if n < 1000]
    random.Random(0).shuffle(texts)
    return texts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sentences-out", required=True)
    parser.add_argument("--json", required=True)
    args = parser.parse_args()

    sentences = real_sentences()
    with open(args.sentences_out, "w", encoding="utf-8") as f:
        json.dump(sentences, f, ensure_ascii=False)

    import torch
    import sentence_transformers
    from sentence_transformers import SentenceTransformer
    torch.set_num_threads(args.threads)
    model = SentenceTransformer(args.model, device="cpu")
    times = []
    for r in range(args.repeats + 1):
        start = time.perf_counter()
        model.encode(sentences, batch_size=args.batch)
        if r:
            times.append(time.perf_counter() - start)
    wall = statistics.median(times)
    result = {"engine": "sentence-transformers", "version": sentence_transformers.__version__,
              "torch": torch.__version__, "threads": args.threads, "batch": args.batch,
              "sentences": len(sentences), "sentences_s": len(sentences) / wall, "wall_s": wall,
              "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    with open(args.json, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
