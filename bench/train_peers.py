#!/usr/bin/env python3
"""Reference side of the training benchmark: LLM2Vec-Gen training steps as the reference trains
(llm2vec-gen 0.1.3 + scripts/train.py's LLM2VecGenTrainer.compute_loss at commit fdec758), on
SmolLM2-135M-Instruct and on the batch genvec trains on (read from a genvec run's caches). Run in
the reference venv, from the repository root:

    nice -n 5 /work/venv/bin/python bench/train_peers.py \
        --model-gguf ~/.cache/genvec/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf \
        --run runs/bench-train --reference-src /work/ref/llm2vec-gen \
        --threads 2 --batch 16 --steps 6 --gradient-checkpointing off --json OUT.json

What runs: the model set-up of scripts/train.py main() (lines 387-501) for the main recipe,
through tests/golden/make_gen_objective.py's build_reference_model (N = K = 10 special
tokens, resize_token_embeddings + PEFT TrainableTokens, a separate frozen decoder copy,
use_encoder_as_decoder false, R: D->D and A: D->384 projections), float32 weights (the paper uses
bfloat16), transformers' default attention (sdpa). The batch is made by the wheel's
CustomCollator (max length 512, the literal "<|end_of_text|>" appended to every answer), and
each step is compute_loss -> backward -> clip_grad_norm_(1.0) -> AdamW (lr 5e-4, wd 0) ->
zero_grad. The teacher is a stub returning the cached teacher vectors of the batch: in genvec the
teacher is a separate cached stage too, so neither side times a teacher forward. Gradient
checkpointing "on" calls EncoderDecoderModel.gradient_checkpointing_enable with
{"use_reentrant": False}, as the HF Trainer does for train.py's default gradient_checkpointing:
true. The model is dequantized from the Q4_1 GGUF by transformers (gguf package).
"""
import argparse
import glob
import importlib.util
import json
import os
import resource
import statistics
import sys
import time
import types

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 42                                  # conf/training/default.yaml
N_SPECIAL = K_COMPRESSION = 10             # conf/special_tokens/total_10.yaml, last_10_tokens
SPECIAL_TOKENS = [f"<question{i}>" for i in range(1, N_SPECIAL + 1)]
LR = 5e-4
MAX_LENGTH = 512                           # conf/model/default.yaml max_input_length


def golden_script():
    """tests/golden/make_gen_objective.py, whose reference set-up this benchmark shares."""
    path = os.path.join(HERE, "..", "tests", "golden", "make_gen_objective.py")
    spec = importlib.util.spec_from_file_location("make_gen_objective", path)
    golden = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(golden)
    return golden


def smollm2_tokenizer(gguf_path):
    """SmolLM2's upstream tokenizer rebuilt from the GGUF's vocabulary and merges
    (tests/golden/make_tokenizer_fixture.py reference_tokenizer: Digits + ByteLevel
    pre-tokenizer, no BOS added), with the special tokens of SmolLM2-Instruct's
    tokenizer_config.json (bos <|im_start|>, eos = pad = <|im_end|>, unk <|endoftext|>; the GGUF
    has bos 1, eos 2, pad 2). transformers' own GGUF tokenizer conversion is not used: it drops
    the Digits step, adds a BOS and takes <|im_start|> as eos."""
    from transformers import PreTrainedTokenizerFast
    path = os.path.join(HERE, "..", "tests", "golden", "make_tokenizer_fixture.py")
    spec = importlib.util.spec_from_file_location("make_tokenizer_fixture", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=module.reference_tokenizer(gguf_path), bos_token="<|im_start|>",
        eos_token="<|im_end|>", pad_token="<|im_end|>", unk_token="<|endoftext|>",
        model_max_length=8192)
    assert (tokenizer.bos_token_id, tokenizer.eos_token_id, tokenizer.pad_token_id) == (1, 2, 2)
    return tokenizer


def read_caches(run_dir, n):
    """The first n (query, completion, teacher vector) rows of the run's caches, joined by query
    id, in sorted shard-file order."""
    import h5py
    dec = lambda v: v.decode() if isinstance(v, bytes) else str(v)
    teacher = {}
    for path in sorted(glob.glob(os.path.join(run_dir, "cache", "teacher", "*.h5"))):
        with h5py.File(path, "r") as f:
            for qid, vec in zip(f["query_id"][:], f["embedding"][:]):
                teacher[dec(qid)] = vec
    rows = []
    for path in sorted(glob.glob(os.path.join(run_dir, "cache", "generations", "*.h5"))):
        with h5py.File(path, "r") as f:
            for qid, query, completion in zip(f["query_id"][:], f["query"][:], f["completion"][:]):
                qid = dec(qid)
                if qid in teacher:
                    rows.append((qid, dec(query), dec(completion), teacher[qid]))
    assert len(rows) >= n, f"only {len(rows)} joined rows in {run_dir}"
    rows = rows[:n]
    targets = torch.from_numpy(np.stack([r[3] for r in rows]).astype(np.float32))
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], targets


class CachedTeacher:
    """Passes get_teacher_embeddings' type check (losses.py:135) and answers through its
    `encode` branch (losses.py:138, 155-156) with the run's cached teacher vectors."""

    def __init__(self, targets):
        self.config = types.SimpleNamespace(model_type="xlm-roberta", hidden_size=targets.shape[1])
        self.targets = targets

    def to(self, device):
        return self

    def encode(self, input_ids, attention_mask):
        assert input_ids.shape[0] == self.targets.shape[0]
        return self.targets


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model-gguf", required=True)
    ap.add_argument("--run", required=True, help="genvec run directory with cache/generations "
                    "and cache/teacher")
    ap.add_argument("--reference-src", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--steps", type=int, default=6, help="timed steps; the first is warm-up")
    ap.add_argument("--gradient-checkpointing", choices=["on", "off"], default="on")
    ap.add_argument("--json", required=True)
    args = ap.parse_args()
    assert args.steps >= 2

    torch.set_num_threads(args.threads)
    golden = golden_script()
    train = golden.load_reference(args.reference_src)  # also checks the wheel against the source
    import transformers
    from transformers import AutoTokenizer
    from llm2vec_gen.dataset import CustomCollator
    from llm2vec_gen.dataset.base_dataset import DataSample

    gguf = os.path.abspath(os.path.expanduser(args.model_gguf))
    folder, name = os.path.dirname(gguf), os.path.basename(gguf)
    if os.path.exists(os.path.join(folder, "tokenizer.json")):
        tokenizer = AutoTokenizer.from_pretrained(folder)
        tokenizer_source = "tokenizer.json"
    else:
        tokenizer = smollm2_tokenizer(gguf)
        tokenizer_source = "GGUF vocab+merges, rebuilt as upstream tokenizer.json"

    qids, queries, completions, targets = read_caches(args.run, args.batch)
    model = golden.build_reference_model(folder, tokenizer, targets.shape[1],
                                         special_tokens=SPECIAL_TOKENS,
                                         k_compression=K_COMPRESSION, gguf_file=name)
    attn = model.encoder_model.config._attn_implementation
    assert model.decoder_model.config._attn_implementation == attn

    collator = CustomCollator(tokenizer=tokenizer, special_tokens=SPECIAL_TOKENS,  # train.py:511-519
                              padding="longest", max_length=MAX_LENGTH, return_tensors="pt",
                              teacher_special_tokens=[], teacher_tokenizer=tokenizer)
    samples = [DataSample(id_=i, question=q, answer=c)
               for i, (q, c) in enumerate(zip(queries, completions))]
    batch = collator(samples)
    trainer = types.SimpleNamespace(  # the attributes compute_loss reads (training=llm2vec-gen)
        recon_loss_weight=1.0, align_loss_weight=1.0, other_sub_losses_weight=0.0,
        use_hard_negatives=False, margin_loss_weight=0.0, contrastive_loss_weight=0.0,
        teacher_model=CachedTeacher(targets),
        args=types.SimpleNamespace(report_to=None), accelerator=None)

    gc_on = args.gradient_checkpointing == "on"
    if gc_on:  # HF Trainer with train.py's gradient_checkpointing_kwargs
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    model.train()
    trainable = [p for p in model.parameters() if p.requires_grad]
    n_trainable = sum(p.numel() for p in trainable)
    optimizer = torch.optim.AdamW(trainable, lr=LR, betas=(0.9, 0.999), eps=1e-8,
                                  weight_decay=0.0)

    # Token counts, from the masks the encoder and the decoder actually receive.
    masks = {}
    hooks = [model.encoder_model.register_forward_pre_hook(
                 lambda m, a, kw: masks.__setitem__("encoder", kw["attention_mask"].clone()),
                 with_kwargs=True),
             model.decoder_model.register_forward_pre_hook(
                 lambda m, a, kw: masks.__setitem__("decoder", kw["attention_mask"].clone()),
                 with_kwargs=True)]

    print(f"reference: llm2vec-gen 0.1.3 + train.py compute_loss; transformers "
          f"{transformers.__version__}, torch {torch.__version__}; float32, attention {attn}; "
          f"gradient checkpointing {args.gradient_checkpointing}; threads {args.threads}; "
          f"tokenizer from {tokenizer_source}; trainable params {n_trainable:,}; teacher = stub "
          f"returning the run's cached teacher vectors (a separate cached stage in genvec too)",
          flush=True)
    print(f"batch: {args.batch} rows, encoder {tuple(batch['query_input_ids'].shape)}, answers "
          f"{tuple(batch['answer_input_ids'].shape)}, first ids {qids[:3]}", flush=True)

    times, losses = [], []
    for step in range(args.steps):
        t0 = time.perf_counter()
        loss = train.LLM2VecGenTrainer.compute_loss(trainer, model, batch)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        optimizer.zero_grad()
        dt = time.perf_counter() - t0
        if step == 0:
            for h in hooks:
                h.remove()
        times.append(dt)
        losses.append(float(loss.detach()))
        print(f"step {step}: loss {losses[-1]:.6f}  {dt * 1e3:.0f} ms"
              + ("  (warm-up)" if step == 0 else ""), flush=True)

    median_s = statistics.median(times[1:])
    enc, dec = masks["encoder"], masks["decoder"]
    result = {
        "engine": f"llm2vec-gen 0.1.3 + transformers {transformers.__version__} "
                  f"(torch {torch.__version__.split('+')[0]})",
        "gradient_checkpointing": gc_on,
        "threads": args.threads,
        "batch": args.batch,
        "steps": args.steps,
        "median_ms_per_step": round(median_s * 1e3, 1),
        "samples_per_s": round(args.batch / median_s, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "encoder_tokens_real": int(enc.sum()),
        "encoder_tokens_padded": int(enc.numel()),
        "decoder_tokens_real": int(dec.sum()),
        "decoder_tokens_padded": int(dec.numel()),
        "loss_first": losses[0],
        "loss_last": losses[-1],
        "notes": f"float32 weights dequantized from the Q4_1 GGUF, attention {attn}; teacher is a "
                 f"stub returning the run's cached teacher vectors (a separate cached stage in "
                 f"genvec too); AdamW lr {LR} wd 0, clip 1.0; median over steps 2..{args.steps}",
    }
    with open(args.json, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    sys.exit(main())
