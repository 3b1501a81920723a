"""The peer of `genvec encode --model teacher` in bench/eval.sh: sentence-transformers encodes the
same texts with the same model (all-MiniLM-L6-v2), batch size and threads; prints one JSON line
{"texts", "seconds", "texts_per_s", "dims"} (the median of REPEATS timed runs after a warm-up).

    /work/venv/bin/python bench/encode_peers.py TEXTS.jsonl MODEL_DIR --batch 64 --threads 2
"""
import argparse
import json
import statistics
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("texts", help="JSONL with a text field, the file genvec encodes")
    parser.add_argument("model", help="the sentence-transformers model directory")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(args.threads)
    texts = [json.loads(line)["text"] for line in open(args.texts, encoding="utf-8")]
    model = SentenceTransformer(args.model, device="cpu")
    model.encode(texts[: args.batch], batch_size=args.batch)  # warm-up
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        embeddings = model.encode(texts, batch_size=args.batch, convert_to_numpy=True)
        times.append(time.perf_counter() - start)
    seconds = statistics.median(times)
    print(json.dumps({"texts": len(texts), "seconds": seconds, "texts_per_s": len(texts) / seconds,
                      "dims": int(embeddings.shape[1]), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
