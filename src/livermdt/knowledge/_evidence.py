"""The evidence registry: one entry per source the knowledge base cites.

The data are in ``evidence*.json``; see ``docs/evidence.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from livermdt.knowledge._loading import KnowledgeDataError, load_entries

#: Ids read ``<first-author-or-body>-<year>-<topic>``: lower case words joined by hyphens.
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)+$")
#: The Crossref DOI syntax (prefix 10.NNNN, then a suffix without spaces).
DOI_PATTERN = re.compile(r"^10\.\d{4,9}/\S+$")
PMID_PATTERN = re.compile(r"^\d{1,9}$")
PMCID_PATTERN = re.compile(r"^PMC\d+$")

KINDS = frozenset(
    {
        "guideline",
        "consensus",
        "trial",
        "cohort",
        "review",
        "score",
        "formula",
        "criteria",
        "label",
        "policy",
    }
)
_FIELDS = ("citation", "doi", "pmid", "pmcid", "url", "verified", "kind", "kb_section", "note")


@dataclass(frozen=True, slots=True)
class Evidence:
    """One source. ``verified`` is false when the knowledge base could not check the statement we
    rely on against the source itself; the product shows that status next to every rule using it."""

    id: str
    citation: str
    doi: str | None
    pmid: str | None
    pmcid: str | None
    url: str | None
    verified: bool
    kind: str
    kb_section: str
    note: str

    def as_json(self) -> dict[str, Any]:
        """The record as embedded in an assessment's ``evidence`` object (without the id key)."""
        return {
            "citation": self.citation,
            "doi": self.doi,
            "pmid": self.pmid,
            "pmcid": self.pmcid,
            "url": self.url,
            "verified": self.verified,
            "kind": self.kind,
            "kb_section": self.kb_section,
            "note": self.note,
        }


def _optional_str(
    where: str, raw: Mapping[str, Any], key: str, pattern: re.Pattern[str]
) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not pattern.match(value):
        raise KnowledgeDataError(f"{where}.{key}: does not match {pattern.pattern} (got {value!r})")
    return value


def _parse(entry_id: str, file_name: str, raw: Mapping[str, Any]) -> Evidence:
    where = f"{file_name}: entries.{entry_id}"
    if not ID_PATTERN.match(entry_id):
        raise KnowledgeDataError(f"{where}: id must match {ID_PATTERN.pattern}")
    unknown = sorted(set(raw) - set(_FIELDS))
    absent = sorted(set(_FIELDS) - set(raw))
    if unknown or absent:
        raise KnowledgeDataError(f"{where}: unknown keys {unknown}, absent keys {absent}")
    for key in ("citation", "kb_section", "note"):
        if not isinstance(raw[key], str):
            raise KnowledgeDataError(f"{where}.{key}: expected a string (got {raw[key]!r})")
    if not raw["citation"].strip():
        raise KnowledgeDataError(f"{where}.citation: must not be empty")
    if not isinstance(raw["verified"], bool):
        raise KnowledgeDataError(
            f"{where}.verified: expected true or false (got {raw['verified']!r})"
        )
    if raw["kind"] not in KINDS:
        raise KnowledgeDataError(
            f"{where}.kind: expected one of {sorted(KINDS)} (got {raw['kind']!r})"
        )
    url = raw["url"]
    if url is not None and not (isinstance(url, str) and url.startswith(("http://", "https://"))):
        raise KnowledgeDataError(f"{where}.url: expected an http(s) address (got {url!r})")
    return Evidence(
        id=entry_id,
        citation=raw["citation"],
        doi=_optional_str(where, raw, "doi", DOI_PATTERN),
        pmid=_optional_str(where, raw, "pmid", PMID_PATTERN),
        pmcid=_optional_str(where, raw, "pmcid", PMCID_PATTERN),
        url=url,
        verified=raw["verified"],
        kind=raw["kind"],
        kb_section=raw["kb_section"],
        note=raw["note"],
    )


@cache
def _registry() -> dict[str, Evidence]:
    return {
        entry_id: _parse(entry_id, file_name, raw)
        for entry_id, (file_name, raw) in load_entries("evidence").items()
    }


def all_evidence() -> dict[str, Evidence]:
    """Every registry entry, by id (a copy: callers may not change the registry)."""
    return dict(_registry())


def get_evidence(evidence_id: str) -> Evidence:
    """The entry for ``evidence_id``; an unknown id raises ``KeyError`` naming it."""
    try:
        return _registry()[evidence_id]
    except KeyError:
        raise KeyError(
            f"unknown evidence id {evidence_id!r}: add it to an evidence*.json file in "
            "livermdt/knowledge (see docs/evidence.md)"
        ) from None


def resolve_evidence(ids: Iterable[str]) -> dict[str, Evidence]:
    """``{id: Evidence}`` for the given ids, in first-seen order, duplicates collapsed.
    Any unknown id raises ``KeyError``."""
    resolved: dict[str, Evidence] = {}
    for evidence_id in ids:
        if evidence_id not in resolved:
            resolved[evidence_id] = get_evidence(evidence_id)
    return resolved
