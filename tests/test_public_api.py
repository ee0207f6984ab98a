"""The public surface is deliberate (STYLE.md practice 2): this test pins it."""

from __future__ import annotations

import livermdt


def test_public_names_are_pinned() -> None:
    assert sorted(livermdt.__all__) == sorted(
        [
            "DISCLAIMER",
            "KNOWLEDGE_VERSION",
            "Assessment",
            "Case",
            "__version__",
            "assess",
            "load_case",
            "parse_case",
        ]
    )


def test_every_public_name_resolves() -> None:
    for name in livermdt.__all__:
        assert getattr(livermdt, name) is not None, name


def test_readme_example_runs(examples_dir) -> None:  # type: ignore[no-untyped-def]
    case = livermdt.load_case(examples_dir / "example-1-resectable.json")
    assessment = livermdt.assess(case)
    assert assessment.case_id == case.id
    assert assessment.engine_version == livermdt.__version__
    assert assessment.knowledge_version == livermdt.KNOWLEDGE_VERSION
