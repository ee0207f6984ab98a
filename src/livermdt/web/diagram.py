"""The Couinaud liver diagram: an inline SVG of the eight segments in the conventional
schematic front view (the patient's right on the viewer's left).

Segments that hold a lesion are filled; segments the planned resection removes are hatched; a
segment can be both. Every segment carries a ``<title>`` (read by screen readers and shown as a
tooltip) and the whole figure a title and a description that state the same facts in words, so
the picture never holds information the text does not.

Segment 4 is drawn as one segment (4a + 4b, as in case-v1); segment 1 (caudate), which lies behind,
is drawn as a dashed oval over the hilum, as Couinaud's front-view schematic does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

SEGMENTS: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7, 8)

# Polygons in a 400 x 260 view box. Vertical planes: right hepatic vein (x=110), middle hepatic
# vein / Cantlie's line (x=210), umbilical fissure (x=290); the portal plane (y=130) splits the
# superior (7, 8, 2) from the inferior (6, 5, 3) segments.
_POLYGONS: dict[int, tuple[tuple[int, int], ...]] = {
    7: ((18, 100), (42, 48), (110, 28), (110, 130), (22, 142)),
    6: ((22, 142), (110, 130), (110, 218), (62, 204), (30, 176)),
    8: ((110, 28), (210, 22), (210, 130), (110, 130)),
    5: ((110, 130), (210, 130), (210, 238), (110, 218)),
    4: ((210, 22), (290, 34), (290, 206), (210, 238)),
    2: ((290, 34), (356, 52), (394, 98), (290, 114)),
    3: ((290, 114), (394, 98), (352, 150), (290, 206)),
}
_CAUDATE = (250, 142, 24, 16)  # cx, cy, rx, ry
_LABEL_AT: dict[int, tuple[int, int]] = {
    1: (250, 147),
    2: (335, 82),
    3: (325, 140),
    4: (250, 95),
    5: (160, 185),
    6: (68, 172),
    7: (66, 92),
    8: (160, 80),
}

LESION_FILL = "#c0392b"
REMOVED_STROKE = "#1f3a5f"


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str) -> str:
    """Escaped text that is also valid XML: a control character (which a lesion id typed in
    a form may carry) becomes U+FFFD instead of breaking the SVG."""
    return escape(_XML_INVALID.sub("\ufffd", value))


def _check_segment(segment: int) -> int:
    if segment not in SEGMENTS:
        raise ValueError(f"Couinaud segment must be 1..8 (got {segment!r})")
    return segment


def _join(numbers: Iterable[int]) -> str:
    return ", ".join(str(n) for n in sorted(numbers))


def couinaud_svg(
    lesions_by_segment: Mapping[int, Sequence[str]],
    removed_segments: Iterable[int] = (),
    *,
    svg_id: str = "couinaud",
) -> str:
    """Return the SVG markup (a string, already escaped) of the segment diagram.

    ``lesions_by_segment`` maps a segment to the ids of the lesions it holds (a lesion spanning
    segments 7 and 8 appears under both); ``removed_segments`` are those of the planned resection.
    """
    lesions = {_check_segment(s): list(ids) for s, ids in lesions_by_segment.items() if ids}
    removed = {_check_segment(s) for s in removed_segments}
    sid = _text(svg_id)
    if lesions:
        lesion_words = "Lesions in segment" + ("s " if len(lesions) > 1 else " ") + _join(lesions)
    else:
        lesion_words = "No lesion placed in a segment"
    if removed:
        removed_words = "the planned resection removes segment" + (
            "s " if len(removed) > 1 else " "
        )
        removed_words += _join(removed)
    else:
        removed_words = "no planned resection recorded"
    description = f"{lesion_words}; {removed_words}."

    parts: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{sid}" class="couinaud" '
        f'viewBox="0 0 400 300" role="img" aria-labelledby="{sid}-title {sid}-desc">',
        f'<title id="{sid}-title">Couinaud liver segments (front view)</title>',
        f'<desc id="{sid}-desc">{_text(description)}</desc>',
        "<defs>",
        f'<pattern id="{sid}-hatch" patternUnits="userSpaceOnUse" width="8" height="8" '
        'patternTransform="rotate(45)">'
        f'<line x1="0" y1="0" x2="0" y2="8" stroke="{REMOVED_STROKE}" stroke-width="2.2"/>'
        "</pattern>",
        "</defs>",
    ]

    def segment_title(segment: int) -> str:
        words = [f"Segment {segment}"]
        if segment in lesions:
            words.append("lesion " + ", ".join(lesions[segment]))
        if segment in removed:
            words.append("removed by the planned resection")
        return _text(": ".join(words[:1]) + (": " + "; ".join(words[1:]) if words[1:] else ""))

    def classes(segment: int) -> str:
        names = ["seg"]
        if segment in lesions:
            names.append("seg-lesion")
        if segment in removed:
            names.append("seg-removed")
        return " ".join(names)

    def shape(segment: int, fill: str, extra: str) -> str:
        if segment == 1:
            cx, cy, rx, ry = _CAUDATE
            return f'<ellipse cx="{cx}" cy="{cy}" rx="{rx}" ry="{ry}" fill="{fill}" {extra}/>'
        points = " ".join(f"{x},{y}" for x, y in _POLYGONS[segment])
        return f'<polygon points="{points}" fill="{fill}" {extra}/>'

    for segment in (7, 6, 8, 5, 4, 2, 3, 1):
        fill = LESION_FILL if segment in lesions else "#f3e6e1"
        opacity = ' fill-opacity="0.85"' if segment in lesions else ""
        dash = ' stroke-dasharray="4 3"' if segment == 1 else ""
        parts.append(
            f'<g class="{classes(segment)}" data-segment="{segment}">'
            f"<title>{segment_title(segment)}</title>"
            + shape(segment, fill, f'stroke="#6b4f47" stroke-width="1.5"{opacity}{dash}')
        )
        if segment in removed:
            parts.append(shape(segment, f"url(#{sid}-hatch)", 'stroke="none"'))
        x, y = _LABEL_AT[segment]
        colour = "#ffffff" if segment in lesions else "#3b2b26"
        parts.append(
            f'<text x="{x}" y="{y}" text-anchor="middle" font-size="{14 if segment != 1 else 12}"'
            f' font-family="sans-serif" font-weight="bold" fill="{colour}"'
            f' aria-hidden="true">{segment}</text></g>'
        )

    # Legend: the same encoding in words for the printed page.
    parts.append(
        f'<g class="legend" font-family="sans-serif" font-size="12" fill="#333">'
        f'<rect x="20" y="258" width="16" height="16" fill="{LESION_FILL}" fill-opacity="0.85" '
        'stroke="#6b4f47"/>'
        '<text x="42" y="271">lesion</text>'
        f'<rect x="110" y="258" width="16" height="16" fill="url(#{sid}-hatch)" stroke="#6b4f47"/>'
        '<text x="132" y="271">removed by planned resection</text>'
        '<text x="18" y="14">patient\'s right</text>'
        '<text x="394" y="14" text-anchor="end">patient\'s left</text>'
        "</g>"
    )
    parts.append("</svg>")
    return "".join(parts)


def lesions_by_segment(case_document: Mapping[str, Any]) -> dict[int, list[str]]:
    """Segment -> lesion ids, from a case-v1 document (lesions without segments are left out)."""
    out: dict[int, list[str]] = {}
    metastases = case_document.get("liver_metastases") or {}
    for index, lesion in enumerate(metastases.get("lesions") or []):
        lesion_id = str(lesion.get("id") or f"lesion {index + 1}")
        for segment in lesion.get("segments") or []:
            out.setdefault(int(segment), []).append(lesion_id)
    return out


def removed_segments(case_document: Mapping[str, Any]) -> list[int]:
    """The segments of ``volumetry.planned_resection.segments_removed`` (empty when absent)."""
    volumetry = case_document.get("volumetry") or {}
    planned = volumetry.get("planned_resection") or {}
    return [int(s) for s in planned.get("segments_removed") or []]


def couinaud_svg_for_case(case_document: Mapping[str, Any], *, svg_id: str = "couinaud") -> str:
    """The diagram of a case-v1 document: its lesions and its planned resection."""
    return couinaud_svg(
        lesions_by_segment(case_document), removed_segments(case_document), svg_id=svg_id
    )
