"""Lazy imports of the optional statistics libraries (the ``analytics`` extra)."""

from __future__ import annotations

import importlib
from types import ModuleType

from livermdt.errors import MissingExtraError


def require(module: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingExtraError` naming the install command."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtraError("analytics", module.split(".")[0]) from None
