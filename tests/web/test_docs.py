"""docs/web.md and the application agree: every API route the page names exists, and every API
route is named on the page."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI

from tests.web.test_security import _walk

DOC = Path(__file__).resolve().parents[2] / "docs" / "web.md"


def _normalise(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def test_the_api_table_matches_the_routes(app: FastAPI) -> None:
    documented = set()
    for methods, path in re.findall(
        r"`((?:GET|POST|PUT|DELETE)(?:/POST)?) (/api[^` ?]*)", DOC.read_text()
    ):
        for method in methods.split("/"):
            documented.add((method, _normalise(path)))
    served = {
        (method, _normalise(path))
        for path, route in _walk(app.routes)
        if path.startswith("/api/") and route.include_in_schema
        for method in route.methods
    }
    assert documented - served == set(), "documented but not served"
    assert served - documented == set(), "served but not documented"
