"""The cohort page: the registry's descriptive table, survival (Kaplan–Meier with numbers at risk,
medians with 95% CI, log-rank, Cox, C-index), the Fong computed-vs-recorded agreement, and the MDT
concordance — the same analysis as ``livermdt cohort report`` (``livermdt.analytics.report``).

Routes (any logged-in user; ``router`` is included by ``create_app``):

- ``GET /cohort?source=&where=``: the page; ``where`` uses the ``--where`` grammar;
- ``GET /cohort/km/{stem}.png`` or ``.svg`` (same query): one figure (the page shows the PNG).

``source`` is empty (every case in the store), a registry name (``tcia-crlm``), or ``tcia-demo``
— the TCIA table shipped with the package, offered in demo mode so the page shows real patients
there; in demo mode it is the default while the store holds no imported registry.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from livermdt.analytics.concordance import concordance
from livermdt.analytics.frame import apply_where, cohort_frame, parse_where
from livermdt.analytics.records import RegistryRecord
from livermdt.analytics.report import Analysis, analyse, draw
from livermdt.analytics.tcia import bundled_csv, import_tcia
from livermdt.errors import InvalidInputError, NotFoundError
from livermdt.services.registry import RegistryService
from livermdt.web.deps import ServicesDep, Viewer

router = APIRouter(include_in_schema=False)

DEMO_SOURCE = "tcia-demo"
_CACHE_SIZE = 8


def _demo(request: Request) -> bool:
    return bool(getattr(getattr(request.app.state, "settings", None), "demo", False))


def _registry(request: Request, services: Any) -> RegistryService:
    reg = getattr(request.app.state, "registry_service", None)
    if not isinstance(reg, RegistryService):
        reg = RegistryService(services.engine)
        request.app.state.registry_service = reg
    return reg


def _records(
    request: Request, services: Any, source: str
) -> tuple[str, list[RegistryRecord], dict[str, int]]:
    reg = _registry(request, services)
    sources = reg.sources()
    if not source and _demo(request) and not sources:
        source = DEMO_SOURCE
    if source == DEMO_SOURCE:
        if not _demo(request):
            raise NotFoundError("the bundled TCIA data are offered in demo mode only")
        return source, import_tcia(bundled_csv()), sources
    if source and source not in sources:
        raise NotFoundError(f"no registry {source!r} in the store")
    return source, reg.cohort_records(source or None), sources


def _analysis(request: Request, records: list[RegistryRecord], where: list[str]) -> Analysis:
    """The analysis of these records and filters, cached per application (the page and its
    figures ask for the same one)."""
    key = hashlib.sha256(
        json.dumps([[r.to_json() for r in records], where], sort_keys=True).encode()
    ).hexdigest()
    cache: OrderedDict[str, Analysis] | None = getattr(request.app.state, "cohort_cache", None)
    if cache is None:
        cache = OrderedDict()
        request.app.state.cohort_cache = cache
    if key in cache:
        cache.move_to_end(key)
        return cache[key]
    frame = cohort_frame(records)
    if where:
        frame = apply_where(frame, parse_where(where, list(frame.columns)))
    result = analyse(frame, "Cohort", where)
    cache[key] = result
    while len(cache) > _CACHE_SIZE:
        cache.popitem(last=False)
    return result


def _where_list(where: str) -> list[str]:
    return [where] if where.strip() else []


@router.get("/cohort", response_class=HTMLResponse)
def cohort_page(
    request: Request, user: Viewer, services: ServicesDep, source: str = "", where: str = ""
) -> Response:
    from livermdt.web.pages import render

    source, records, sources = _records(request, services, source)
    problems: list[str] = []
    analysis: Analysis | None = None
    try:
        analysis = _analysis(request, records, _where_list(where))
    except InvalidInputError as ex:
        problems = ex.problems
    entries = _registry(request, services).decision_entries()
    context = {
        "analysis": analysis,
        "summary": analysis.summary if analysis else None,
        "problems": problems,
        "source": source,
        "where": where,
        "sources": sources,
        "demo_source": DEMO_SOURCE if _demo(request) else None,
        "concordance": concordance(entries),
        # the TCIA attribution whenever TCIA patients are shown (CC BY 4.0)
        "attribution": analysis.summary.get("attribution") if analysis else None,
        "figure_query": _query(source, where),
    }
    return render(
        request,
        "cohort.html",
        context,
        status_code=422 if problems else 200,
        user=user,
        nav="cohort",
    )


def _query(source: str, where: str) -> str:
    from urllib.parse import urlencode

    params = {k: v for k, v in (("source", source), ("where", where)) if v}
    return ("?" + urlencode(params)) if params else ""


_MEDIA = {"png": "image/png", "svg": "image/svg+xml"}


@router.get("/cohort/km/{name}")
def cohort_figure(
    request: Request,
    name: str,
    user: Viewer,
    services: ServicesDep,
    source: str = "",
    where: str = "",
) -> Response:
    """One Kaplan–Meier figure, ``{stem}.png`` (shown on the page: a PNG is not subject to the
    page's content security policy the way an SVG's inline styles are) or ``{stem}.svg``."""
    stem, _, fmt = name.rpartition(".")
    if fmt not in _MEDIA:
        raise NotFoundError(f"no figure {name}")
    _, records, _ = _records(request, services, source)
    analysis = _analysis(request, records, _where_list(where))
    figure = analysis.figure(stem)
    if figure is None:
        raise NotFoundError(f"no figure {name}")
    images: OrderedDict[tuple[int, str, str], bytes] | None = getattr(
        request.app.state, "cohort_images", None
    )
    if images is None:
        images = OrderedDict()
        request.app.state.cohort_images = images
    key = (id(analysis), stem, fmt)
    if key not in images:
        images[key] = draw(figure, fmt)
        while len(images) > 4 * _CACHE_SIZE:
            images.popitem(last=False)
    return Response(images[key], media_type=_MEDIA[fmt])
