"""k-train: the training loop, optimizers, losses, metrics and callbacks (issues 6 to 8).

This release lays the package down in kappa's dependency order; its public
names arrive with the issues that build them.
"""

__version__ = "0.1.0"
