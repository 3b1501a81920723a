#!/usr/bin/env python3
"""Golden PyTorch checkpoints for the torch-free reader (models/torch_checkpoint.h), written by
torch.save itself, with the same tensors written by safetensors as the expected values:

    /work/venv/bin/python tests/golden/make_torch_checkpoint_fixture.py

(any Python with torch >= 1.6 and safetensors; /work/venv has torch 2.6). Writes, under
tests/golden/torch_checkpoint/:
  pytorch_model.bin     an OrderedDict state dict: every dtype genvec reads, a 0-d tensor, an empty
                        tensor, non-contiguous views (a transpose, a strided slice, an expand), a
                        stride-0 view of a size-1 dimension (BERT's position_ids), two views
                        sharing one storage at different offsets, and an nn.Parameter
  expected.safetensors  the same tensors as contiguous copies (safetensors.torch.save_file)
  sharded/              pytorch_model.bin.index.json + two shards of one module's state dict
                        (keeping the `_metadata` attribute state_dict() attaches)
  legacy.bin            the pre-1.6 format (_use_new_zipfile_serialization=False)
  os_system.bin         a zip checkpoint whose data.pkl calls os.system: must be refused
and copies of pytorch_model.bin and shard 2 as the fuzz seeds in
tests/fuzz/corpus/torch_checkpoint/.
"""
import json
import os
import shutil
import zipfile
from collections import OrderedDict

import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "torch_checkpoint")


def state_dict():
    # Values equal their position (arange) so a wrong offset or stride shows up as a wrong value.
    tensors = OrderedDict()
    for name, dtype in [("f32", torch.float32), ("f16", torch.float16), ("bf16", torch.bfloat16),
                        ("f64", torch.float64), ("i64", torch.int64), ("i32", torch.int32),
                        ("i16", torch.int16), ("i8", torch.int8), ("u8", torch.uint8)]:
        tensors[name] = (torch.arange(6) - 2).to(dtype).reshape(2, 3)
    tensors["bool"] = torch.tensor([[True, False, True], [False, False, True]])
    tensors["scalar"] = torch.tensor(3.5)
    tensors["empty"] = torch.zeros(0, 4)
    tensors["transposed"] = torch.arange(12, dtype=torch.float32).reshape(3, 4).t()
    tensors["strided"] = torch.arange(10, dtype=torch.int32)[1::3]
    tensors["expanded"] = torch.arange(3, dtype=torch.float32).expand(2, 3)
    # Older BERT checkpoints save position_ids this way: stride 0 on a size-1 dimension, which
    # is still contiguous (so mapped in place).
    tensors["position_ids"] = torch.arange(4).expand((1, -1))
    shared = torch.arange(10, dtype=torch.float32)
    tensors["shared_a"] = shared[2:5]
    tensors["shared_b"] = shared[6:10].view(2, 2)
    tensors["param"] = torch.nn.Parameter(torch.tensor([0.25, -1.5, 8.0]))
    return tensors


def sharded_model():
    model = torch.nn.Module()
    model.encoder = torch.nn.Linear(3, 2)
    model.head = torch.nn.Linear(2, 1)
    with torch.no_grad():
        for start, layer in [(1, model.encoder), (100, model.head)]:
            weight = layer.weight
            weight.copy_(torch.arange(weight.numel()).reshape(weight.shape) + start)
            layer.bias.copy_(-torch.arange(layer.bias.numel()) - start)
    return model


def shard(model, prefix):
    # Deleting entries keeps the OrderedDict's `_metadata` attribute, which pickles as a BUILD.
    tensors = model.state_dict()
    for name in [name for name in tensors if not name.startswith(prefix)]:
        del tensors[name]
    return tensors


def write_os_system(path):
    # A hand-written pickle: GLOBAL 'os system', the argument tuple ('echo pwned',), REDUCE, STOP.
    # torch.load(weights_only=False) would run the command; the reader must refuse the global.
    pickle = b"\x80\x02cos\nsystem\nX\x0a\x00\x00\x00echo pwned\x85R."
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("os_system/data.pkl", pickle)
        archive.writestr("os_system/byteorder", "little")
        archive.writestr("os_system/version", "3\n")


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(os.path.join(OUT, "sharded"))
    tensors = state_dict()
    torch.save(tensors, os.path.join(OUT, "pytorch_model.bin"))
    save_file({name: t.detach().contiguous().clone() for name, t in tensors.items()},
              os.path.join(OUT, "expected.safetensors"))

    model = sharded_model()
    shards = {"pytorch_model-00001-of-00002.bin": shard(model, "encoder."),
              "pytorch_model-00002-of-00002.bin": shard(model, "head.")}
    weight_map = {}
    for file, tensors in shards.items():
        torch.save(tensors, os.path.join(OUT, "sharded", file))
        weight_map.update({name: file for name in tensors})
    total = sum(t.numel() * t.element_size()
                for tensors in shards.values() for t in tensors.values())
    with open(os.path.join(OUT, "sharded", "pytorch_model.bin.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)

    torch.save({"x": torch.ones(2)}, os.path.join(OUT, "legacy.bin"),
               _use_new_zipfile_serialization=False)
    write_os_system(os.path.join(OUT, "os_system.bin"))

    corpus = os.path.join(HERE, "..", "fuzz", "corpus", "torch_checkpoint")
    os.makedirs(corpus, exist_ok=True)
    shutil.copy(os.path.join(OUT, "pytorch_model.bin"), os.path.join(corpus, "state_dict.bin"))
    shutil.copy(os.path.join(OUT, "sharded", "pytorch_model-00002-of-00002.bin"),
                os.path.join(corpus, "linear_with_metadata.bin"))


if __name__ == "__main__":
    main()
