"""Benchmark: `journal build` on the demo school (default 1,000 pupils) against its targets.

Run: .venv/bin/python bench/site.py [--students N] [--today YYYY-MM-DD] [--naive-pupils N]
                                    [--workers N] [--repeat N] [--profile N] [--nightly]
                                    [--postgres [--postgres-url URL]]
Builds a throwaway SQLite demo school in a temp folder, issues every pupil a diary password
and then times, on the same data:
  - this build: site_builder.build.build(full=True) into a fresh output folder;
  - the floor: the same diary pages rendered by the same Jinja2 templates, encrypted and
    written with plain open().write, in as many processes as the build (--workers); the
    diaries are read from the database beforehand (not timed), so no database, no
    Pelican, no hard-links, no manifest;
  - the naive pipeline: the same week pages as Markdown files (one per pupil per week,
    written beforehand, not timed) rendered by stock Pelican with its default theme;
  - an incremental build (full=False) after one mark changed (of the latest lesson: the
    periods that ended are locked, rule 15);
  - with --nightly, a realistic night: one school day written in every class (each class's
    next school day after --today with lessons in its timetable; a lesson per timetable
    slot by the assignment's teacher, through gradebook.save_lesson; marks, absences and
    comments in the demo's proportions for the pupils enrolled, through cells.save_cell),
    then the incremental build of that day: its seconds, the diaries rebuilt and skipped,
    its ratio to the full build. A lesson changes every diary of its class, and the day
    after a Friday --today (the default) begins a new week: expect every diary rebuilt;
  - with --postgres, the same school again on PostgreSQL: a new database on the server of
    --postgres-url (default JOURNAL_TEST_POSTGRES_URL), else on a throwaway PostgreSQL
    cluster started as scripts/test starts one (initdb into a temp folder, local only,
    durability off) and removed afterwards; its full build, the one-mark incremental build
    and (with --nightly) the night, printed beside SQLite's. The issue's size:
    `--students 2000 --nightly --postgres`.
Prints seconds, pages per second and the ratios, with OK/FAIL per target:
  - the full build within 2× of the floor;
  - the full build at least 10× faster than the naive pipeline (time per page);
  - the incremental build after one mark under 2 s (on PostgreSQL too, with --postgres);
  - the first week page (the diary's index.html, all CSS and JS inlined) under 100 KB.
Progress goes to standard error. Always exits 0; read the OK/FAIL lines. --profile N adds a
cProfile of one more full build (into another fresh folder, not the timed one) and of an
incremental build after it with nothing changed, and prints their top N functions.
"""
from __future__ import annotations

import argparse
import base64
import contextlib
import cProfile
import datetime as dt
import io
import os
import pstats
import random
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from peewee import fn  # noqa: E402

import models.diary as diary_model  # noqa: E402
from bench import postgres  # noqa: E402
from demo import build_demo  # noqa: E402
from models import Mark, Student, database, db  # noqa: E402
from site_builder.shell import OFFLINE_FILES  # noqa: E402

if TYPE_CHECKING:
    from site_builder.build import Report

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
BENCH_ITERATIONS = 1000  # keys are stored: the build never runs PBKDF2 (see the output)
FLOOR_RATIO = 2.0
NAIVE_RATIO = 10.0
INCREMENTAL_SECONDS = 2.0
PAGE_KB = 100
# An attribute that loads something: a stylesheet, a script, an image, a frame…
_ASSET = re.compile(r"""\b(?:src|href)\s*=\s*["']?([^"'\s>]*)""", re.I)
_STYLESHEET = re.compile(r"<link\b[^>]*\brel=[\"']?stylesheet", re.I)
COMMENTS = ["Молодец, отличная работа!", "Не выполнено домашнее задание.",
            "Был невнимателен на уроке.", "Хорошо отвечал у доски."]  # the demo's


class QueryCounter:
    """Counts the SQL statements run on the bound database while it is installed."""

    def __init__(self) -> None:
        self.count = 0

    def __enter__(self) -> QueryCounter:
        self.database = db.obj
        self.original = self.database.execute_sql

        def counting(sql, params=None, *args, **kwargs):
            self.count += 1
            return self.original(sql, params, *args, **kwargs)

        self.database.execute_sql = counting
        return self

    def __exit__(self, *exc) -> None:
        self.database.execute_sql = self.original


def note(text: str) -> None:
    """Where a long run is (standard error: the results on standard output stay clean)."""
    print(f"bench: {text}", file=sys.stderr, flush=True)


def make_school(url: str, students: int, today: dt.date) -> dict:
    """The demo school and a diary password for every pupil; returns timings and counts."""
    database.bind(url)
    database.create_schema()
    started = time.perf_counter()
    counts = build_demo(students, seed=1, today=today, force=True, echo=lambda _line: None)
    demo_seconds = time.perf_counter() - started
    diary_model.ITERATIONS = BENCH_ITERATIONS
    started = time.perf_counter()
    diary_model.save(diary_model.plan(Student.select().order_by(Student.id)))
    return {"demo": demo_seconds, "credentials": time.perf_counter() - started,
            "counts": counts}


def preload(today: dt.date) -> tuple:
    """Every diary with its class's periods, read once (the floor's and naive's input)."""
    from models import AcademicYear
    from site_builder.diary import plan_classes

    year = AcademicYear.on(today, after_end=True)
    diaries = [diary for plan in plan_classes(today) for diary in plan.read()]
    periods: dict[int, list] = {}
    for diary in diaries:
        if diary.school_class.id not in periods:
            periods[diary.school_class.id] = list(diary.school_class.periods())
    return year, diaries, periods


def floor(folder: Path, year, diaries: list, periods: dict, today: dt.date,
          processes: int) -> dict:
    """Render, encrypt, wrap and write every diary page: the least any build must do, in as
    many processes as the build uses (each a share of the diaries, forked)."""
    from site_builder import crypto, forked, pages, shell

    pages.markdown.cache_clear()  # the timed build started with an empty cache too

    def write(share: list) -> int:
        renderer = pages.DiaryPages(pages.environment(), year.start, today)
        written = 0
        for diary in share:
            access = diary.access
            key, salt = base64.b64decode(access.key), base64.b64decode(access.salt)
            for relative, html in renderer.render(diary, periods[diary.school_class.id]).items():
                path = f"d/{access.token}/{relative}"
                payload = crypto.encrypt_page(key, salt, access.iterations, path, html)
                data = shell.render_shell(payload, access.token).encode("utf-8")
                target = folder / path
                target.parent.mkdir(parents=True, exist_ok=True)
                with open(target, "wb") as file:
                    file.write(data)
                written += 1
        return written

    # Whole classes per share, as the build splits them (the per-class markup cache).
    classes: dict[int, list] = {}
    for diary in diaries:
        classes.setdefault(diary.school_class.id, []).append(diary)
    with QueryCounter() as queries:
        started = time.perf_counter()
        if processes > 1:
            written = sum(forked.run(write, list(classes.values()), processes, weight=len))
        else:
            written = sum(map(write, classes.values()))
        seconds = time.perf_counter() - started
    return {"pages": written, "seconds": seconds, "queries": queries.count}


def _one_line(text: str) -> str:
    return " ".join((text or "").split())


def week_markdown(diary, monday: dt.date, by_day: dict) -> str:
    """One pupil's week as a Pelican article: what the encrypted week page says, in Markdown."""
    from site_builder.pages import WEEKDAY_NAMES

    token = diary.access.token
    saturday = monday + dt.timedelta(days=5)
    lines = [f"Title: Неделя {monday:%d.%m}–{saturday:%d.%m.%Y}",
             f"Date: {monday.isoformat()}", f"Slug: {token}-{monday.isoformat()}", "", ""]
    for d in range(6):
        day = monday + dt.timedelta(days=d)
        lines += [f"## {WEEKDAY_NAMES[day.weekday()]}, {day:%d.%m}", ""]
        entries = by_day.get(day, [])
        if not entries:
            lines += ["Уроков не записано.", ""]
            continue
        lines += ["| № | Предмет | Отметки | Посещаемость | Тема | Домашнее задание |",
                  "|---|---|---|---|---|---|"]
        for e in entries:
            marks = " ".join(f"{value} ({work})" if work else value for value, work in e.marks)
            lines.append(f"| {e.lesson.number} | {e.lesson.subject_name} | {marks} | "
                         f"{e.attendance or ''} | {_one_line(e.lesson.topic)} | "
                         f"{_one_line(e.lesson.homework)} |")
        lines.append("")
        for e in entries:
            for comment in e.comments:
                lines += [f"- Комментарий учителя ({e.lesson.subject_name}): "
                          f"{_one_line(comment)}"]
        lines.append("")
    return "\n".join(lines)


def write_markdown(folder: Path, year, diaries: list, today: dt.date) -> int:
    """The week pages of these diaries as .md files, all in one folder; returns how many."""
    from site_builder.pages import school_weeks

    folder.mkdir(parents=True)
    count = 0
    for diary in diaries:
        by_day: dict[dt.date, list] = {}
        for entry in diary.entries:
            by_day.setdefault(entry.lesson.date, []).append(entry)
        for monday in school_weeks(year.start, today):
            name = f"{diary.access.token}-{monday.isoformat()}.md"
            (folder / name).write_text(week_markdown(diary, monday, by_day), "utf-8")
            count += 1
    return count


def naive(md_dir: Path, out: Path) -> float:
    """Stock Pelican, default theme, on the Markdown week pages; feeds off as in our build."""
    from pelican import Pelican
    from pelican.settings import read_settings

    settings = read_settings(override={
        "PATH": str(md_dir), "OUTPUT_PATH": str(out), "TIMEZONE": "Europe/Moscow",
        "SITEURL": "", "DEFAULT_LANG": "ru", "LOAD_CONTENT_CACHE": False,
        "CACHE_CONTENT": False,
        "FEED_ALL_ATOM": None, "CATEGORY_FEED_ATOM": None, "TRANSLATION_FEED_ATOM": None,
        "AUTHOR_FEED_ATOM": None, "AUTHOR_FEED_RSS": None,
    })
    # Our plugin stays connected to Pelican's signal but adds nothing to a run without its
    # job setting (site_builder.plugin.get_generators); Pelican's summary line is kept off
    # the results.
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        Pelican(settings).run()
    return time.perf_counter() - started


def page_check(site: Path, token: str) -> dict:
    """The size of a diary's first page and whatever it would load besides itself."""
    first = site / "d" / token / "index.html"
    html = first.read_text("utf-8")
    # The diary's own offline files (its service worker and web app manifest, fetched
    # once over http(s) and kept) are not the page's assets.
    assets = [url for url in _ASSET.findall(html)
              if url and not url.startswith(("data:", "#"))
              and url.rsplit("/", 1)[-1] not in OFFLINE_FILES]
    if _STYLESHEET.search(html):
        assets.append("<link rel=stylesheet>")
    return {"path": first, "bytes": first.stat().st_size, "assets": assets}


def body_assets(html: str) -> list[str]:
    """What a decrypted page body would load (links to other diary pages are not loads)."""
    loads = re.findall(r"""\bsrc\s*=\s*["']?([^"'\s>]*)""", html, re.I)
    loads += [u for u in _ASSET.findall(html) if u.lower().endswith((".css", ".js"))]
    if _STYLESHEET.search(html):
        loads.append("<link rel=stylesheet>")
    return [u for u in loads if not u.startswith("data:")]


def profile(output: Path, today: dt.date, top: int) -> str:
    """cProfile of a full build into a fresh folder, then of an incremental one with
    nothing changed (after the timed runs, so that they are not slowed)."""
    from site_builder.build import build

    text = io.StringIO()
    for label, full in (("full build, fresh folder", True),
                        ("incremental build, nothing changed", False)):
        profiler = cProfile.Profile()
        profiler.enable()
        report = build(output, CONTENT, today, full=full)
        profiler.disable()
        text.write(f"--- {label}: {report.line()}\n")
        stats = pstats.Stats(profiler, stream=text).strip_dirs()
        stats.sort_stats("cumulative").print_stats(top)
        if full:
            stats.sort_stats("tottime").print_stats(top)
    return text.getvalue()


def change_one_mark(output: Path, today: dt.date, workers: int) -> Report:
    """Change one mark of the latest lesson (a period still open: rule 15 keeps the ended
    ones locked) and run the incremental build."""
    from models import Lesson
    from site_builder.build import build

    mark = (Mark.select().join(Lesson).order_by(Lesson.date.desc(), Lesson.id, Mark.id)
            .first())
    mark.value = "4" if mark.value != "4" else "5"
    mark.save()
    return build(output, CONTENT, today, full=False, workers=workers)


@contextlib.contextmanager
def school_clock(day: dt.date) -> Iterator[None]:
    """The school's clock reads `day` (JOURNAL_TODAY): lessons are written on their day."""
    saved = os.environ.get("JOURNAL_TODAY")
    os.environ["JOURNAL_TODAY"] = day.isoformat()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("JOURNAL_TODAY", None)
        else:
            os.environ["JOURNAL_TODAY"] = saved


def next_days(today: dt.date) -> dict:
    """Each class's next school day after `today` that its timetable has lessons on, with
    those lessons' slots (a class whose timetable has none in three weeks is left out)."""
    from models import AcademicYear, SchoolClass, Subject, TimetableSlot
    from models.calendar import SchoolCalendar

    year = AcademicYear.on(today, after_end=True)
    calendar = SchoolCalendar.of(year)
    classes = list(SchoolClass.select().where(SchoolClass.year == year)
                   .order_by(SchoolClass.grade, SchoolClass.letter))
    slots: dict[int, list] = {}
    t = TimetableSlot
    for slot in (t.select(t, Subject).join(Subject)
                 .where(t.school_class.in_(classes)).order_by(t.number, t.id)):
        slots.setdefault(slot.school_class_id, []).append(slot)
    found = {}
    for school_class in classes:
        for ahead in range(1, 22):
            day = today + dt.timedelta(days=ahead)
            if not calendar.is_school_day(day, school_class.grade):
                continue
            day_slots = [s for s in slots.get(school_class.id, [])
                         if s.weekday == day.isoweekday() and s.valid_from <= day
                         and (s.valid_to is None or s.valid_to >= day)]
            if day_slots:
                found[school_class] = (day, day_slots)
                break
    return found


def school_day(today: dt.date, seed: int = 1) -> dict:
    """One school day in every class, written as the teachers would write it through the
    journal's own functions (gradebook.save_lesson, cells.save_cell), each under the
    teacher's name: on each class's next school day after `today` (next_days), a lesson
    for every slot of its timetable, given by the teacher of the teaching assignment, with
    the next topic of the thematic plan, the demo's kinds of homework and work types; marks,
    absences and comments in the demo's proportions, only for the pupils the movement book
    (and the subgroup lists) put in the lesson on that day; pupils ill on `today` mostly
    stay ill. The school's clock is set to that day while writing. Returns counts and time."""
    from demo import data
    from models import (
        Attendance,
        Lesson,
        PlanTopic,
        Staff,
        TeacherComment,
        TeachingAssignment,
        WorkType,
        acting_as,
    )
    from models.cells import save_cell
    from models.classes import Membership
    from models.gradebook import save_lesson

    rng = random.Random(seed)
    started = time.perf_counter()
    days = next_days(today)
    if not days:
        raise SystemExit(f"bench: no class has a school day with lessons after {today}")
    last = max(day for day, _slots in days.values())
    a = TeachingAssignment
    assignments = {(x.school_class_id, x.subject_id, x.subgroup_id): x
                   for x in a.select().where(a.school_class.in_(list(days)))}
    staff = {s.id: s for s in Staff.select().where(
        Staff.id.in_({x.teacher_id for x in assignments.values()}))}
    plans: dict[int, list] = {}
    for topic in (PlanTopic.select().where(PlanTopic.assignment.in_(list(assignments.values())))
                  .order_by(PlanTopic.number)):
        plans.setdefault(topic.assignment_id, []).append(topic)
    taught = {(c, s, g): n for c, s, g, n in (
        Lesson.select(Lesson.school_class, Lesson.subject, Lesson.subgroup,
                      fn.COUNT(Lesson.id))
        .where(Lesson.school_class.in_(list(days)))
        .group_by(Lesson.school_class, Lesson.subject, Lesson.subgroup).tuples())}
    ill = {sid for (sid,) in Attendance.select(Attendance.student).join(Lesson)
           .where((Lesson.date == today) & (Attendance.code == "Б")).tuples()}
    work_types = {w.name: w for w in WorkType.select()}
    counts = {"classes": len(days), "lessons": 0, "marks": 0, "absences": 0, "comments": 0,
              "cells": 0}
    with school_clock(last):
        for school_class, (day, slots) in days.items():
            grade = school_class.grade
            members = Membership.read(Membership.entered(school_class.id, day))
            sick = {sid for sid in members
                    if rng.random() < (0.6 if sid in ill else 0.005)}
            ability = {sid: min(4.9, max(2.7, rng.gauss(3.9, 0.5))) for sid in members}
            first_lesson: dict[int, int] = {}
            for slot in slots:
                key = (school_class.id, slot.subject_id, slot.subgroup_id)
                assignment = assignments[key]
                teacher = staff[assignment.teacher_id]
                plan = plans.get(assignment.id, [])
                n = taught.get(key, 0)
                taught[key] = n + 1
                topic = plan[min(n, len(plan) - 1)] if plan else None
                title = topic.title if topic else ""
                subject = slot.subject.name
                work = ("Контрольная работа" if title.endswith("контрольная работа") else
                        "Самостоятельная работа" if (n + 1) % 7 == 0 else None)
                if work == "Контрольная работа" and subject == "Русский язык" and (n + 1) % 2:
                    work = "Диктант"
                homework = ""
                if grade > 1 and subject not in data.NO_HOMEWORK_SUBJECTS and rng.random() < 0.85:
                    homework = rng.choice(data.HOMEWORK).format(
                        n=rng.randint(1, 60), q=rng.randint(3, 8), p=rng.randint(5, 180),
                        p2=rng.randint(181, 200), m=rng.randint(61, 120))
                pupils = [sid for sid, m in members.items()
                          if m.belongs(school_class.id, slot.subgroup_id, day)]
                with acting_as(teacher.id, "bench"):
                    lesson = save_lesson(
                        teacher, school_class, slot.subject, slot.subgroup, date=day,
                        number=slot.number, topic=title, homework=homework,
                        plan_topic=topic.id if topic else None,
                        work_type=work_types[work].id if work else None)
                    counts["lessons"] += 1
                    for sid in pupils:
                        first = first_lesson.setdefault(sid, slot.number) == slot.number
                        r = rng.random()
                        code = ("Б" if sid in sick else "Н" if r < 0.006 else
                                "У" if r < 0.009 else "ОП" if r < 0.012 and first else None)
                        marks = []
                        if grade > 1 and code in (None, "ОП") and (work or rng.random() < 0.16):
                            if assignment.grading_scale == "pass":
                                marks = ["ЗЧ" if rng.random() < 0.95 else "НЗ"]
                            else:
                                mu = ability[sid] - (0.3 if work else 0)
                                marks = [str(min(5, max(2, round(rng.gauss(mu, 0.75)))))
                                         for _ in range(2 if work == "Диктант" else 1)]
                        if not code and not marks:
                            continue
                        save_cell(teacher, lesson, sid, " ".join(([code] if code else []) + marks),
                                  seen="")
                        counts["cells"] += 1
                        counts["absences"] += code is not None
                        counts["marks"] += len(marks)
                        if marks and rng.random() < 0.02:
                            TeacherComment.create(lesson=lesson, student=sid, author=teacher,
                                                  text=rng.choice(COMMENTS))
                            counts["comments"] += 1
    counts["seconds"] = time.perf_counter() - started
    counts["day"] = last
    counts["days"] = sorted({day for day, _slots in days.values()})
    return counts


def nightly(output: Path, today: dt.date, workers: int) -> dict:
    """A realistic night: one school day written (school_day), then the incremental build
    of that day; its report and the day's counts."""
    from site_builder.build import build

    note("writing one school day in every class…")
    day = school_day(today)
    note(f"the nightly incremental build of {day['day']}…")
    report = build(output, CONTENT, day["day"], full=False, workers=workers)
    return {**day, "report": report}


def nightly_lines(night: dict, full_seconds: float, today: dt.date) -> list[str]:
    """The nightly run as printed: what was written, the build, its ratio to the full one."""
    day, report = night["day"], night["report"]
    dates = "" if night["days"] == [day] else (
        " (lessons on " + ", ".join(f"{d:%d.%m.%Y}" for d in night["days"]) + ")")
    lines = [
        f"  school day {day:%a %d.%m.%Y}{dates} in {night['classes']} classes: "
        f"{night['lessons']} lessons, {night['marks']} marks, {night['absences']} absences, "
        f"{night['comments']} comments ({night['cells']} cells) written in "
        f"{night['seconds']:.1f} s through gradebook.save_lesson and cells.save_cell",
        f"  incremental build {report.seconds:.1f} s = {report.seconds / full_seconds:.2f}× the "
        f"full build ({full_seconds:.1f} s): {report.rendered} of {report.pupils} diaries "
        f"rebuilt, {report.pupils - report.rendered} skipped; {report.written} pages written, "
        f"{report.unchanged} unchanged, {report.removed} removed",
    ]
    if day - dt.timedelta(days=day.weekday()) != today - dt.timedelta(days=today.weekday()):
        lines.append("  (a new week began: every diary gains that week's page)")
    return lines


def postgres_run(args, today: dt.date, workers: int) -> dict:
    """The same school on PostgreSQL (a new database on --postgres-url's server, else on a
    throwaway cluster started as scripts/test starts one; dropped, and the cluster removed,
    afterwards): its full build (best of --repeat), the incremental build after one mark
    and, with --nightly, the night."""
    from site_builder import pages
    from site_builder.build import build

    saved = {k: os.environ.get(k) for k in ("JOURNAL_INSTANCE", "JOURNAL_OUTPUT")}
    with contextlib.ExitStack() as stack:
        where = "the server of --postgres-url" if args.postgres_url else (
            "JOURNAL_TEST_POSTGRES_URL's server" if os.environ.get("JOURNAL_TEST_POSTGRES_URL")
            else "a throwaway cluster")
        note(f"PostgreSQL: a new database on {where}…")
        url = stack.enter_context(postgres.database(args.postgres_url))
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-site-pg-")))
        os.environ["JOURNAL_INSTANCE"] = str(tmp / "instance")
        os.environ["JOURNAL_OUTPUT"] = str(tmp / "output")
        try:
            note(f"PostgreSQL: building the demo school ({args.students} pupils)…")
            school = make_school(url, args.students, today)
            server = db.execute_sql("SHOW server_version").fetchone()[0]
            note("PostgreSQL: the full build…")
            builds = []
            for i in range(args.repeat):
                last = i == args.repeat - 1
                out = tmp / ("output" if last else f"output-{i}")
                pages.markdown.cache_clear()  # as before each of SQLite's full builds
                builds.append(build(out, CONTENT, today, full=True, workers=workers))
                if not last:
                    shutil.rmtree(out)
            incremental = change_one_mark(tmp / "output", today, workers)
            night = nightly(tmp / "output", today, workers) if args.nightly else None
        finally:
            if not db.is_closed():
                db.close()
            if hasattr(db.obj, "close_all"):
                db.obj.close_all()  # before the database is dropped
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    return {"school": school, "full": min(builds, key=lambda r: r.seconds),
            "incremental": incremental, "night": night, "server": server, "where": where}


def comparison(sqlite: dict, pg: dict) -> list[str]:
    """SQLite's and PostgreSQL's figures side by side, with PostgreSQL's time over SQLite's."""
    rows: list[tuple[str, float, float]] = [
        ("demo school written, s", sqlite["school"]["demo"], pg["school"]["demo"]),
        ("diary passwords issued, s", sqlite["school"]["credentials"],
         pg["school"]["credentials"]),
        ("full build, s", sqlite["full"].seconds, pg["full"].seconds),
        ("incremental (1 mark), s", sqlite["incremental"].seconds, pg["incremental"].seconds),
    ]
    if sqlite["night"] and pg["night"]:
        rows += [("school day written, s", sqlite["night"]["seconds"], pg["night"]["seconds"]),
                 ("nightly build, s", sqlite["night"]["report"].seconds,
                  pg["night"]["report"].seconds)]
    lines = [f"SQLite and PostgreSQL {pg['server']} ({pg['where']}), the same school "
             f"({pg['full'].pupils} diaries)",
             f"  {'':<28}{'SQLite':>10}{'PostgreSQL':>12}{'×SQLite':>9}"]
    lines += [f"  {label:<28}{a:>10.2f}{b:>12.2f}{b / a:>9.2f}" for label, a, b in rows]
    full = f"{sqlite['full'].pupils / sqlite['full'].seconds:.0f} and " \
           f"{pg['full'].pupils / pg['full'].seconds:.0f} diaries/s"
    lines.append(f"  full build: {full}; pages {sqlite['full'].written} and "
                 f"{pg['full'].written}")
    if sqlite["night"] and pg["night"]:
        for name, run in (("SQLite", sqlite), ("PostgreSQL", pg)):
            night = run["night"]
            report = night["report"]
            lines.append(f"  nightly on {name}: {night['lessons']} lessons, {night['marks']} "
                         f"marks, {night['absences']} absences; {report.rendered} diaries "
                         f"rebuilt, {report.pupils - report.rendered} skipped; "
                         f"{report.seconds / run['full'].seconds:.2f}× its full build")
    return lines


def target(label: str, detail: str, ok: bool) -> str:
    return f"  {label:<46} {detail}: {'OK' if ok else 'FAIL'}"


def row(name: str, pupils: int, count: int, seconds: float, base_ms: float) -> str:
    ms = seconds * 1000 / count
    return (f"  {name:<28}{pupils:>7}{count:>8}{seconds:>9.1f}{count / seconds:>9.0f}"
            f"{ms:>9.2f}{ms / base_ms:>9.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--today", default="2026-11-20")
    parser.add_argument("--naive-pupils", type=int, default=100,
                        help="pupils whose weeks stock Pelican renders (0: all); its pages "
                             "per second are then applied to every page (default 100)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="processes for the build and the floor (default: CPU cores)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="full builds and floors to time, in turn; the best of each "
                             "counts (default 1)")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also profile a full and an incremental build (untimed) and print "
                             "their top N functions")
    parser.add_argument("--nightly", action="store_true",
                        help="also a realistic night: one school day of lessons, marks and "
                             "absences in every class, then the incremental build")
    parser.add_argument("--postgres", action="store_true",
                        help="also the same school on PostgreSQL: the full build, the "
                             "incremental one after a mark (and with --nightly the night), "
                             "printed beside SQLite's")
    parser.add_argument("--postgres-url",
                        help="the PostgreSQL server to create the database on (default: "
                             "JOURNAL_TEST_POSTGRES_URL, else a throwaway cluster started "
                             "as scripts/test starts one)")
    args = parser.parse_args()
    today = dt.date.fromisoformat(args.today)
    workers = args.workers

    from site_builder import pages
    from site_builder.build import build

    version = pages.templates_version()
    saved_env = {k: os.environ.get(k) for k in ("JOURNAL_INSTANCE", "JOURNAL_OUTPUT")}
    night = pg = None
    with tempfile.TemporaryDirectory(prefix="bench-site-") as name:
        tmp = Path(name)
        os.environ["JOURNAL_INSTANCE"] = str(tmp / "instance")
        os.environ["JOURNAL_OUTPUT"] = str(tmp / "output")
        try:
            note(f"SQLite: building the demo school ({args.students} pupils)…")
            school = make_school(f"sqlite:///{tmp / 'bench.sqlite3'}", args.students, today)
            note("SQLite: the full build, the floor, the naive pipeline…")
            year, diaries, periods = preload(today)

            # Build and floor in turn, each into a fresh folder; the best of each counts.
            # The last build is the one kept: the incremental build starts from it.
            builds, floors = [], []
            for i in range(args.repeat):
                last = i == args.repeat - 1
                out = tmp / ("output" if last else f"output-{i}")
                pages.markdown.cache_clear()
                builds.append(build(out, CONTENT, today, full=True, workers=workers))
                floors.append(floor(tmp / f"floor-{i}", year, diaries, periods, today,
                                    workers))
                shutil.rmtree(tmp / f"floor-{i}")
                if not last:
                    shutil.rmtree(out)
            report = min(builds, key=lambda r: r.seconds)
            build_pages = report.written + report.unchanged
            fl = min(floors, key=lambda f: f["seconds"])

            sample = diaries if args.naive_pupils <= 0 else diaries[:args.naive_pupils]
            naive_pages = write_markdown(tmp / "naive-md", year, sample, today)
            all_weeks = len(diaries) * len(pages.school_weeks(year.start, today))
            naive_seconds = naive(tmp / "naive-md", tmp / "naive-out")

            site = tmp / "output" / "site"
            # os.walk does not follow the diaries' symlinks: the public files and robots.txt
            public_pages = sum(len(names) for _folder, _dirs, names in os.walk(site))
            first_token = diaries[0].access.token
            first_page = page_check(site, first_token)
            sizes = [(site / "d" / d.access.token / "index.html").stat().st_size
                     for d in diaries]
            renderer = pages.DiaryPages(pages.environment(), year.start, today)
            first_body = renderer.render(diaries[0], periods[diaries[0].school_class.id])
            loads = body_assets(first_body["index.html"])

            incremental = change_one_mark(tmp / "output", today, workers)
            if args.nightly:
                night = nightly(tmp / "output", today, workers)

            profile_text = profile(tmp / "profiled", today, args.profile) if args.profile else ""
        finally:
            if not db.is_closed():
                db.close()
            for key, value in saved_env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    if args.postgres:
        pg = postgres_run(args, today, workers)

    build_ms = report.seconds * 1000 / build_pages
    naive_pps = naive_pages / naive_seconds
    counts = school["counts"]
    print(f"journal build on the demo school: --students {args.students}, today {today}, "
          f"SQLite, {os.cpu_count()} CPUs")
    print(f"  demo built in {school['demo']:.1f} s: {counts['student']} pupils, "
          f"{counts['lesson']} lessons, {counts['mark']} marks; {report.pupils} diaries "
          f"({school['credentials']:.1f} s to issue their passwords)")
    print(f"  PBKDF2 at {BENCH_ITERATIONS} iterations for the bench: the build never runs it "
          "(each pupil's key is stored), so the count does not change any time below")
    print()
    print(f"  {'pipeline':<28}{'pupils':>7}{'pages':>8}{'seconds':>9}{'pages/s':>9}"
          f"{'ms/page':>9}{'×build':>9}")
    print(row("this build (full)", report.pupils, build_pages, report.seconds, build_ms))
    print(row("floor: Jinja2+AES+write", len(diaries), fl["pages"], fl["seconds"], build_ms))
    print(row("naive: stock Pelican", len(sample), naive_pages, naive_seconds, build_ms))
    print(f"  {'incremental (1 mark)':<28}{incremental.rendered:>7}{incremental.written:>8}"
          f"{incremental.seconds:>9.2f}")
    print()
    print("  ×build: time per page relative to this build")
    if args.repeat > 1:
        build_times = ", ".join(f"{r.seconds:.1f}" for r in builds)
        floor_times = ", ".join(f"{f['seconds']:.1f}" for f in floors)
        print(f"  best of {args.repeat}: build {build_times} s; floor {floor_times} s")
    print(f"  this build: Pelican with the school's {len(list(CONTENT.rglob('*.md')))} content "
          f"pages plus every diary page (in pages), encrypted, names checked, fresh output")
    print(f"  build and floor in {workers} processes each; naive (stock Pelican) in one, as "
          "Pelican runs")
    print(f"  floor: the same {fl['pages']} pages from diaries read beforehand (not timed); "
          f"{fl['queries']} SQL statements while timed; open().write, no hard-links")
    if fl["pages"] != build_pages - public_pages:
        print(f"  WARNING: the floor wrote {fl['pages']} pages, the build "
              f"{build_pages - public_pages} diary pages")
    scope = ("all pupils" if len(sample) == len(diaries) else
             f"a sample of {len(sample)} of {len(diaries)} pupils; its pages/s EXTRAPOLATED "
             f"to the rest")
    print(f"  naive: week pages only, one .md per pupil per week ({naive_pages} files, "
          f"{scope});")
    print("         default theme (notmyidea) with its index, archives, category, tag and "
          "author pages; feeds off (as in our build); no encryption, no name check")
    print(f"         at {naive_pps:.0f} pages/s: all {all_weeks} week pages would take "
          f"{all_weeks / naive_pps:.0f} s, all {build_pages} pages {build_pages / naive_pps:.0f} s")
    print(f"  incremental: {incremental.written} pages written, {incremental.unchanged} "
          f"unchanged; {incremental.rendered} of {incremental.pupils} diaries "
          f"re-rendered")
    print(f"  first page d/{first_token[:8]}…/index.html {first_page['bytes'] / 1024:.1f} KB, "
          f"CSS and JS inlined; largest index.html of all diaries {max(sizes) / 1024:.1f} KB;")
    print(f"         loads from the shell: {', '.join(first_page['assets']) or 'none'}; "
          f"from the decrypted body: {', '.join(loads) or 'none'}")
    if pages.templates_version() != version:
        print("  WARNING: site_builder's diary templates changed during the run: the "
              "incremental build re-rendered for that, not only for the mark")
    if night:
        print()
        print("nightly (SQLite): after the full build and the one-mark build above")
        print("\n".join(nightly_lines(night, report.seconds, today)))
    sqlite = {"school": school, "full": report, "incremental": incremental, "night": night}
    if pg:
        print()
        print("\n".join(comparison(sqlite, pg)))
    print()
    floor_ratio = report.seconds / fl["seconds"]
    naive_ratio = (1000 / naive_pps) / build_ms
    largest = max(sizes)
    print("targets")
    print(target(f"full build within {FLOOR_RATIO:g}× of the floor",
                 f"{report.seconds:.1f} s / {fl['seconds']:.1f} s = {floor_ratio:.2f}×",
                 floor_ratio <= FLOOR_RATIO))
    print(target(f"full build ≥ {NAIVE_RATIO:g}× faster than naive (per page)",
                 f"{1000 / naive_pps:.2f} / {build_ms:.2f} ms = {naive_ratio:.1f}×",
                 naive_ratio >= NAIVE_RATIO))
    print(target(f"incremental build after one mark < {INCREMENTAL_SECONDS:g} s",
                 f"{incremental.seconds:.2f} s",
                 incremental.seconds < INCREMENTAL_SECONDS and incremental.rendered >= 1))
    print(target(f"first week page with its assets < {PAGE_KB} KB",
                 f"{first_page['bytes'] / 1024:.1f} KB (largest {largest / 1024:.1f} KB)",
                 largest < PAGE_KB * 1024 and not first_page["assets"] and not loads))
    if pg:
        seconds = pg["incremental"].seconds
        print(target(f"PostgreSQL: incremental after one mark < {INCREMENTAL_SECONDS:g} s",
                     f"{seconds:.2f} s", seconds < INCREMENTAL_SECONDS
                     and pg["incremental"].rendered >= 1))
    if profile_text:
        print()
        print("cProfile (after the timed runs; profiling slows them):")
        print(profile_text)


if __name__ == "__main__":
    main()
