"""Saving and loading: Keras 3 `.keras` archives and `.weights.h5` files.

The files are Keras 3's own formats (a zip of `metadata.json`, `config.json` and
`model.weights.h5`), so they move both ways between kappa and Keras 3 and between
kappa's backends. Loading is safe by default: see `archive` and `weights_store`.
"""

from k_layers.saving.api import load_model as load_model
from k_layers.saving.api import load_weights as load_weights
from k_layers.saving.api import save_model as save_model
from k_layers.saving.api import save_weights as save_weights
from k_layers.saving.file_editor import KerasFileEditor as KerasFileEditor

__all__ = ["save_model", "load_model", "save_weights", "load_weights", "KerasFileEditor"]
