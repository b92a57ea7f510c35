import os
import tempfile

os.environ.setdefault("KAPPA_HOME", tempfile.mkdtemp(prefix="kappa-home-"))
