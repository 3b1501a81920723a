#!/usr/bin/env python3
"""Tiny random decoder LLMs and transformers' outputs on them: the fp32 parity fixtures of
genvec's model runtime. Run in the golden venv (torch, transformers, safetensors):

    HF_HUB_OFFLINE=1 python tests/golden/make_tiny_llm.py

For each architecture (llama with untied head; llama with tied embeddings and Llama-3 rope
scaling; qwen2 with q/k/v biases; qwen3 with per-head q/k RMSNorm) writes tests/golden/tiny_<name>/
as a Hugging Face model directory (config.json, model.safetensors), the same weights as
model.gguf in llama.cpp's conventions (tensor names, Llama q/k rows interleaved by
convert_hf_to_gguf.py's permute, Llama-3 rope factors as rope_freqs.weight), and
expected.safetensors with a left-padded batch: input_ids (B, T) int64, attention_mask (B, T)
int64, and transformers' (eager attention, fp32, default position ids = arange(T)) final-norm
hidden states (B, T, D) and logits (B, T, V).
"""
import os

import gguf
import numpy as np
import torch
from safetensors.torch import save_file
from transformers import (AutoModelForCausalLM, LlamaConfig, Qwen2Config, Qwen3Config)

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
    "qwen2": Qwen2Config(**COMMON, rope_theta=1000000.0, tie_word_embeddings=True),
    "qwen3": Qwen3Config(**COMMON, head_dim=8, rope_theta=1000000.0, tie_word_embeddings=True),
}

# Hugging Face -> GGUF tensor names (llama.cpp's llama-arch.cpp).
LAYER_NAMES = {"input_layernorm.weight": "attn_norm.weight", "self_attn.q_proj.weight": "attn_q.weight",
               "self_attn.k_proj.weight": "attn_k.weight", "self_attn.v_proj.weight": "attn_v.weight",
               "self_attn.o_proj.weight": "attn_output.weight", "self_attn.q_proj.bias": "attn_q.bias",
               "self_attn.k_proj.bias": "attn_k.bias", "self_attn.v_proj.bias": "attn_v.bias",
               "self_attn.q_norm.weight": "attn_q_norm.weight", "self_attn.k_norm.weight": "attn_k_norm.weight",
               "post_attention_layernorm.weight": "ffn_norm.weight", "mlp.gate_proj.weight": "ffn_gate.weight",
               "mlp.up_proj.weight": "ffn_up.weight", "mlp.down_proj.weight": "ffn_down.weight"}


def llama_permute(w, n_head):
    """convert_hf_to_gguf.py's LlamaModel.permute: interleave the two rotary halves per head."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def write_gguf(model, config, path):
    arch = config.model_type
    writer = gguf.GGUFWriter(path, arch=arch)
    writer.add_block_count(config.num_hidden_layers)
    writer.add_embedding_length(config.hidden_size)
    writer.add_feed_forward_length(config.intermediate_size)
    writer.add_head_count(config.num_attention_heads)
    writer.add_head_count_kv(config.num_key_value_heads)
    writer.add_key_length(getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads)
    writer.add_layer_norm_rms_eps(config.rms_norm_eps)
    writer.add_rope_freq_base(config.rope_theta)
    writer.add_tokenizer_model("gpt2")
    writer.add_token_list([f"t{i}" for i in range(config.vocab_size)])
    state = {k: v.detach().numpy().astype(np.float32) for k, v in model.state_dict().items()}
    for name, value in state.items():
        if name == "model.embed_tokens.weight":
            target = "token_embd.weight"
        elif name == "model.norm.weight":
            target = "output_norm.weight"
        elif name == "lm_head.weight":
            if config.tie_word_embeddings:
                continue
            target = "output.weight"
        else:
            layer, rest = name[len("model.layers."):].split(".", 1)
            target = f"blk.{layer}.{LAYER_NAMES[rest]}"
            if arch == "llama" and rest == "self_attn.q_proj.weight":
                value = llama_permute(value, config.num_attention_heads)
            if arch == "llama" and rest == "self_attn.k_proj.weight":
                value = llama_permute(value, config.num_key_value_heads)
        writer.add_tensor(target, value)
    if getattr(config, "rope_scaling", None):
        # llama.cpp divides each rotary frequency by these factors (LlamaModel.generate_extra_tensors).
        rotary = model.model.rotary_emb
        dim = config.hidden_size // config.num_attention_heads
        base = 1.0 / (config.rope_theta ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
        writer.add_tensor("rope_freqs.weight", (base / rotary.inv_freq).numpy().astype(np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def main():
    for name, config in MODELS.items():
        torch.manual_seed(20261125)
        model = AutoModelForCausalLM.from_config(config).eval()
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
        write_gguf(model, config, os.path.join(out_dir, "model.gguf"))
        # generation_config.json is not needed by the fixture.
        gen = os.path.join(out_dir, "generation_config.json")
        if os.path.exists(gen):
            os.remove(gen)


if __name__ == "__main__":
    main()
