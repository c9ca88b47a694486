"""Benchmark: teachers saving journal cells at once through two `journal serve` processes on
one database; every acknowledged save is then looked for in the database.

Run: .venv/bin/python bench/load.py [--clients 32] [--seconds 60] [--database both]
         [--postgres-url URL] [--students 700] [--servers 2] [--threads 4] [--today DATE]
For each database (sqlite, postgres or both): builds the demo school (`journal demo
--no-serve`) in a temporary folder (PostgreSQL: a new database on the server of
--postgres-url, default JOURNAL_TEST_POSTGRES_URL, else a throwaway cluster started here,
all dropped afterwards), gives `--clients` teachers a password, starts `--servers`
`journal serve --threads N` processes, and lets each teacher (a thread with its own account
and keep-alive connection, the servers taken in turn) open their journals and save their
cells for `--seconds`, as the grid does: a new value, with the text the cell showed.
Each teacher walks their cells in a random order and writes a cell again only when all were
written, so every acknowledged save (200) is checked (`checked` = `saves`) unless a teacher
ran out of cells and wrote one again. Prints saves/s, latency p50/p95/p99, every other
answer by status, and the acknowledged saves missing from the database (lost: must be 0),
beside the figures of issue 11 (measured before PostgreSQL had a connection pool).
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import html
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import postgres  # noqa: E402
from models import (  # noqa: E402
    SchoolClass,
    SchoolSettings,
    Staff,
    TeachingAssignment,
    database,
    db,
)
from models.gradebook import JournalPage  # noqa: E402
from models.people import hash_password  # noqa: E402

PASSWORD = "load-bench-password-1"
VALUES = ["5", "4", "3", "2", "5 4", "4 4", "3 5", "Н", ""]
ISSUE = {"sqlite": "85 saves/s, p99 2.1 s", "postgres": "49 saves/s, p99 1.2 s"}
CSRF = re.compile(r'name="csrf[-_]token" (?:value|content)="([^"]+)"')
CELL = re.compile(r'<input class="cell" data-lesson="(\d+)" data-student="(\d+)" value="([^"]*)"')
TIMEOUT = 120


class Browser:
    """One teacher's browser: a keep-alive connection to one server and the session cookie."""

    def __init__(self, address: tuple[str, int]):
        self.address, self.cookie, self.token = address, "", ""
        self.connection = http.client.HTTPConnection(*address, timeout=TIMEOUT)

    def request(self, method: str, path: str, body: str | None = None,
                headers: dict | None = None) -> tuple[int, str]:
        headers = {**(headers or {}), **({"Cookie": self.cookie} if self.cookie else {})}
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            text = response.read().decode()
        except (OSError, http.client.HTTPException):
            self.connection.close()  # a new connection for the next request
            raise
        cookie = response.getheader("Set-Cookie")
        self.cookie = cookie.split(";", 1)[0] if cookie else self.cookie
        return response.status, text

    def log_in(self, login: str) -> None:
        _, page = self.request("GET", "/login/")
        form = urllib.parse.urlencode({"login": login, "password": PASSWORD,
                                       "csrf_token": CSRF.search(page).group(1)})
        status, _ = self.request("POST", "/login/", form,
                                 {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise SystemExit(f"bench: {login} could not log in ({status})")

    def save(self, lesson: int, student: int, value: str, seen: str) -> tuple[int, str]:
        body = json.dumps({"lesson": lesson, "student": student, "value": value, "seen": seen})
        return self.request("POST", "/journal/api/cell", body,
                            {"Content-Type": "application/json", "X-CSRFToken": self.token})


@dataclass
class Teacher:
    """One simulated teacher: their account, journals, and what the servers answered."""

    login: str
    journals: list[tuple[int, int, int | None]]  # class, subject, subgroup
    shown: dict[tuple[int, int], str] = field(default_factory=dict)  # the page's cells
    acknowledged: dict[tuple[int, int], str] = field(default_factory=dict)
    doubtful: dict[tuple[int, int], set[str]] = field(default_factory=dict)
    answers: collections.Counter = field(default_factory=collections.Counter)
    latencies: list[float] = field(default_factory=list)
    opened: list[tuple[int, int, int | None]] = field(default_factory=list)

    def open_journals(self, browser: Browser) -> None:
        """Open each of their journals' pages (this period) and keep the cells they may edit:
        the more cells, the fewer written twice."""
        for journal in self.journals:
            query = urllib.parse.urlencode(dict(zip(("class_id", "subject_id", "subgroup_id"),
                                                    (x or "" for x in journal))))
            status, page = browser.request("GET", f"/journal/grid?{query}")
            cells = {(int(x), int(y)): html.unescape(v) for x, y, v in CELL.findall(page)}
            if status == 200 and cells:
                self.opened.append(journal)
                self.shown.update(cells)
                browser.token = CSRF.search(page).group(1)
        if not self.shown:
            raise SystemExit(f"bench: {self.login} has no journal with editable cells")

    def work(self, browser: Browser, start: threading.Barrier, stop: threading.Event,
             rng: random.Random) -> None:
        """Save cells until told to stop: each cell once, in a random order, then again."""
        start.wait()
        order: list[tuple[int, int]] = []
        while not stop.is_set():
            if not order:
                order = [cell for cell in self.shown if cell not in self.doubtful]
                rng.shuffle(order)
                if not order:
                    return
            cell = order.pop()
            seen = self.shown[cell]
            value = rng.choice([v for v in VALUES if v != seen])
            started = time.perf_counter()
            try:
                status, body = browser.save(*cell, value, seen)
            except (OSError, http.client.HTTPException):
                status, body = 0, ""
            self.answers[status] += 1
            if status == 200:
                self.latencies.append(time.perf_counter() - started)
                self.shown[cell] = self.acknowledged[cell] = json.loads(body)["text"]
            else:  # not acknowledged: the cell may hold either text, and is written no more
                self.doubtful[cell] = {seen, value}


def prepare(url: str, folder: Path, env: dict, clients: int, students: int,
            today: str) -> list[Teacher]:
    """The demo school in the database at `url`, and `clients` teachers able to log in."""
    subprocess.run([str(Path(sys.executable).with_name("journal")), "demo", "--no-serve",
                    "--students", str(students), "--today", today],
                   env=env, cwd=folder, check=True, stdout=subprocess.DEVNULL)
    database.bind(url)
    journals = collections.defaultdict(list)
    for a in (TeachingAssignment.select(TeachingAssignment, SchoolClass).join(SchoolClass)
              .where((SchoolClass.grade >= 2) & (TeachingAssignment.grading_scale == "five"))
              .order_by(SchoolClass.grade.desc(), TeachingAssignment.id)):
        journals[a.teacher_id].append((a.school_class_id, a.subject_id, a.subgroup_id))
    if len(journals) < clients:
        raise SystemExit(f"bench: the demo school has {len(journals)} teachers of graded "
                         f"subjects, fewer than {clients} clients: raise --students")
    chosen = list(Staff.select().where(Staff.id.in_(sorted(journals)[:clients])))
    # One hash for every account: it is slow on purpose.
    Staff.update(password_hash=hash_password(PASSWORD)).where(
        Staff.id.in_([s.id for s in chosen])).execute()
    teachers = [Teacher(s.login, journals[s.id]) for s in chosen]
    db.close()
    return teachers


@contextlib.contextmanager
def serving(env: dict, folder: Path, servers: int, threads: int):
    """`journal serve` processes on the database of `env`; their addresses."""
    journal = str(Path(sys.executable).with_name("journal"))
    processes, addresses = [], []
    try:
        for n in range(servers):
            port = postgres._free_port()
            with open(folder / f"serve-{n}.log", "wb") as log:
                processes.append(subprocess.Popen(
                    [journal, "serve", "--port", str(port), "--threads", str(threads)],
                    env=env, cwd=folder, stdout=log, stderr=subprocess.STDOUT))
            addresses.append(("127.0.0.1", port))
        for address, process in zip(addresses, processes):
            _wait_until_answering(address, process)
        yield addresses
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait()


def _wait_until_answering(address: tuple[str, int], process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"bench: journal serve exited with {process.returncode}")
        try:
            if Browser(address).request("GET", "/login/")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("bench: journal serve did not answer within 60 s")


def drive(teachers: list[Teacher], addresses: list, seconds: float) -> float:
    """Log every teacher in, open their journals, then let them all save for `seconds`;
    the seconds the saving took."""
    browsers = [Browser(addresses[i % len(addresses)]) for i in range(len(teachers))]
    for teacher, browser in zip(teachers, browsers):
        browser.log_in(teacher.login)
        teacher.open_journals(browser)
    start, stop = threading.Barrier(len(teachers) + 1), threading.Event()
    threads = [threading.Thread(target=t.work, args=(b, start, stop, random.Random(i)))
               for i, (t, b) in enumerate(zip(teachers, browsers))]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


def verify(url: str, teachers: list[Teacher]) -> tuple[int, int, list[str]]:
    """(cells checked, saves lost, examples): each cell's text in the database against its
    last acknowledged save (or the text before it, when a later save was not answered)."""
    database.bind(url)
    today = SchoolSettings.current().today()
    checked = lost = 0
    examples = []
    for teacher in teachers:
        stored_cells = {}
        for journal in teacher.opened:
            stored_cells.update(JournalPage.open(*journal, None, today).cells)
        for cell, saved in teacher.acknowledged.items():
            stored = stored_cells[cell].text if cell in stored_cells else ""
            checked += 1
            if stored not in teacher.doubtful.get(cell, {saved}):
                lost += 1
                examples.append(f"{teacher.login} lesson {cell[0]} pupil {cell[1]}: "
                                f"saved «{saved}», stored «{stored}»")
    db.close()
    return checked, lost, examples


def percentile(latencies: list[float], p: int) -> float:
    return statistics.quantiles(latencies, n=100, method="inclusive")[p - 1] if (
        len(latencies) > 1) else float("nan")


def run(kind: str, args, folder: Path) -> dict:
    """The whole run on one database; its figures."""
    with contextlib.ExitStack() as stack:
        url = (f"sqlite:///{folder / 'journal.sqlite3'}" if kind == "sqlite"
               else stack.enter_context(postgres.database(args.postgres_url)))
        env = {**os.environ, "DATABASE_URL": url, "JOURNAL_INSTANCE": str(folder / "instance"),
               "JOURNAL_TODAY": args.today, "JOURNAL_SECRET_KEY": "load-bench",
               "PYTHONPATH": str(ROOT)}
        os.environ.update(JOURNAL_TODAY=args.today, JOURNAL_INSTANCE=env["JOURNAL_INSTANCE"])
        print(f"{kind}: building the demo school ({args.students} pupils)…", flush=True)
        teachers = prepare(url, folder, env, args.clients, args.students, args.today)
        print(f"{kind}: {args.clients} teachers saving for {args.seconds} s on "
              f"{args.servers} servers × {args.threads} threads…", flush=True)
        with serving(env, folder, args.servers, args.threads) as addresses:
            seconds = drive(teachers, addresses, args.seconds)
        checked, lost, examples = verify(url, teachers)
    latencies = [x for t in teachers for x in t.latencies]
    answers = sum((t.answers for t in teachers), collections.Counter())
    return {"seconds": seconds, "saves": len(latencies), "answers": answers,
            "rate": len(latencies) / seconds, "checked": checked, "lost": lost,
            "examples": examples, **{f"p{p}": percentile(latencies, p) for p in (50, 95, 99)}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--postgres-url", help="a PostgreSQL server to create the database on")
    parser.add_argument("--students", type=int, default=700,
                        help="demo school size: enough teachers for the clients")
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="journal serve --threads")
    parser.add_argument("--today", default="2026-11-25", help="the demo school's today")
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    results = {}
    for kind in kinds:
        with tempfile.TemporaryDirectory() as tmp:
            results[kind] = run(kind, args, Path(tmp))

    print(f"\n{args.clients} teachers, {args.servers} × journal serve --threads {args.threads}, "
          f"{args.seconds:.0f} s")
    print(f"  {'database':<10}{'saves':>7}{'saves/s':>9}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}"
          f"{'checked':>9}{'lost':>6}  other answers   issue 11 (no pool)")
    for kind, r in results.items():
        other = ", ".join(f"{s or 'no answer'}×{n}" for s, n in sorted(r["answers"].items())
                          if s != 200) or "none"
        print(f"  {kind:<10}{r['saves']:>7}{r['rate']:>9.1f}{r['p50'] * 1000:>8.0f}"
              f"{r['p95'] * 1000:>8.0f}{r['p99'] * 1000:>8.0f}{r['checked']:>9}{r['lost']:>6}"
              f"  {other:<15} {ISSUE[kind]}")
        for example in r["examples"][:5]:
            print(f"    lost: {example}")
    print("lost updates: " + ("OK (0)" if not any(r["lost"] for r in results.values())
                              else "FAIL"))


if __name__ == "__main__":
    main()
