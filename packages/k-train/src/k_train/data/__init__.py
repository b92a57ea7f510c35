"""k_train.data: how `fit()` reads data, whatever its source.

`get_adapter(x, y, ...)` returns one adapter interface over NumPy arrays and
tensors, Python generators, `PyDataset`, `tf.data.Dataset` and torch
`DataLoader`; see `k_train.data.adapters`.
"""

from k_train.data.adapters import DataAdapter as DataAdapter
from k_train.data.adapters import get_adapter as get_adapter
from k_train.data.batches import pack_x_y_sample_weight as pack_x_y_sample_weight
from k_train.data.batches import train_validation_split as train_validation_split
from k_train.data.batches import unpack_x_y_sample_weight as unpack_x_y_sample_weight
from k_train.data.py_dataset import PyDataset as PyDataset

Sequence = PyDataset

__all__ = ["DataAdapter", "PyDataset", "Sequence", "get_adapter", "pack_x_y_sample_weight",
           "train_validation_split", "unpack_x_y_sample_weight"]
