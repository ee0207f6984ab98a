"""The Couinaud diagram and the SVG plots: what they draw is what the data says."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livermdt.web.diagram import couinaud_svg, couinaud_svg_for_case, lesions_by_segment
from livermdt.web.plots import RecistPoint, flr_bar_svg, recist_points, recist_svg

SVG = "{http://www.w3.org/2000/svg}"


def _segments(svg: str, css_class: str) -> set[int]:
    root = ET.fromstring(svg)
    return {
        int(g.attrib["data-segment"])
        for g in root.iter(f"{SVG}g")
        if css_class in g.attrib.get("class", "").split()
    }


def test_diagram_draws_eight_segments_with_an_accessible_title() -> None:
    svg = couinaud_svg({}, [])
    root = ET.fromstring(svg)
    assert _segments(svg, "seg") == set(range(1, 9))
    assert root.attrib["role"] == "img"
    assert root.find(f"{SVG}title") is not None
    assert "No lesion" in (root.find(f"{SVG}desc").text or "")  # type: ignore[union-attr]


def test_lesion_segments_filled_and_resection_hatched() -> None:
    # Example 2 of the shared examples: L1 in 6-7, L2 in 5; right hepatectomy removes 5-8.
    case = {
        "liver_metastases": {
            "lesions": [{"id": "L1", "segments": [6, 7]}, {"id": "L2", "segments": [5]}]
        },
        "volumetry": {
            "planned_resection": {
                "procedure": "right_hepatectomy",
                "segments_removed": [5, 6, 7, 8],
            }
        },
    }
    svg = couinaud_svg_for_case(case)
    assert _segments(svg, "seg-lesion") == {5, 6, 7}
    assert _segments(svg, "seg-removed") == {5, 6, 7, 8}
    assert "Lesions in segments 5, 6, 7; the planned resection removes segments 5, 6, 7, 8." in svg
    assert "Segment 7: lesion L1; removed by the planned resection" in svg


def test_lesion_ids_are_escaped_in_the_diagram() -> None:
    svg = couinaud_svg({3: ['<script>alert("x")</script>']}, [])
    assert "<script>" not in svg
    ET.fromstring(svg)  # still well-formed XML


@pytest.mark.parametrize("bad", [0, 9, -1])
def test_diagram_refuses_a_segment_outside_1_to_8(bad: int) -> None:
    with pytest.raises(ValueError, match=r"1\.\.8"):
        couinaud_svg({bad: ["L1"]}, [])
    with pytest.raises(ValueError, match=r"1\.\.8"):
        couinaud_svg({}, [bad])


def test_lesions_by_segment_lists_each_lesion_under_each_of_its_segments() -> None:
    case = {
        "liver_metastases": {
            "lesions": [
                {"id": "L1", "segments": [7, 8]},
                {"id": "L2", "segments": [8]},
                {"id": "L3"},
            ]
        }
    }
    assert lesions_by_segment(case) == {7: ["L1"], 8: ["L1", "L2"]}


def _bar_width(svg: str) -> float:
    match = re.search(r'class="flr-value" x="10" y="22" width="([0-9.]+)"', svg)
    assert match
    return float(match.group(1))


def test_flr_bar_length_is_proportional_and_colour_follows_the_threshold() -> None:
    below = flr_bar_svg(0.252, 0.30)  # example 2: 25.2 % against 30 % required
    assert _bar_width(below) == pytest.approx(380 * 0.252, abs=0.1)
    assert "#b9431f" in below and "below the required 30.0%" in below
    at = flr_bar_svg(0.30, 0.30)
    assert "at or above the required 30.0%" in at
    above = flr_bar_svg(0.901, 0.20)
    assert "#2e7d4f" in above


@pytest.mark.parametrize("bad", [-0.01, 1.01])
def test_flr_bar_refuses_values_that_are_not_fractions(bad: float) -> None:
    with pytest.raises(ValueError, match="fraction"):
        flr_bar_svg(bad, 0.3)


@settings(max_examples=50, deadline=None)
@given(st.floats(0, 1), st.floats(0, 1) | st.none())
def test_flr_bar_is_well_formed_and_within_the_axis(sflr: float, required: float | None) -> None:
    svg = flr_bar_svg(sflr, required)
    ET.fromstring(svg)
    assert 0 <= _bar_width(svg) <= 380


def test_recist_points_sum_the_recorded_diameters_per_time_point() -> None:
    case = {
        "restaging": [
            {
                "date": "2025-04-01",
                "lesions": [{"id": "L1", "diameter_mm": 40}, {"id": "L2", "diameter_mm": 30}],
            },
            {
                "date": "2025-01-02",
                "lesions": [{"id": "L1", "diameter_mm": 58}, {"id": "L2", "diameter_mm": 54}],
            },
            {"date": "2025-06-01", "lesions": [{"id": "L1"}]},  # no diameter: left out
            {"lesions": [{"id": "L1", "diameter_mm": 10}]},  # no date: left out
        ]
    }
    assert recist_points(case) == [
        RecistPoint(date(2025, 1, 2), 112.0, False),
        RecistPoint(date(2025, 4, 1), 70.0, False),
    ]


def test_recist_points_with_targets_sum_only_the_target_lesions() -> None:
    # RECIST 1.1: at most two target lesions per organ; L3 is non-target here.
    case = {
        "restaging": [
            {
                "date": "2025-03-01",
                "lesions": [
                    {"id": "L1", "diameter_mm": 58},
                    {"id": "L2", "diameter_mm": 25},
                    {"id": "L3", "diameter_mm": 16},
                ],
            },
            {
                "date": "2025-06-20",
                "lesions": [
                    {"id": "L1", "diameter_mm": 42},
                    {"id": "L2", "diameter_mm": 18},
                    {"id": "L3", "diameter_mm": 12},
                ],
            },
            {"date": "2025-08-01", "lesions": [{"id": "L1", "diameter_mm": 40}]},  # L2 unmeasured
        ]
    }
    assert [p.sum_mm for p in recist_points(case, ["L1", "L2"])] == [83.0, 60.0]
    assert [p.sum_mm for p in recist_points(case)] == [99.0, 72.0, 40.0]


def test_recist_plot_draws_one_point_per_time_point_and_the_pr_line() -> None:
    points = [
        RecistPoint(date(2025, 1, 2), 112),
        RecistPoint(date(2025, 4, 1), 70),
        RecistPoint(date(2025, 7, 1), 90, new_lesions=True),
    ]
    svg = recist_svg(points)
    root = ET.fromstring(svg)
    circles = [c for c in root.iter(f"{SVG}circle") if "recist-point" in c.attrib["class"]]
    assert len(circles) == 3
    # Later points are further right; a smaller sum is drawn lower (larger y in SVG).
    xs = [float(c.attrib["cx"]) for c in circles]
    ys = [float(c.attrib["cy"]) for c in circles]
    assert xs == sorted(xs)
    assert ys[1] > ys[0]
    assert "2025-07-01: 90 mm (new lesions)" in svg
    pr = next(line for line in root.iter(f"{SVG}line") if line.attrib.get("class") == "recist-pr")
    # PR line at 70 % of the baseline (RECIST 1.1: -30 %), i.e. 78.4 mm here.
    top, bottom, y_max = 22, 150, 112 * 1.15
    assert float(pr.attrib["y1"]) == pytest.approx(bottom - (bottom - top) * 78.4 / y_max, abs=0.1)


def test_recist_plot_needs_a_point() -> None:
    with pytest.raises(ValueError):
        recist_svg([])


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(st.integers(1, 8), st.lists(st.text(min_size=1, max_size=8), max_size=3)),
    st.sets(st.integers(1, 8)),
)
def test_diagram_marks_exactly_the_given_segments(
    lesions: dict[int, list[str]], removed: set[int]
) -> None:
    svg = couinaud_svg(lesions, removed)
    ET.fromstring(svg)  # well-formed whatever the lesion ids hold
    assert _segments(svg, "seg-lesion") == {s for s, ids in lesions.items() if ids}
    assert _segments(svg, "seg-removed") == removed
