"""A PostgreSQL database for a benchmark: a new one on a given server, or a throwaway cluster.

`database(url)` yields the URL of a new, empty database, dropped afterwards: on the server of
`url` (or of JOURNAL_TEST_POSTGRES_URL) when one is given, else on a cluster started here the
way scripts/test starts the suite's (initdb into a temporary folder, local only, durability
off; as the postgres user when run as root) and removed afterwards.
"""
from __future__ import annotations

import contextlib
import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import urllib.parse
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def database(url: str | None = None) -> Iterator[str]:
    """A new empty database's URL on the server of `url`, or on a throwaway cluster."""
    url = url or os.environ.get("JOURNAL_TEST_POSTGRES_URL")
    with contextlib.ExitStack() as stack:
        server = url or stack.enter_context(cluster())
        name = f"journal_bench_{secrets.token_hex(6)}"
        _execute(server, f'CREATE DATABASE "{name}"')
        try:
            yield urllib.parse.urlparse(server)._replace(path=f"/{name}").geturl()
        finally:
            _execute(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _execute(url: str, sql: str) -> None:
    import psycopg2

    connection = psycopg2.connect(url)
    connection.autocommit = True  # CREATE/DROP DATABASE cannot run in a transaction
    try:
        connection.cursor().execute(sql)
    finally:
        connection.close()


@contextlib.contextmanager
def cluster() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on a free local port; the URL of its `journal` database."""
    pgbin = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                   key=lambda p: int(Path(p).parent.name.split(".")[0]))
    if not pgbin:
        raise SystemExit("bench: PostgreSQL is not installed (apt-get install postgresql), "
                         "or give a server with --postgres-url")
    binary = Path(pgbin[-1])
    folder = Path(tempfile.mkdtemp(prefix="journal-bench-pg."))
    folder.chmod(0o755)
    run_as: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: Debian's postgres user
        user = _server_user()
        shutil.chown(folder, user)
        run_as = ["runuser", "-u", user, "--"]

    def pg(*args: str) -> None:
        subprocess.run([*run_as, str(binary / args[0]), *args[1:]], cwd=folder, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    port = _free_port()
    data = folder / "data"
    try:
        pg("initdb", "-D", str(data), "-U", "journal", "--auth=trust", "-E", "UTF8",
           f"--locale={_locale()}")
        with open(data / "postgresql.conf", "a") as conf:
            conf.write(f"listen_addresses = '127.0.0.1'\nport = {port}\n"
                       f"unix_socket_directories = '{folder}'\nmax_connections = 200\n"
                       "fsync = off\nfull_page_writes = off\nsynchronous_commit = off\n")
        pg("pg_ctl", "start", "-w", "-D", str(data), "-l", str(folder / "server.log"))
        try:
            yield f"postgresql://journal@127.0.0.1:{port}/postgres"
        finally:
            pg("pg_ctl", "stop", "-D", str(data), "-m", "immediate")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _server_user() -> str:
    """Who runs the server when we are root, as in scripts/test: postgres, else a system
    user journaltest (created if missing)."""
    import pwd

    for user in ("postgres", "journaltest"):
        try:
            pwd.getpwnam(user)
            return user
        except KeyError:
            pass
    subprocess.run(["useradd", "--system", "--no-create-home", "journaltest"], check=True)
    return "journaltest"


def _locale() -> str:
    """C.UTF-8 where the system has it, else C (as scripts/test chooses)."""
    try:
        listed = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout
    except OSError:
        return "C"
    names = {line.strip().lower().replace("-", "") for line in listed.splitlines()}
    return "C.UTF-8" if "c.utf8" in names else "C"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
