"""Assessments, stored with the engine and knowledge versions that produced them. A case version
assessed by the same engine and knowledge always gives the same result, so one row per
(case, version, engine_version, knowledge_version) is kept and old ones are never replaced."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from livermdt.errors import NotFoundError
from livermdt.services import _domain
from livermdt.services._base import ServiceBase, add_audit, require
from livermdt.services.records import AssessmentJson, AssessmentRecord, UserInfo
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


class _Stored(NamedTuple):
    """The stored assessment of a case version by the current engine and knowledge, as looked
    up; ``result`` is None where the statement did not select it."""

    id: int
    engine_version: str
    knowledge_version: str
    category: str | None
    created_at: datetime
    result: dict[str, Any] | None


def _lookup_statement(newest: bool, with_result: bool) -> Any:
    """One query for the hot path: the case version's document and, if stored, its assessment
    by the given engine and knowledge versions (built once; values are bound per call). Without
    ``with_result`` the stored JSON is left in the database (the caller computes it anew)."""
    version = CaseRow.current_version if newest else bindparam("version")
    columns = [
        CaseVersion.version,
        CaseVersion.document,
        AssessmentRow.id,
        AssessmentRow.engine_version,
        AssessmentRow.knowledge_version,
        AssessmentRow.category,
        AssessmentRow.created_at,
    ]
    if with_result:
        columns.append(AssessmentRow.result)
    return (
        select(*columns)
        .select_from(CaseRow)
        .join(CaseVersion, and_(CaseVersion.case_id == CaseRow.id, CaseVersion.version == version))
        .outerjoin(
            AssessmentRow,
            and_(
                AssessmentRow.case_id == CaseRow.id,
                AssessmentRow.case_version == CaseVersion.version,
                AssessmentRow.engine_version == bindparam("engine_version"),
                AssessmentRow.knowledge_version == bindparam("knowledge_version"),
            ),
        )
        .where(CaseRow.id == bindparam("case_id"), CaseRow.deleted_at.is_(None))
    )


_LOOKUPS = {
    (newest, with_result): _lookup_statement(newest, with_result)
    for newest in (True, False)
    for with_result in (True, False)
}


class AssessmentService(ServiceBase):
    def _lookup(
        self, case_id: str, version: int | None, *, with_result: bool = True
    ) -> tuple[int, dict[str, Any], _Stored | None]:
        """(version number, document, stored assessment by the current engine or None)."""
        params: dict[str, Any] = {
            "case_id": case_id,
            "engine_version": _domain.engine_version(),
            "knowledge_version": _domain.knowledge_version(),
        }
        if version is not None:
            params["version"] = version
        row = self.select_first(_LOOKUPS[version is None, with_result], params)
        if row is None:
            with self.reading() as s:
                self._version_row(s, case_id, version)  # raises the precise NotFoundError
            raise NotFoundError(f"no case {case_id}")  # pragma: no cover
        number, document, stored_id, engine_v, knowledge_v, category, created, *rest = row
        if stored_id is None:
            return number, document, None
        stored = _Stored(
            stored_id, engine_v, knowledge_v, category, as_utc(created), rest[0] if rest else None
        )
        return number, document, stored

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
        number, document, stored = self._lookup(case_id, version)
        if stored is None or stored.result is None:
            record = self._store(case_id, number, _domain.assess_document(document))
        else:
            record = AssessmentRecord(
                id=stored.id,
                case_id=case_id,
                case_version=number,
                engine_version=stored.engine_version,
                knowledge_version=stored.knowledge_version,
                category=stored.category,
                result=stored.result,
                created_at=stored.created_at,
            )
        self._audit_view(viewer, case_id, f"version={record.case_version}")
        return record

    def _audit_view(self, viewer: UserInfo | None, case_id: str, detail: str) -> None:
        """Who saw a case's assessment: every read path that returns one to a user goes through
        here, so none of them can skip the audit."""
        if viewer is None:
            return
        require(viewer, Permission.VIEW)
        self.execute_one(
            lambda conn: add_audit(conn, viewer, "view", "assessment", case_id, detail)
        )

    def compute_assessment(
        self, case_id: str, version: int | None = None, *, viewer: UserInfo | None = None
    ) -> AssessmentJson:
        """Run the engine again on a case version (default: the newest) and store the result
        if no identical-version assessment is stored yet. With ``viewer``: audited (the answer
        shows the case's assessment to that user).

        The answer carries the assessment as JSON text, serialised once from the engine's model:
        the stored JSON of the same case version, engine and knowledge is the same assessment
        (the engine is pure), so it is neither read back nor written again."""
        if viewer is not None:
            require(viewer, Permission.VIEW)
        number, document, stored = self._lookup(case_id, version, with_result=False)
        assessed = _domain.assess_document_json(document)
        versions = (assessed.engine_version, assessed.knowledge_version)
        if stored is not None and versions == (stored.engine_version, stored.knowledge_version):
            row_id, category, created_at = stored.id, stored.category, stored.created_at
        else:
            record = self._store(case_id, number, json.loads(assessed.json_text))
            row_id, category, created_at = record.id, record.category, record.created_at
        self._audit_view(viewer, case_id, f"version={number}")
        return AssessmentJson(
            id=row_id,
            case_id=case_id,
            case_version=number,
            engine_version=assessed.engine_version,
            knowledge_version=assessed.knowledge_version,
            category=category,
            created_at=created_at,
            result_json=assessed.json_text,
        )

    def _store(self, case_id: str, version: int, result: dict[str, object]) -> AssessmentRecord:
        engine_v = str(result.get("engine_version") or _domain.engine_version())
        knowledge_v = str(result.get("knowledge_version") or _domain.knowledge_version())
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

    def assessment_history(
        self, case_id: str, *, viewer: UserInfo | None = None
    ) -> list[AssessmentRecord]:
        """Every stored assessment of a case, oldest first (old engines' proposals included).
        With ``viewer``: audited."""
        records = self._assessment_history(case_id)
        self._audit_view(viewer, case_id, "history")
        return records

    def _assessment_history(self, case_id: str) -> list[AssessmentRecord]:
        with self.reading() as s:
            exists = s.scalar(
                select(CaseRow.id).where(CaseRow.id == case_id, CaseRow.deleted_at.is_(None))
            )
            if exists is None:
                raise NotFoundError(f"no case {case_id}")
            return [
                _record(a)
                for a in s.scalars(
                    select(AssessmentRow)
                    .where(AssessmentRow.case_id == case_id)
                    .order_by(AssessmentRow.id)
                )
            ]
