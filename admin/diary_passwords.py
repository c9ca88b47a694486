"""Diary passwords from the panel: the class teacher (their own class) and the admin (any
class) issue or rotate passwords and download the slips PDF, and rebuild the diaries at
once rather than wait for the nightly build.

The same functions as `journal credentials` (site_builder.credentials, models.diary) and
`journal build` (site_builder.background runs it); the section is shown in «Мой класс»
and on this view's own page (the admin is no class teacher).
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from flask import abort, current_app, flash, redirect, request, url_for

from models import (
    AcademicYear,
    DiaryAccess,
    RuleError,
    SchoolClass,
    SchoolSettings,
    Student,
    access,
    diary,
)
from site_builder import background
from site_builder import credentials as cred
from site_builder.publish import DIARIES

from .base import SecureView, expose, row_id, staff
from .printing import pdf


def output_folder() -> Path:
    """The site's folder, as `journal build` has it (JOURNAL_OUTPUT)."""
    return Path(os.environ.get("JOURNAL_OUTPUT", "output"))


def content_folder() -> Path:
    """The school's Markdown pages, as `journal build` has them (SITE_CONTENT, else
    ./content as the command's default)."""
    return Path(current_app.config.get("SITE_CONTENT", "content"))


@dataclass
class PupilLine:
    student: Student
    access: DiaryAccess | None
    online: bool  # the live site shows the diary, built after its password was issued
    listed: bool  # the live site shows the diary (under an older password, if not online)
    issued: dt.datetime | None  # on the school's clock


@dataclass
class Section:
    """What the passwords section shows of a class."""

    school_class: SchoolClass
    pupils: list[PupilLine]
    last_build: dt.datetime | None
    build: background.BuildState
    build_started: dt.datetime | None  # the panel's build, on the school's clock
    build_finished: dt.datetime | None

    @property
    def without(self) -> int:
        return sum(p.access is None for p in self.pupils)

    @property
    def waiting(self) -> int:
        """Pupils with a password whose diary the live site does not show yet."""
        return sum(p.access is not None and not p.online for p in self.pupils)


def build_started(release: Path) -> dt.datetime:
    """When the live release's build began (UTC, naive): its name is the moment to the
    microsecond on the server's clock (publish.Release), taken before the build reads the
    keys, so a password issued before it is in that build."""
    try:
        local = dt.datetime.strptime(release.name.split("-")[0], "%Y%m%dT%H%M%S%f")
    except ValueError:  # not named by a build: its time to the second will do
        return dt.datetime.fromtimestamp(release.stat().st_mtime, dt.UTC).replace(tzinfo=None)
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def section(school_class: SchoolClass) -> Section:
    """The class's pupils today with their passwords and diaries, and the builds' times."""
    settings = SchoolSettings.current()
    pupils = list(school_class.students_on(max(settings.today(), school_class.year.start)))
    accesses = {a.student_id: a for a in DiaryAccess.select().where(
        DiaryAccess.student.in_([p.id for p in pupils]))} if pupils else {}
    site = output_folder() / "site"
    live = site.resolve() if site.is_symlink() else None
    shown = set(os.listdir(live / DIARIES)) if live and (live / DIARIES).is_dir() else set()
    build = background.state()
    built = build_started(live) if live else None
    lines = []
    for pupil in pupils:
        row = accesses.get(pupil.id)
        listed = row is not None and row.token in shown
        lines.append(PupilLine(pupil, row, listed and row.issued_at < built, listed,
                               settings.local_time(row.issued_at) if row else None))
    last = settings.local_time(built) if built else None
    return Section(school_class, lines, last, build,
                   *(settings.local_time(t) if t else None
                     for t in (build.started, build.finished)))


class DiaryPasswordsView(SecureView):
    """Open to class teachers (their own classes) and the admin (every class)."""

    def allow(self, user) -> bool:
        return user.has_role(*access.ACCOUNTS) or access.may_use_my_class(user)

    def _class(self, wanted: int | None) -> SchoolClass:
        school_class = SchoolClass.get_or_none(SchoolClass.id == wanted) if wanted else None
        if school_class is None:
            abort(404)
        if not access.may_issue_diary_passwords(staff(), school_class.id):
            abort(403)
        return school_class

    def _back(self, school_class: SchoolClass):
        if request.form.get("back") == "myclass":
            return redirect(url_for("myclass.index", class_id=school_class.id,
                                    _anchor="diary-passwords"))
        return redirect(url_for(".index", class_id=school_class.id))

    @expose("/")
    def index(self):
        """The section for one of the classes the staff member issues passwords for."""
        settings = SchoolSettings.current()
        classes = list(access.diary_password_classes(staff(), AcademicYear.on(
            settings.today())))
        wanted = request.args.get("class_id", type=int) or (classes[0].id if classes else None)
        if wanted is None:
            return self.render("admin/diary_passwords.html", classes=[], passwords=None)
        school_class = self._class(wanted)
        return self.render("admin/diary_passwords.html", classes=classes,
                           passwords=section(school_class), back="page")

    @expose("/issue", methods=("POST",))
    def issue(self):
        """New passwords for the class's pupils who have none (or everyone's, rotated; or
        one pupil's): the slips PDF at once, as `journal credentials --pdf` writes it."""
        school_class = self._class(request.form.get("class_id", type=int))
        student_id = None
        if request.form.get("student"):  # one pupil: never the class for an unreadable id
            student_id = row_id(request.form["student"])
            if student_id is None:
                abort(400)
        rotate = request.form.get("rotate") == "1"
        settings = SchoolSettings.current()
        try:
            base_url = cred.check_base_url(settings.diary_base_url)
            pairs = cred.select_pupils(school_class.name, student_id, settings.today())
            if not pairs:
                raise RuleError("В классе нет учеников.")
            if pairs[0][0].id != school_class.id:  # a class of another year, named alike
                raise RuleError(f"{school_class.name} не из текущего учебного года: пароли "
                                "выдаются ученикам нынешних классов.")
            grants = diary.plan([student for _, student in pairs], rotate=rotate)
            slips = cred.make_slips(pairs, grants, base_url)
            if not slips:
                raise RuleError("У всех выбранных учеников пароли уже есть. Прежние пароли не "
                                "хранятся; чтобы напечатать листки, смените пароли.")
            data = cred.pdf_bytes(slips, settings.name)  # before the database: see CLI
            diary.save(grants)
        except RuleError as exc:
            flash(exc.message, "error")
            return self._back(school_class)
        flash(f"Выдано паролей: {len(slips)} (листки скачаны в PDF). Дневники откроются "
              "после сборки сайта: ночной или «Обновить дневники класса сейчас».", "success")
        return pdf(data, f"paroli-{school_class.id}-{settings.today():%Y%m%d}.pdf")

    @expose("/refresh", methods=("POST",))
    def refresh(self):
        """«Обновить дневники класса сейчас»: the build, in the background."""
        school_class = self._class(request.form.get("class_id", type=int))
        today = SchoolSettings.current().today()
        if background.start(output_folder(), content_folder(), today, staff().short_name):
            flash("Сборка начата: дневники будут в сети через минуту-другую. Обновите "
                  "страницу, чтобы увидеть, как она идёт.", "success")
        else:
            flash("Сборка уже идёт; дождитесь её окончания.", "error")
        return self._back(school_class)


def register(panel) -> None:
    panel.add_view(DiaryPasswordsView(name="Пароли дневников", url="/diary-passwords",
                                      endpoint="diary_passwords"))
