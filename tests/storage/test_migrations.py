"""Alembic: upgrade from an empty database on SQLite and PostgreSQL, the models match the
migrations (autogenerate finds nothing to add), and the CLI's ``db upgrade`` / ``db current``."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from livermdt.cli.main import main
from livermdt.storage.db import make_engine
from livermdt.storage.migrate import current_revision, head_revision, is_current, upgrade
from livermdt.storage.models import Base


def test_upgrade_from_empty_creates_every_table(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) is None
        upgrade(engine)
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        assert "alembic_version" in tables
        assert current_revision(engine) == head_revision(engine)
        upgrade(engine)  # idempotent
        assert is_current(engine)
    finally:
        engine.dispose()


def test_models_match_migrations(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_cli_db_upgrade_and_current(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'sub' / 'cli.sqlite3'}"
    monkeypatch.setenv("LIVERMDT_DATABASE_URL", url)
    assert main(["db", "current"]) == 0
    assert "revision none" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert (tmp_path / "sub" / "cli.sqlite3").exists()
    assert main(["db", "current"]) == 0
    out = capsys.readouterr().out
    assert "up to date" in out
    engine = make_engine(url)
    try:
        assert is_current(engine)
    finally:
        engine.dispose()
