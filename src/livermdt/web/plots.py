"""Small inline SVG plots for the assessment view and the decision summary.

* :func:`flr_bar_svg` — the standardised future liver remnant (sFLR) as a bar on a 0-100 % scale,
  with the required sFLR drawn as a marker, so "how far from the threshold" is seen at a glance.
* :func:`recist_svg` — the sum of lesion diameters at each re-staging time point, with the
  RECIST 1.1 partial-response line (30 % below baseline) for orientation.

Both are generated as strings (no charting library, no script) and escape every text they
carry; each has a title and a description that state the plotted numbers in words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape
from typing import Any

ADEQUATE = "#2e7d4f"
INADEQUATE = "#b9431f"

# RECIST 1.1 (Eisenhauer 2009): partial response is at least a 30 % decrease of the sum of
# diameters from baseline. Drawn for orientation only; the category itself comes from the engine.
RECIST_PR_FRACTION = 0.30


def _pct(fraction: float) -> str:
    return f"{fraction * 100:.1f}%"


def flr_bar_svg(sflr: float, required_sflr: float | None, *, svg_id: str = "flr-bar") -> str:
    """The sFLR bar against its required threshold (both fractions, 0..1)."""
    for name, value in (("sflr", sflr), ("required_sflr", required_sflr)):
        if value is not None and not 0.0 <= value <= 1.0:
            raise ValueError(f"{name} must be a fraction in [0, 1] (got {value!r})")
    sid = escape(svg_id)
    left, width = 10, 380
    bar_width = round(width * sflr, 1)
    adequate = required_sflr is not None and sflr >= required_sflr
    colour = ADEQUATE if adequate or required_sflr is None else INADEQUATE
    if required_sflr is None:
        words = f"sFLR {_pct(sflr)}; the required sFLR is not determined."
    else:
        verdict = "at or above" if adequate else "below"
        words = f"sFLR {_pct(sflr)}, {verdict} the required {_pct(required_sflr)}."
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{sid}" class="plot flr-bar" '
        f'viewBox="0 0 400 78" role="img" aria-labelledby="{sid}-title {sid}-desc">',
        f'<title id="{sid}-title">Standardised future liver remnant against its threshold</title>',
        f'<desc id="{sid}-desc">{escape(words)}</desc>',
        f'<rect x="{left}" y="22" width="{width}" height="24" fill="#eceff1" stroke="#90a4ae"/>',
        f'<rect class="flr-value" x="{left}" y="22" width="{bar_width}" height="24" '
        f'fill="{colour}"/>',
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = left + width * tick
        anchor = "start" if tick == 0 else "end" if tick == 1 else "middle"
        parts.append(
            f'<line x1="{x}" y1="46" x2="{x}" y2="51" stroke="#607d8b"/>'
            f'<text x="{x}" y="63" font-size="10" font-family="sans-serif" fill="#455a64" '
            f'text-anchor="{anchor}">{tick * 100:.0f}%</text>'
        )
    # The value label sits after the bar, or inside it when the bar leaves no room.
    inside = bar_width > width - 90
    label_x = left + bar_width - 6 if inside else left + bar_width + 4
    parts.append(
        f'<text x="{label_x}" y="39" font-size="12" font-family="sans-serif" font-weight="bold" '
        f'fill="{"#ffffff" if inside else "#102027"}" text-anchor="{"end" if inside else "start"}"'
        f">sFLR {_pct(sflr)}</text>"
    )
    if required_sflr is not None:
        x = left + width * required_sflr
        parts.append(
            f'<line class="flr-threshold" x1="{x}" y1="14" x2="{x}" y2="52" stroke="#102027" '
            'stroke-width="2" stroke-dasharray="4 2"/>'
            f'<text x="{x}" y="11" font-size="11" font-family="sans-serif" fill="#102027" '
            f'text-anchor="middle">required {_pct(required_sflr)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class RecistPoint:
    """One re-staging time point: its date and the sum of the measured lesion diameters."""

    date: date
    sum_mm: float
    new_lesions: bool = False


def recist_points(
    case_document: Mapping[str, Any], target_ids: Sequence[str] | None = None
) -> list[RecistPoint]:
    """Sums of diameters per ``restaging`` entry of a case-v1 document.

    With ``target_ids`` (the engine's RECIST 1.1 target lesions, ``response.target_lesion_ids``)
    only those lesions are summed, so the plot shows the numbers the category was computed
    from; a time point where a target has no diameter is left out. Without them, every recorded
    diameter is summed. An entry without a date is left out. Nothing is guessed.
    """
    targets = set(target_ids) if target_ids else None
    points: list[RecistPoint] = []
    for entry in case_document.get("restaging") or []:
        raw_date = entry.get("date")
        measured = {
            str(lesion.get("id")): float(lesion["diameter_mm"])
            for lesion in entry.get("lesions") or []
            if lesion.get("diameter_mm") is not None
        }
        if targets is not None:
            if not targets <= measured.keys():
                continue
            diameters = [measured[lesion_id] for lesion_id in targets]
        else:
            diameters = list(measured.values())
        if not raw_date or not diameters:
            continue
        points.append(
            RecistPoint(
                date=date.fromisoformat(str(raw_date)),
                sum_mm=sum(diameters),
                new_lesions=bool(entry.get("new_lesions")),
            )
        )
    points.sort(key=lambda p: p.date)
    return points


def recist_svg(points: Sequence[RecistPoint], *, svg_id: str = "recist-plot") -> str:
    """Line plot of the sum of diameters over time; needs at least one point."""
    if not points:
        raise ValueError("a RECIST plot needs at least one time point")
    sid = escape(svg_id)
    ordered = sorted(points, key=lambda p: p.date)
    baseline = ordered[0].sum_mm
    pr_line = baseline * (1 - RECIST_PR_FRACTION)
    y_max = max(max(p.sum_mm for p in ordered), baseline) * 1.15 or 1.0
    left, right, top, bottom = 48, 385, 22, 150
    span_days = max((ordered[-1].date - ordered[0].date).days, 1)

    def x_of(point: RecistPoint) -> float:
        if len(ordered) == 1:
            return (left + right) / 2
        return round(left + (right - left) * (point.date - ordered[0].date).days / span_days, 1)

    def y_of(value: float) -> float:
        return round(bottom - (bottom - top) * value / y_max, 1)

    words = "; ".join(
        f"{p.date.isoformat()}: {p.sum_mm:g} mm" + (" (new lesions)" if p.new_lesions else "")
        for p in ordered
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{sid}" class="plot recist" '
        f'viewBox="0 0 400 190" role="img" aria-labelledby="{sid}-title {sid}-desc">',
        f'<title id="{sid}-title">Sum of lesion diameters over time</title>',
        f'<desc id="{sid}-desc">{escape(words)}</desc>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#607d8b"/>',
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#607d8b"/>',
        f'<text x="12" y="{(top + bottom) / 2}" font-size="10" font-family="sans-serif" '
        f'fill="#455a64" transform="rotate(-90 12 {(top + bottom) / 2})" '
        'text-anchor="middle">sum of diameters (mm)</text>',
    ]
    for fraction in (0.0, 0.5):
        value = y_max * fraction
        parts.append(
            f'<text x="{left - 4}" y="{y_of(value) + 3}" font-size="10" font-family="sans-serif" '
            f'fill="#455a64" text-anchor="end">{value:.0f}</text>'
        )
    parts.append(
        f'<line class="recist-pr" x1="{left}" y1="{y_of(pr_line)}" x2="{right}" '
        f'y2="{y_of(pr_line)}" stroke="#2e7d4f" stroke-dasharray="5 3"/>'
        f'<text x="{left + 6}" y="{y_of(pr_line) + 12}" font-size="10" font-family="sans-serif" '
        f'fill="#2e7d4f" text-anchor="start">−30% from baseline (PR threshold)</text>'
    )
    path = " ".join(f"{x_of(p)},{y_of(p.sum_mm)}" for p in ordered)
    parts.append(f'<polyline points="{path}" fill="none" stroke="#1f3a5f" stroke-width="2"/>')
    for index, point in enumerate(ordered):
        x, y = x_of(point), y_of(point.sum_mm)
        colour = INADEQUATE if point.new_lesions else "#1f3a5f"
        parts.append(
            f'<circle class="recist-point" cx="{x}" cy="{y}" r="4" fill="{colour}">'
            f"<title>{escape(point.date.isoformat())}: {point.sum_mm:g} mm"
            f"{' — new lesions' if point.new_lesions else ''}</title></circle>"
        )
        anchor = "start" if index == 0 and len(ordered) > 1 else "middle"
        if index == len(ordered) - 1 and len(ordered) > 1:
            anchor = "end"
        parts.append(
            f'<text x="{x + (4 if anchor == "start" else -4 if anchor == "end" else 0)}" '
            f'y="{y - 8}" font-size="11" font-family="sans-serif" font-weight="bold" '
            f'fill="#102027" text-anchor="{anchor}">{point.sum_mm:g} mm</text>'
        )
        parts.append(
            f'<text x="{x}" y="{bottom + 14}" font-size="10" font-family="sans-serif" '
            f'fill="#455a64" text-anchor="{anchor}">{point.date.isoformat()}</text>'
        )
    if any(p.new_lesions for p in ordered):
        parts.append(
            f'<text x="{left}" y="{bottom + 32}" font-size="10" font-family="sans-serif" '
            f'fill="{INADEQUATE}">red point: new lesions seen</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
