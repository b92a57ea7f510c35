"""kappa's test matrix: every package's tests on every backend, and the checks around them.

Environments live outside the clone, in `$KAPPA_NOX_CACHE` (default
`~/.cache/kappa-nox`), one per backend, shared by that backend's package
sessions and reused from run to run: an environment is (re)installed only
when its requirement list changes. A package session puts only that package
and its kappa dependencies on the path (`PYTHONPATH` to their `src/`), so it
proves the package works without the ones above it.

    nox                      # everything CI runs
    nox -s "tests(package='k-ops', backend='torch')"
    nox -s lint build integration
"""

import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import nox

nox.options.default_venv_backend = "none"
nox.options.error_on_missing_interpreters = True

ROOT = pathlib.Path(__file__).resolve().parent
CACHE = pathlib.Path(os.environ.get("KAPPA_NOX_CACHE", "~/.cache/kappa-nox")).expanduser()

# Each package and the kappa packages it depends on, lowest first.
PACKAGES = {
    "k-backends": [],
    "k-ops": ["k-backends"],
    "k-layers": ["k-backends", "k-ops"],
    "k-train": ["k-backends", "k-ops", "k-layers"],
    "k-quant": ["k-backends", "k-ops", "k-layers"],
    "k-export": ["k-backends", "k-ops", "k-layers"],
    "kappa": ["k-backends", "k-ops", "k-layers", "k-train", "k-quant", "k-export"],
}
MODULES = {name: name.replace("-", "_") for name in PACKAGES}
# torch is pinned to the CPU build that this workplace keeps on disk; an
# unpinned torch would pull a multi-GB CUDA build.
FRAMEWORKS = {
    "numpy": ["numpy>=1.26", "ml_dtypes>=0.4"],
    "jax": ["jax>=0.4.30"],
    "torch": ["torch==2.13.0", "ml_dtypes>=0.4"],
    "tensorflow": ["tensorflow-cpu>=2.16"],
}
# scikit-learn is a test oracle (its metrics) and ships the digits data the training tests fit;
# tensorboard's reader checks the TensorBoard callback's event files; h5py is k-layers' file format.
TEST_TOOLS = ["pytest>=8", "pytest-xdist>=3", "scikit-learn>=1.3", "tensorboard>=2.16", "h5py>=3.10"]
# Suites large enough that two pytest-xdist workers (one per CI core) pay for their start-up.
PARALLEL = {"k-backends", "k-ops", "k-layers", "k-train"}


def _uv():
    uv = shutil.which("uv") or str(pathlib.Path(sys.executable).with_name("uv"))
    if not os.path.exists(uv):
        raise RuntimeError("nox sessions need uv: pip install uv")
    return uv


def _uv_env():
    """uv sees the same local wheels as pip (the CPU torch build lives there)."""
    env = {"UV_CACHE_DIR": str(CACHE / "uv-cache")}
    links = os.environ.get("PIP_FIND_LINKS")
    if not links:
        found = subprocess.run([sys.executable, "-m", "pip", "config", "get", "global.find-links"],
                               capture_output=True, text=True)
        links = found.stdout.strip() if found.returncode == 0 else ""
    if links:
        env["UV_FIND_LINKS"] = ",".join(links.split())
    return env


def environment(session, name, requirements):
    """Path to the Python of the cached environment `name`, installing `requirements` if changed."""
    env_dir = CACHE / "envs" / name
    python = env_dir / "bin" / "python"
    stamp = env_dir / "kappa-requirements.txt"
    wanted = "\n".join(sorted(requirements)) + "\n"
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return str(python)
    uv = _uv()
    session.run(uv, "venv", "--quiet", "--clear", "--python", sys.executable, str(env_dir),
                env=_uv_env(), external=True)
    session.run(uv, "pip", "install", "--quiet", "--python", str(python), *requirements,
                env=_uv_env(), external=True)
    stamp.write_text(wanted)
    return str(python)


def _pythonpath(package):
    return os.pathsep.join(str(ROOT / "packages" / p / "src") for p in PACKAGES[package] + [package])


def _test_env(session, backend, pythonpath):
    home = tempfile.mkdtemp(prefix="kappa-home-")
    # JAX compiles each op once per shape and dtype; its persistent cache makes warm runs skip that.
    return {"PYTHONPATH": pythonpath, "KAPPA_BACKEND": backend, "KAPPA_HOME": home,
            "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONDONTWRITEBYTECODE": "1",
            "JAX_COMPILATION_CACHE_DIR": str(CACHE / "jax-cache"),
            "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
            "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "0"}


@nox.session
@nox.parametrize("backend", list(FRAMEWORKS))
@nox.parametrize("package", list(PACKAGES))
def tests(session, package, backend):
    """Run one package's tests on one backend, with only its kappa dependencies importable."""
    python = environment(session, backend, FRAMEWORKS[backend] + TEST_TOOLS)
    workers = ["-n", "2"] if package in PARALLEL else []
    session.run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *workers,
                str(ROOT / "packages" / package / "tests"), *session.posargs,
                env=_test_env(session, backend, _pythonpath(package)), external=True)


@nox.session
def integration(session):
    """Tests that need several packages and every backend in one environment."""
    requirements = sorted({r for reqs in FRAMEWORKS.values() for r in reqs}) + TEST_TOOLS
    python = environment(session, "all", requirements)
    session.run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                str(ROOT / "tests-integration"), *session.posargs,
                env=_test_env(session, "numpy", _pythonpath("kappa")), external=True)


@nox.session
def interop(session):
    """.keras files move both ways between kappa and Keras 3 (installed only here)."""
    python = environment(session, "interop", FRAMEWORKS["jax"] + TEST_TOOLS + ["keras>=3.15"])
    session.run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                str(ROOT / "tests-integration" / "test_keras_interop.py"), *session.posargs,
                env=_test_env(session, "jax", _pythonpath("kappa")), external=True)


@nox.session
def lint(session):
    """ruff over the whole repository."""
    python = environment(session, "lint", ["ruff>=0.6"])
    session.run(str(pathlib.Path(python).with_name("ruff")), "check", str(ROOT), external=True)


@nox.session
def build(session):
    """Build every wheel; install each package alone (numpy only), then all of kappa together."""
    uv = _uv()
    dist = pathlib.Path(session.create_tmp()) / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    for package in PACKAGES:
        session.run(uv, "build", "--quiet", "--wheel", "--out-dir", str(dist),
                    str(ROOT / "packages" / package), env=_uv_env(), external=True)
    checks = {package: f"import {MODULES[package]}" for package in PACKAGES}
    checks["k-backends"] = ("import sys, k_backends; assert k_backends.backend() == 'numpy'; "
                            "k_backends.current(); assert 'jax' not in sys.modules")
    checks["kappa"] = ("import kappa; v = kappa.Variable([1.0, 2.0]); "
                       "assert kappa.ops.convert_to_numpy(v * 2).tolist() == [2.0, 4.0]")
    for package, code in checks.items():
        env_dir = pathlib.Path(session.create_tmp()) / f"alone-{package}"
        python = env_dir / "bin" / "python"
        session.run(uv, "venv", "--quiet", "--clear", "--python", sys.executable, str(env_dir),
                    env=_uv_env(), external=True)
        # The package and its siblings are the wheels just built (never an index's
        # namesake); numpy and other third-party requirements come from the index.
        wheels = [str(next(dist.glob(f"{MODULES[p]}-*.whl"))) for p in PACKAGES[package] + [package]]
        session.run(uv, "pip", "install", "--quiet", "--python", str(python), *wheels,
                    env=_uv_env(), external=True)
        session.run(str(python), "-c", code, env={"KAPPA_HOME": str(env_dir / "home")},
                    external=True)
