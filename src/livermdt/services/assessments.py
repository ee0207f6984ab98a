"""Assessments, stored with the engine and knowledge versions that produced them. A case version
assessed by the same engine and knowledge always gives the same result, so one row per
(case, version, engine_version, knowledge_version) is kept and old ones are never replaced."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from livermdt.errors import NotFoundError
from livermdt.services import _domain
from livermdt.services._base import ServiceBase, add_audit, require
from livermdt.services.records import AssessmentRecord, UserInfo
from livermdt.services.roles import Permission
from livermdt.storage.models import AssessmentRow, CaseRow, CaseVersion, as_utc, utcnow


def _record(a: AssessmentRow) -> AssessmentRecord:
    return AssessmentRecord(
        id=a.id,
        case_id=a.case_id,
        case_version=a.case_version,
        engine_version=a.engine_version,
        knowledge_version=a.knowledge_version,
        category=a.category,
        result=a.result,
        created_at=as_utc(a.created_at),
    )


class AssessmentService(ServiceBase):
    def _version_row(self, s: Session, case_id: str, version: int | None) -> CaseVersion:
        case = s.get(CaseRow, case_id)
        if case is None or case.deleted_at is not None:
            raise NotFoundError(f"no case {case_id}")
        wanted = case.current_version if version is None else version
        row = s.scalars(
            select(CaseVersion).where(CaseVersion.case_id == case_id, CaseVersion.version == wanted)
        ).first()
        if row is None:
            raise NotFoundError(f"case {case_id} has no version {wanted}")
        return row

    def _stored(
        self, s: Session, case_id: str, version: int, engine_v: str, knowledge_v: str
    ) -> AssessmentRow | None:
        return s.scalars(
            select(AssessmentRow).where(
                AssessmentRow.case_id == case_id,
                AssessmentRow.case_version == version,
                AssessmentRow.engine_version == engine_v,
                AssessmentRow.knowledge_version == knowledge_v,
            )
        ).first()

    def get_assessment(
        self, case_id: str, version: int | None = None, *, viewer: UserInfo | None = None
    ) -> AssessmentRecord:
        """The assessment of a case version (default: the newest) by the current engine and
        knowledge: the stored one, or computed now and stored. With ``viewer``: audited."""
        with self.reading() as s:
            row = self._version_row(s, case_id, version)
            stored = self._stored(
                s, case_id, row.version, _domain.engine_version(), _domain.knowledge_version()
            )
            record = _record(stored) if stored is not None else None
            document, number = row.document, row.version
        if record is None:
            record = self._store(case_id, number, _domain.assess_document(document))
        if viewer is not None:
            require(viewer, Permission.VIEW)
            with self.writing() as s:
                add_audit(
                    s, viewer, "view", "assessment", case_id, f"version={record.case_version}"
                )
        return record

    def compute_assessment(self, case_id: str, version: int | None = None) -> AssessmentRecord:
        """Run the engine again on a case version (default: the newest) and store the result
        if no identical-version assessment is stored yet."""
        with self.reading() as s:
            row = self._version_row(s, case_id, version)
            document, number = row.document, row.version
            expected = (_domain.engine_version(), _domain.knowledge_version())
            stored = self._stored(s, case_id, number, *expected)
            known = _record(stored) if stored is not None else None
        result = _domain.assess_document(document)
        if known is not None and (
            result.get("engine_version"),
            result.get("knowledge_version"),
        ) == (
            known.engine_version,
            known.knowledge_version,
        ):
            return known  # the engine gave the stored answer's versions: nothing to write
        return self._store(case_id, number, result)

    def _store(self, case_id: str, version: int, result: dict[str, object]) -> AssessmentRecord:
        engine_v = str(result.get("engine_version") or _domain.engine_version())
        knowledge_v = str(result.get("knowledge_version") or _domain.knowledge_version())
        # Usually stored already: look without taking the (on SQLite: database-wide) write lock.
        with self.reading() as s:
            stored = self._stored(s, case_id, version, engine_v, knowledge_v)
            if stored is not None:
                return _record(stored)
        try:
            with self.writing() as s:
                existing = self._stored(s, case_id, version, engine_v, knowledge_v)
                if existing is not None:
                    return _record(existing)
                row = AssessmentRow(
                    case_id=case_id,
                    case_version=version,
                    engine_version=engine_v,
                    knowledge_version=knowledge_v,
                    category=_domain.category_of(dict(result)),
                    result=dict(result),
                    created_at=utcnow(),
                )
                s.add(row)
                s.flush()
                return _record(row)
        except IntegrityError:
            # Another request stored the same assessment between our read and our insert.
            with self.reading() as s:
                again = self._stored(s, case_id, version, engine_v, knowledge_v)
                if again is None:  # pragma: no cover - the constraint said it exists
                    raise
                return _record(again)

    def get_assessment_by_id(self, assessment_id: int) -> AssessmentRecord:
        with self.reading() as s:
            row = s.get(AssessmentRow, assessment_id)
            if row is None:
                raise NotFoundError(f"no assessment {assessment_id}")
            return _record(row)

    def assessment_history(self, case_id: str) -> list[AssessmentRecord]:
        """Every stored assessment of a case, oldest first (old engines' proposals included)."""
        with self.reading() as s:
            self._version_row(s, case_id, None)
            return [
                _record(a)
                for a in s.scalars(
                    select(AssessmentRow)
                    .where(AssessmentRow.case_id == case_id)
                    .order_by(AssessmentRow.id)
                )
            ]
