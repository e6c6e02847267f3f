"""torchspecs: an executable behaviour specification of PyTorch.

The package holds what the specs share: assertion helpers (``assertions``),
hypothesis strategies (``strategies``), the documented view rule (``layout``),
torch-version helpers (``versions``), device selection (``devices``), global
state isolation (``isolation``), the study-note claims (``claims``) and the
pytest plugin (``plugin``).
"""

__version__ = "0.1.0"
