"""`kappa.models`: Model, Sequential, clone_model, model_from_json."""

from k_layers.models.cloning import clone_model as clone_model
from k_layers.models.cloning import model_from_json as model_from_json
from k_layers.models.model import Model as Model
from k_layers.models.sequential import Sequential as Sequential
from k_layers.saving import load_model as load_model
from k_layers.saving import save_model as save_model
