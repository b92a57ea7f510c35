"""k-export: export to SavedModel, ONNX, OpenVINO and LiteRT (a later issue).

This release lays the package down in kappa's dependency order; its public
names arrive with the issues that build them.
"""

__version__ = "0.1.0"
