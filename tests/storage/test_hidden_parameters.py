"""A database error's message names the statement, never its values: they are patient data
(names, MRNs, case documents), and error messages end up in logs and on terminals."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from livermdt.storage.db import single_statement_engine

PATIENT_NAME = "Jane Example-Patient"
MRN = "MRN-0042-SECRET"


@pytest.mark.parametrize("which", ["main", "single statement"])
def test_a_failed_statement_quotes_the_sql_but_not_the_values(engine: Engine, which: str) -> None:
    target = engine if which == "main" else single_statement_engine(engine)
    assert target is not engine or which == "main"  # the read pool really is another engine
    with pytest.raises(DBAPIError) as caught, target.connect() as conn:
        conn.execute(
            text("SELECT * FROM no_such_table WHERE name = :name AND mrn = :mrn"),
            {"name": PATIENT_NAME, "mrn": MRN},
        )
    message = str(caught.value)
    assert "no_such_table" in message  # still says what failed
    assert PATIENT_NAME not in message and MRN not in message
    assert "hidden" in message  # SQLAlchemy's own note that values were withheld


def test_a_failed_insert_in_a_write_transaction_hides_the_parameters(engine: Engine) -> None:
    """A real constraint: the same username twice. SQLAlchemy leaves out the parameters; but
    PostgreSQL's own DETAIL line quotes the duplicate key ("Key (username)=(...) already
    exists"), which no client setting suppresses: that is why the web layer logs an unhandled
    exception's type and frames, never its message (tests/web/test_unhandled_errors.py)."""
    insert = text(
        "INSERT INTO users (username, password_hash, role, active, created_at) "
        "VALUES (:u, 'x', 'surgeon', true, CURRENT_TIMESTAMP)"
    )
    with engine.begin() as conn:
        conn.execute(insert, {"u": PATIENT_NAME})
    with pytest.raises(DBAPIError) as caught, engine.begin() as conn:
        conn.execute(insert, {"u": PATIENT_NAME})
    message = str(caught.value)
    assert "INSERT INTO users" in message
    assert "[parameters:" not in message and "parameters hidden" in message
    if engine.dialect.name == "sqlite":
        assert PATIENT_NAME not in message
