"""livermdt: decision support for liver MDTs treating colorectal liver metastases.

livermdt supports and does not replace the judgement of the multidisciplinary team.

The public API is deliberately small (a test pins ``__all__``)::

    from livermdt import load_case, assess
    case = load_case("examples/example-1-resectable.json")
    assessment = assess(case)

Names are imported lazily so that ``import livermdt`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from livermdt.about import DISCLAIMER, __version__

if TYPE_CHECKING:
    from livermdt.case import Case, load_case, parse_case
    from livermdt.engine import Assessment, assess
    from livermdt.knowledge import KNOWLEDGE_VERSION

__all__ = [
    "DISCLAIMER",
    "KNOWLEDGE_VERSION",
    "Assessment",
    "Case",
    "__version__",
    "assess",
    "load_case",
    "parse_case",
]

_LAZY = {
    "Case": "livermdt.case",
    "load_case": "livermdt.case",
    "parse_case": "livermdt.case",
    "Assessment": "livermdt.engine",
    "assess": "livermdt.engine",
    "KNOWLEDGE_VERSION": "livermdt.knowledge",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'livermdt' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
