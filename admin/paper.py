"""«Возврат выписок»: the class teacher ticks the signed return strips of the weekly sheets
as the paper-list pupils bring them back, and sees who has not returned theirs for two
weeks or more (rule 9, 001 3.4); the director and deputies read every class's list.

Linked from «Мой класс»; the reading and the writing are models.paper's, the decisions
models.access's.
"""
from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, request, url_for

from models import AcademicYear, RuleError, SchoolClass, SchoolSettings, access
from models.paper import OVERDUE_WEEKS, PaperChecklist, set_returned

from .base import SecureView, expose, row_id, staff


class PaperView(SecureView):
    """Open to class teachers (their classes, ticking) and the director and deputies
    (every class, reading)."""

    def allow(self, user) -> bool:
        return access.may_see_paper_returns(user)

    def is_visible(self) -> bool:
        # Class teachers come from «Мой класс»; the director and deputies have no such page.
        return self.is_accessible() and access.reads_all(staff())

    def _class(self, wanted: int | None, today: dt.date) -> tuple[SchoolClass, list]:
        classes = list(access.printable_classes(staff(), AcademicYear.on(today, after_end=True)))
        found = next((c for c in classes if c.id == wanted), None) if wanted else (
            classes[0] if classes else None)
        if found is None:
            abort(403 if wanted else 404)
        return found, classes

    @expose("/")
    def index(self):
        today = SchoolSettings.current().today()
        school_class, classes = self._class(request.args.get("class_id", type=int), today)
        return self.render(
            "admin/paper.html", school_class=school_class, classes=classes, today=today,
            checklist=PaperChecklist.read(school_class, today), overdue_weeks=OVERDUE_WEEKS,
            may_tick=access.may_tick_paper_returns(staff(), school_class.id),
            timedelta=dt.timedelta)

    @expose("/tick", methods=("POST",))
    def tick(self):
        """A sheet ticked as returned (returned=1) or the tick taken back (returned=0)."""
        class_id, student_id = (row_id(request.form.get(name)) for name in ("class_id", "student"))
        try:
            monday = dt.date.fromisoformat(request.form.get("week", ""))
        except ValueError:
            abort(400)
        if not (class_id and student_id) or request.form.get("returned") not in ("0", "1"):
            abort(400)
        if not access.may_tick_paper_returns(staff(), class_id):
            abort(403)
        school_class = SchoolClass.get_by_id(class_id)
        returned = request.form["returned"] == "1"
        try:
            if set_returned(school_class, student_id, monday, returned, staff(),
                            SchoolSettings.current().today()):
                flash("Выписка отмечена как возвращённая." if returned
                      else "Отметка о возврате снята.", "success")
        except RuleError as exc:
            flash(exc.message, "error")
        return redirect(url_for(".index", class_id=class_id))


def register(panel) -> None:
    panel.add_view(PaperView(name="Возврат выписок", url="/my-class/paper", endpoint="paper"))
