#!/usr/bin/env python3
"""Generation throughput of SmolLM2-135M-Instruct in two peer engines, to compare with genvec.

Engines (same GGUF file, same prompt token ids, greedy, EOS ignored):
  llama.cpp     through llama-cpp-python's low-level C API, batched the way llama.cpp's
                `llama-batched` example does it: one context with n_seq_max = B sequences and a
                KV cache of at least B * (P + G) cells; all B prompts are prefilled in one
                llama_decode call, then every step decodes one token for each of the B sequences
                in one llama_decode call and takes the argmax of each sequence's logits. Weights stay
                in the GGUF's quantization (Q4_1). Other settings are llama.cpp's defaults
                (n_ubatch 512, flash attention "auto", which is on for CPU, and a KV cache
                split per sequence, kv_unified = false).
  transformers  AutoModelForCausalLM in float32 (transformers dequantizes the GGUF at load) and
                model.generate(do_sample=False) on the whole batch.

Prompts: the first B queries at stride 97 of the merged query file, each in SmolLM2's ChatML
(system + user + assistant header), tokenized with the GGUF's vocabulary by llama.cpp and cut
to exactly P ids. A query whose prompt is shorter than P gets the next queries appended to its
user turn, so every engine and every sequence processes exactly P prompt tokens of real text.
All prompts have the same length, so transformers' left padding is a no-op (mask all ones).

Reported per engine and batch size B (median over --repeats, after one untimed warm-up):
  prefill_tok_s  B*P / time until the first generated token of every sequence is known
  decode_tok_s   B*(G-1) / time for the remaining G-1 steps (the decode phase proper)
  wall_s         prefill + decode, one whole generation of B sequences x G new tokens
  peak_rss_mb    peak resident memory (getrusage ru_maxrss) of the process that ran it: every
                 (engine, batch) runs in a fresh subprocess, so it is that engine's own, model
                 load included (for llama.cpp the mmap'd GGUF pages it touched)
The transformers split of prefill and decode comes from a LogitsProcessor that timestamps its
first call: generate calls it right after the prefill forward pass, in the same run.

Setup: pip install transformers gguf torch numpy, and llama-cpp-python built from source for
this CPU without BLAS. Where the CPU reports AMX (Sapphire Rapids and later), -DGGML_NATIVE=ON
(-march=native) turns on ggml's AMX kernels, and on some machines, this project's VM among them,
they segfault at ldtilecfg in ggml_backend_amx_mul_mat on the first decode (llama.cpp issue
#20824). There, name the ISA and leave AMX out:
  CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_SSE42=ON -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON
    -DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_AVX_VNNI=ON -DGGML_AVX512=ON -DGGML_AVX512_VBMI=ON
    -DGGML_AVX512_VNNI=ON -DGGML_AVX512_BF16=ON -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF
    -DGGML_AMX_BF16=OFF -DGGML_BLAS=OFF" pip install --no-binary llama-cpp-python llama-cpp-python
(on a CPU without AMX, CMAKE_ARGS="-DGGML_NATIVE=ON -DGGML_BLAS=OFF" is enough).

Run:
  HF_HUB_OFFLINE=1 python bench/generate_peers.py \
      --model ~/.cache/genvec/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf \
      --threads 2 --batch 1 8 32 --prompt-tokens 64 --new-tokens 64 --repeats 3 --json peers.json
"""
import argparse
import ctypes
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_QUERIES = "/work/shared/data/queries_merged/queries_merged.jsonl"
QUERY_STRIDE = 97  # spread the prompts over the file instead of taking one source's first lines
SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
PAD_ID = 2  # SmolLM2's <|im_end|>, its GGUF padding token


def chatml(user: str) -> str:
    return (f"<|im_start|>system\n{SYSTEM}<|im_end|>\n"
            f"<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n")


# ---------------------------------------------------------------------------------------------
# Prompts
# ---------------------------------------------------------------------------------------------
_LOG_CB = None  # llama.cpp keeps only the C pointer of the log callback: keep the object alive


def quiet_llama_logs():
    """Drop llama.cpp's load/context chatter (it goes to stderr even with Llama(verbose=False))."""
    global _LOG_CB
    import llama_cpp
    _LOG_CB = llama_cpp.llama_log_callback(lambda level, text, user: None)
    llama_cpp.llama_log_set(_LOG_CB, ctypes.c_void_p(0))


def build_prompts(model_path: str, queries_path: str, count: int, n_tokens: int, verbose: bool) -> list:
    """`count` prompts of exactly `n_tokens` ids, tokenized by llama.cpp with the GGUF's vocab."""
    import llama_cpp
    if not verbose:
        quiet_llama_logs()
    vocab = llama_cpp.Llama(model_path=model_path, vocab_only=True, verbose=False)
    with open(queries_path, encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()]
    prompts = []
    for i in range(count):
        first = i * QUERY_STRIDE
        if first >= len(texts):
            sys.exit(f"{queries_path}: {len(texts)} queries, too few for {count} at stride {QUERY_STRIDE}")
        user, nxt = texts[first], first + 1
        # special=True so the ChatML markers become their single special ids; the GGUF says
        # add_bos_token = false, and the template has no BOS either.
        ids = vocab.tokenize(chatml(user).encode(), add_bos=False, special=True)
        while len(ids) < n_tokens:  # too short: lengthen the user turn with more real text
            user += "\n" + texts[nxt % len(texts)]
            nxt += 1
            ids = vocab.tokenize(chatml(user).encode(), add_bos=False, special=True)
        prompts.append(ids[:n_tokens])
    return prompts


# ---------------------------------------------------------------------------------------------
# Memory
# ---------------------------------------------------------------------------------------------
def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


# ---------------------------------------------------------------------------------------------
# llama.cpp (llama-cpp-python, low-level API)
# ---------------------------------------------------------------------------------------------
class LlamaBatched:
    """B sequences decoded together in one llama.cpp context, as in the llama-batched example."""

    FLASH_ATTN = {"auto": "LLAMA_FLASH_ATTN_TYPE_AUTO", "on": "LLAMA_FLASH_ATTN_TYPE_ENABLED",
                  "off": "LLAMA_FLASH_ATTN_TYPE_DISABLED"}

    def __init__(self, model_path, n_seq, n_prompt, n_new, threads, flash_attn, verbose):
        import numpy as np
        import llama_cpp as L
        self.np, self.L = np, L
        if not verbose:
            quiet_llama_logs()
        L.llama_backend_init()
        self.model = L.llama_model_load_from_file(model_path.encode(), L.llama_model_default_params())
        if not self.model:
            raise RuntimeError(f"llama.cpp could not load {model_path}")
        self.n_vocab = L.llama_vocab_n_tokens(L.llama_model_get_vocab(self.model))
        p = L.llama_context_default_params()
        p.n_ctx = n_seq * (n_prompt + n_new)       # every sequence keeps all its tokens
        p.n_batch = max(n_seq * n_prompt, n_seq)   # all prompts go in one llama_decode call
        p.n_seq_max = n_seq
        p.n_threads = p.n_threads_batch = threads
        p.flash_attn_type = getattr(L, self.FLASH_ATTN[flash_attn])
        self.ctx = L.llama_init_from_model(self.model, p)
        if not self.ctx:
            raise RuntimeError("llama.cpp could not create the context")
        self.batch = L.llama_batch_init(p.n_batch, 0, 1)

    def close(self):
        L = self.L
        L.llama_batch_free(self.batch)
        L.llama_free(self.ctx)
        L.llama_model_free(self.model)

    def _decode(self, entries):
        """entries: (token, pos, seq, want_logits) tuples, one llama_decode call."""
        b = self.batch
        for k, (tok, pos, seq, want) in enumerate(entries):
            b.token[k], b.pos[k], b.n_seq_id[k], b.logits[k] = tok, pos, 1, want
            b.seq_id[k][0] = seq
        b.n_tokens = len(entries)
        rc = self.L.llama_decode(self.ctx, b)
        if rc != 0:
            raise RuntimeError(f"llama_decode returned {rc} (KV cache too small?)")

    def _argmax(self, k):
        row = self.L.llama_get_logits_ith(self.ctx, k)
        return int(self.np.ctypeslib.as_array(row, shape=(self.n_vocab,)).argmax())

    def generate(self, prompts, n_new):
        """Greedy n_new tokens for every prompt; returns (tokens, prefill_s, decode_s)."""
        L = self.L
        L.llama_memory_clear(L.llama_get_memory(self.ctx), True)  # fresh KV cache per run
        n_prompt = len(prompts[0])
        t0 = time.perf_counter()
        # Prefill: every prompt token of every sequence; logits only at each prompt's last token.
        self._decode([(tok, pos, s, pos == n_prompt - 1)
                      for s, ids in enumerate(prompts) for pos, tok in enumerate(ids)])
        out = [[self._argmax((s + 1) * n_prompt - 1)] for s in range(len(prompts))]
        L.llama_synchronize(self.ctx)
        t1 = time.perf_counter()
        # Decode: one token per sequence per call; the batch index k is the sequence id.
        for step in range(1, n_new):
            self._decode([(seq[-1], n_prompt + step - 1, s, True) for s, seq in enumerate(out)])
            for s, seq in enumerate(out):
                seq.append(self._argmax(s))
        L.llama_synchronize(self.ctx)
        t2 = time.perf_counter()
        return out, t1 - t0, t2 - t1


def high_level_greedy(model_path, prompt, n_new, threads, flash_attn):
    """The same greedy generation through llama-cpp-python's high-level Llama API."""
    import llama_cpp
    # Llama() knows only flash attention on/off (default off). "auto" resolves to on wherever
    # the backend has the op, which the CPU backend does, so auto is compared against on.
    llm = llama_cpp.Llama(model_path=model_path, n_ctx=len(prompt) + n_new, n_threads=threads,
                          n_threads_batch=threads, flash_attn=flash_attn != "off", verbose=False)
    out = []
    # temp=0 selects llama.cpp's greedy sampler; generate() never stops on EOS by itself.
    for tok in llm.generate(prompt, temp=0.0, top_k=1, repeat_penalty=1.0):
        out.append(int(tok))
        if len(out) == n_new:
            break
    llm.close()
    return out


def worker_llama(a, prompts):
    import llama_cpp
    eng = LlamaBatched(a.model, len(prompts), a.prompt_tokens, a.new_tokens, a.threads, a.flash_attn,
                       a.verbose)
    eng.generate(prompts, min(2, a.new_tokens))  # warm-up: first-call allocations
    runs = []
    for _ in range(a.repeats):
        tokens, pre, dec = eng.generate(prompts, a.new_tokens)
        runs.append((pre, dec))
    res = {"version": f"llama-cpp-python {llama_cpp.__version__}", "runs": runs,
           "peak_rss_mb": peak_rss_mb(), "tokens_seq0": tokens[0]}
    eng.close()
    if len(prompts) == 1 and not a.no_check:  # after the RSS reads: the check loads a 2nd model
        ref = high_level_greedy(a.model, prompts[0], a.new_tokens, a.threads, a.flash_attn)
        res["check_high_level_equal"] = ref == tokens[0]
        if ref != tokens[0]:
            first = next(i for i, (x, y) in enumerate(zip(ref, tokens[0])) if x != y)
            sys.stderr.write(f"  check: low-level and Llama() differ from token {first}\n"
                             f"    low-level {tokens[0]}\n    Llama()   {ref}\n")
    return res


# ---------------------------------------------------------------------------------------------
# transformers
# ---------------------------------------------------------------------------------------------
def worker_transformers(a, prompts):
    import torch
    import transformers
    from transformers import AutoModelForCausalLM, LogitsProcessor, LogitsProcessorList
    if not a.verbose:
        transformers.logging.set_verbosity_error()
        transformers.utils.logging.disable_progress_bar()
    torch.set_num_threads(a.threads)
    path = Path(a.model)
    model = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name,
                                                 dtype=torch.float32).eval()
    # generate() fills options left at their defaults from the model's generation config, so
    # eos_token_id=None passed to generate() would come back as 2: clear it at the source.
    model.generation_config.eos_token_id = None
    ids = torch.tensor(prompts, dtype=torch.long)
    mask = torch.ones_like(ids)  # equal lengths: left padding with PAD_ID would add nothing

    class FirstTokenClock(LogitsProcessor):
        """generate() calls logits processors once per step, first right after the prefill."""
        t = None

        def __call__(self, input_ids, scores):
            if self.t is None:
                self.t = time.perf_counter()
            return scores

    def generate(n_new):
        clock = FirstTokenClock()
        t0 = time.perf_counter()
        with torch.inference_mode():
            out = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=n_new,
                                 min_new_tokens=0, do_sample=False, num_beams=1,
                                 pad_token_id=PAD_ID, eos_token_id=None, use_cache=True,
                                 logits_processor=LogitsProcessorList([clock]))
        t2 = time.perf_counter()
        if out.shape[1] != ids.shape[1] + n_new:
            raise RuntimeError(f"transformers generated {out.shape[1] - ids.shape[1]} tokens, not {n_new}")
        return out[:, ids.shape[1]:].tolist(), clock.t - t0, t2 - clock.t

    generate(min(2, a.new_tokens))  # warm-up: first-call allocations, lazy initialisation
    runs = []
    for _ in range(a.repeats):
        tokens, pre, dec = generate(a.new_tokens)
        runs.append((pre, dec))
    return {"version": f"transformers {transformers.__version__} / torch {torch.__version__}",
            "runs": runs, "peak_rss_mb": peak_rss_mb(), "tokens_seq0": tokens[0]}


WORKERS = {"llama.cpp": worker_llama, "transformers": worker_transformers}


# ---------------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------------
def run_worker(a, engine, batch, prompts_file):
    """One (engine, batch) in a fresh process, so its peak RSS is its own."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out_file = f.name
    cmd = [sys.executable, os.path.abspath(__file__), "--model", a.model, "--threads", str(a.threads),
           "--prompt-tokens", str(a.prompt_tokens), "--new-tokens", str(a.new_tokens),
           "--repeats", str(a.repeats), "--_worker", engine, "--_batch", str(batch),
           "--_prompts", prompts_file, "--_out", out_file]
    cmd += ["--flash-attn", a.flash_attn] + ["--verbose"] * a.verbose + ["--no-check"] * a.no_check
    env = dict(os.environ)
    # OpenMP / BLAS pools other than the engine's own would otherwise size themselves to the machine.
    env.update(OMP_NUM_THREADS=str(a.threads), HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    if not a.verbose:
        env["TQDM_DISABLE"] = "1"  # transformers' GGUF dequantization progress bar
    try:
        subprocess.run(cmd, env=env, check=True)
        with open(out_file) as f:
            return json.load(f)
    finally:
        os.unlink(out_file)


def summarize(engine, batch, a, res):
    pre = statistics.median(r[0] for r in res["runs"])
    dec = statistics.median(r[1] for r in res["runs"])
    wall = statistics.median(r[0] + r[1] for r in res["runs"])
    return {"engine": engine, "version": res["version"], "batch": batch, "threads": a.threads,
            "prompt_tokens": a.prompt_tokens, "new_tokens": a.new_tokens,
            "prefill_tok_s": round(batch * a.prompt_tokens / pre, 1),
            "decode_tok_s": round(batch * (a.new_tokens - 1) / dec, 1) if a.new_tokens > 1 else None,
            "wall_s": round(wall, 3), "peak_rss_mb": round(res["peak_rss_mb"], 1)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="GGUF file (both engines read it)")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--batch", type=int, nargs="+", default=[1, 8, 32])
    ap.add_argument("--prompt-tokens", type=int, default=64)
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--engines", nargs="+", default=list(WORKERS), choices=list(WORKERS))
    ap.add_argument("--queries", default=DEFAULT_QUERIES, help="JSONL with a 'text' field per line")
    ap.add_argument("--json", help="write the result rows here")
    ap.add_argument("--prompts-out", help="write the prompt token ids (largest batch) here, "
                    "so another engine can be fed the very same prompts")
    ap.add_argument("--flash-attn", choices=["auto", "on", "off"], default="auto",
                    help="llama.cpp flash attention (default: llama.cpp's own default, auto)")
    ap.add_argument("--no-check", action="store_true", help="skip the batch-1 low-level vs Llama() check")
    ap.add_argument("--verbose", action="store_true", help="keep the engines' own logs")
    for hidden in ("--_worker", "--_batch", "--_prompts", "--_out"):  # internal: one subprocess
        ap.add_argument(hidden, help=argparse.SUPPRESS)
    a = ap.parse_args()

    if a._worker:
        with open(a._prompts) as f:
            prompts = json.load(f)[: int(a._batch)]
        res = WORKERS[a._worker](a, prompts)
        with open(a._out, "w") as f:
            json.dump(res, f)
        return

    prompts = build_prompts(a.model, a.queries, max(a.batch), a.prompt_tokens, a.verbose)
    import llama_cpp  # loaded by build_prompts; its CPU features say which kernels llama.cpp has
    print(f"llama.cpp CPU features: {llama_cpp.llama_print_system_info().decode().strip()}", file=sys.stderr)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(prompts, f)  # smaller batches take a prefix: their prompts are the same
        prompts_file = f.name
    if a.prompts_out:
        with open(a.prompts_out, "w") as f:
            json.dump({"prompt_tokens": a.prompt_tokens, "stride": QUERY_STRIDE, "prompts": prompts}, f)

    rows, first_tokens, status = [], {}, 0  # first_tokens: engine -> (batch, sequence 0's tokens)
    try:
        for engine in a.engines:
            for batch in a.batch:
                print(f"[{engine}] batch {batch} ...", file=sys.stderr, flush=True)
                res = run_worker(a, engine, batch, prompts_file)
                rows.append(summarize(engine, batch, a, res))
                first_tokens.setdefault(engine, (batch, res["tokens_seq0"]))
                if "check_high_level_equal" in res:
                    status |= not res["check_high_level_equal"]
                    print(f"check: llama.cpp low-level batched path == Llama().generate on batch 1: "
                          f"{'OK' if res['check_high_level_equal'] else 'MISMATCH'}", file=sys.stderr)
    finally:
        os.unlink(prompts_file)

    if len(first_tokens) == 2:  # informative only: Q4_1 kernels vs fp32 dequantized differ a bit
        (bx, x), (by, y) = first_tokens.values()
        same = next((i for i, (p, q) in enumerate(zip(x, y)) if p != q), min(len(x), len(y)))
        print(f"greedy agreement llama.cpp (batch {bx}) vs transformers (batch {by}), sequence 0: "
              f"first {same}/{len(x)} tokens equal", file=sys.stderr)

    head = f"{'engine':<13} {'batch':>5} {'thr':>3} {'prefill tok/s':>13} {'decode tok/s':>12} " \
           f"{'wall s':>8} {'peak RSS MB':>11}  version"
    print(f"P={a.prompt_tokens} prompt tokens, G={a.new_tokens} new tokens, median of {a.repeats}")
    print(head)
    for r in rows:
        print(f"{r['engine']:<13} {r['batch']:>5} {r['threads']:>3} {r['prefill_tok_s']:>13.1f} "
              f"{r['decode_tok_s'] or 0:>12.1f} {r['wall_s']:>8.2f} {r['peak_rss_mb']:>11.0f}  {r['version']}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)
    return status  # 1 when the batch-1 check failed: the batched numbers would be suspect


if __name__ == "__main__":
    sys.exit(main())
