"""The `.keras` archive: a zip of `metadata.json`, `config.json` and `model.weights.h5`.

Writing is atomic: the archive is built in a temporary file in the target's directory,
flushed and fsynced, then renamed over the target, so an interrupted save never
destroys the previous file. Reading trusts nothing in the archive: only the three
expected member names are accepted (no directories, absolute paths or `..`), sizes
are checked against limits before anything is read, and the weights are copied, with
a byte cap, into a private temporary directory that is removed afterwards.
"""

import contextlib
import json
import os
import shutil
import tempfile
import zipfile

__all__ = ["CONFIG", "METADATA", "WEIGHTS", "atomic_path", "read_archive", "write_archive"]

CONFIG, METADATA, WEIGHTS = "config.json", "metadata.json", "model.weights.h5"
EXPECTED_MEMBERS = (METADATA, CONFIG, WEIGHTS)
# Generous limits: JSON members are small; the weights member is bounded by the total.
MAX_JSON_BYTES = 256 * 2**20
MAX_ARCHIVE_BYTES = 64 * 2**30
_CHUNK = 2**20


@contextlib.contextmanager
def atomic_path(filepath, overwrite, suffix=""):
    """Yield a temporary path beside `filepath`; on success fsync it and rename it over `filepath`."""
    filepath = os.fspath(filepath)
    if os.path.exists(filepath) and not overwrite:
        raise FileExistsError(f"{filepath} already exists and overwrite=False; pass overwrite=True to "
                              "replace it.")
    directory = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(directory, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".kappa-tmp-", suffix=suffix, dir=directory)
    os.close(handle)
    try:
        yield temporary
        with open(temporary, "rb+") as f:
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, filepath)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def write_archive(filepath, metadata, config, write_weights, overwrite=True):
    """Write a `.keras` zip; `write_weights(path)` writes the h5 weights file at `path`."""
    with tempfile.TemporaryDirectory(prefix="kappa-save-") as workdir:
        weights_path = os.path.join(workdir, WEIGHTS)
        write_weights(weights_path)
        with atomic_path(filepath, overwrite, suffix=".keras") as temporary:
            # Stored, not deflated, as Keras writes it: h5 weights barely compress.
            with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_STORED) as archive:
                archive.writestr(METADATA, json.dumps(metadata))
                archive.writestr(CONFIG, json.dumps(config))
                archive.write(weights_path, WEIGHTS)


def write_directory(dirpath, metadata, config, write_weights, overwrite=True):
    """The unzipped form: a directory holding the three members (Keras's `zipped=False`)."""
    dirpath = os.fspath(dirpath)
    if os.path.exists(dirpath) and not overwrite:
        raise FileExistsError(f"{dirpath} already exists and overwrite=False; pass overwrite=True to "
                              "replace it.")
    parent = os.path.dirname(os.path.abspath(dirpath))
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".kappa-tmp-", dir=parent)
    try:
        for name, data in ((METADATA, metadata), (CONFIG, config)):
            with open(os.path.join(staging, name), "w") as f:
                json.dump(data, f)
        write_weights(os.path.join(staging, WEIGHTS))
        if os.path.exists(dirpath):
            if not os.path.isdir(dirpath):
                raise FileExistsError(f"{dirpath} exists and is not a directory.")
            old = tempfile.mkdtemp(prefix=".kappa-old-", dir=parent)
            os.rmdir(old)
            os.replace(dirpath, old)
            os.replace(staging, dirpath)
            shutil.rmtree(old)
        else:
            os.replace(staging, dirpath)
    finally:
        if os.path.exists(staging):
            shutil.rmtree(staging)


def _check_member(info, filepath):
    name = info.filename
    if name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/") or ":" in name:
        raise ValueError(f"Refusing to load {filepath}: the archive member {name!r} has an unsafe path.")
    if name not in EXPECTED_MEMBERS:
        raise ValueError(f"Refusing to load {filepath}: unexpected archive member {name!r}; a .keras file "
                         f"holds only {list(EXPECTED_MEMBERS)}.")
    if info.flag_bits & 0x1:
        raise ValueError(f"Refusing to load {filepath}: the archive member {name!r} is encrypted.")
    limit = MAX_JSON_BYTES if name.endswith(".json") else MAX_ARCHIVE_BYTES
    if info.file_size > limit:
        raise ValueError(f"Refusing to load {filepath}: the archive member {name!r} declares "
                         f"{info.file_size} bytes, over the limit of {limit} bytes.")


def _copy_capped(source, target, limit, name, filepath):
    total = 0
    while True:
        chunk = source.read(_CHUNK)
        if not chunk:
            return total
        total += len(chunk)
        if total > limit:
            raise ValueError(f"Refusing to load {filepath}: the archive member {name!r} is larger than "
                             f"its declared size.")
        target.write(chunk)


def _read_json(text, name, filepath):
    try:
        return json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"Cannot load {filepath}: {name} is not valid JSON ({e}).") from None


@contextlib.contextmanager
def read_archive(filepath):
    """Yield `(metadata, config, weights_path)` of a `.keras` zip or unzipped directory."""
    filepath = os.fspath(filepath)
    if os.path.isdir(filepath):
        yield _read_directory(filepath)
        return
    try:
        archive = zipfile.ZipFile(filepath, "r")
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise ValueError(f"Cannot load {filepath}: it is not a valid .keras (zip) archive ({e}).") from None
    with archive, tempfile.TemporaryDirectory(prefix="kappa-load-") as workdir:
        infos = archive.infolist()
        names = [info.filename for info in infos]
        if len(set(names)) != len(names):
            raise ValueError(f"Refusing to load {filepath}: the archive names a member twice.")
        for info in infos:
            _check_member(info, filepath)
        total = sum(info.file_size for info in infos)
        if total > MAX_ARCHIVE_BYTES:
            raise ValueError(f"Refusing to load {filepath}: its members declare {total} bytes, over the "
                             f"limit of {MAX_ARCHIVE_BYTES} bytes.")
        for required in (CONFIG, WEIGHTS):
            if required not in names:
                raise ValueError(f"Cannot load {filepath}: the archive has no {required}.")
        try:
            texts = {}
            for name in (METADATA, CONFIG):
                if name in names:
                    info = archive.getinfo(name)
                    with archive.open(info) as f:
                        texts[name] = f.read(info.file_size + 1)
                    if len(texts[name]) != info.file_size:
                        raise ValueError(f"Refusing to load {filepath}: {name} does not match its "
                                         "declared size.")
            weights_path = os.path.join(workdir, WEIGHTS)
            info = archive.getinfo(WEIGHTS)
            with archive.open(info) as source, open(weights_path, "wb") as target:
                _copy_capped(source, target, info.file_size, WEIGHTS, filepath)
        except (zipfile.BadZipFile, EOFError, OSError) as e:
            raise ValueError(f"Cannot load {filepath}: the archive is truncated or corrupt ({e}).") from None
        metadata = _read_json(texts[METADATA], METADATA, filepath) if METADATA in texts else {}
        config = _read_json(texts[CONFIG], CONFIG, filepath)
        yield metadata, config, weights_path


def _read_directory(dirpath):
    paths = {name: os.path.join(dirpath, name) for name in EXPECTED_MEMBERS}
    for name in (CONFIG, WEIGHTS):
        if not os.path.isfile(paths[name]):
            raise ValueError(f"Cannot load {dirpath}: the directory has no {name}.")
    texts = {}
    for name in (METADATA, CONFIG):
        if os.path.isfile(paths[name]):
            if os.path.getsize(paths[name]) > MAX_JSON_BYTES:
                raise ValueError(f"Refusing to load {dirpath}: {name} is over {MAX_JSON_BYTES} bytes.")
            with open(paths[name], "rb") as f:
                texts[name] = f.read()
    metadata = _read_json(texts[METADATA], METADATA, dirpath) if METADATA in texts else {}
    return metadata, _read_json(texts[CONFIG], CONFIG, dirpath), paths[WEIGHTS]
