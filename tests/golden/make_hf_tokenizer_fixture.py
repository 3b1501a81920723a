#!/usr/bin/env python3
"""A small byte-level BPE tokenizer.json, trained with Hugging Face `tokenizers` on real queries,
and the ids the reference gives for a few strings: pins genvec's tokenizer.json reader (the
format Hugging Face model directories ship) without a large model. Run in the golden venv:

    python tests/golden/make_hf_tokenizer_fixture.py

Writes tests/golden/hf_bpe_tokenizer/tokenizer.json and tests/golden/hf_bpe_tokens.jsonl
({"text", "ids"} per line, encoded with add_special_tokens=False).
"""
import json
import os

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "data"))

with open(os.path.join(DATA, "queries_merged", "queries_merged.jsonl"), encoding="utf-8") as f:
    corpus = [json.loads(line)["text"] for line in f][:2000]

tokenizer = Tokenizer(models.BPE())
tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
tokenizer.decoder = decoders.ByteLevel()
trainer = trainers.BpeTrainer(vocab_size=600, special_tokens=["<|endoftext|>", "<|im_start|>"],
                              initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
tokenizer.train_from_iterator(corpus, trainer)
os.makedirs(os.path.join(HERE, "hf_bpe_tokenizer"), exist_ok=True)
tokenizer.save(os.path.join(HERE, "hf_bpe_tokenizer", "tokenizer.json"))

with open(os.path.join(DATA, "queries_merged", "queries_merged.jsonl"), encoding="utf-8") as f:
    texts = [json.loads(line)["text"] for line in f][5000:5040]
texts += ["", "Hello, world", "  spaces   and\n\nnewlines ", "12345 digits", "don't 's",
          "<|im_start|>user hi<|endoftext|>", "café 😀 日本"]
with open(os.path.join(HERE, "hf_bpe_tokens.jsonl"), "w", encoding="utf-8") as out:
    for text in texts:
        out.write(json.dumps({"text": text, "ids": tokenizer.encode(text, add_special_tokens=False).ids},
                             ensure_ascii=False) + "\n")
