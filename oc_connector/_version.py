"""The installed distribution's version (``0+unknown`` when the package runs from a source tree)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

__all__ = ["__version__"]

try:
    __version__: str = version("oc-connector")
except PackageNotFoundError:  # pragma: no cover - not installed as a distribution
    __version__ = "0+unknown"
