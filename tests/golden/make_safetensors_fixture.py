#!/usr/bin/env python3
"""Golden safetensors file written by the reference implementation (pip install safetensors numpy):

    python tests/golden/make_safetensors_fixture.py

Writes tests/golden/safetensors_dtypes/model.safetensors: for each numpy-expressible dtype a
tensor named after the safetensors dtype holding arange(6) reshaped (2, 3), plus an empty (0, 4)
tensor, and a __metadata__ entry.
"""
import os

import numpy as np
from safetensors.numpy import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64,
          "I32": np.int32, "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_}

tensors = {name: np.arange(6).astype(dtype).reshape(2, 3) for name, dtype in DTYPES.items()}
tensors["empty"] = np.zeros((0, 4), dtype=np.float32)
os.makedirs(os.path.join(HERE, "safetensors_dtypes"), exist_ok=True)
save_file(tensors, os.path.join(HERE, "safetensors_dtypes", "model.safetensors"),
          metadata={"format": "np"})
