"""`journal serve` for real: two server processes on one database, driven over HTTP by plain
http.client, for attacks that need real threads against real servers.

`served` holds one account on a new SQLite file; `served_school` serves the small school
(tests.school, tests.panel's staff) on every backend of the suite. The processes trust one
proxy (JOURNAL_PROXIES=1), so a test speaks from any client address by sending
X-Forwarded-For, as the school's reverse proxy would.
"""
from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.security import generate_password_hash

from models import Staff, database, db
from models.people import PASSWORD_METHOD
from tests.panel import PASSWORD, csrf_token

ROOT = Path(__file__).resolve().parent.parent
VICTIM = "victim.vv"
START_TIMEOUT, REQUEST_TIMEOUT = 60, 120


@dataclass
class Answer:
    status: int
    location: str
    body: str

    def json(self) -> dict:
        return json.loads(self.body)


class Session:
    """A logged-in staff member's browser on one server: its cookie and CSRF token."""

    def __init__(self, url: tuple[str, int], address: str):
        self.url, self.address, self.cookie, self.token = url, address, "", ""

    def get(self, path: str) -> Answer:
        answer, self.cookie = _request(self.url, "GET", path, cookie=self.cookie,
                                       address=self.address)
        return answer

    def post_json(self, path: str, payload: dict) -> Answer:
        """Post JSON with the page's CSRF token, as the grid's script does."""
        answer, self.cookie = _request(self.url, "POST", path, json.dumps(payload),
                                       self.cookie, self.address,
                                       {"Content-Type": "application/json",
                                        "X-CSRFToken": self.token})
        return answer


@dataclass
class Served:
    """The running servers' base addresses, their shared database and their logs."""

    urls: list[tuple[str, int]]
    database_url: str
    logs: list[Path]

    def log(self) -> str:
        return "".join(path.read_text(errors="replace") for path in self.logs)

    def open_login_page(self, server: int = 0) -> tuple[int, str, str]:
        """A fresh browser session on one server: its cookie and the form's CSRF token."""
        answer, cookie = _request(self.urls[server], "GET", "/login/")
        assert answer.status == 200, answer
        return server, cookie, csrf_token(answer.body)

    def log_in(self, session, login: str, password: str, address: str) -> Answer:
        """Post the login form of an opened session, speaking from `address`."""
        server, cookie, token = session
        form = urllib.parse.urlencode({"login": login, "password": password,
                                       "csrf_token": token})
        answer, _ = _request(self.urls[server], "POST", "/login/", form, cookie, address)
        return answer

    def session(self, login: str, server: int = 0, address: str = "192.0.2.1") -> Session:
        """Log in on one server and read the CSRF token the panel's pages carry."""
        session = Session(self.urls[server], address)
        form = urllib.parse.urlencode({"login": login, "password": PASSWORD,
                                       "csrf_token": csrf_token(session.get("/login/").body)})
        welcome, session.cookie = _request(session.url, "POST", "/login/", form,
                                           session.cookie, address)
        assert welcome.status == 302, welcome
        session.token = csrf_token(session.get("/").body)
        return session

    def burst(self, attempts: list[tuple[str, str]], address: str) -> list[Answer]:
        """Every (login, password) posted at the same moment from real threads, the sessions
        spread over both servers; the answers in the same order."""
        sessions = [self.open_login_page(i % len(self.urls)) for i in range(len(attempts))]
        start = threading.Barrier(len(attempts))
        answers: list[Answer | None] = [None] * len(attempts)

        def attempt(i: int) -> None:
            start.wait()
            answers[i] = self.log_in(sessions[i], *attempts[i], address)

        threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(attempts))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(REQUEST_TIMEOUT)
        assert all(answers), "a login request did not finish"
        return answers


def _request(url: tuple[str, int], method: str, path: str, body: str | None = None,
             cookie: str = "", address: str = "",
             extra: dict[str, str] | None = None) -> tuple[Answer, str]:
    """One request on a new connection; the answer and the session cookie after it."""
    connection = http.client.HTTPConnection(*url, timeout=REQUEST_TIMEOUT)
    headers = {"Cookie": cookie} if cookie else {}
    if address:
        headers["X-Forwarded-For"] = address
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    headers.update(extra or {})  # e.g. a JSON body's type and the CSRF header
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        set_cookie = response.getheader("Set-Cookie") or ""
        answer = Answer(response.status, response.getheader("Location") or "", text)
        return answer, set_cookie.split(";", 1)[0] or cookie
    finally:
        connection.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_answering(url: tuple[str, int], process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"journal serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if _request(url, "GET", "/login/")[0].status == 200:
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"journal serve did not answer within {START_TIMEOUT} s:\n{log.read_text()}")


def database_with_victim(url: str) -> None:
    database.bind(url)
    database.create_schema()
    Staff.create(login=VICTIM, last_name="Жертвина", first_name="Вера", roles="teacher",
                 password_hash=generate_password_hash(PASSWORD, method=PASSWORD_METHOD))
    db.close()


@contextlib.contextmanager
def serving(url: str, folder: Path, servers: int = 2, threads: int = 16) -> Iterator[Served]:
    """`journal serve` processes (`threads` threads each) on the database at `url`, until
    the block ends."""
    env = {**os.environ, "DATABASE_URL": url, "JOURNAL_INSTANCE": str(folder / "instance"),
           "JOURNAL_PROXIES": "1", "JOURNAL_SECRET_KEY": "served-test-secret",
           "PYTHONPATH": str(ROOT)}  # this working tree's code, whatever is installed
    journal = Path(sys.executable).with_name("journal")
    processes, urls, logs = [], [], []
    try:
        for n in range(servers):
            port, log = _free_port(), folder / f"serve-{n}.log"
            with open(log, "wb") as out:
                processes.append(subprocess.Popen(
                    [str(journal), "serve", "--port", str(port), "--threads", str(threads)],
                    env=env, cwd=folder, stdout=out, stderr=subprocess.STDOUT))
            urls.append(("127.0.0.1", port))
            logs.append(log)
        for url_, process, log in zip(urls, processes, logs):
            _wait_until_answering(url_, process, log)
        yield Served(urls, url, logs)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
