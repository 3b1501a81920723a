#!/usr/bin/env python3
"""Tiny random decoder LLMs and transformers' outputs on them: the fp32 parity fixtures of
genvec's model runtime. Run in the golden venv (torch, transformers, safetensors):

    HF_HUB_OFFLINE=1 python tests/golden/make_tiny_llm.py

For each architecture (llama with untied head; llama with tied embeddings and Llama-3 rope
scaling) writes tests/golden/tiny_<name>/ as a Hugging Face model directory (config.json,
model.safetensors) and tests/golden/tiny_<name>/expected.safetensors with a left-padded batch:
input_ids (B, T) int64, attention_mask (B, T) int64, and transformers' (eager attention, fp32,
default position ids = arange(T)) final-norm hidden states (B, T, D) and logits (B, T, V).
"""
import os

import torch
from safetensors.torch import save_file
from transformers import LlamaConfig, LlamaForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))

COMMON = dict(vocab_size=96, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
              num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
              rms_norm_eps=1e-5, initializer_range=0.2, attn_implementation="eager",
              bos_token_id=1, eos_token_id=2, pad_token_id=0)
MODELS = {
    "llama": LlamaConfig(**COMMON, rope_theta=10000.0, tie_word_embeddings=False),
    "llama_tied_rope_scaled": LlamaConfig(
        **COMMON, rope_theta=500000.0, tie_word_embeddings=True,
        rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                      "high_freq_factor": 4.0, "original_max_position_embeddings": 16}),
}


def main():
    for name, config in MODELS.items():
        torch.manual_seed(20261125)
        model = LlamaForCausalLM(config).eval()
        out_dir = os.path.join(HERE, f"tiny_{name}")
        model.save_pretrained(out_dir, safe_serialization=True)
        ids = torch.tensor([[0, 0, 0, 5, 17, 33, 60, 95],
                            [1, 7, 8, 9, 10, 50, 51, 52]], dtype=torch.int64)
        mask = (torch.arange(8)[None, :] >= torch.tensor([[3], [0]])).long()
        with torch.no_grad():
            out = model(input_ids=ids, attention_mask=mask, output_hidden_states=True)
        save_file({"input_ids": ids, "attention_mask": mask,
                   "hidden": out.hidden_states[-1].contiguous(), "logits": out.logits.contiguous()},
                  os.path.join(out_dir, "expected.safetensors"))
        # generation_config.json is not needed by the fixture.
        gen = os.path.join(out_dir, "generation_config.json")
        if os.path.exists(gen):
            os.remove(gen)


if __name__ == "__main__":
    main()
