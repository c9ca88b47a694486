"""Issue 11.7 as it was found: on PostgreSQL the panel opened a new connection (a new server
process) for every HTTP request. A pool keeps one connection per server thread.

The servers' connections are told apart by their application name (libpq's PGAPPNAME, which
the `journal serve` processes inherit); a watcher lists them in pg_stat_activity every few
milliseconds while teachers' browsers keep the panel busy.
"""
from __future__ import annotations

import threading
import time

import pytest

from tests.conftest import PG_URL
from tests.served import serving

THREADS, BROWSERS, PAGES_EACH = 3, 8, 15
APPLICATION = "journal-pool-test"


class ConnectionWatcher:
    """Every server backend of the panel seen in pg_stat_activity while the block runs."""

    def __init__(self, url: str):
        import psycopg2

        self.connection = psycopg2.connect(url, application_name="watcher")
        self.connection.autocommit = True
        self.seen: set[int] = set()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._watch)

    def _watch(self) -> None:
        cursor = self.connection.cursor()
        while not self.done.wait(0.003):
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s "
                           "AND datname = current_database()", (APPLICATION,))
            self.seen.update(pid for (pid,) in cursor.fetchall())

    def __enter__(self) -> ConnectionWatcher:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.thread.join()
        self.connection.close()


@pytest.fixture
def pooled_panel(people, backend_url, tmp_path, monkeypatch):
    """One `journal serve` with THREADS threads on the small school's PostgreSQL database."""
    monkeypatch.setenv("PGAPPNAME", APPLICATION)
    with serving(backend_url, tmp_path, servers=1, threads=THREADS) as running:
        yield running


@pytest.mark.skipif(not PG_URL, reason="the pool is PostgreSQL's: run with scripts/test")
@pytest.mark.parametrize("backend_url", ["postgres"], indirect=True)
def test_a_busy_panel_opens_no_more_connections_than_it_has_threads(pooled_panel):
    browsers = [pooled_panel.session(login) for login in
                ("teacher.aa", "english.bb", "other.cc", "classteacher.dd") * 2]
    statuses: list[int] = []

    def browse(session) -> None:
        for n in range(PAGES_EACH):
            statuses.append(session.get("/journal/" if n % 2 else "/").status)

    with ConnectionWatcher(PG_URL) as watcher:
        readers = [threading.Thread(target=browse, args=(b,)) for b in browsers]
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join()

    assert statuses == [200] * BROWSERS * PAGES_EACH
    assert 1 <= len(watcher.seen) <= THREADS, (
        f"{BROWSERS * PAGES_EACH + 2 * BROWSERS} requests opened {len(watcher.seen)} "
        f"connections for {THREADS} server threads")

    # The database server ends the kept connections (a restart, an idle-connection reaper):
    # the pool notices when it hands one out, and the next pages open all the same.
    terminated = terminate_panel_connections(PG_URL)
    assert terminated
    assert [browser.get("/journal/").status for browser in browsers] == [200] * BROWSERS


def terminate_panel_connections(url: str) -> int:
    """End the panel's connections from the server side, as a restart would; how many."""
    import psycopg2

    connection = psycopg2.connect(url, application_name="terminator")
    connection.autocommit = True
    cursor = connection.cursor()
    panel = ("FROM pg_stat_activity WHERE application_name = %s "
             "AND datname = current_database()")  # another test worker's are not ours
    try:
        cursor.execute(f"SELECT count(pg_terminate_backend(pid)) {panel}", (APPLICATION,))
        terminated = cursor.fetchone()[0]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # termination is asynchronous: wait for it
            cursor.execute(f"SELECT count(*) {panel}", (APPLICATION,))
            if cursor.fetchone()[0] == 0:
                return terminated
            time.sleep(0.05)
        raise AssertionError("PostgreSQL did not end the panel's connections")
    finally:
        connection.close()
