#!/usr/bin/env python3
"""Writes safetensors files from Keras reference cases, independently of LstmGen's writer.

Reads ../LstmGen.Tests/Reference/<case>.json (weights by Keras name, shape and row-major values) and writes
../LstmGen.Tests/Reference/SafeTensors/<case>.safetensors, following the format of
https://github.com/huggingface/safetensors:

    8-byte little-endian header length N | N bytes of UTF-8 JSON (padded with spaces to a multiple of 8) | data

The JSON maps each tensor name to {"dtype", "shape", "data_offsets": [begin, end]} (offsets into the data) and
has a "__metadata__" object of strings. Tensors are stored sorted by name, as the official library orders
tensors of one dtype, which is NOT the model's order: LstmGen must load them by name.

Plain Python 3 (struct and json only). Deterministic: running it twice gives byte-identical files.

    cd tests/reference && python3 write_safetensors.py            # the default cases
    python3 write_safetensors.py stacked embedding_mask           # or some cases
"""

import json
import math
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE = os.path.join(HERE, "..", "LstmGen.Tests", "Reference")
OUT = os.path.join(REFERENCE, "SafeTensors")
DEFAULT_CASES = ["stacked", "embedding_mask", "bidirectional_ave"]


def write_file(path, tensors, metadata):
    """Writes a safetensors file: tensors = [(name, shape, float values)] stored as F32 (or [(name, shape, int
    values, "I64")], as PyTorch stores BatchNorm's num_batches_tracked), sorted by name (not model order, as the
    official library orders tensors of one dtype); metadata = {str: str}. Returns the data size."""
    header = {}
    data = bytearray()
    for tname, shape, values, *dtype in sorted(tensors, key=lambda t: t[0]):
        dtype = dtype[0] if dtype else "F32"
        shape = [int(d) for d in shape]
        if len(values) != math.prod(shape):
            raise SystemExit(f"{path}: {tname} has {len(values)} values for shape {shape}")
        begin = len(data)
        # float32 values (or their shortest decimals): packing as '<f' gives the same float32 back.
        data += struct.pack(("<%dq" if dtype == "I64" else "<%df") % len(values), *values)
        header[tname] = {"dtype": dtype, "shape": shape, "data_offsets": [begin, len(data)]}
    header["__metadata__"] = dict(metadata)

    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        f.write(data)
    return len(data)


def write_case(name):
    with open(os.path.join(REFERENCE, name + ".json"), encoding="utf-8") as f:
        case = json.load(f)
    path = os.path.join(OUT, name + ".safetensors")
    size = write_file(path, [(w["name"], w["shape"], w["values"]) for w in case["weights"]], {
        "format": "keras",
        "producer": "write_safetensors.py",
        "source": "Reference/" + name + ".json",
    })
    print(f"{os.path.relpath(path, HERE)}: {len(case['weights'])} tensors, {size} bytes of data")


def main(argv):
    for name in argv or DEFAULT_CASES:
        write_case(name)


if __name__ == "__main__":
    main(sys.argv[1:])
