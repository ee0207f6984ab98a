"""Cases and their full history: every save is a new version, nothing is overwritten, deletion is
an explicit, audited, admin-only action that hides the case but keeps every version."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.orm import Session

from livermdt.errors import ConflictError, InvalidInputError, NotFoundError
from livermdt.services import _domain
from livermdt.services._base import ServiceBase, add_audit, require, usernames
from livermdt.services.records import (
    CaseRecord,
    CaseSummary,
    CaseVersionRecord,
    PatientInfo,
    UserInfo,
)
from livermdt.services.roles import Permission
from livermdt.storage.models import (
    AssessmentRow,
    CaseRow,
    CaseVersion,
    Patient,
    User,
    as_utc,
    new_id,
    utcnow,
)


class CaseVersionConflict(ConflictError):
    """A save based on a version that is no longer the newest. Carries both sides, so the page
    and the API can show them and nothing typed is lost."""

    def __init__(
        self, case_id: str, base_version: int, current: CaseRecord, submitted: dict[str, Any]
    ) -> None:
        super().__init__(
            f"case {case_id} was changed by someone else: you edited version {base_version}, "
            f"the newest is version {current.version}"
        )
        self.case_id = case_id
        self.base_version = base_version
        self.current = current
        self.submitted = submitted


def _discussion_date(document: dict[str, Any]) -> date | None:
    value = document.get("discussion_date")
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _patient_info(p: Patient) -> PatientInfo:
    return PatientInfo(id=p.id, display_name=p.display_name, mrn=p.mrn, synthetic=p.synthetic)


def _clean(value: str | None, field: str, limit: int) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > limit:
        raise InvalidInputError(
            f"{field} is too long", [f"{field}: at most {limit} characters (got {len(value)})"]
        )
    return value or None


#: The newest version of a case with its patient and the name of who saved it: one query,
#: built once (the hot path of every case page).
_LOAD = (
    select(CaseRow, CaseVersion, Patient, User.username)
    .join(
        CaseVersion,
        and_(CaseVersion.case_id == CaseRow.id, CaseVersion.version == CaseRow.current_version),
    )
    .join(Patient, Patient.id == CaseRow.patient_id)
    .outerjoin(User, User.id == CaseVersion.created_by)
    .where(CaseRow.id == bindparam("case_id"), CaseRow.deleted_at.is_(None))
)


class CaseService(ServiceBase):
    # ---- reading -------------------------------------------------------------------------
    def _load(self, s: Session, case_id: str) -> CaseRecord:
        row = s.execute(_LOAD, {"case_id": case_id}).first()
        if row is None:
            raise NotFoundError(f"no case {case_id}")
        case, version, patient, username = row
        return CaseRecord(
            id=case.id,
            version=version.version,
            document=version.document,
            updated_by=username,
            updated_at=as_utc(version.created_at),
            created_at=as_utc(case.created_at),
            patient=_patient_info(patient),
        )

    def get_case(self, case_id: str, *, viewer: UserInfo | None = None) -> CaseRecord:
        """The newest version. With ``viewer`` the view is written to the audit log."""
        if viewer is None:
            with self.reading() as s:
                return self._load(s, case_id)
        require(viewer, Permission.VIEW)
        with self.reading() as s:
            record = self._load(s, case_id)
        # Returned only once its audit row is written; the load itself holds no write lock
        # (in one write transaction every case page queued behind every other on SQLite).
        detail = f"version={record.version}"
        self.execute_one(lambda conn: add_audit(conn, viewer, "view", "case", case_id, detail))
        return record

    def list_cases(self, *, limit: int = 500, offset: int = 0) -> list[CaseSummary]:
        """Cases not deleted, newest discussion date first."""
        query = (
            select(CaseRow, CaseVersion, Patient)
            .join(
                CaseVersion,
                and_(
                    CaseVersion.case_id == CaseRow.id,
                    CaseVersion.version == CaseRow.current_version,
                ),
            )
            .join(Patient, Patient.id == CaseRow.patient_id)
            .where(CaseRow.deleted_at.is_(None))
            .order_by(CaseVersion.discussion_date.desc(), CaseRow.created_at.desc())
            .limit(limit)
            .offset(offset)
        )
        with self.reading() as s:
            rows = s.execute(query).all()
            return self._summaries(s, rows)

    def summaries(self, case_ids: list[str]) -> dict[str, CaseSummary]:
        """Summaries of the given cases (deleted ones left out), keyed by id."""
        if not case_ids:
            return {}
        query = (
            select(CaseRow, CaseVersion, Patient)
            .join(
                CaseVersion,
                and_(
                    CaseVersion.case_id == CaseRow.id,
                    CaseVersion.version == CaseRow.current_version,
                ),
            )
            .join(Patient, Patient.id == CaseRow.patient_id)
            .where(CaseRow.id.in_(case_ids), CaseRow.deleted_at.is_(None))
        )
        with self.reading() as s:
            return {c.id: c for c in self._summaries(s, s.execute(query).all())}

    def _summaries(self, s: Session, rows: Any) -> list[CaseSummary]:
        names = usernames(s, {v.created_by for _, v, _ in rows})
        keys = [(c.id, c.current_version) for c, _, _ in rows]
        assessed: dict[tuple[str, int], AssessmentRow] = {}
        if keys:
            for a in s.scalars(
                select(AssessmentRow)
                .where(AssessmentRow.case_id.in_([k[0] for k in keys]))
                .where(AssessmentRow.knowledge_version == _domain.knowledge_version())
                .order_by(AssessmentRow.id)
            ):
                assessed[(a.case_id, a.case_version)] = a
        out = []
        for case, version, patient in rows:
            found = assessed.get((case.id, case.current_version))
            doc_id = version.document.get("id")
            out.append(
                CaseSummary(
                    id=case.id,
                    version=case.current_version,
                    document_id=str(doc_id) if doc_id is not None else None,
                    discussion_date=version.discussion_date,
                    patient=_patient_info(patient),
                    updated_by=names.get(version.created_by) if version.created_by else None,
                    updated_at=as_utc(version.created_at),
                    category=found.category if found else None,
                    missing_count=_domain.missing_count_of(found.result) if found else None,
                )
            )
        return out

    def case_history(self, case_id: str) -> list[CaseVersionRecord]:
        """Every version, oldest first."""
        with self.reading() as s:
            self._load(s, case_id)
            versions = list(
                s.scalars(
                    select(CaseVersion)
                    .where(CaseVersion.case_id == case_id)
                    .order_by(CaseVersion.version)
                )
            )
            names = usernames(s, {v.created_by for v in versions})
            return [
                CaseVersionRecord(
                    case_id=case_id,
                    version=v.version,
                    document=v.document,
                    created_by=names.get(v.created_by) if v.created_by else None,
                    created_at=as_utc(v.created_at),
                    comment=v.comment,
                )
                for v in versions
            ]

    def get_version(self, case_id: str, version: int) -> CaseVersionRecord:
        for v in self.case_history(case_id):
            if v.version == version:
                return v
        raise NotFoundError(f"case {case_id} has no version {version}")

    # ---- writing -------------------------------------------------------------------------
    def create_case(
        self,
        document: dict[str, Any] | str | bytes,
        user: UserInfo,
        *,
        patient_name: str | None = None,
        mrn: str | None = None,
        synthetic: bool = False,
        comment: str | None = None,
    ) -> CaseRecord:
        """Validate and store a new case (version 1). An invalid document raises
        ``CaseValidationError`` and writes nothing."""
        require(user, Permission.EDIT)
        canonical = _domain.validate_document(document)
        name = _clean(patient_name, "patient_name", 200)
        mrn_clean = _clean(mrn, "mrn", 64)
        with self.writing() as s:
            now = utcnow()
            patient = Patient(
                id=new_id(), display_name=name, mrn=mrn_clean, synthetic=synthetic, created_at=now
            )
            case = CaseRow(
                id=new_id(),
                patient_id=patient.id,
                current_version=1,
                created_at=now,
                created_by=user.id,
            )
            s.add(patient)
            s.flush()
            s.add(case)
            s.flush()
            s.add(
                CaseVersion(
                    case_id=case.id,
                    version=1,
                    document=canonical,
                    discussion_date=_discussion_date(canonical),
                    created_by=user.id,
                    created_at=now,
                    comment=_clean(comment, "comment", 2000),
                )
            )
            add_audit(s, user, "create", "case", case.id, "version=1")
            s.flush()
            return self._load(s, case.id)

    def update_case(
        self,
        case_id: str,
        document: dict[str, Any] | str | bytes,
        base_version: int,
        user: UserInfo,
        *,
        comment: str | None = None,
        identification: tuple[str | None, str | None] | None = None,
    ) -> CaseRecord:
        """Save a new version edited from ``base_version``; with ``identification``
        (patient name, MRN) also the patient's identification where it differs, in the same
        transaction (the case editor saves both at once).

        Raises ``CaseValidationError`` or ``InvalidInputError`` (nothing written) for an
        invalid document or identification and ``CaseVersionConflict`` (HTTP 409) when someone
        saved a newer version meanwhile. The compare-and-set on ``cases.current_version`` is one
        UPDATE, so of two concurrent saves of the same base exactly one wins, on SQLite and
        PostgreSQL alike."""
        require(user, Permission.EDIT)
        canonical = _domain.validate_document(document)
        wanted = None
        if identification is not None:
            wanted = (
                _clean(identification[0], "patient_name", 200),
                _clean(identification[1], "mrn", 64),
            )
        with self.writing() as s:
            result = s.execute(
                update(CaseRow)
                .where(
                    CaseRow.id == case_id,
                    CaseRow.current_version == base_version,
                    CaseRow.deleted_at.is_(None),
                )
                .values(current_version=base_version + 1)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                current = self._load(s, case_id)  # NotFoundError if absent or deleted
                raise CaseVersionConflict(case_id, base_version, current, canonical)
            s.add(
                CaseVersion(
                    case_id=case_id,
                    version=base_version + 1,
                    document=canonical,
                    discussion_date=_discussion_date(canonical),
                    created_by=user.id,
                    created_at=utcnow(),
                    comment=_clean(comment, "comment", 2000),
                )
            )
            add_audit(s, user, "change", "case", case_id, f"version={base_version + 1}")
            if wanted is not None:
                self._identify(s, case_id, user, *wanted)
            s.flush()
            return self._load(s, case_id)

    def update_patient(
        self, case_id: str, user: UserInfo, *, patient_name: str | None, mrn: str | None
    ) -> PatientInfo:
        """Change the patient's display name / MRN (audited; the values are not logged)."""
        require(user, Permission.EDIT)
        name = _clean(patient_name, "patient_name", 200)
        mrn_clean = _clean(mrn, "mrn", 64)
        with self.writing() as s:
            patient = self._identify(s, case_id, user, name, mrn_clean, always=True)
            return _patient_info(patient)

    def _identify(
        self,
        s: Session,
        case_id: str,
        user: UserInfo,
        name: str | None,
        mrn: str | None,
        *,
        always: bool = False,
    ) -> Patient:
        """Set the patient's (already cleaned) identification in ``s``'s transaction, audited
        without the values; unless ``always``, only where it differs."""
        case = s.get(CaseRow, case_id)
        if case is None or case.deleted_at is not None:
            raise NotFoundError(f"no case {case_id}")
        patient = s.get(Patient, case.patient_id)
        assert patient is not None
        if always or (patient.display_name, patient.mrn) != (name, mrn):
            patient.display_name = name
            patient.mrn = mrn
            add_audit(s, user, "change", "case", case_id, "patient identification")
        return patient

    def delete_case(self, case_id: str, user: UserInfo, reason: str) -> None:
        """Hide a case from every list (admins only, reason required). Its versions,
        assessments and decisions stay in the database; the audit log records who and why."""
        require(user, Permission.ADMIN)
        why = _clean(reason, "reason", 2000)
        if not why:
            raise InvalidInputError("a reason is required", ["reason: required to delete a case"])
        with self.writing() as s:
            case = s.get(CaseRow, case_id)
            if case is None or case.deleted_at is not None:
                raise NotFoundError(f"no case {case_id}")
            case.deleted_at = utcnow()
            case.deleted_by = user.id
            case.deletion_reason = why
            add_audit(s, user, "delete", "case", case_id, f"version={case.current_version}")
