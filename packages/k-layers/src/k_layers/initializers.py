"""`keras.initializers`: objects that make a weight's first value from its shape and dtype.

An initializer is called as `init(shape, dtype=None)` (dtype None means `floatx()`) and
serializes to the same config Keras 3 writes, so `.keras` files move both ways.

Seeds follow Keras: an int seed gives the same values on every call; a
`SeedGenerator` gives new values on every call; `None` draws one int seed when the
initializer is built (so repeated calls repeat, but two initializers differ) while
the config keeps `seed: None`.
"""

import math
import random as _python_random

import numpy as np

from k_backends import config as _config
from k_backends import dtypes as _dtypes
from k_backends.seed import SeedGenerator
from k_layers.serialization import builtin, builtin_objects, deserialize_keras_object, serialize_keras_object
from k_ops import core as _core
from k_ops import linalg as _linalg
from k_ops import numpy as knp
from k_ops import random as _random

__all__ = ["Initializer", "Constant", "Zeros", "Ones", "Identity", "IdentityInitializer", "STFT",
           "STFTInitializer", "RandomNormal", "RandomUniform", "TruncatedNormal", "VarianceScaling",
           "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform", "LecunNormal", "LecunUniform",
           "Orthogonal", "OrthogonalInitializer", "constant", "zeros", "ones", "identity", "stft",
           "random_normal", "random_uniform", "truncated_normal", "variance_scaling", "glorot_normal",
           "glorot_uniform", "he_normal", "he_uniform", "lecun_normal", "lecun_uniform", "orthogonal",
           "get", "serialize", "deserialize"]

_NS = "keras.initializers"


def _dtype(dtype):
    return _dtypes.standardize_dtype(dtype if dtype is not None else _config.floatx())


def _shape(shape, name):
    try:
        shape = tuple(int(d) for d in shape)
    except TypeError:
        raise ValueError(f"{name}: shape must be a tuple of ints; got shape={shape!r}.") from None
    if any(d < 0 for d in shape):
        raise ValueError(f"{name}: shape dimensions must be >= 0; got shape={shape}.")
    return shape


@builtin(_NS)
class Initializer:
    """Base class: subclasses implement `__call__(shape, dtype=None)` and `get_config()`.

    Example:
    >>> class Halves(Initializer):
    ...     def __call__(self, shape, dtype=None):
    ...         return kappa.ops.full(shape, 0.5, dtype=dtype)
    """

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(shape, dtype=None).")

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def clone(self):
        """A new initializer with the same config."""
        return type(self).from_config(self.get_config())


# -- constants --------------------------------------------------------------------
@builtin(_NS, "constant")
class Constant(Initializer):
    """Fills with a constant `value` (a scalar, or an array broadcast to the shape).

    Example:
    >>> Constant(3.0)((2, 2))
    """

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        shape, dtype = _shape(shape, "Constant"), _dtype(dtype)
        value = _core.convert_to_tensor(self.value, dtype=dtype)
        return knp.broadcast_to(value, shape)

    def get_config(self):
        value = self.value
        if isinstance(value, (np.ndarray, np.generic)) or _core.is_tensor(value):
            array = np.asarray(_core.convert_to_numpy(value))
            if array.ndim == 0:
                return {"value": array.item()}
            # Keras writes arrays as a `__tensor__` entry.
            return {"value": {"class_name": "__tensor__",
                              "config": {"value": array.tolist(), "dtype": str(array.dtype)}}}
        return {"value": value}

    @classmethod
    def from_config(cls, config):
        value = config.get("value", 0.0)
        if isinstance(value, dict) and value.get("class_name") in ("__tensor__", "__numpy__"):
            value = np.array(value["config"]["value"], dtype=value["config"]["dtype"])
        return cls(value=value)


@builtin(_NS, "zeros", "zero")
class Zeros(Initializer):
    """Fills with zeros (any dtype)."""

    def __call__(self, shape, dtype=None):
        return knp.zeros(_shape(shape, "Zeros"), dtype=_dtype(dtype))


@builtin(_NS, "ones", "one")
class Ones(Initializer):
    """Fills with ones (any dtype)."""

    def __call__(self, shape, dtype=None):
        return knp.ones(_shape(shape, "Ones"), dtype=_dtype(dtype))


@builtin(_NS, "identity", "IdentityInitializer")
class Identity(Initializer):
    """`gain` times the identity matrix; only for 2D shapes (rectangular is fine).

    Example:
    >>> Identity(gain=2.0)((3, 3))
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape, dtype = _shape(shape, "Identity"), _dtype(dtype)
        if len(shape) != 2:
            raise ValueError(f"Identity initializer needs a 2D shape; got shape={shape} "
                             f"of rank {len(shape)}.")
        return knp.multiply(_core.cast(self.gain, dtype), knp.eye(shape[0], shape[1], dtype=dtype))

    def get_config(self):
        # Keras 3 writes `{}` (dropping gain); kappa matches it for the default gain and
        # keeps a non-default gain, which Keras reads back fine.
        return {} if self.gain == 1.0 else {"gain": self.gain}


IdentityInitializer = Identity


def _window(name, length, periodic):
    """A NumPy window of `length` samples (periodic: the DFT-even variant)."""
    if name not in _WINDOW_NAMES:
        raise ValueError(f"STFT: window={name!r} is not supported; use one of {list(_WINDOWS)} "
                         "or pass the window values as an array.")
    n = length + 1 if periodic else length
    if n == 1:
        values = np.ones(1)
    else:
        k = np.arange(n)
        phase = 2.0 * np.pi * k / (n - 1)
        if name == "hann":
            values = 0.5 - 0.5 * np.cos(phase)
        elif name == "hamming":
            values = 0.54 - 0.46 * np.cos(phase)
        elif name == "blackman":
            values = 0.42 - 0.5 * np.cos(phase) + 0.08 * np.cos(2 * phase)
        elif name == "bartlett":
            values = 1.0 - np.abs(2.0 * k / (n - 1) - 1.0)
        else:
            values = np.ones(n)
    return values[:length]


_WINDOWS = ("hann", "hamming", "blackman", "bartlett", "boxcar")
_WINDOW_NAMES = (*_WINDOWS, "rectangular", "ones")


@builtin(_NS, "stft", "STFTInitializer")
class STFT(Initializer):
    """Kernel of a short-time Fourier transform as a convolution, shape `(T, 1, F // 2 + 1)`.

    Args:
        side: "real" (cosine part) or "imag" (sine part).
        window: a window name ("hann", "hamming", "blackman", "bartlett",
            "boxcar"), an array of `T` values, or None for no window.
        scaling: "density" (divide by the window's L2 norm), "spectrum" (by its
            L1 norm) or None.
        periodic: use the periodic (DFT-even) variant of a named window.
    """

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in ("real", "imag"):
            raise ValueError(f"STFT: side must be 'real' or 'imag'; got side={side!r}.")
        if isinstance(window, str):
            _window(window, 1, False)  # validates the name
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError(f"STFT: scaling must be None, 'density' or 'spectrum'; got scaling={scaling!r}.")
        self.side = side
        self.window = window
        self.scaling = scaling
        self.periodic = periodic

    def __call__(self, shape, dtype=None):
        shape, dtype = _shape(shape, "STFT"), _dtype(dtype)
        if len(shape) != 3:
            raise ValueError("STFT: shape must be (frame_length, input_channels, fft_bins); "
                             f"got shape={shape}.")
        frame_length, _, bins = shape
        fft_length = (bins - 1) * 2
        time = np.arange(frame_length, dtype="float64").reshape(frame_length, 1, 1)
        freq = np.arange(bins, dtype="float64").reshape(1, 1, bins) / fft_length
        args = -2.0 * np.pi * time * freq
        kernel = np.cos(args) if self.side == "real" else np.sin(args)
        if self.window is not None:
            win = self.window
            if isinstance(win, str):
                win = _window(win, frame_length, self.periodic)
            win = np.asarray(_core.convert_to_numpy(win) if _core.is_tensor(win) else win, dtype="float64")
            if win.shape != (frame_length,):
                raise ValueError(f"STFT: the window must have shape ({frame_length},) (the frame length); "
                                 f"got window shape={win.shape}.")
            win = win.reshape(frame_length, 1, 1)
            kernel = kernel * win
            if self.scaling == "density":
                kernel = kernel / np.sqrt(np.sum(np.square(win)))
            elif self.scaling == "spectrum":
                kernel = kernel / np.sum(np.abs(win))
        kernel = np.broadcast_to(kernel, shape)
        return _core.convert_to_tensor(kernel.astype(dtype) if dtype != "bfloat16" else kernel, dtype=dtype)

    def get_config(self):
        return {"side": self.side, "window": self.window, "periodic": self.periodic, "scaling": self.scaling}


STFTInitializer = STFT


# -- random -----------------------------------------------------------------------
def _seed_config(seed):
    if isinstance(seed, SeedGenerator):
        return {"module": "keras.random", "class_name": "SeedGenerator",
                "config": {"seed": seed.get_config()["seed"], "name": seed.name}, "registered_name": None}
    return seed


class _RandomInitializer(Initializer):
    """Shared seed handling (see the module docstring)."""

    def __init__(self, seed=None):
        self._init_seed = seed
        if seed is None:
            seed = _python_random.randint(1, int(1e9))
        elif isinstance(seed, dict):
            if seed.get("class_name") != "SeedGenerator":
                raise ValueError(f"{type(self).__name__}: a dict seed must be a SeedGenerator config; "
                                 f"got seed={seed!r}.")
            seed = SeedGenerator(**seed.get("config", {}))
            self._init_seed = seed
        elif isinstance(seed, bool) or not isinstance(seed, (int, np.integer, SeedGenerator)):
            raise ValueError(f"{type(self).__name__}: seed must be an int, None or a SeedGenerator; "
                             f"got seed={seed!r}.")
        self.seed = int(seed) if isinstance(seed, (int, np.integer)) else seed

    def get_config(self):
        return {"seed": _seed_config(self._init_seed)}


@builtin(_NS, "random_normal", "normal")
class RandomNormal(_RandomInitializer):
    """Draws from a normal distribution N(mean, stddev**2).

    Example:
    >>> RandomNormal(mean=0.0, stddev=1.0, seed=1)((2, 2))
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        return _random.normal(_shape(shape, "RandomNormal"), mean=self.mean, stddev=self.stddev,
                              dtype=_dtype(dtype), seed=self.seed)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


@builtin(_NS, "random_uniform", "uniform")
class RandomUniform(_RandomInitializer):
    """Draws uniformly from [minval, maxval)."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        return _random.uniform(_shape(shape, "RandomUniform"), minval=self.minval, maxval=self.maxval,
                               dtype=_dtype(dtype), seed=self.seed)

    def get_config(self):
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


@builtin(_NS, "truncated_normal")
class TruncatedNormal(_RandomInitializer):
    """Draws from a normal distribution, redrawing values more than two stddevs from the mean."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        return _random.truncated_normal(_shape(shape, "TruncatedNormal"), mean=self.mean,
                                        stddev=self.stddev, dtype=_dtype(dtype), seed=self.seed)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


def compute_fans(shape, input_axes=None, output_axes=None):
    """(fan_in, fan_out) of a weight shape; conv kernels `(*window, in, out)` count the window.

    `input_axes` and `output_axes`, when both given, name the axes whose sizes multiply
    into each fan.
    """
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return int(np.prod([shape[a] for a in input_axes])), int(np.prod([shape[a] for a in output_axes]))
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


_TRUNCATED_STDDEV = 0.87962566103423978  # stddev of a unit normal truncated to [-2, 2]


@builtin(_NS, "variance_scaling")
class VarianceScaling(_RandomInitializer):
    """Draws with variance `scale / n`, n being fan_in, fan_out or their mean (`mode`).

    Args:
        scale: positive factor of the variance.
        mode: "fan_in", "fan_out" or "fan_avg".
        distribution: "truncated_normal" (also "normal"), "untruncated_normal" or "uniform".
        seed: int, None or SeedGenerator.
        input_axes, output_axes: axes counted into fan_in / fan_out (both or neither).

    Example:
    >>> VarianceScaling(scale=2.0, mode="fan_in", distribution="uniform", seed=0)((3, 3, 16, 32))
    """

    _MODES = ("fan_in", "fan_out", "fan_avg")
    _DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None):
        if not isinstance(scale, (int, float, np.number)) or isinstance(scale, bool) or scale <= 0.0:
            raise ValueError(f"VarianceScaling: scale must be a positive float; got scale={scale!r}.")
        if mode not in self._MODES:
            raise ValueError(f"VarianceScaling: mode must be one of {self._MODES}; got mode={mode!r}.")
        if not isinstance(distribution, str) or \
                distribution.lower() not in (*self._DISTRIBUTIONS, "normal"):
            raise ValueError(f"VarianceScaling: distribution must be one of {self._DISTRIBUTIONS}; "
                             f"got distribution={distribution!r}.")
        distribution = distribution.lower()
        self.scale = scale
        self.mode = mode
        self.distribution = "truncated_normal" if distribution == "normal" else distribution
        self.input_axes = input_axes
        self.output_axes = output_axes
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        shape, dtype = _shape(shape, type(self).__name__), _dtype(dtype)
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        if self.distribution == "truncated_normal":
            return _random.truncated_normal(shape, mean=0.0, stddev=math.sqrt(scale) / _TRUNCATED_STDDEV,
                                            dtype=dtype, seed=self.seed)
        if self.distribution == "untruncated_normal":
            return _random.normal(shape, mean=0.0, stddev=math.sqrt(scale), dtype=dtype, seed=self.seed)
        limit = math.sqrt(3.0 * scale)
        return _random.uniform(shape, minval=-limit, maxval=limit, dtype=dtype, seed=self.seed)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "mode": self.mode,
                "distribution": self.distribution, "input_axes": self.input_axes,
                "output_axes": self.output_axes}


def _named_scaling(name, scale, mode, distribution, doc):
    """A VarianceScaling preset whose config holds only seed and the fan axes (as Keras's)."""

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        VarianceScaling.__init__(self, scale=scale, mode=mode, distribution=distribution, seed=seed,
                                 input_axes=input_axes, output_axes=output_axes)

    def get_config(self):
        return {"seed": _seed_config(self._init_seed), "input_axes": self.input_axes,
                "output_axes": self.output_axes}

    cls = type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config, "__doc__": doc,
                                          "__module__": __name__})
    cls.__init__.__qualname__ = f"{name}.__init__"
    return cls


GlorotNormal = _named_scaling("GlorotNormal", 1.0, "fan_avg", "truncated_normal",
                              "Truncated normal with variance 1 / fan_avg (Glorot & Bengio, 2010).")
GlorotUniform = _named_scaling("GlorotUniform", 1.0, "fan_avg", "uniform",
                               "Uniform in +-sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio, 2010).\n\n"
                               "    Example:\n    >>> GlorotUniform(seed=0)((64, 32))\n    ")
HeNormal = _named_scaling("HeNormal", 2.0, "fan_in", "truncated_normal",
                          "Truncated normal with variance 2 / fan_in (He et al., 2015).")
HeUniform = _named_scaling("HeUniform", 2.0, "fan_in", "uniform",
                           "Uniform in +-sqrt(6 / fan_in) (He et al., 2015).")
LecunNormal = _named_scaling("LecunNormal", 1.0, "fan_in", "truncated_normal",
                             "Truncated normal with variance 1 / fan_in (LeCun et al., 1998).")
LecunUniform = _named_scaling("LecunUniform", 1.0, "fan_in", "uniform",
                              "Uniform in +-sqrt(3 / fan_in) (LeCun et al., 1998).")
for _cls, _alias in ((GlorotNormal, "glorot_normal"), (GlorotUniform, "glorot_uniform"),
                     (HeNormal, "he_normal"), (HeUniform, "he_uniform"), (LecunNormal, "lecun_normal"),
                     (LecunUniform, "lecun_uniform")):
    builtin(_NS, _alias)(_cls)
del _cls, _alias


@builtin(_NS, "orthogonal", "OrthogonalInitializer")
class Orthogonal(_RandomInitializer):
    """A random orthogonal matrix times `gain`; shapes of rank > 2 are flattened to
    `(prod(shape[:-1]), shape[-1])` first (Saxe et al., 2014).

    Example:
    >>> w = Orthogonal(seed=0)((4, 4))   # w.T @ w == I
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        shape, dtype = _shape(shape, "Orthogonal"), _dtype(dtype)
        if len(shape) < 2:
            raise ValueError(f"Orthogonal initializer needs a shape of rank >= 2; got shape={shape}.")
        rows, cols = int(np.prod(shape[:-1])), shape[-1]
        flat = (max(rows, cols), min(rows, cols))
        a = _random.normal(flat, dtype=dtype, seed=self.seed)
        q, r = _linalg.qr(a)
        q = knp.multiply(q, knp.sign(knp.diagonal(r)))
        if rows < cols:
            q = knp.transpose(q)
        return knp.multiply(_core.cast(self.gain, dtype), knp.reshape(q, shape))

    def get_config(self):
        return {**super().get_config(), "gain": self.gain}


OrthogonalInitializer = Orthogonal

constant, zeros, ones, identity, stft = Constant, Zeros, Ones, Identity, STFT
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
variance_scaling, orthogonal = VarianceScaling, Orthogonal
glorot_normal, glorot_uniform, he_normal, he_uniform = GlorotNormal, GlorotUniform, HeNormal, HeUniform
lecun_normal, lecun_uniform = LecunNormal, LecunUniform


# -- lookup -----------------------------------------------------------------------
@builtin(_NS)
def serialize(initializer):
    """The Keras config dict of an initializer."""
    return serialize_keras_object(initializer)


@builtin(_NS)
def deserialize(config, custom_objects=None):
    """Build an initializer from its config dict."""
    return deserialize_keras_object(config, custom_objects=custom_objects,
                                    module_objects=builtin_objects(_NS))


@builtin(_NS)
def get(identifier):
    """An initializer from a name ("he_normal", "Zeros"), a config dict, a class, a callable,
    or an array (the values themselves; the shape asked for must match). None gives None.

    Example:
    >>> get("glorot_uniform")
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = builtin_objects(_NS).get(identifier)
        if obj is None or obj in (get, serialize, deserialize):
            raise ValueError(f"Could not interpret initializer identifier: {identifier!r} (not a known "
                             "initializer name such as 'glorot_uniform' or 'Zeros').")
    elif isinstance(identifier, (np.ndarray, np.generic)) or _core.is_tensor(identifier):
        obj = _from_values(identifier)
    else:
        obj = identifier
    if isinstance(obj, type):
        obj = obj()
    if not callable(obj):
        raise ValueError(f"Could not interpret initializer identifier: {identifier!r} (expected a name, "
                         "a config dict, an Initializer or a callable(shape, dtype=None)).")
    return obj


def _from_values(values):
    expected = tuple(np.shape(values)) if not _core.is_tensor(values) else tuple(_core.shape(values))

    def initialize_fn(shape, dtype=None):
        if tuple(shape) != expected:
            raise ValueError(f"Expected shape {expected} for an array used as initializer; "
                             f"got shape={shape}.")
        return _core.cast(_core.convert_to_tensor(values), _dtype(dtype))

    return initialize_fn
