"""Evidence registry and threshold tables (data, shipped in this package) and their loader.

The data live in ``evidence*.json`` and ``thresholds*.json`` beside this file; every shard is
merged and a duplicate id is an error. See ``docs/evidence.md``.
"""

from __future__ import annotations

from livermdt.knowledge._evidence import (
    Evidence,
    all_evidence,
    get_evidence,
    resolve_evidence,
)
from livermdt.knowledge._loading import KnowledgeDataError
from livermdt.knowledge._thresholds import (
    Threshold,
    ThresholdTable,
    default_thresholds,
    threshold,
)

#: Version of the rule set and evidence base; stamped on every assessment and stored with it.
KNOWLEDGE_VERSION = "2025.1"

__all__ = [
    "KNOWLEDGE_VERSION",
    "Evidence",
    "KnowledgeDataError",
    "Threshold",
    "ThresholdTable",
    "all_evidence",
    "default_thresholds",
    "get_evidence",
    "resolve_evidence",
    "threshold",
]
