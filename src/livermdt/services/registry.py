"""Registry use cases: import a registry (TCIA, a hospital CSV) into the store in one
transaction, read the cohort back for the analytics, and gather the recorded MDT decisions for
the concordance measure.

Storage. Each imported patient becomes an ordinary case (patient, case, version 1 — the same rows
``CaseService.create_case`` writes, so history, audit and the pages work unchanged) plus one row
of ``registry_records``: the registry extension (recorded scores, exact recorded months, values
case-v1 cannot hold) keyed by the case id (``livermdt.storage.models.RegistryRecordRow``, created
by the Alembic migrations like every other table).

All-or-nothing: every document is validated before anything is written; one bad document, or a
patient already imported from the same source, raises ``ImportDataError`` and nothing is stored.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    Engine,
    select,
)
from sqlalchemy.exc import IntegrityError

from livermdt.analytics.casedoc import case_document, record_from_case
from livermdt.analytics.concordance import DecisionEntry, recommended_codes
from livermdt.analytics.records import RegistryRecord
from livermdt.errors import CaseValidationError, ConflictError, ImportDataError
from livermdt.services import _domain
from livermdt.services._base import ServiceBase, add_audit, require
from livermdt.services.records import UserInfo
from livermdt.services.roles import Permission
from livermdt.storage.db import make_sessionmakers
from livermdt.storage.models import (
    AssessmentRow,
    CaseRow,
    CaseVersion,
    Decision,
    Patient,
    RegistryRecordRow,
    as_utc,
    new_id,
    utcnow,
)

#: Kept under its earlier name for the callers and tests that import it from here.
RegistryRow = RegistryRecordRow


@dataclass(frozen=True)
class ImportResult:
    source: str
    imported: int
    case_ids: list[str]


_CATEGORIES = frozenset({"resectable", "potentially_resectable", "unresectable"})


class RegistryService(ServiceBase):
    def __init__(self, engine: Engine) -> None:
        read, write = make_sessionmakers(engine)
        super().__init__(read, write)

    # ---- import --------------------------------------------------------------------------
    def import_records(
        self, records: Sequence[RegistryRecord], user: UserInfo | None = None
    ) -> ImportResult:
        """Store every record as a case with its registry extension, in one transaction.
        ``user`` None means the local operator (the CLI); otherwise the user needs EDIT."""
        if user is not None:
            require(user, Permission.EDIT)
        if not records:
            raise ImportDataError("nothing to import", ["the input has no patients"])
        problems: list[str] = []
        canonical: list[dict[str, Any]] = []
        for rec in records:
            try:
                canonical.append(_domain.validate_document(case_document(rec)))
            except CaseValidationError as ex:
                problems += [f"line {rec.line} ({rec.patient_id}): {p}" for p in ex.problems]
        sources = {rec.source for rec in records}
        existing = self._existing(sources)
        for rec in records:
            if (rec.source, rec.patient_id) in existing:
                problems.append(
                    f"line {rec.line}: patient {rec.patient_id!r} of {rec.source} "
                    "is already in the store"
                )
        if problems:
            n = len(problems)
            raise ImportDataError(
                f"{n} problem{'s' if n != 1 else ''}; nothing was imported", problems[:50]
            )
        case_ids: list[str] = []
        try:
            self._write_all(records, canonical, user, case_ids)
        except IntegrityError:
            # the unique (source, patient_id) of a concurrent import of the same patients
            raise ConflictError(
                "the same patients were imported at the same moment by someone else; "
                "nothing of this import was written"
            ) from None
        return ImportResult(
            source=",".join(sorted(sources)), imported=len(records), case_ids=case_ids
        )

    def _existing(self, sources: set[str]) -> set[tuple[str, str]]:
        """(source, patient id) pairs already imported from these sources."""
        with self.reading() as s:
            rows = s.execute(
                select(RegistryRow.source, RegistryRow.patient_id).where(
                    RegistryRow.source.in_(sources)
                )
            ).all()
        return {(src, pid) for src, pid in rows}

    def _write_all(
        self,
        records: Sequence[RegistryRecord],
        canonical: list[dict[str, Any]],
        user: UserInfo | None,
        case_ids: list[str],
    ) -> None:
        with self.writing() as s:
            now = utcnow()
            for rec, doc in zip(records, canonical, strict=True):
                patient = Patient(
                    id=new_id(),
                    display_name=None,
                    mrn=rec.patient_id,
                    synthetic=False,
                    created_at=now,
                )
                case = CaseRow(
                    id=new_id(),
                    patient_id=patient.id,
                    current_version=1,
                    created_at=now,
                    created_by=user.id if user else None,
                )
                s.add(patient)
                s.flush()
                s.add(case)
                s.flush()
                s.add(
                    CaseVersion(
                        case_id=case.id,
                        version=1,
                        document=doc,
                        discussion_date=_date(doc.get("discussion_date")),
                        created_by=user.id if user else None,
                        created_at=now,
                        comment=f"imported from {rec.source}, line {rec.line}",
                    )
                )
                s.add(
                    RegistryRow(
                        case_id=case.id,
                        case_version=1,
                        source=rec.source,
                        patient_id=rec.patient_id,
                        record=rec.to_json(),
                        imported_at=now,
                    )
                )
                add_audit(s, user, "create", "case", case.id, f"version=1 import={rec.source}")
                case_ids.append(case.id)
            s.flush()

    # ---- the cohort ----------------------------------------------------------------------
    def cohort_records(self, source: str | None = None) -> list[RegistryRecord]:
        """Every current (not deleted) case as a registry record. An imported case whose
        document was not edited since gives its stored registry record (exact recorded values);
        an edited or native case is read from its document (``record_from_case``), keeping
        the registry's recorded scores. ``source`` keeps only that registry's patients."""
        with self.reading() as s:
            rows = s.execute(
                select(CaseRow.id, CaseRow.current_version, CaseVersion.document, RegistryRow)
                .join(
                    CaseVersion,
                    (CaseVersion.case_id == CaseRow.id)
                    & (CaseVersion.version == CaseRow.current_version),
                )
                .outerjoin(RegistryRow, RegistryRow.case_id == CaseRow.id)
                .where(CaseRow.deleted_at.is_(None))
                # imported patients in file order, then the others by creation
                .order_by(CaseRow.created_at, RegistryRow.id, CaseRow.id)
            ).all()
            # resectability at presentation: the engine's category for the first version
            first_category = {
                a.case_id: a.category
                for a in s.scalars(
                    select(AssessmentRow)
                    .where(AssessmentRow.case_version == 1)
                    .order_by(AssessmentRow.id.desc())
                )
            }
        out: list[RegistryRecord] = []
        for case_id, version, document, reg in rows:
            if source is not None and (reg is None or reg.source != source):
                continue
            if reg is not None:
                stored = RegistryRecord.from_json(reg.record)
                if reg.case_version == version:
                    out.append(stored)
                    continue
                # the edited document wins where it says something; what case-v1 cannot
                # hold (BMI, "several metastases", ...) stays as the registry recorded it
                derived = record_from_case(document, stored.source, stored.month_days)
                values = dict(stored.values)
                values.update({k: v for k, v in derived.values.items() if v is not None})
                out.append(dataclasses.replace(stored, values=values))
            else:
                rec = record_from_case(document)
                category = first_category.get(case_id)
                if category in _CATEGORIES:
                    rec = dataclasses.replace(
                        rec, values={**rec.values, "resectability_at_presentation": category}
                    )
                out.append(rec)
        return out

    def sources(self) -> dict[str, int]:
        """Imported registries and their patient counts."""
        with self.reading() as s:
            rows = s.execute(select(RegistryRow.source)).scalars().all()
        counts: dict[str, int] = {}
        for src in rows:
            counts[src] = counts.get(src, 0) + 1
        return counts

    # ---- MDT concordance -----------------------------------------------------------------
    def decision_entries(self) -> list[DecisionEntry]:
        """Every recorded decision with the proposal it was recorded against."""
        with self.reading() as s:
            rows = s.execute(
                select(Decision, AssessmentRow)
                .outerjoin(AssessmentRow, AssessmentRow.id == Decision.assessment_id)
                .join(CaseRow, CaseRow.id == Decision.case_id)
                .where(CaseRow.deleted_at.is_(None))
                .order_by(Decision.recorded_at, Decision.id)
            ).all()
        out = []
        for d, a in rows:
            result = a.result if a is not None else {}
            out.append(
                DecisionEntry(
                    case_id=d.case_id,
                    meeting_id=d.meeting_id,
                    recorded_at=as_utc(d.recorded_at),
                    category=a.category if a is not None else None,
                    recommended_codes=recommended_codes(result),
                    decided_codes=[str(c) for c in d.codes],
                    follows_proposal=bool(d.follows_proposal),
                    deviation_reason=d.deviation_reason,
                )
            )
        return out


def _date(value: object) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None
