"""The decision summary: what the MDT decided about a case, to file in the patient record.

One HTML document (printable from the browser) and the same document as PDF (xhtml2pdf, imported
lazily). It states the decision-support notice, the case and meeting, the decision with its codes
and free text, whether it follows the engine's proposal and — when it does not — the reason, the
proposal itself with its citations, the engine and knowledge versions that produced it, and who
recorded the decision when.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from livermdt.errors import LivermdtError, MissingExtraError
from livermdt.web.diagram import couinaud_svg_for_case
from livermdt.web.pages_templates import environment


@dataclass(frozen=True)
class DecisionSummary:
    """Everything the summary shows; ``assessment`` is the stored assessment-v1 JSON the MDT saw."""

    case_id: str
    case_version: int | None
    meeting_date: str | None
    decision_codes: Sequence[str]
    decision_text: str
    follows_proposal: bool
    deviation_reason: str | None
    recorded_by: str
    recorded_at: str
    assessment: Mapping[str, Any]
    case_document: Mapping[str, Any] = field(default_factory=dict)
    attendees: Sequence[tuple[str, str]] = ()  # (name, specialty)
    #: Identifying data for the patient record (the summary is filed there); optional.
    patient_name: str | None = None
    mrn: str | None = None

    @property
    def engine_version(self) -> str:
        return str(self.assessment.get("engine_version") or "unknown")

    @property
    def knowledge_version(self) -> str:
        return str(self.assessment.get("knowledge_version") or "unknown")


def render_summary_html(summary: DecisionSummary, *, for_pdf: bool = False) -> str:
    """The decision summary as a self-contained HTML page (styles inline, nothing fetched)."""
    diagram = None
    if summary.case_document and not for_pdf:
        # xhtml2pdf does not draw inline SVG; the PDF lists the segments in words instead.
        diagram = couinaud_svg_for_case(summary.case_document, svg_id="letter-couinaud")
    template = environment().get_template("letter.html")
    return template.render(summary=summary, a=summary.assessment, for_pdf=for_pdf, diagram=diagram)


def render_summary_pdf(summary: DecisionSummary) -> bytes:
    """The decision summary as PDF bytes."""
    try:
        from xhtml2pdf import pisa
    except ImportError as exc:  # pragma: no cover - the web extra installs it
        raise MissingExtraError("web", "xhtml2pdf") from exc
    html = render_summary_html(summary, for_pdf=True)
    out = io.BytesIO()
    result = pisa.CreatePDF(html, dest=out, encoding="utf-8")
    if result.err:
        raise LivermdtError(f"the PDF could not be produced ({result.err} errors)")
    return out.getvalue()
