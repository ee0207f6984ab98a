"""``livermdt user create`` (password from stdin, never argv) and the demo data of
``livermdt serve --demo``."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest

from livermdt.cli.main import main
from livermdt.services import Services
from livermdt.services.demo import DEMO_PATIENTS, demo_documents, seed_demo
from livermdt.services.roles import Role
from livermdt.storage.db import make_engine


def test_user_create_reads_the_password_from_stdin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'users.sqlite3'}"
    monkeypatch.setenv("LIVERMDT_DATABASE_URL", url)
    monkeypatch.setattr("sys.stdin", io.StringIO("a sturdy passphrase\n"))
    assert main(["user", "create", "ivy", "--role", "radiologist"]) == 0
    assert "created user ivy (radiologist)" in capsys.readouterr().out
    engine = make_engine(url)
    try:
        users = Services(engine).users
        ivy = users.authenticate("ivy", "a sturdy passphrase")
        assert ivy is not None and ivy.role is Role.RADIOLOGIST
        assert users.authenticate("ivy", "a sturdy passphrase\n") is None
    finally:
        engine.dispose()


def test_user_create_rejects_bad_role_short_password_and_duplicates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LIVERMDT_DATABASE_URL", f"sqlite:///{tmp_path / 'u.sqlite3'}")
    monkeypatch.setattr("sys.stdin", io.StringIO("a sturdy passphrase\n"))
    assert main(["user", "create", "jo", "--role", "wizard"]) == 2
    assert "role:" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["user", "create", "jo", "--role", "admin"]) == 2
    assert "password:" in capsys.readouterr().err
    for expected in (0, 1):
        monkeypatch.setattr("sys.stdin", io.StringIO("a sturdy passphrase\n"))
        assert main(["user", "create", "jo", "--role", "admin"]) == expected
    assert "taken" in capsys.readouterr().err


def test_user_create_has_no_password_option() -> None:
    assert main(["user", "create", "kim", "--role", "admin", "--password", "x"]) == 2


def test_demo_seed_is_labelled_synthetic_and_complete(services: Services) -> None:
    seed = seed_demo(services, date(2025, 9, 15))
    assert sorted(u.role for u in seed.users) == sorted(Role)
    assert len({u.password for u in seed.users}) == len(seed.users)  # random, one each
    for user in seed.users:
        assert services.users.authenticate(user.username, user.password) is not None
    cases = services.cases.list_cases()
    assert len(cases) == len(DEMO_PATIENTS) == len(demo_documents())
    for c in cases:
        assert c.patient.synthetic
        assert c.patient.display_name is not None and c.patient.display_name.startswith("DEMO")
        assert "synthetic" in c.patient.display_name
        assert c.document_id is not None and c.document_id.startswith("DEMO-")
    meeting = services.meetings.next_meeting(date(2025, 9, 15))
    assert meeting is not None and meeting.id == seed.meeting_id
    assert meeting.case_ids == seed.case_ids
    assert "DEMO" in meeting.title


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_user_create_on_a_terminal_asks_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LIVERMDT_DATABASE_URL", f"sqlite:///{tmp_path / 't.sqlite3'}")
    monkeypatch.setattr("sys.stdin", _Tty())
    answers = iter(["first passphrase", "second passphrase"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["user", "create", "lee", "--role", "surgeon"]) == 2
    assert "differ" in capsys.readouterr().err
    answers = iter(["same passphrase", "same passphrase"])
    assert main(["user", "create", "lee", "--role", "surgeon"]) == 0


def test_user_list_deactivate_and_activate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'ops.sqlite3'}"
    monkeypatch.setenv("LIVERMDT_DATABASE_URL", url)
    monkeypatch.setattr("sys.stdin", io.StringIO("a sturdy passphrase\n"))
    assert main(["user", "create", "max", "--role", "oncologist"]) == 0
    engine = make_engine(url)
    try:
        users = Services(engine).users
        user = users.get_user("max")
        assert user is not None
        token = users.start_session(user)
        assert main(["user", "deactivate", "max"]) == 0
        assert users.authenticate("max", "a sturdy passphrase") is None
        assert Services(engine).users.user_for_session(token) is None  # logged out everywhere
        capsys.readouterr()
        assert main(["user", "list"]) == 0
        assert re.search(r"max\s+oncologist\s+deactivated", capsys.readouterr().out)
        assert main(["user", "activate", "max"]) == 0
        assert users.authenticate("max", "a sturdy passphrase") is not None
        assert main(["user", "deactivate", "nobody"]) == 1
    finally:
        engine.dispose()


def test_serve_logs_livermdt_errors_beside_uvicorns(capsys: pytest.CaptureFixture[str]) -> None:
    """``livermdt serve`` gives the ``livermdt`` loggers uvicorn's standard-error handler, so the
    line of an unexpected error (with its reference) reaches the server's log by design."""
    import logging
    import logging.config

    from livermdt.cli.web_cmds import log_config

    config = log_config()
    assert config["loggers"]["livermdt"]["handlers"] == ["default"]
    logger = logging.getLogger("livermdt")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    try:
        logging.config.dictConfig(config)
        logging.getLogger("livermdt.web").error("unhandled exception in GET /x, reference 0a1b2c3d")
        assert (
            "ERROR:    unhandled exception in GET /x, reference 0a1b2c3d" in capsys.readouterr().err
        )
    finally:
        logger.handlers[:], logger.level, logger.propagate = saved
