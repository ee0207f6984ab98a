"""The Jinja2 environment shared by the pages and the decision summary.

Autoescape is on for every template (``.html``): user text — a lesion id, a decision's free
text, a deviation reason — is always rendered escaped. Only the SVG strings built by
``livermdt.web.diagram`` and ``livermdt.web.plots``, which escape their own text, are marked safe.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from livermdt.about import DISCLAIMER, __version__
from livermdt.web.pages_form import choice_label

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"

CATEGORY_LABELS: dict[str, str] = {
    "resectable": "Resectable",
    "potentially_resectable": "Potentially resectable",
    "unresectable": "Unresectable",
    "undetermined": "Undetermined",
}

STRENGTH_LABELS: dict[str, str] = {
    "recommended": "Recommended",
    "consider": "Consider",
    "not_recommended": "Not recommended",
}

ROLE_LABELS: dict[str, str] = {
    "surgeon": "Surgeon",
    "oncologist": "Oncologist",
    "radiologist": "Radiologist",
    "coordinator": "Coordinator",
    "admin": "Administrator",
    "researcher": "Researcher (read-only)",
}


def percent(value: Any, digits: int = 1) -> str:
    """A fraction shown as a percentage (``0.252`` → ``25.2%``); absent → an em dash."""
    if value is None or isinstance(value, bool):
        return "—"
    try:
        return f"{float(value) * 100:.{digits}f}%"
    except (TypeError, ValueError):
        return str(value)


def number(value: Any, digits: int = 2) -> str:
    """A number without trailing zeros (``1.0`` → ``1``); absent → an em dash."""
    if value is None or isinstance(value, bool):
        return "—" if value is None else str(value)
    try:
        return f"{float(value):.{digits}f}".rstrip("0").rstrip(".")
    except (TypeError, ValueError):
        return str(value)


def evidence_anchor(evidence_id: Any) -> str:
    """The in-page anchor of an evidence entry (ids are letters, digits and dashes)."""
    return "ev-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in str(evidence_id))


def doi_url(doi: Any) -> str | None:
    """The resolver link of a DOI (``10.1016/...`` → ``https://doi.org/10.1016/...``)."""
    if not doi:
        return None
    text = str(doi).strip()
    for prefix in ("https://doi.org/", "http://doi.org/", "doi:"):
        if text.lower().startswith(prefix):
            text = text[len(prefix) :]
    return "https://doi.org/" + text


def safe_svg(svg: str | None) -> Markup:
    """Mark an SVG built by ``diagram``/``plots`` (which escape their text) as safe."""
    return Markup(svg or "")


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "svg"), default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        label=choice_label,
        percent=percent,
        number=number,
        category_label=lambda c: CATEGORY_LABELS.get(str(c), choice_label(c)),
        strength_label=lambda s: STRENGTH_LABELS.get(str(s), choice_label(s)),
        role_label=lambda r: ROLE_LABELS.get(str(r), choice_label(r)),
        evidence_anchor=evidence_anchor,
        doi_url=doi_url,
        safe_svg=safe_svg,
    )
    env.globals.update(DISCLAIMER=DISCLAIMER, livermdt_version=__version__)
    return env
