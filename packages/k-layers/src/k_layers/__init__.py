"""k-layers: Layer, Model, Sequential, Functional and the layer set (issues 4 and 5).

This release lays the package down in kappa's dependency order; its public
names arrive with the issues that build them.
"""

__version__ = "0.1.0"
