"""Reading the knowledge data files shipped in this package.

Every ``<stem>*.json`` file in the package folder is one shard of a table (``evidence.json``,
``evidence_engine.json``, ...). Shards are merged; an id that appears twice, in one file or across
files, is an error, because silently letting one definition win would hide a contradiction.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from livermdt.errors import LivermdtError

_PACKAGE = "livermdt.knowledge"


class KnowledgeDataError(LivermdtError):
    """A knowledge data file shipped with livermdt is malformed.

    A packaging error, not user input: it is never caused by a case document."""


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise KnowledgeDataError(f"duplicate key {key!r} in a knowledge data file")
        seen[key] = value
    return seen


def load_entries(stem: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """Merge the ``entries`` objects of every ``{stem}*.json`` file of the package.

    Returns ``{id: (file name, raw entry)}``; files are read in name order so that errors are
    reproducible.
    """
    folder = resources.files(_PACKAGE)
    names = sorted(
        item.name
        for item in folder.iterdir()
        if item.is_file() and item.name.startswith(stem) and item.name.endswith(".json")
    )
    merged: dict[str, tuple[str, dict[str, Any]]] = {}
    for name in names:
        text = folder.joinpath(name).read_text(encoding="utf-8")
        try:
            document = json.loads(text, object_pairs_hook=_reject_duplicate_keys)
        except json.JSONDecodeError as exc:
            raise KnowledgeDataError(f"{name}: not valid JSON ({exc})") from exc
        except KnowledgeDataError as exc:
            raise KnowledgeDataError(f"{name}: {exc}") from exc
        entries = document.get("entries") if isinstance(document, dict) else None
        if not isinstance(entries, dict):
            raise KnowledgeDataError(f"{name}: expected an object with an 'entries' object")
        for key, raw in entries.items():
            if key in merged:
                raise KnowledgeDataError(
                    f"{name}: id {key!r} is already defined in {merged[key][0]}"
                )
            if not isinstance(raw, dict):
                raise KnowledgeDataError(f"{name}: entries.{key}: expected an object")
            merged[key] = (name, raw)
    return merged
