"""Demo data for ``livermdt serve --demo``: clearly labelled synthetic cases (every patient name
starts with "DEMO" and says "synthetic"), one user per role with a random password that is
printed once, and a meeting on the given day with every case on its list.

The cases are examples 1-3 of the shared example set (worked by hand from the knowledge base)
plus three more, chosen to show the application's range: a bilobar case after portal vein
embolisation with re-staging, liver and resectable lung disease with a KRAS G12C mutation, and an
incomplete work-up whose assessment is mostly missing data."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any

from livermdt.services import Services
from livermdt.services.records import AttendeeRecord
from livermdt.services.roles import Role

DEMO_PATIENTS = {
    "demo-1": "DEMO Patient A (synthetic)",
    "demo-2": "DEMO Patient B (synthetic)",
    "demo-3": "DEMO Patient C (synthetic)",
    "demo-4": "DEMO Patient D (synthetic)",
    "demo-5": "DEMO Patient E (synthetic)",
    "demo-6": "DEMO Patient F (synthetic)",
}


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: Role
    password: str


@dataclass(frozen=True)
class DemoSeed:
    users: list[DemoUser]
    case_ids: list[str]
    meeting_id: str


def demo_documents() -> dict[str, dict[str, Any]]:
    """The synthetic case documents shipped with the package, by file stem."""
    folder = resources.files("livermdt.services").joinpath("demo_cases")
    docs = {}
    for name in sorted(DEMO_PATIENTS):
        docs[name] = json.loads(folder.joinpath(f"{name}.json").read_text(encoding="utf-8"))
    return docs


def seed_demo(services: Services, meeting_date: date) -> DemoSeed:
    """Fill an empty database with the demo users, cases and a meeting on ``meeting_date``."""
    users = []
    for role in Role:
        password = secrets.token_urlsafe(12)
        services.users.create_user(f"demo-{role.value}", password, role)
        users.append(DemoUser(f"demo-{role.value}", role, password))
    coordinator = services.users.get_user(f"demo-{Role.COORDINATOR.value}")
    assert coordinator is not None
    case_ids = []
    for name, document in demo_documents().items():
        record = services.cases.create_case(
            document,
            coordinator,
            patient_name=DEMO_PATIENTS[name],
            mrn=f"DEMO-{name[-1]}000",
            synthetic=True,
            comment="synthetic demo case",
        )
        case_ids.append(record.id)
    meeting = services.meetings.create_meeting(
        meeting_date,
        "Liver MDT (DEMO, synthetic data)",
        coordinator,
        [
            AttendeeRecord("Demo surgeon", "hepatobiliary_surgery"),
            AttendeeRecord("Demo oncologist", "medical_oncology"),
            AttendeeRecord("Demo radiologist", "radiology"),
            AttendeeRecord("Demo coordinator", "coordination"),
        ],
    )
    for case_id in case_ids:
        services.meetings.add_case_to_meeting(meeting.id, case_id, coordinator)
    return DemoSeed(users=users, case_ids=case_ids, meeting_id=meeting.id)
