"""k-layers: Layer, Model, Sequential, Functional, the layer set, and what configures them.

Public surface: `Layer`, `InputSpec`, `Input`, `InputLayer`, `Model`, `Sequential`,
`Functional`, `clone_model`, and the namespaces `layers`, `models`, `initializers`,
`regularizers`, `constraints`, `activations`, `dtype_policies`, `serialization`.
"""

__version__ = "0.1.0"

from k_layers import activations as activations  # noqa: E402
from k_layers import constraints as constraints  # noqa: E402
from k_layers import dtype_policies as dtype_policies  # noqa: E402
from k_layers import initializers as initializers  # noqa: E402
from k_layers import layers as layers  # noqa: E402
from k_layers import models as models  # noqa: E402
from k_layers import regularizers as regularizers  # noqa: E402
from k_layers import serialization as serialization  # noqa: E402
from k_layers.input_spec import InputSpec as InputSpec  # noqa: E402
from k_layers.layer import Layer as Layer  # noqa: E402
from k_layers.models import Functional as Functional  # noqa: E402
from k_layers.models import Input as Input  # noqa: E402
from k_layers.models import InputLayer as InputLayer  # noqa: E402
from k_layers.models import Model as Model  # noqa: E402
from k_layers.models import Sequential as Sequential  # noqa: E402
from k_layers.models import clone_model as clone_model  # noqa: E402
