#!/usr/bin/env python3
"""Tiny random BERT sentence encoders and sentence-transformers' embeddings of them: the CI
fixtures of genvec's BertEncoder, pooling and model-directory reading (the real all-MiniLM
parity test needs the downloaded model). Run in the golden venv:

    HF_HUB_OFFLINE=1 python tests/golden/make_tiny_bert.py

Writes two sentence-transformers directories under tests/golden/ (SentenceTransformer.save):
  tiny_bert_mean/    mean pooling + Normalize, model.safetensors, max_seq_length 16, 2 heads
  tiny_bert_pooled/  max, weightedmean, cls, mean_sqrt_len, lasttoken pooling concatenated in
                     that order (sentence-transformers 5's list form), 4 heads, no Normalize, PyTorch
                     pytorch_model.bin only (the pickle path), tanh-approximated GELU,
                     max_seq_length 12
each with texts.json and expected.safetensors ("embeddings" (N, dim) float32 from
SentenceTransformer.encode, batch_size 4, and "input_ids"/"attention_mask" from its tokenize).
"""
import json
import os
import shutil
import tempfile

import torch
from safetensors.torch import save_file
from sentence_transformers import SentenceTransformer, models
from transformers import BertConfig, BertModel, BertTokenizerFast

HERE = os.path.dirname(os.path.abspath(__file__))
WORDS = ["the", "cat", "sat", "on", "mat", "dog", "runs", "fast", "un", "##like", "##ly",
         "hello", "world", "emb", "##ed", "##ding", "gen", "##er", "##ate", "text"]
TEXTS = ["the cat sat on the mat", "Hello, world!", "", "dog", "unlikely embeddings",
         "The dog runs fast; the cat sat on a mat while the dog runs fast again and again",
         "GENERATE text", "zzz ü 日本", "a a a a a a a a a a a a a a a a a a a a", "[MASK] cat"]


def vocab():
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    chars = [chr(c) for c in range(ord("a"), ord("z") + 1)] + list(",.!?;:'\"-") + ["日", "本"]
    return specials + chars + ["##" + c for c in chars] + WORDS


def build(name, pooling_modes, normalize, max_seq_length, hidden_act, safetensors, heads, seed):
    torch.manual_seed(seed)
    work = tempfile.mkdtemp()
    with open(os.path.join(work, "vocab.txt"), "w") as f:
        f.write("\n".join(vocab()) + "\n")
    BertTokenizerFast(os.path.join(work, "vocab.txt"), do_lower_case=True).save_pretrained(work)
    config = BertConfig(vocab_size=len(vocab()), hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=heads, intermediate_size=64, max_position_embeddings=64,
                        hidden_act=hidden_act, initializer_range=0.2, type_vocab_size=2)
    BertModel(config).eval().save_pretrained(work)
    transformer = models.Transformer(work, max_seq_length=max_seq_length)
    modules = [transformer, models.Pooling(32, pooling_mode=pooling_modes)]
    if normalize:
        modules.append(models.Normalize())
    model = SentenceTransformer(modules=modules, device="cpu")
    out = os.path.join(HERE, name)
    shutil.rmtree(out, ignore_errors=True)
    model.save(out, safe_serialization=safetensors)
    for extra in ("README.md", "config_sentence_transformers.json"):
        if os.path.exists(os.path.join(out, extra)):
            os.remove(os.path.join(out, extra))
    features = model.tokenize(TEXTS)
    embeddings = model.encode(TEXTS, batch_size=4, convert_to_tensor=True).float()
    save_file({"embeddings": embeddings.contiguous(), "input_ids": features["input_ids"],
               "attention_mask": features["attention_mask"]},
              os.path.join(out, "expected.safetensors"))
    with open(os.path.join(out, "texts.json"), "w") as f:
        json.dump(TEXTS, f, ensure_ascii=False, indent=0)
    shutil.rmtree(work)
    print(out, sorted(os.listdir(out)), tuple(embeddings.shape))


def main():
    # Head size 16 runs genvec's fused CPU attention kernel, head size 8 its batched fallback.
    build("tiny_bert_mean", "mean", True, 16, "gelu", True, 2, 1)
    # Modes concatenate in the listed order, not in the legacy flags' fixed order.
    build("tiny_bert_pooled", ["max", "weightedmean", "cls", "mean_sqrt_len_tokens", "lasttoken"],
          False, 12, "gelu_pytorch_tanh", False, 4, 2)


if __name__ == "__main__":
    main()
