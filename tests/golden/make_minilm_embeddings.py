#!/usr/bin/env python3
"""Golden sentence embeddings of all-MiniLM-L6-v2 from sentence-transformers (the reference),
for 503 real sentences of mixed length (short queries and questions, short sentences, long
Cranfield abstracts that get truncated at 256 tokens: 85 of them) and 9 edge cases. Needs the
venv of tests/golden/README.md (sentence-transformers, torch), the model directory
scripts/setup.sh fetches and the data sets of ../shared/data (read here only: the fixture carries
its sentences). From the repository root:

    HF_HUB_OFFLINE=1 /work/venv/bin/python tests/golden/make_minilm_embeddings.py \
        ~/.cache/genvec/models/all-minilm-l6-v2

Writes, under tests/golden/minilm_embeddings/:
  - sentences.jsonl: per sentence {"source": "path:field", "text"} (a string of a data set whose
    license allows redistribution, see make_tokenizer_fixture.LICENSES) or {"text"} (an edge
    case), plus "count" and "hash": the length and FNV-1a 64 hash of the model's input ids (with
    [CLS]/[SEP], after truncation) from SentenceTransformer.tokenize;
  - embeddings.safetensors: "embeddings" (512, 384) in float16 (cosine error of the rounding
    ~1e-7, far below the 1e-5 tolerance) and "exact" (the first 32 rows) in float32.
SentenceTransformer.encode runs with batch_size 64 in fp32 on the CPU.
"""
import json
import os
import sys

import numpy as np
import torch
from safetensors.numpy import save_file
from sentence_transformers import SentenceTransformer

from make_tokenizer_fixture import HERE, fnv1a64, sample

# (source, take every n-th string, at most this many, of at least / under this many characters):
# the last entry gives the long abstracts that are truncated.
SOURCES = [
    ("gsm8k/train.jsonl:question", 181, 40, 0, None),
    ("queries_nq_open/NQ-open.dev.jsonl:question", 89, 40, 0, None),
    ("queries_nq_open/NQ-open.efficientqa.dev.1.1.jsonl:question", 89, 20, 0, None),
    ("queries_self_instruct/seed_tasks.jsonl:instruction", 8, 20, 0, None),
    ("queries_self_instruct/user_oriented_instructions.jsonl:instruction", 12, 20, 0, None),
    ("queries_mtbench_vicuna/mt_bench_question.jsonl:turns.0", 5, 16, 0, None),
    ("queries_mtbench_vicuna/vicuna_bench_question.jsonl:turns.0", 5, 16, 0, None),
    ("retrieval_cranfield/beir/queries.jsonl:text", 4, 50, 0, None),
    ("stsbenchmark/stsb-en-test.csv:sentence1", 37, 30, 0, None),
    ("banking77/test.csv:text", 101, 30, 0, None),
    ("trec/TREC.test:question", 17, 25, 0, None),
    ("safety_xstest/xstest_prompts.csv:prompt", 31, 14, 0, None),
    ("advbench/harmful_behaviors.csv:goal", 52, 10, 0, None),
    ("gsm8k/train.jsonl:answer", 241, 30, 0, None),
    ("retrieval_cranfield/beir/corpus.jsonl:text", 13, 62, 0, 1500),
    ("retrieval_cranfield/beir/corpus.jsonl:text", 3, 80, 1500, None),
]
EDGE_TEXTS = ["", " ", "\n\t ", "a", "[MASK]", "Ünïcödé ÀÇÇÈÑTS", "日本語のテキスト", "😀 emoji only",
              "word " * 400]


def main():
    model_dir = sys.argv[1]
    torch.set_num_threads(2)
    model = SentenceTransformer(model_dir, device="cpu")
    records, texts = [], []
    for source, stride, limit, min_chars, max_chars in SOURCES:
        for text in sample(source, stride, limit, min_chars, max_chars):
            records.append({"source": source, "text": text})
            texts.append(text)
    for text in EDGE_TEXTS:
        records.append({"text": text})
        texts.append(text)

    features = model.tokenize(texts)
    for record, ids, mask in zip(records, features["input_ids"], features["attention_mask"]):
        kept = ids[mask.bool()].tolist()
        record["count"], record["hash"] = len(kept), fnv1a64(kept)
    embeddings = model.encode(texts, batch_size=64, convert_to_numpy=True).astype(np.float32)

    out_dir = os.path.join(HERE, "minilm_embeddings")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "sentences.jsonl"), "w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    save_file({"embeddings": embeddings.astype(np.float16), "exact": embeddings[:32].copy()},
              os.path.join(out_dir, "embeddings.safetensors"))
    truncated = sum(r["count"] == model.max_seq_length for r in records)
    print(f"{out_dir}: {len(records)} sentences ({truncated} truncated), dim {embeddings.shape[1]}")


if __name__ == "__main__":
    main()
