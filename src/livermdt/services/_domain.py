"""The services' only contact with the case model and the engine: validate a document, assess it.
Kept in one module so the rest of the services deal in plain JSON documents."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from livermdt.case import Case, parse_case
from livermdt.knowledge import KNOWLEDGE_VERSION


def validate_document(document: dict[str, Any] | str | bytes) -> dict[str, Any]:
    """The canonical JSON form of a valid case document; raises ``CaseValidationError`` listing
    every problem (the same lines as the CLI)."""
    return _case_json(parse_case(document))


def _case_json(case: Case) -> dict[str, Any]:
    return case.to_json_dict()


def assess_document(document: dict[str, Any]) -> dict[str, Any]:
    """assessment-v1 JSON of a stored (already valid) case document."""
    from livermdt.engine import assess

    return assess(parse_case(document)).to_json_dict()


@dataclass(frozen=True)
class Assessed:
    """An assessment serialised once, as JSON text, with the facts the store keeps beside it."""

    json_text: str
    engine_version: str
    knowledge_version: str
    category: str | None


def assess_document_json(document: dict[str, Any]) -> Assessed:
    """assessment-v1 JSON text of a stored (already valid) case document: serialised straight
    from the engine's model (the API's hot path sends it as it is; no dict in between)."""
    from livermdt.engine import assess

    assessment = assess(parse_case(document))
    return Assessed(
        json_text=assessment.model_dump_json(by_alias=True),
        engine_version=assessment.engine_version,
        knowledge_version=assessment.knowledge_version,
        category=assessment.resectability.category,
    )


def knowledge_version() -> str:
    return str(KNOWLEDGE_VERSION)


def category_of(result: dict[str, Any]) -> str | None:
    resectability = result.get("resectability")
    if isinstance(resectability, dict) and resectability.get("category") is not None:
        return str(resectability["category"])
    return None


def missing_count_of(result: dict[str, Any]) -> int | None:
    missing = result.get("missing_data")
    return len(missing) if isinstance(missing, list) else None


def engine_version() -> str:
    """The version the engine stamps on its assessments (looked up before computing one)."""
    import livermdt.engine as engine_pkg
    from livermdt.about import __version__

    return str(getattr(engine_pkg, "ENGINE_VERSION", __version__))


def recommendation_codes() -> frozenset[str]:
    """Every recommendation code of assessment-v1 (what a decision's codes may be)."""
    from livermdt.engine.model import ALL_CODES

    return frozenset(ALL_CODES)
