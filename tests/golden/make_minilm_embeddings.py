#!/usr/bin/env python3
"""Golden sentence embeddings of all-MiniLM-L6-v2 from sentence-transformers (the reference),
for 512 real sentences of mixed length (short queries, tweets, long SciFact abstracts that get
truncated at 256 tokens) and a few edge cases. Needs the venv of tests/golden/README.md
(sentence-transformers, torch) and the model directory scripts/setup.sh fetches:

    python tests/golden/make_minilm_embeddings.py ~/.cache/genvec/models/all-minilm-l6-v2

Writes, under tests/golden/minilm_embeddings/:
  - sentences.jsonl: per sentence either {"file", "field", "line"} (a line of ../shared/data,
    0-based) or {"text"}, plus "count" and "hash": the length and FNV-1a 64 hash of the model's
    input ids (with [CLS]/[SEP], after truncation) from SentenceTransformer.tokenize;
  - embeddings.safetensors: "embeddings" (512+, 384) in float16 (cosine error of the rounding
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

from make_tokenizer_fixture import DATA, HERE, fnv1a64

# (file, field, take every n-th line, at most this many)
SOURCES = [
    ("queries_merged/queries_merged.jsonl", "text", 61, 182),
    ("retrieval_scifact/beir/corpus.jsonl", "text", 53, 100),
    ("emotion/train.jsonl", "text", 151, 100),
    ("retrieval_scifact/beir/queries.jsonl", "text", 7, 80),
    ("retrieval_cranfield/beir/corpus.jsonl", "text", 17, 80),
]
EDGE_TEXTS = ["", " ", "\n\t ", "a", "[MASK]", "Ünïcödé ÀÇÇÈÑTS", "日本語のテキスト", "😀 emoji only",
              "word " * 400]


def main():
    model_dir = sys.argv[1]
    torch.set_num_threads(2)
    model = SentenceTransformer(model_dir, device="cpu")
    records, texts = [], []
    for source, field, stride, limit in SOURCES:
        taken = 0
        with open(os.path.join(DATA, source), encoding="utf-8") as f:
            for number, line in enumerate(f):
                if number % stride or taken >= limit:
                    continue
                records.append({"file": source, "field": field, "line": number})
                texts.append(json.loads(line)[field])
                taken += 1
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
