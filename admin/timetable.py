"""«Расписание»: the timetable as a week grid, per class and per teacher, as in force on a
date, with the clashes stored before they were refused; each lesson opens its row in the
timetable's table (setup.TimetableView), where the deputy edits it."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from flask import abort, request, url_for

from models import AcademicYear, SchoolClass, SchoolSettings, Staff, TimetableSlot, access
from models.calendar import WEEKDAYS
from models.cli_types import read_date
from models.timetable_week import school_week

from .base import SecureView, expose, int_arg, panel_views, row_id, staff

# The flat table of slots (admin/setup.py), where a slot is created and edited.
TABLE = "timetable"


def table_links(back: str, day: dt.date, week) -> dict:
    """Where the timetable's table is reached from the grid, as far as the user may go there:
    `slot_url(slot)` its edit form (or, only reading there, its details; else None), the
    table itself, its form for a new slot, and `new_url(weekday, number)` that form filled
    in for an empty cell of this week; saving comes back to the grid (`back`)."""
    table = panel_views().get(TABLE)
    links = {"slot_url": lambda slot: None, "new_url": lambda weekday, number: None,
             "table_url": None, "create_url": None}
    if table is None or not table.is_accessible():
        return links
    endpoint = f"{TABLE}.edit_view" if table.can_edit else f"{TABLE}.details_view"
    links |= {"slot_url": lambda slot: url_for(endpoint, id=slot.id, url=back),
              "table_url": url_for(f"{TABLE}.index_view")}
    if table.can_create:
        whose = {"school_class" if isinstance(week, SchoolClass) else "teacher": week.id} \
            if week is not None else {}
        new = f"{TABLE}.create_view"
        links |= {"create_url": url_for(new, url=back), "new_url": lambda weekday, number:
                  url_for(new, url=back, weekday=weekday, number=number,
                          valid_from=f"{day:%d.%m.%Y}", **whose)}
    return links


def prefilled_slot(args) -> SimpleNamespace | None:
    """The values of a new slot's form as an empty cell of the grid asks for them
    (`school_class` or `teacher`, `weekday`, `number`, `valid_from`), for the form to read
    as from a row; whatever names nothing is left blank."""
    class_id, teacher_id = row_id(args.get("school_class")), row_id(args.get("teacher"))
    weekday, number = int_arg(args.get("weekday")), int_arg(args.get("number"))
    try:
        valid_from = read_date(args.get("valid_from", ""))
    except ValueError:
        valid_from = None
    values = {
        "school_class": SchoolClass.get_or_none(SchoolClass.id == class_id) if class_id else None,
        "teacher": Staff.get_or_none(Staff.id == teacher_id) if teacher_id else None,
        "weekday": weekday if weekday in range(1, 7) else None,
        "number": number if number in range(1, 11) else None, "valid_from": valid_from}
    given = {name: value for name, value in values.items() if value is not None}
    return SimpleNamespace(**given) if given else None


def week_key(week) -> str:
    """The page's name of a week: `class-5`, `teacher-7`."""
    if isinstance(week, SchoolClass):
        return f"class-{week.id}"
    return f"teacher-{week.id}" if isinstance(week, Staff) else ""


class TimetableGridView(SecureView):
    """The director and deputies see every class's and teacher's week; a teacher their own
    week and the weeks of the classes they lead or teach (models.access decides)."""

    def allow(self, user) -> bool:
        return access.may_see_timetable(user)

    @expose("/")
    def index(self):
        user = staff()
        today = SchoolSettings.current().today()
        typed = request.args.get("date", "").strip()
        day, error = self._day(typed, today)
        visible = access.timetable_classes(user, SchoolClass.select())
        classes = list(visible.where(SchoolClass.year == AcademicYear.on(day, after_end=True))
                       .order_by(SchoolClass.grade, SchoolClass.letter))
        teachers = self._teachers(user)
        week = self._chosen(request.args.get("week", ""), user, visible, classes, teachers)
        school = school_week(day)
        school_class = week if isinstance(week, SchoolClass) else None
        grid = None if week is None else school.grid(
            school_class, week if isinstance(week, Staff) else None)
        return self.render(
            "admin/timetable/week.html", day=day, weekday=WEEKDAYS[day.weekday()],
            typed=typed if error else f"{day:%d.%m.%Y}", error=error, today=today,
            classes=classes, teachers=teachers, week=week, key=week_key(week),
            school_class=school_class, grid=grid,
            # The deputy fixes clashes school-wide: every clash of the day is listed.
            clash_pairs=school.clash_pairs() if access.reads_all(user) else [],
            **table_links(url_for(".index", date=f"{day:%d.%m.%Y}", week=week_key(week)),
                          day, week))

    @staticmethod
    def _day(typed: str, today: dt.date) -> tuple[dt.date, str | None]:
        """The date typed (ДД.ММ.ГГГГ, or ГГГГ-ММ-ДД), or today with the Russian reason."""
        if not typed:
            return today, None
        try:
            return read_date(typed), None
        except ValueError as exc:
            return today, f"{exc} Показано расписание на сегодня."

    @staticmethod
    def _teachers(user) -> list[Staff]:
        """Whose weeks the user may choose: teachers, and anyone else the timetable names."""
        teaching = (Staff.roles.contains("teacher")
                    | Staff.id.in_(TimetableSlot.select(TimetableSlot.teacher)))
        return list(access.timetable_teachers(user, Staff.select().where(teaching))
                    .order_by(Staff.last_name, Staff.first_name, Staff.middle_name))

    @staticmethod
    def _chosen(wanted: str, user, visible, classes, teachers):
        """The class (of any year the user sees) or teacher whose week is asked for
        (`class-5`, `teacher-7`); without a wish the user's own week, else the first class
        of the year. Another's: 403; no such row: 404."""
        if not wanted:
            own = next((t for t in teachers if t.id == user.id), None)
            return own or (classes[0] if classes else None)
        kind, _, number = wanted.partition("-")
        wanted_id = row_id(number)
        model = {"class": SchoolClass, "teacher": Staff}.get(kind)
        if model is None or wanted_id is None:
            abort(404)
        found = (visible.where(SchoolClass.id == wanted_id).first() if model is SchoolClass
                 else next((t for t in teachers if t.id == wanted_id), None))
        if found is None:
            abort(403 if model.get_or_none(model.id == wanted_id) else 404)
        return found


def register(panel) -> None:
    """The grid is the timetable's page in the menu; its table stays for editing."""
    panel.add_view(TimetableGridView(name="Расписание", category="Учебный план",
                                     url="/timetable", endpoint="timetable_week"))
