#!/usr/bin/env python3
"""The LLM2Vec-Gen training objective (L = 1.0 * L_recon + 1.0 * L_align), its gradients and the
embedding, as the reference implementation computes them on the tiny random LLMs of
make_tiny_llm.py: the parity fixture of genvec's training objective. Run in the golden venv,
from the repository root, with a checkout of the reference's source repository
McGill-NLP/llm2vec-gen (GitHub) at commit fdec758db27029b33d60d44c3c79c76fbaadf63f outside the
repository (here /work/ref/llm2vec-gen; only scripts/train.py and llm2vec_gen/ are read):

    HF_HUB_OFFLINE=1 /work/venv/bin/python tests/golden/make_gen_objective.py \
        --reference-src /work/ref/llm2vec-gen

Reference: llm2vec-gen 0.1.3 from PyPI (installed with --no-deps; its llm2vec_gen/ is byte-identical
to llm2vec_gen/ of the source repository at commit fdec758db270, which this script checks) plus
scripts/train.py of that commit, whose LLM2VecGenTrainer.compute_loss is the loss the paper trains
with (the wheel's CustomTrainer.compute_loss raises NotImplementedError). Versions: torch 2.6.0
(CPU), transformers 4.56.2, tokenizers 0.22.2, peft 0.18.0 (the version llm2vec-gen pins),
hydra-core 1.3.8 and datasets 5.0.1 (only imported by scripts/train.py), safetensors 0.8.0:

    /work/venv/bin/pip install --no-deps llm2vec-gen==0.1.3
    /work/venv/bin/pip install peft==0.18.0 hydra-core==1.3.8 datasets==5.0.1

What runs from the reference: scripts/train.py is imported from --reference-src and its
LLM2VecGenTrainer.compute_loss is called, unmodified, on a batch made by the wheel's CustomCollator
and on the wheel's EncoderDecoderModel / ProjectionModel; the embedding comes from the wheel's
LLM2VecGenModel.encode. The model set-up that scripts/train.py does inside main() (it cannot be
called without the Hub) is reproduced statement by statement in build_reference_model(), each line
citing scripts/train.py. The teacher is a stub returning fixed targets (the teacher is a separate
stage in genvec). The tiny models have no tokenizer, so a word-level tokenizer maps "t<i>" to id i
(0 <pad>, 1 <s>, 2 "<|end_of_text|>", the eos) - the reference then sees token ids exactly as
chosen here, and the literal "<|end_of_text|>" it appends to every response is the EOS id 2.

Two fixtures, one per tiny model (N = 4 special tokens, K = 2 compression tokens, teacher size 12,
batch of 3 with different query and response lengths, seed 42):
  * tiny_llama/gen_objective.safetensors: tokenizer length == vocab size (96), as for Llama-3:
    resize_token_embeddings grows the table, the special ids are 96..99 and their rows are
    mean-resized (mean of the old rows + N(0, 1e-9 * covariance) noise).
  * tiny_qwen3/gen_objective.safetensors: tokenizer length (90) < vocab size (96), as for Qwen
    (Qwen3: 151669 tokens, 151936 rows): the special ids are 90..93, resize_token_embeddings
    *shrinks* the table to 94 rows and the special rows are the checkpoint's own rows 90..93.

Tensors (int64 or float32; B = 3, Tq = longest query, Tr = longest response incl. EOS, D = 32):
  special_token_ids (N)            ids of <question1..4>
  query_ids, query_mask (B, Tq)    query tokens without special tokens, left padded (pad 0, mask 0)
  encoder_input_ids, encoder_attention_mask (B, Tq+N)  what the reference's encoder is fed
  response_ids, response_mask (B, Tr)  response + EOS (2), left padded (pad 0, mask 0), as the
                                   reference's collator pads them (tokenizer padding side left)
  decoder_input_mask, decoder_labels (B, K+Tr)  what the reference's decoder is fed:
                                   [pads][P_1..P_K][response], labels -100 on pads and prompt
                                   slots (unshifted: transformers shifts inside the loss). The
                                   decoder gets no position_ids: transformers' default arange(K+Tr).
  teacher (B, Dt)                  alignment targets
  gen_rows (N, D)                  the special rows as the reference initialises them
  recon_weight (D, D), recon_bias (D), align_weight (Dt, D), align_bias (Dt)  (nn.Linear init)
  loss_recon, loss_align, loss (1)
  grad_gen_rows (N, D), grad_recon_weight, grad_recon_bias, grad_align_weight, grad_align_bias
  hidden_compression (B, K, D)     final-norm encoder hidden states at the last K positions
  soft_prompt (B, K, D)            P = R(hidden_compression)
  embedding (B, Dt)                LLM2VecGenModel.encode: mean over K of A(P)

Reference behaviour this pins (scripts/train.py = train.py, llm2vec_gen/models/
modeling_encoder_decoder.py = med.py, transformers 4.56.2):
  * encoder: the base model (AutoModel, no LM head; last_hidden_state is the final-norm output),
    left-padded [query][specials], no position_ids (transformers' arange over the padded row;
    RoPE makes the offset irrelevant up to rounding), hidden states at the last K positions
    (med.py:522-539). Gradient reaches the special rows from both losses; nothing is detached.
  * decoder: a second, frozen, not resized copy of the LLM (train.py:459-473); response tokens
    are embedded with its original table (med.py:224); P is inserted after the pads
    (med.py:15-81, 226-231); labels are the response ids with pads -100 (data_collator.py:119-
    122), shifted inside transformers' ForCausalLMLoss, which takes the token mean over the batch
    (no num_items_in_batch is passed, med.py:233-237) after casting logits to float32.
  * L_align = MSELoss(mean) of mean_K A(P) against the teacher (train.py:115-116, losses.py:162-
    169); the embedding is mean_K A(P) (LLM2VecGenModel.encode, models/__init__.py:108-113).

The script then recomputes everything with independent_objective(), a plain-torch implementation
(its own Llama/Qwen3 forward, every row unpadded with positions from 0), and asserts agreement.
"""
import argparse
import filecmp
import importlib.util
import json
import math
import os
import sys
import types

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 42                      # conf/training/default.yaml seed
N_SPECIAL, K_COMPRESSION, TEACHER_DIM = 4, 2, 12
SPECIAL_TOKENS = [f"<question{i}>" for i in range(1, N_SPECIAL + 1)]  # conf/special_tokens/*
QUERY_LENGTHS = [5, 2, 7]
RESPONSE_LENGTHS = [4, 6, 3]   # before the EOS
EOS_ID, PAD_ID = 2, 0
MODELS = {"tiny_llama": 96, "tiny_qwen3": 90}  # model directory -> tokenizer length
REFERENCE_COMMIT = "fdec758db27029b33d60d44c3c79c76fbaadf63f"


# ----------------------------------------------------------------------------- reference side

def load_reference(src):
    """The wheel's llm2vec_gen (must equal the source checkout's) and scripts/train.py."""
    import llm2vec_gen
    installed = os.path.dirname(llm2vec_gen.__file__)
    for root, _, files in os.walk(os.path.join(src, "llm2vec_gen")):
        for name in files:
            if name.endswith(".py"):
                rel = os.path.relpath(os.path.join(root, name), os.path.join(src, "llm2vec_gen"))
                assert filecmp.cmp(os.path.join(root, name), os.path.join(installed, rel),
                                   shallow=False), f"wheel and --reference-src differ: {rel}"
    spec = importlib.util.spec_from_file_location("llm2vec_gen_train",
                                                  os.path.join(src, "scripts", "train.py"))
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    return train


def make_tokenizer(n_tokens):
    """Word-level tokenizer: "t<i>" -> i; 0 <pad>, 1 <s>, 2 <|end_of_text|> (eos)."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast
    vocab = {"<pad>": 0, "<s>": 1, "<|end_of_text|>": 2}
    vocab.update({f"t{i}": i for i in range(3, n_tokens)})
    backend = Tokenizer(models.WordLevel(vocab, unk_token="<s>"))
    backend.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, pad_token="<pad>",
                                        bos_token="<s>", eos_token="<|end_of_text|>",
                                        unk_token="<s>", model_max_length=1 << 20)
    assert len(tokenizer) == n_tokens
    return tokenizer


def build_reference_model(model_dir, tokenizer, teacher_dim, special_tokens=None,
                          k_compression=None, **load):
    """scripts/train.py main(), lines 326-501, for model=<model_dir>, special_tokens=total_4
    (or the given list, with k_compression compression tokens), training=llm2vec-gen,
    torch_dtype=float32 (the paper uses bfloat16). `load` goes to every from_pretrained (e.g.
    gguf_file=..., for bench/train_peers.py)."""
    from peft import TrainableTokensConfig, get_peft_model
    from transformers import AutoConfig, AutoModel, AutoModelForCausalLM, set_seed
    from llm2vec_gen.models import EncoderDecoderModel, ProjectionModel

    set_seed(SEED)                                                            # train.py:326
    config = AutoConfig.from_pretrained(model_dir, **load)                    # train.py:387
    if tokenizer.pad_token is None:                                           # train.py:403-404
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "left"  # train.py:405, conf/model/default.yaml tokenizer_padding_side
    special_tokens = list(special_tokens or SPECIAL_TOKENS)                   # train.py:406
    config.tokenizer_original_num_tokens = len(tokenizer)                     # train.py:408
    if len(tokenizer) == config.vocab_size:                                   # train.py:409-414
        tokenizer.add_special_tokens({"additional_special_tokens": special_tokens})
        config.num_tokens = len(tokenizer)
    else:
        tokenizer.add_special_tokens({"additional_special_tokens": special_tokens})
        config.num_tokens = config.vocab_size + len(set(special_tokens))
    config.num_special_tokens = len(special_tokens)                           # train.py:415
    config.special_tokens = tokenizer.convert_tokens_to_ids(special_tokens)   # train.py:417
    config.special_tokens_ids = tokenizer.convert_tokens_to_ids(special_tokens)  # train.py:418
    config.torch_dtype = torch.float32                                        # train.py:421-425
    encoder_model = AutoModel.from_pretrained(model_dir, config=config,      # train.py:434-443
                                              torch_dtype=config.torch_dtype, **load)
    encoder_model.resize_token_embeddings(len(tokenizer))                     # train.py:444
    peft_config = TrainableTokensConfig(token_indices=config.special_tokens_ids)  # :445-449
    encoder_model = get_peft_model(encoder_model, peft_config=peft_config)    # train.py:450
    decoder_model = AutoModelForCausalLM.from_pretrained(                     # train.py:459-470
        model_dir, config=config, torch_dtype=config.torch_dtype, **load)
    for _, param in decoder_model.named_parameters():                         # train.py:472-473
        param.requires_grad = False
    reconstruction_mlp = ProjectionModel(                                     # train.py:478-484
        input_dim=encoder_model.config.hidden_size,
        output_dim=decoder_model.config.hidden_size,
        dtype=encoder_model.config.torch_dtype)
    alignment_mlp = ProjectionModel(                                          # train.py:486-492
        input_dim=encoder_model.config.hidden_size,
        output_dim=teacher_dim,  # teacher_model.config.hidden_size
        dtype=encoder_model.config.torch_dtype)
    return EncoderDecoderModel(                                               # train.py:494-501
        encoder_model=encoder_model, decoder_model=decoder_model,
        encoding_mode=f"last_{k_compression or K_COMPRESSION}_tokens",  # conf/model/default.yaml
        reconstruction_mlp=reconstruction_mlp, alignment_mlp=alignment_mlp,
        save_decoder=False)  # not use_encoder_as_decoder and not freeze_decoder_fully(=true)


class TeacherStub:
    """Passes get_teacher_embeddings' type check (losses.py:135) and answers through its
    `encode` branch (losses.py:138, 155-156) with fixed targets."""

    def __init__(self, targets, expected_input_ids):
        self.config = types.SimpleNamespace(model_type="xlm-roberta", hidden_size=targets.shape[1])
        self.targets = targets
        self.expected_input_ids = expected_input_ids

    def to(self, device):
        return self

    def encode(self, input_ids, attention_mask):
        # The teacher sees the response only: no EOS, no special tokens (data_collator.py:99-116
        # with teacher_special_tokens = [] as train.py:360 sets for an LLM2Vec teacher).
        assert torch.equal(input_ids, self.expected_input_ids)
        return self.targets


def sample_rows(generator, lengths, n_tokens):
    return [torch.randint(3, n_tokens, (n,), generator=generator).tolist() for n in lengths]


def run_reference(train, model_dir, n_tokens):
    from llm2vec_gen.dataset import CustomCollator
    from llm2vec_gen.dataset.base_dataset import DataSample
    from llm2vec_gen.losses import compute_mse_loss, get_teacher_embeddings
    from llm2vec_gen.models import LLM2VecGenModel

    tokenizer = make_tokenizer(n_tokens)
    model = build_reference_model(model_dir, tokenizer, TEACHER_DIM)
    special_ids = tokenizer.convert_tokens_to_ids(SPECIAL_TOKENS)
    assert special_ids == list(range(n_tokens, n_tokens + N_SPECIAL))

    generator = torch.Generator().manual_seed(SEED)
    queries = sample_rows(generator, QUERY_LENGTHS, n_tokens)
    responses = sample_rows(generator, RESPONSE_LENGTHS, n_tokens)
    teacher = 0.5 * torch.randn(len(queries), TEACHER_DIM, generator=generator)
    text = lambda ids: " ".join(f"t{i}" for i in ids)
    samples = [DataSample(id_=i, question=text(q), answer=text(r))
               for i, (q, r) in enumerate(zip(queries, responses))]
    collator = CustomCollator(tokenizer=tokenizer, special_tokens=SPECIAL_TOKENS,  # train.py:511-519
                              padding="longest", max_length=512, return_tensors="pt",
                              teacher_special_tokens=[], teacher_tokenizer=tokenizer)
    batch = collator(samples)

    teacher_ids = tokenizer([text(r) for r in responses], padding="longest",
                            return_tensors="pt")["input_ids"]
    trainer = types.SimpleNamespace(  # the attributes compute_loss reads (training=llm2vec-gen)
        recon_loss_weight=1.0, align_loss_weight=1.0, other_sub_losses_weight=0.0,
        use_hard_negatives=False, margin_loss_weight=0.0, contrastive_loss_weight=0.0,
        teacher_model=TeacherStub(teacher, teacher_ids),
        args=types.SimpleNamespace(report_to=None), accelerator=None)

    captured = {}

    def keep_inputs(name):
        def hook(module, args, kwargs):
            captured[name] = {k: v.detach().clone() if torch.is_tensor(v) else v
                              for k, v in kwargs.items()}
        return hook

    def keep_hidden(module, args, kwargs, output):
        captured["encoder_hidden"] = output.last_hidden_state.detach().clone()

    hooks = [model.encoder_model.register_forward_pre_hook(keep_inputs("encoder"), with_kwargs=True),
             model.decoder_model.register_forward_pre_hook(keep_inputs("decoder"), with_kwargs=True),
             model.reconstruction_mlp.register_forward_hook(
                 lambda m, a, out: captured.__setitem__("soft_prompt", out.detach().clone())),
             model.encoder_model.register_forward_hook(keep_hidden, with_kwargs=True)]

    gen_param = [p for p in model.encoder_model.parameters() if p.requires_grad]
    assert len(gen_param) == 1 and gen_param[0].shape == (N_SPECIAL, model.config.hidden_size)
    gen_param = gen_param[0]
    recon = model.reconstruction_mlp.projection
    align = model.alignment_mlp.projection
    params = {"gen_rows": gen_param, "recon_weight": recon.weight, "recon_bias": recon.bias,
              "align_weight": align.weight, "align_bias": align.bias}
    initial = {k: v.detach().clone() for k, v in params.items()}

    model.train()  # as the Trainer does; every dropout of these models is 0
    loss = train.LLM2VecGenTrainer.compute_loss(trainer, model, batch)
    loss.backward()
    grads = {f"grad_{k}": v.grad.detach().clone() for k, v in params.items()}
    for h in hooks:
        h.remove()

    # The two terms, through the same reference functions compute_loss uses (train.py:89-116).
    student_inputs = {k: batch[k] for k in ("query_input_ids", "query_attention_mask",
                                            "answer_input_ids", "answer_attention_mask", "labels")}
    with torch.no_grad():
        states, outputs = model(**student_inputs)
        loss_recon = outputs["loss"]
        teacher_states = get_teacher_embeddings(batch["teacher_answer_input_ids"],
                                                batch["teacher_answer_attention_mask"],
                                                trainer.teacher_model, states)
        _, loss_align = compute_mse_loss(states.mean(dim=1), teacher_states, mse_loss_weight=1.0)
        embedding = LLM2VecGenModel(model, tokenizer, device="cpu").encode(
            [text(q) for q in queries], max_length=512)
    assert torch.allclose(loss, loss_recon + loss_align, rtol=0, atol=1e-6)
    assert torch.allclose(embedding, states.mean(dim=1), rtol=0, atol=1e-6)

    enc, dec = captured["encoder"], captured["decoder"]
    assert torch.equal(enc["input_ids"], batch["query_input_ids"])
    assert "position_ids" not in enc and "position_ids" not in dec  # transformers' default arange
    tq = max(QUERY_LENGTHS)
    query_ids = batch["query_input_ids"][:, :tq]
    assert (batch["query_input_ids"][:, tq:] == torch.tensor(special_ids)).all()
    assert torch.equal(batch["answer_input_ids"][:, -1], torch.full((len(queries),), EOS_ID))

    fixture = {
        "special_token_ids": torch.tensor(special_ids),
        "query_ids": query_ids, "query_mask": batch["query_attention_mask"][:, :tq],
        "encoder_input_ids": enc["input_ids"], "encoder_attention_mask": enc["attention_mask"],
        "response_ids": batch["answer_input_ids"], "response_mask": batch["answer_attention_mask"],
        "decoder_input_mask": dec["attention_mask"], "decoder_labels": dec["labels"],
        "teacher": teacher,
        **initial,
        "loss_recon": loss_recon.reshape(1), "loss_align": loss_align.reshape(1),
        "loss": loss.detach().reshape(1),
        **grads,
        "hidden_compression": captured["encoder_hidden"][:, -K_COMPRESSION:],
        "soft_prompt": captured["soft_prompt"],
        "embedding": embedding,
    }
    return {k: (v.to(torch.int64) if not v.is_floating_point() else v.to(torch.float32))
            .contiguous() for k, v in fixture.items()}


# -------------------------------------------------------------------- independent (plain torch)

def rms_norm(x, weight, eps):
    return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def rope(x, positions, theta):
    """x (L, heads, hd); rotate-half RoPE as Llama/Qwen (no scaling)."""
    hd = x.shape[-1]
    inv_freq = 1.0 / theta ** (torch.arange(0, hd, 2, dtype=x.dtype) / hd)
    angles = positions.to(x.dtype)[:, None] * inv_freq[None, :]
    cos = torch.cat([angles, angles], -1).cos()[:, None, :]
    sin = torch.cat([angles, angles], -1).sin()[:, None, :]
    x1, x2 = x[..., : hd // 2], x[..., hd // 2:]
    return x * cos + torch.cat([-x2, x1], -1) * sin


def transformer(w, cfg, x):
    """Causal forward of one unpadded row x (L, D) -> final-norm hidden states (L, D)."""
    L = x.shape[0]
    heads, kv_heads, hd = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
    eps, positions = cfg["rms_norm_eps"], torch.arange(L)
    causal = torch.ones(L, L, dtype=torch.bool).tril()
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = (h @ w[p + "self_attn.q_proj.weight"].T).view(L, heads, hd)
        k = (h @ w[p + "self_attn.k_proj.weight"].T).view(L, kv_heads, hd)
        v = (h @ w[p + "self_attn.v_proj.weight"].T).view(L, kv_heads, hd)
        if p + "self_attn.q_norm.weight" in w:  # Qwen3: per-head RMSNorm before RoPE
            q = rms_norm(q, w[p + "self_attn.q_norm.weight"], eps)
            k = rms_norm(k, w[p + "self_attn.k_norm.weight"], eps)
        q, k = rope(q, positions, cfg["rope_theta"]), rope(k, positions, cfg["rope_theta"])
        group = heads // kv_heads  # query head j reads kv head j // group
        k, v = k.repeat_interleave(group, dim=1), v.repeat_interleave(group, dim=1)
        scores = torch.einsum("qhd,khd->hqk", q, k) / math.sqrt(hd)
        attn = scores.masked_fill(~causal, float("-inf")).softmax(-1)
        out = torch.einsum("hqk,khd->qhd", attn, v).reshape(L, heads * hd)
        x = x + out @ w[p + "self_attn.o_proj.weight"].T
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        gate = F.silu(h @ w[p + "mlp.gate_proj.weight"].T) * (h @ w[p + "mlp.up_proj.weight"].T)
        x = x + gate @ w[p + "mlp.down_proj.weight"].T
    return rms_norm(x, w["model.norm.weight"], eps)


def independent_objective(w, cfg, fx, dtype):
    """The objective from the fixture's inputs alone, every row on its own without padding.

    encoder row  = [query tokens][special tokens]; the special tokens look up gen_rows
    H            = final-norm hidden states at the last K positions            (K, D)
    P            = H @ Wr^T + br (soft prompt);  E = P @ Wa^T + ba;  emb = mean_K E
    decoder row  = [P_1..P_K][embeddings of response + EOS] (frozen original table)
    L_recon      = sum over rows and response tokens of -log p(token) / number of those tokens;
                   position K-1+j (0-based) predicts response token j
    L_align      = mean over B*Dt of (emb - teacher)^2
    """
    w = {k: v.to(dtype) for k, v in w.items()}
    table = w["model.embed_tokens.weight"]
    lm_head = w.get("lm_head.weight", table)  # tied for Qwen3
    params = {k: fx[k].to(dtype).clone().requires_grad_(True)
              for k in ("gen_rows", "recon_weight", "recon_bias", "align_weight", "align_bias")}
    first_special = int(fx["special_token_ids"][0])  # specials are first_special + arange(N)
    ce_sum, n_targets, embeddings, hiddens = 0.0, 0, [], []
    for b in range(fx["query_ids"].shape[0]):
        query = fx["query_ids"][b][fx["query_mask"][b] == 1]
        response = fx["response_ids"][b][fx["response_mask"][b] == 1]
        ids = torch.cat([query, fx["special_token_ids"]]).tolist()
        x = torch.stack([params["gen_rows"][i - first_special] if i >= first_special else table[i]
                         for i in ids])
        hidden = transformer(w, cfg, x)[-K_COMPRESSION:]
        prompt = hidden @ params["recon_weight"].T + params["recon_bias"]
        embeddings.append((prompt @ params["align_weight"].T + params["align_bias"]).mean(0))
        hiddens.append(hidden)
        out = transformer(w, cfg, torch.cat([prompt, table[response]]))
        logits = out[K_COMPRESSION - 1:-1] @ lm_head.T
        ce_sum = ce_sum + F.cross_entropy(logits, response, reduction="sum")
        n_targets += len(response)
    embedding = torch.stack(embeddings)
    loss_recon = ce_sum / n_targets
    loss_align = (embedding - fx["teacher"].to(dtype)).pow(2).mean()
    loss = 1.0 * loss_recon + 1.0 * loss_align
    loss.backward()
    return {"loss_recon": loss_recon.detach(), "loss_align": loss_align.detach(),
            "loss": loss.detach(), "embedding": embedding.detach(),
            "hidden_compression": torch.stack(hiddens).detach(),
            **{f"grad_{k}": v.grad for k, v in params.items()}}


def check_decoder_layout(fx):
    """decoder_input_mask / decoder_labels rebuilt from the response tensors."""
    B, Tr = fx["response_ids"].shape
    for b in range(B):
        n = int(fx["response_mask"][b].sum())
        pads = Tr - n
        mask = torch.tensor([0] * pads + [1] * (K_COMPRESSION + n))
        labels = torch.tensor([-100] * (pads + K_COMPRESSION) + fx["response_ids"][b, pads:].tolist())
        assert torch.equal(fx["decoder_input_mask"][b], mask)
        assert torch.equal(fx["decoder_labels"][b], labels)


def check_init(w, fx, n_tokens):
    table = w["model.embed_tokens.weight"]
    if n_tokens == table.shape[0]:  # grown: mean of the old rows + N(0, 1e-9 * covariance)
        deviation = (fx["gen_rows"] - table.mean(0)).abs().max().item()
        assert 0 < deviation < 1e-3, deviation
        return f"mean-resized (max |row - mean| = {deviation:.2e})"
    assert torch.equal(fx["gen_rows"], table[n_tokens:n_tokens + N_SPECIAL])  # shrunk: own rows
    return f"checkpoint rows {n_tokens}..{n_tokens + N_SPECIAL - 1}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reference-src", required=True,
                        help=f"checkout of McGill-NLP/llm2vec-gen at {REFERENCE_COMMIT[:12]}")
    args = parser.parse_args()
    torch.use_deterministic_algorithms(True)
    train = load_reference(os.path.abspath(args.reference_src))
    for name, n_tokens in MODELS.items():
        model_dir = os.path.join(HERE, name)
        fx = run_reference(train, model_dir, n_tokens)
        w = load_file(os.path.join(model_dir, "model.safetensors"))
        with open(os.path.join(model_dir, "config.json")) as f:
            cfg = json.load(f)
        check_decoder_layout(fx)
        init = check_init(w, fx, n_tokens)
        for dtype, tol in ((torch.float32, 1e-6), (torch.float64, 1e-5)):
            ind = independent_objective(w, cfg, fx, dtype)
            worst = {}
            for key, value in ind.items():
                ref = fx[key].double()
                err = (value.double() - ref).abs().max().item()
                scale = max(1.0, ref.abs().max().item()) if key.startswith("grad_") else 1.0
                worst[key] = err / scale
                limit = tol if key.startswith("loss") else 10 * tol
                assert err <= limit * scale, (name, dtype, key, err)
            print(f"{name} independent {str(dtype)[6:]}: max deviation "
                  + ", ".join(f"{k} {v:.1e}" for k, v in worst.items()))
        path = os.path.join(model_dir, "gen_objective.safetensors")
        save_file(fx, path)
        print(f"{name}: special rows {init}; loss_recon {fx['loss_recon'].item():.6f} "
              f"loss_align {fx['loss_align'].item():.6f} loss {fx['loss'].item():.6f}; "
              f"wrote {os.path.relpath(path)} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    sys.exit(main())
