"""livermdt.engine: rules -> findings -> the assessment-v1 model and its text/JSON renderings.

::

    from livermdt.engine import assess, render_text
    assessment = assess(case)           # an Assessment (pydantic, frozen)
    assessment.to_json_dict()           # the assessment-v1 JSON object
    render_text(assessment)             # the same facts for a person

The rule set lives in ``livermdt.engine.rules`` and is listed, with its conditions and evidence,
in ``livermdt.engine.registry.RULES`` (the source of ``docs/rules.md``).
"""

from __future__ import annotations

from livermdt.engine.core import assess
from livermdt.engine.model import Assessment
from livermdt.engine.render import render_text

__all__ = ["Assessment", "assess", "render_text"]
