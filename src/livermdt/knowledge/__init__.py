"""Evidence registry and threshold tables (data, shipped in this package) and their loader."""

from __future__ import annotations

#: Version of the rule set and evidence base; stamped on every assessment and stored with it.
KNOWLEDGE_VERSION = "2025.1"
