"""Regenerate promotion_table.json from Keras 3 (run by hand, not by tests).

    KERAS_BACKEND=tensorflow python make_promotion_table.py > promotion_table.json

Keras 3.15 narrows 64-bit results on some backends (float64 + float64 gives
float32 on jax, torch and numpy; uint64 gives uint32 everywhere). kappa applies
one table on every backend and never narrows, so the table is taken from
Keras's tensorflow backend (which keeps int64 and float64) and its uint64
entries are restored to uint64. docs/architecture.md records the decision.
"""

import json

import keras

NAMES = [
    "bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32",
    "int64", "bfloat16", "float16", "float32", "float64",
]
PYTHON = {"py_bool": bool, "py_int": int, "py_float": float}


def main():
    assert keras.backend.backend() == "tensorflow", "run with KERAS_BACKEND=tensorflow"
    operands = {name: name for name in NAMES}
    operands.update(PYTHON)
    table = {}
    for a, da in operands.items():
        for b, db in operands.items():
            result = keras.backend.result_type(da, db)
            if result == "uint32" and "uint64" in (a, b):
                result = "uint64"
            table[f"{a},{b}"] = result
    print(json.dumps({"keras_version": keras.__version__, "table": table},
                     indent=0, sort_keys=True))


if __name__ == "__main__":
    main()
