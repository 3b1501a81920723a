#!/usr/bin/env python3
"""Golden token ids for genvec's WordPiece tokenizer, from Hugging Face `tokenizers` (the
tokenizer sentence-transformers runs) reading all-MiniLM-L6-v2's own tokenizer.json. Needs the
venv of tests/golden/README.md, the model directory scripts/setup.sh fetches and the data sets of
../shared/data (read here only). From the repository root:

    HF_HUB_OFFLINE=1 /work/venv/bin/python tests/golden/make_wordpiece_fixture.py \
        ~/.cache/genvec/models/all-minilm-l6-v2

Writes tests/golden/minilm_tokens.jsonl in make_tokenizer_fixture.py's format (the same 3,210
data strings, carried in the file, and its edge cases plus BERT-specific ones), encoded with
add_special_tokens=False: the word pieces without [CLS]/[SEP], as WordPieceTokenizer::encode.
"""
import os
import sys

from tokenizers import Tokenizer

from make_tokenizer_fixture import EDGE_BYTES, EDGE_TEXTS, HERE, write_fixture

# What the BERT normalizer and pre-tokenizer treat specially: special tokens in the raw text,
# case mappings, accents, CJK padding, controls and formats, words over 100 characters.
BERT_EDGE_TEXTS = [
    "[CLS] hello [SEP]", "a[MASK]b", "[mask] [Mask]", "[UNK][PAD]", "[CLS", "[[SEP]]",
    "Straße STRASSE", "İstanbul ıi", "ΟΔΟΣ ΣΑΣ σς", "Ǆ ǅ ǆ", "ﬁne ﬂow", "ẞ ǰ ŉ",
    "naïve façade résumé Ångström", "a\u0301\u0316 o\u0308\u0304", "\u0000x\ufffdy\u0085z",
    "\ue000 private \U000f0000", "\u08e2 \u07fd \u0890 \u1ac0", "𠀀 㐀 豈 ⺀ ㄅ", "한국어 (Hangul) 갃",
    "Ⅻ ⅻ ① ⑴", "\u200d\u2060\ufeff joined", "tab\tnew\nline\rreturn\u000bvt\u000cff",
    "x" * 101, "y" * 100, "supercalifragilisticexpialidocious", "unaffable unbelievably",
    "¿Qué? ¡Sí! «quoted» „low“ ‹single›", "…—–‐‑‒ dash", "$5 €3 £2 ¥1 ₹9", "100% #tag @user ^_^",
    "e.g. i.e. U.S.A.", "don't stop", "C++ C# F#", "\u3000全角スペース\u3000", "ｶﾀｶﾅ ﾊﾝｶｸ",
    "\U0001d400\U0001d41a math bold", "🇺🇸🏳️‍🌈 flags", "a\u0300\u0301\u0302\u0303\u0304b",
]


def main():
    model_dir = sys.argv[1]
    tok = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    EDGE_TEXTS.extend(BERT_EDGE_TEXTS)
    write_fixture(lambda text: tok.encode(text, add_special_tokens=False).ids,
                  os.path.join(HERE, "minilm_tokens.jsonl"))


if __name__ == "__main__":
    main()
