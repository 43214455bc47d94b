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


def write_case(name):
    with open(os.path.join(REFERENCE, name + ".json"), encoding="utf-8") as f:
        case = json.load(f)

    weights = sorted(case["weights"], key=lambda w: w["name"])  # by name, not model order
    header = {}
    data = bytearray()
    for w in weights:
        shape = [int(d) for d in w["shape"]]
        values = w["values"]
        if len(values) != math.prod(shape):
            raise SystemExit(f"{name}: {w['name']} has {len(values)} values for shape {shape}")
        begin = len(data)
        # The JSON values are float32 written as their shortest decimal: packing as '<f' gives the same float32 back.
        data += struct.pack("<%df" % len(values), *values)
        header[w["name"]] = {"dtype": "F32", "shape": shape, "data_offsets": [begin, len(data)]}
    header["__metadata__"] = {
        "format": "keras",
        "producer": "write_safetensors.py",
        "source": "Reference/" + name + ".json",
    }

    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name + ".safetensors")
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        f.write(data)
    print(f"{os.path.relpath(path, HERE)}: {len(weights)} tensors, {len(data)} bytes of data")


def main(argv):
    for name in argv or DEFAULT_CASES:
        write_case(name)


if __name__ == "__main__":
    main(sys.argv[1:])
