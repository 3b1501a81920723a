#!/usr/bin/env python3
"""The llm teacher's reference embeddings: transformers' final-norm hidden states of the tiny
Llama (tests/golden/tiny_llama, from make_tiny_llm.py) mean-pooled over each row's tokens, with
causal attention and with bidirectional attention (LLM2Vec's first step: every token sees the
whole sequence, given to transformers as an all-visible 4D mask). Each row runs alone, unpadded,
so the fixture also pins that genvec's padded, length-sorted batches change nothing. Run in the
golden venv:

    HF_HUB_OFFLINE=1 python tests/golden/make_llm_teacher_fixture.py

Writes tests/golden/tiny_llama/teacher_expected.safetensors: ids (sum of lengths) int64 and
lengths (rows) int64, the rows concatenated; causal and bidirectional (rows, hidden) float32.
"""
import os

import torch
from safetensors.torch import save_file
from transformers import AutoModel

HERE = os.path.dirname(os.path.abspath(__file__))
LENGTHS = [1, 3, 7, 12, 5, 20, 2]


def main():
    model_dir = os.path.join(HERE, "tiny_llama")
    model = AutoModel.from_pretrained(model_dir, torch_dtype=torch.float32,
                                      attn_implementation="eager").eval()
    generator = torch.Generator().manual_seed(7)
    rows = [torch.randint(3, model.config.vocab_size, (n,), generator=generator) for n in LENGTHS]
    causal, bidirectional = [], []
    with torch.no_grad():
        for ids in rows:
            batch = ids.unsqueeze(0)
            causal.append(model(input_ids=batch).last_hidden_state[0].mean(0))
            visible = torch.zeros(1, 1, len(ids), len(ids))  # additive: nothing masked
            bidirectional.append(model(input_ids=batch, attention_mask=visible)
                                 .last_hidden_state[0].mean(0))
    assert not torch.allclose(torch.stack(causal)[1:], torch.stack(bidirectional)[1:])
    save_file({"ids": torch.cat(rows), "lengths": torch.tensor(LENGTHS),
               "causal": torch.stack(causal).contiguous(),
               "bidirectional": torch.stack(bidirectional).contiguous()},
              os.path.join(model_dir, "teacher_expected.safetensors"))


if __name__ == "__main__":
    main()
