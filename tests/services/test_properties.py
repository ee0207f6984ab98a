"""Invariants of the store over many valid case documents (hypothesis, shared strategies):
a document comes back exactly as saved, every save adds one version, and a save based on an
outdated version never changes anything."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from livermdt.services import CaseVersionConflict, Services
from livermdt.services.records import UserInfo
from livermdt.services.roles import Role
from livermdt.storage.db import make_engine
from livermdt.storage.migrate import upgrade
from tests.storage.dbfixtures import FAST_HASHER
from tests.strategies import valid_case_dicts


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Services, UserInfo]]:
    path: Path = tmp_path_factory.mktemp("props") / "props.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    services = Services(engine, password_hasher=FAST_HASHER)
    user = services.users.create_user("prop-surgeon", "long enough pw", Role.SURGEON)
    yield services, user
    engine.dispose()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=valid_case_dicts(), second=valid_case_dicts(), stale=st.booleans())
def test_round_trip_versions_and_stale_saves(
    store: tuple[Services, UserInfo],
    first: dict[str, Any],
    second: dict[str, Any],
    stale: bool,
) -> None:
    services, user = store
    created = services.cases.create_case(first, user)
    assert created.document == first
    assert services.cases.get_case(created.id).document == first
    updated = services.cases.update_case(created.id, second, 1, user)
    assert updated.version == 2 and updated.document == second
    if stale:
        with pytest.raises(CaseVersionConflict):
            services.cases.update_case(created.id, first, 1, user)
    history = services.cases.case_history(created.id)
    assert [(h.version, h.document) for h in history] == [(1, first), (2, second)]
