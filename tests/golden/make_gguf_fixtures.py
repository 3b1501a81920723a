#!/usr/bin/env python3
"""Golden fixtures for genvec's GGUF reader and ggml dequantization, made with gguf-py (the
reference implementation maintained with llama.cpp). Run in a venv with `pip install gguf numpy`:

    python tests/golden/make_gguf_fixtures.py [--smollm2 PATH/TO/SmolLM2-135M-Instruct.Q4_1.gguf]

Writes tests/golden/gguf_dequant.gguf: for every quantized type genvec reads, a tensor
"<TYPE>" of seeded random blocks (with sane f16 scales) and an F32 tensor "<TYPE>.expected"
holding gguf-py's dequantization of it; plus one metadata key of every GGUF value type,
nested arrays included. Also tests/fuzz/corpus/gguf/seed.gguf, the GGUF fuzzer's small seed. With --smollm2, also tests/golden/smollm2_tensors.txt: per tensor of the
real model, its type, shape, and the sum, sum of squares and first 4 values of gguf-py's
dequantization (one line each, space-separated), for the real-model test.
"""
import argparse
import os

import numpy as np
import gguf
from gguf import GGMLQuantizationType as Q

HERE = os.path.dirname(os.path.abspath(__file__))
VALUES_PER_TYPE = 1024


def random_blocks(rng, qtype):
    """Random raw bytes for VALUES_PER_TYPE values of qtype, with the f16 scale fields replaced by
    finite values of realistic size (random bits would give inf/NaN scales)."""
    block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
    n_blocks = VALUES_PER_TYPE // block_size
    raw = rng.integers(0, 256, size=(n_blocks, type_size), dtype=np.uint8)

    def f16_field(offset, low, high):
        values = rng.uniform(low, high, size=n_blocks).astype(np.float16)
        raw[:, offset:offset + 2] = values.view(np.uint8).reshape(n_blocks, 2)

    if qtype in (Q.Q4_0, Q.Q5_0, Q.Q8_0):
        f16_field(0, -0.05, 0.05)
    elif qtype in (Q.Q4_1, Q.Q5_1):
        f16_field(0, -0.05, 0.05)
        f16_field(2, -0.5, 0.5)
    elif qtype in (Q.Q4_K, Q.Q5_K):
        f16_field(0, 0.0, 0.01)
        f16_field(2, 0.0, 0.01)
    elif qtype == Q.Q6_K:
        f16_field(type_size - 2, -0.01, 0.01)
    return raw


def special_halves():
    """Every kind of half: zeros, subnormals, normals, the largest, infinities (no NaN: its
    payload is compared bit-for-bit elsewhere)."""
    bits = [0x0000, 0x8000, 0x0001, 0x03FF, 0x8001, 0x0400, 0x3C00, 0xBC00, 0x7BFF, 0xFBFF,
            0x7C00, 0xFC00, 0x3555, 0x1234]
    rng = np.random.default_rng(7)
    finite = rng.integers(0, 0x7C00, size=VALUES_PER_TYPE - len(bits), dtype=np.uint16)
    return np.concatenate([np.array(bits, dtype=np.uint16), finite]).view(np.float16)


def write_dequant_fixture(path):
    rng = np.random.default_rng(20261125)
    writer = gguf.GGUFWriter(path, arch="genvec-test")
    # One key per GGUF value type, nested arrays included (GGUFWriter adds general.architecture).
    writer.add_uint8("test.uint8", 200)
    writer.add_int8("test.int8", -100)
    writer.add_uint16("test.uint16", 60000)
    writer.add_int16("test.int16", -30000)
    writer.add_uint32("test.uint32", 4000000000)
    writer.add_int32("test.int32", -2000000000)
    writer.add_float32("test.float32", 0.125)
    writer.add_uint64("test.uint64", 2**63 + 5)
    writer.add_int64("test.int64", -(2**62))
    writer.add_float64("test.float64", -1.0e300)
    writer.add_bool("test.bool", True)
    writer.add_string("test.string", "héllo ✓ \n")
    writer.add_array("test.strings", ["a", "", "ü"])
    writer.add_array("test.ints", [1, -2, 3])
    writer.add_array("test.nested", [[1, 2], [3]])

    halves = special_halves()
    writer.add_tensor("F16", halves, raw_dtype=Q.F16)
    writer.add_tensor("F16.expected", halves.astype(np.float32))
    bf16_bits = rng.integers(0, 0x7F80, size=VALUES_PER_TYPE, dtype=np.uint16)
    bf16_bits[::2] |= 0x8000
    # Quantized tensors are handed over as bytes, shaped (rows, bytes per row).
    writer.add_tensor("BF16", bf16_bits.view(np.uint8).reshape(2, -1), raw_dtype=Q.BF16)
    writer.add_tensor("BF16.expected", gguf.quants.dequantize(bf16_bits.view(np.uint8), Q.BF16).reshape(2, 512))

    for qtype in (Q.Q4_0, Q.Q4_1, Q.Q5_0, Q.Q5_1, Q.Q8_0, Q.Q4_K, Q.Q5_K, Q.Q6_K):
        raw = random_blocks(rng, qtype)
        shape = (4, VALUES_PER_TYPE // 4)  # numpy order: 4 rows of 256 values
        writer.add_tensor(qtype.name, raw.reshape(4, -1), raw_dtype=qtype)
        expected = gguf.quants.dequantize(raw.reshape(-1), qtype).astype(np.float32)
        writer.add_tensor(qtype.name + ".expected", expected.reshape(shape))

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def write_fuzz_seed(path):
    """A small GGUF with nested metadata and one tensor of several types: the GGUF fuzzer's seed."""
    rng = np.random.default_rng(1)
    writer = gguf.GGUFWriter(path, arch="llama")
    writer.add_uint32("llama.block_count", 1)
    writer.add_array("tokenizer.ggml.tokens", ["<s>", "a", "Ġb"])
    writer.add_array("test.nested", [[1, 2], [3]])
    writer.add_float32("test.float32", 0.5)
    writer.add_tensor("f32", rng.standard_normal(8).astype(np.float32))
    for qtype in (Q.Q4_0, Q.Q4_K, Q.Q6_K):
        writer.add_tensor(qtype.name, random_blocks(rng, qtype)[:1].reshape(1, -1), raw_dtype=qtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def write_smollm2_summary(model_path, path):
    reader = gguf.GGUFReader(model_path)
    with open(path, "w") as out:
        out.write("# name type shape(GGUF order, comma-separated) sum sum_of_squares v0 v1 v2 v3\n")
        for t in reader.tensors:
            values = gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float64).reshape(-1)
            shape = ",".join(str(int(d)) for d in t.shape)
            first = " ".join(repr(float(np.float32(v))) for v in values[:4])
            out.write(f"{t.name} {t.tensor_type.name} {shape} {float(values.sum())!r} "
                      f"{float(np.square(values).sum())!r} {first}\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--smollm2", help="path of SmolLM2-135M-Instruct.Q4_1.gguf")
    args = parser.parse_args()
    write_dequant_fixture(os.path.join(HERE, "gguf_dequant.gguf"))
    write_fuzz_seed(os.path.join(HERE, "..", "fuzz", "corpus", "gguf", "seed.gguf"))
    if args.smollm2:
        write_smollm2_summary(args.smollm2, os.path.join(HERE, "smollm2_tensors.txt"))


if __name__ == "__main__":
    main()
