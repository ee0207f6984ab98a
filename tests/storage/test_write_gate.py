"""The SQLite write gate: writers of one process and of several processes take turns on a lock
instead of on SQLite's sleeping busy handler; a write inside a write does not wait for itself."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from livermdt.services import Services
from livermdt.services.records import UserInfo
from livermdt.services.roles import Role
from livermdt.storage.db import make_engine, single_statement_engine, write_gate
from livermdt.storage.migrate import upgrade
from livermdt.storage.models import AuditEntry
from tests.storage.dbfixtures import FAST_HASHER

WRITER = textwrap.dedent(
    """
    import sys, time
    from livermdt.services import Services
    from livermdt.services.records import UserInfo
    from livermdt.services.roles import Role
    from livermdt.storage.db import make_engine
    services = Services(make_engine(sys.argv[1]))
    user = UserInfo(id=1, username="gate", role=Role.SURGEON)
    print("started", flush=True)
    t0 = time.monotonic()
    services.audit.record_view(user, "case", "GATE-1")
    print(f"wrote after {time.monotonic() - t0:.3f}", flush=True)
    """
)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'gate.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def test_the_gate_is_one_per_file_and_reentrant(sqlite_url: str, tmp_path: Path) -> None:
    a, b = make_engine(sqlite_url), make_engine(sqlite_url)
    try:
        done = threading.Event()

        def nested() -> None:
            with write_gate(a), write_gate(b), write_gate(a):  # same file, same thread
                done.set()

        worker = threading.Thread(target=nested)
        worker.start()
        worker.join(timeout=10)
        assert done.is_set(), "a write inside a write waited for itself"
        assert (tmp_path / "gate.sqlite3.write-lock").exists()
    finally:
        a.dispose()
        b.dispose()


def test_threads_of_one_process_take_turns(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    inside = 0
    most = 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal inside, most
        for _ in range(20):
            with write_gate(engine):
                with lock:
                    inside += 1
                    most = max(most, inside)
                time.sleep(0.0005)
                with lock:
                    inside -= 1

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine.dispose()
    assert most == 1


def test_a_writer_in_another_process_waits_for_the_gate_then_writes(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    services = Services(engine, password_hasher=FAST_HASHER)
    services.users.create_user("gate", "a long enough password", Role.SURGEON)
    held_s = 1.0
    with write_gate(engine):
        child = subprocess.Popen(
            [sys.executable, "-c", WRITER, sqlite_url],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "started"
        time.sleep(held_s)
        # Still waiting on the gate: nothing written yet.
        with engine.connect() as conn:
            written = conn.scalar(select(func.count()).where(AuditEntry.object_id == "GATE-1"))
        assert written == 0
    out, _ = child.communicate(timeout=30)
    assert child.returncode == 0
    waited = float(out.split()[-1])
    assert waited >= held_s * 0.8  # it waited for the gate ...
    with engine.connect() as conn:  # ... and then wrote its row
        assert conn.scalar(select(func.count()).where(AuditEntry.object_id == "GATE-1")) == 1
    engine.dispose()


def test_many_writers_in_two_processes_lose_nothing(sqlite_url: str, tmp_path: Path) -> None:
    engine = make_engine(sqlite_url)
    services = Services(engine, password_hasher=FAST_HASHER)
    services.users.create_user("gate", "a long enough password", Role.SURGEON)
    script = tmp_path / "many.py"
    script.write_text(
        WRITER.replace(
            'services.audit.record_view(user, "case", "GATE-1")',
            'for i in range(150): services.audit.record_view(user, "case", f"MANY-{i}")',
        )
    )
    children = [
        subprocess.Popen([sys.executable, str(script), sqlite_url], stdout=subprocess.PIPE)
        for _ in range(2)
    ]
    user = UserInfo(id=1, username="gate", role=Role.SURGEON)
    for i in range(150):
        services.audit.record_view(user, "case", f"MANY-{i}")
    for child in children:
        child.communicate(timeout=120)
        assert child.returncode == 0
    with engine.connect() as conn:
        n = conn.scalar(select(func.count()).where(AuditEntry.object_id.like("MANY-%")))
    engine.dispose()
    assert n == 450


def test_no_gate_on_postgresql() -> None:
    pg = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")  # never connects
    try:
        with write_gate(pg):
            pass  # a no-op: nothing to wait for, nothing to release
    finally:
        pg.dispose()


def test_single_statement_reads_run_without_a_transaction(engine: Engine) -> None:
    """On both databases the single-statement reads come from their own pool in autocommit
    mode (no BEGIN, no ROLLBACK), while the engine's own connections still open transactions;
    disposing of the engine disposes of that pool too."""
    reads = single_statement_engine(engine)
    assert reads is not engine and reads.url == engine.url
    with reads.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
        driver = conn.connection.driver_connection
        if engine.dialect.name == "sqlite":
            assert driver is not None and not driver.in_transaction
        else:
            assert driver is not None and driver.autocommit
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        driver = conn.connection.driver_connection
        assert driver is not None
        assert driver.in_transaction if engine.dialect.name == "sqlite" else not driver.autocommit
    assert reads.pool.checkedin() == 1
    engine.dispose()
    assert reads.pool.checkedin() == 0


def test_in_memory_sqlite_reads_use_the_engine_itself() -> None:
    """Another pool would open another, empty in-memory database."""
    engine = make_engine("sqlite://")
    try:
        assert single_statement_engine(engine) is engine
    finally:
        engine.dispose()
