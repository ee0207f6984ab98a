"""MDT meetings, their attendees and case lists, and the decisions recorded at them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from livermdt.errors import ConflictError, InvalidInputError, NotFoundError
from livermdt.services import _domain
from livermdt.services._base import ServiceBase, add_audit, require, usernames
from livermdt.services.assessments import AssessmentService
from livermdt.services.cases import CaseService
from livermdt.services.records import (
    AttendeeRecord,
    DecisionRecord,
    MeetingCaseEntry,
    MeetingRecord,
    UserInfo,
)
from livermdt.services.roles import Permission
from livermdt.storage.models import (
    CaseRow,
    Decision,
    Meeting,
    MeetingAttendee,
    MeetingCase,
    as_utc,
    new_id,
    utcnow,
)

#: Specialties an attendee can represent.
SPECIALTIES = (
    "hepatobiliary_surgery",
    "colorectal_surgery",
    "medical_oncology",
    "clinical_oncology",
    "radiology",
    "interventional_radiology",
    "nuclear_medicine",
    "pathology",
    "hepatology",
    "gastroenterology",
    "specialist_nursing",
    "coordination",
    "other",
)


def _decision(d: Decision, names: dict[int, str]) -> DecisionRecord:
    return DecisionRecord(
        id=d.id,
        meeting_id=d.meeting_id,
        case_id=d.case_id,
        case_version=d.case_version,
        assessment_id=d.assessment_id,
        codes=[str(c) for c in d.codes],
        text=d.text,
        follows_proposal=d.follows_proposal,
        deviation_reason=d.deviation_reason,
        recorded_by=names.get(d.recorded_by, str(d.recorded_by)),
        recorded_at=as_utc(d.recorded_at),
    )


def validate_decision(
    codes: Sequence[str],
    text: str,
    follows_proposal: bool,
    deviation_reason: str | None,
    known_codes: Collection[str] = (),
) -> tuple[list[str], str, str | None]:
    """Clean a decision, or raise ``InvalidInputError`` listing every problem. With
    ``known_codes``, each code must be one of them (free text belongs in ``text``)."""
    problems = []
    clean_codes = [c.strip() for c in codes if c and c.strip()]
    for i, code in enumerate(clean_codes):
        if known_codes and code not in known_codes:
            shown = code if len(code) <= 60 else code[:57] + "..."
            problems.append(
                f"codes[{i}]: not a recommendation code of assessment-v1 (got {shown!r}); "
                "write other plans in the text"
            )
    clean_text = (text or "").strip()
    if not clean_codes and not clean_text:
        problems.append("codes: give the chosen plan as recommendation codes or as text")
    if len(clean_text) > 10000:
        problems.append(f"text: at most 10000 characters (got {len(clean_text)})")
    reason = (deviation_reason or "").strip() or None
    if not follows_proposal and reason is None:
        problems.append("deviation_reason: required when the decision does not follow the proposal")
    if problems:
        raise InvalidInputError("invalid decision", problems)
    return clean_codes, clean_text, reason


class MeetingService(ServiceBase):
    def __init__(self, cases: CaseService, assessments: AssessmentService) -> None:
        super().__init__(cases._read, cases._write)
        self._cases = cases
        self._assessments = assessments

    def _record(self, s: Session, m: Meeting) -> MeetingRecord:
        return self._records(s, [m])[0]

    def _records(self, s: Session, meetings: Sequence[Meeting]) -> list[MeetingRecord]:
        """Records of several meetings with two more queries in all (not two per meeting)."""
        ids = [m.id for m in meetings]
        attendees: dict[str, list[AttendeeRecord]] = {i: [] for i in ids}
        case_ids: dict[str, list[str]] = {i: [] for i in ids}
        if ids:
            for a in s.scalars(
                select(MeetingAttendee)
                .where(MeetingAttendee.meeting_id.in_(ids))
                .order_by(MeetingAttendee.id)
            ):
                attendees[a.meeting_id].append(
                    AttendeeRecord(name=a.name, specialty=a.specialty, user_id=a.user_id)
                )
            for meeting_id, case_id in s.execute(
                select(MeetingCase.meeting_id, MeetingCase.case_id)
                .join(CaseRow, CaseRow.id == MeetingCase.case_id)
                .where(MeetingCase.meeting_id.in_(ids), CaseRow.deleted_at.is_(None))
                .order_by(MeetingCase.position)
            ):
                case_ids[meeting_id].append(case_id)
        return [
            MeetingRecord(
                id=m.id,
                meeting_date=m.meeting_date,
                title=m.title,
                attendees=attendees[m.id],
                case_ids=case_ids[m.id],
            )
            for m in meetings
        ]

    def create_meeting(
        self,
        meeting_date: date,
        title: str,
        user: UserInfo,
        attendees: Sequence[AttendeeRecord] = (),
    ) -> MeetingRecord:
        require(user, Permission.MEETINGS)
        problems = []
        clean_title = (title or "").strip()
        if not clean_title or len(clean_title) > 200:
            problems.append("title: 1-200 characters")
        for i, a in enumerate(attendees):
            if a.specialty not in SPECIALTIES:
                problems.append(
                    f"attendees[{i}].specialty: one of {', '.join(SPECIALTIES)} "
                    f"(got {a.specialty!r})"
                )
            if not a.name.strip() or len(a.name) > 200:
                problems.append(f"attendees[{i}].name: 1-200 characters")
        if problems:
            raise InvalidInputError("invalid meeting", problems)
        with self.writing() as s:
            meeting = Meeting(
                id=new_id(),
                meeting_date=meeting_date,
                title=clean_title,
                created_by=user.id,
                created_at=utcnow(),
            )
            s.add(meeting)
            s.flush()
            for a in attendees:
                s.add(
                    MeetingAttendee(
                        meeting_id=meeting.id,
                        name=a.name.strip(),
                        specialty=a.specialty,
                        user_id=a.user_id,
                    )
                )
            add_audit(s, user, "meeting_create", "meeting", meeting.id)
            s.flush()
            return self._record(s, meeting)

    def get_meeting(self, meeting_id: str) -> MeetingRecord:
        with self.reading() as s:
            m = s.get(Meeting, meeting_id)
            if m is None:
                raise NotFoundError(f"no meeting {meeting_id}")
            return self._record(s, m)

    def list_meetings(self, *, limit: int = 200) -> list[MeetingRecord]:
        """Newest first."""
        with self.reading() as s:
            rows = s.scalars(
                select(Meeting)
                .order_by(Meeting.meeting_date.desc(), Meeting.created_at.desc())
                .limit(limit)
            ).all()
            return self._records(s, rows)

    def meetings_for_case(self, case_id: str) -> list[MeetingRecord]:
        """The meetings whose case list holds ``case_id``, newest first (one query for the
        meetings, whatever their number, and two for their attendees and lists)."""
        with self.reading() as s:
            rows = s.scalars(
                select(Meeting)
                .join(MeetingCase, MeetingCase.meeting_id == Meeting.id)
                .where(MeetingCase.case_id == case_id)
                .order_by(Meeting.meeting_date.desc(), Meeting.created_at.desc())
            ).all()
            return self._records(s, rows)

    def next_meeting(self, today: date) -> MeetingRecord | None:
        """The first meeting on or after ``today`` (the caller's calendar date)."""
        with self.reading() as s:
            m = s.scalars(
                select(Meeting)
                .where(Meeting.meeting_date >= today)
                .order_by(Meeting.meeting_date, Meeting.created_at)
                .limit(1)
            ).first()
            return self._record(s, m) if m is not None else None

    def add_case_to_meeting(self, meeting_id: str, case_id: str, user: UserInfo) -> MeetingRecord:
        require(user, Permission.MEETINGS)
        try:
            with self.writing() as s:
                meeting = s.get(Meeting, meeting_id)
                if meeting is None:
                    raise NotFoundError(f"no meeting {meeting_id}")
                case = s.get(CaseRow, case_id)
                if case is None or case.deleted_at is not None:
                    raise NotFoundError(f"no case {case_id}")
                position = s.scalar(
                    select(func.coalesce(func.max(MeetingCase.position), 0)).where(
                        MeetingCase.meeting_id == meeting_id
                    )
                )
                s.add(
                    MeetingCase(
                        meeting_id=meeting_id,
                        case_id=case_id,
                        position=int(position or 0) + 1,
                        added_by=user.id,
                        added_at=utcnow(),
                    )
                )
                s.flush()
                add_audit(s, user, "meeting_add_case", "meeting", meeting_id, f"case={case_id}")
                return self._record(s, meeting)
        except IntegrityError as err:
            raise ConflictError("the case is already on this meeting's list") from err

    def meeting_cases(self, meeting_id: str) -> list[MeetingCaseEntry]:
        """The meeting's case list in order, each with its latest decision at this meeting."""
        meeting = self.get_meeting(meeting_id)
        summaries = self._cases.summaries(meeting.case_ids)
        with self.reading() as s:
            decisions = list(
                s.scalars(
                    select(Decision).where(Decision.meeting_id == meeting_id).order_by(Decision.id)
                )
            )
            names = usernames(s, {d.recorded_by for d in decisions})
        latest = {d.case_id: _decision(d, names) for d in decisions}
        return [
            MeetingCaseEntry(position=i + 1, case=summaries[cid], decision=latest.get(cid))
            for i, cid in enumerate(meeting.case_ids)
            if cid in summaries
        ]

    def record_decision(
        self,
        meeting_id: str,
        case_id: str,
        codes: Sequence[str],
        text: str,
        follows_proposal: bool,
        deviation_reason: str | None,
        user: UserInfo,
    ) -> DecisionRecord:
        """Record the MDT's decision on a case listed at a meeting. It refers to the case's
        newest version and the assessment the team saw (computed now if it was not stored).
        ``deviation_reason`` is required when the decision does not follow the proposal.
        A later decision for the same case and meeting is added, never overwriting."""
        require(user, Permission.DECIDE)
        clean_codes, clean_text, reason = validate_decision(
            codes, text, follows_proposal, deviation_reason, _domain.recommendation_codes()
        )
        meeting = self.get_meeting(meeting_id)
        if case_id not in meeting.case_ids:
            raise InvalidInputError(
                "the case is not on this meeting's list",
                [f"case_id: not on the list of meeting {meeting_id} (got {case_id})"],
            )
        assessment = self._assessments.get_assessment(case_id)
        with self.writing() as s:
            case = s.get(CaseRow, case_id)
            if case is None or case.deleted_at is not None:
                raise NotFoundError(f"no case {case_id}")
            if case.current_version != assessment.case_version:
                raise ConflictError(
                    "the case changed while the decision was being recorded; reload it"
                )
            d = Decision(
                meeting_id=meeting_id,
                case_id=case_id,
                case_version=case.current_version,
                assessment_id=assessment.id,
                codes=clean_codes,
                text=clean_text,
                follows_proposal=follows_proposal,
                deviation_reason=reason,
                recorded_by=user.id,
                recorded_at=utcnow(),
            )
            s.add(d)
            s.flush()
            add_audit(
                s,
                user,
                "decide",
                "case",
                case_id,
                f"meeting={meeting_id} version={case.current_version} "
                f"follows_proposal={follows_proposal}",
            )
            return _decision(d, {user.id: user.username})

    def decisions_for_case(self, case_id: str) -> list[DecisionRecord]:
        """Every decision on a case, oldest first."""
        with self.reading() as s:
            rows = list(
                s.scalars(select(Decision).where(Decision.case_id == case_id).order_by(Decision.id))
            )
            names = usernames(s, {d.recorded_by for d in rows})
            return [_decision(d, names) for d in rows]

    def get_decision(self, decision_id: int) -> DecisionRecord:
        with self.reading() as s:
            d = s.get(Decision, decision_id)
            if d is None:
                raise NotFoundError(f"no decision {decision_id}")
            return _decision(d, usernames(s, {d.recorded_by}))


def attendee(name: str, specialty: str, user_id: int | None = None) -> AttendeeRecord:
    return AttendeeRecord(name=name, specialty=specialty, user_id=user_id)
