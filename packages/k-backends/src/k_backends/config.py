"""Global settings: float type, fuzz factor, image layout, and the config file.

The settings start from `$KAPPA_HOME/kappa.json` (default `~/.kappa`), read on
first use (importing kappa touches no file) and created then with the defaults
when its folder is writable. The file
may also name a `"backend"`; kappa never writes that key itself, so a file
created under one set of installed frameworks does not pin a later one.
"""

import json
import os
import tempfile

FLOAT_TYPES = ("bfloat16", "float16", "float32", "float64")
IMAGE_DATA_FORMATS = ("channels_last", "channels_first")
DEFAULTS = {"floatx": "float32", "epsilon": 1e-7, "image_data_format": "channels_last"}

_settings = {}  # empty until first use, then every key of DEFAULTS


def kappa_home():
    """The folder that holds kappa's config file: `$KAPPA_HOME` or `~/.kappa`."""
    home = os.environ.get("KAPPA_HOME")
    if home:
        return os.path.abspath(os.path.expanduser(home))
    return os.path.join(os.path.expanduser("~"), ".kappa")


def config_path():
    return os.path.join(kappa_home(), "kappa.json")


def read_config_file():
    """Return the config file's settings, creating the file with defaults if absent.

    A file that is not a JSON object is an error naming the file; an unwritable
    home folder is not (kappa then runs on the defaults).
    """
    path = config_path()
    if not os.path.exists(path):
        _write_defaults(path)
        return {}
    try:
        with open(path, encoding="utf-8") as f:
            content = json.load(f)
    except (OSError, ValueError) as e:
        raise ValueError(f"kappa could not read its config file {path}: {e}. "
                         "Fix or delete the file.") from None
    if not isinstance(content, dict):
        raise ValueError(f"kappa's config file {path} must hold a JSON object; "
                         f"got {type(content).__name__}. Fix or delete the file.")
    return content


def _write_defaults(path):
    folder = os.path.dirname(path)
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".kappa.json.")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(DEFAULTS, f, indent=4)
        # Rename is atomic: a concurrent reader sees no file or a whole one.
        os.replace(tmp, path)
    except OSError:
        pass


def _load():
    _settings.update(DEFAULTS)
    content = read_config_file()
    if "floatx" in content:
        set_floatx(content["floatx"])
    if "epsilon" in content:
        set_epsilon(content["epsilon"])
    if "image_data_format" in content:
        set_image_data_format(content["image_data_format"])


def floatx():
    """The default float dtype name, e.g. `"float32"`."""
    if not _settings:
        _load()
    return _settings["floatx"]


def set_floatx(value):
    """Set the default float dtype: one of bfloat16, float16, float32, float64."""
    if value not in FLOAT_TYPES:
        raise ValueError(f"set_floatx expected one of {FLOAT_TYPES}; got value={value!r}.")
    if not _settings:
        _load()
    _settings["floatx"] = str(value)


def epsilon():
    """The fuzz factor added to denominators, `1e-7` by default."""
    if not _settings:
        _load()
    return _settings["epsilon"]


def set_epsilon(value):
    """Set the fuzz factor used in numeric expressions."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"set_epsilon expected a non-negative number; got value={value!r}.")
    if not _settings:
        _load()
    _settings["epsilon"] = float(value)


def image_data_format():
    """`"channels_last"` or `"channels_first"`: the default image layout."""
    if not _settings:
        _load()
    return _settings["image_data_format"]


def set_image_data_format(data_format):
    """Set the default image layout."""
    normalized = str(data_format).lower()
    if normalized not in IMAGE_DATA_FORMATS:
        raise ValueError(f"set_image_data_format expected one of {IMAGE_DATA_FORMATS}; "
                         f"got data_format={data_format!r}.")
    if not _settings:
        _load()
    _settings["image_data_format"] = normalized


def standardize_data_format(data_format):
    """Resolve `None` to the global image layout and validate the rest."""
    if data_format is None:
        return image_data_format()
    normalized = str(data_format).lower()
    if normalized not in IMAGE_DATA_FORMATS:
        raise ValueError(f"data_format must be one of {IMAGE_DATA_FORMATS}; "
                         f"got data_format={data_format!r}.")
    return normalized

