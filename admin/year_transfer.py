"""«Переход на новый учебный год»: the deputy's guided page for the year's end (issue
16.3–16.4; 001 3.1, 3.3): 1) create the next year, 2) carry the classes, load, timetable
and КТП, 3) promote, keep back or graduate each class by an order (pupils with a failing
or missing year mark first; «условный перевод» with the debt subjects), 4) who is not
moved yet, 5) close the old year.

The work is models.year_transfer's (the `journal year` commands call the same functions);
who may do which step, models.access's.
"""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for

from models import RuleError, SchoolClass, access, year_transfer
from models.classes import MOVEMENT_KINDS
from models.cli_types import read_date
from models.school import missing_marks

from .base import SecureView, expose, row_id, staff


def _class_of(old, class_id: int | None) -> SchoolClass | None:
    if class_id is None:
        return None
    return SchoolClass.get_or_none((SchoolClass.id == class_id) & (SchoolClass.year == old.id))


def _created(new):
    """The next year, for steps 2–3; refused before step 1."""
    if new is None:
        raise RuleError("Сначала создайте следующий учебный год (шаг 1).")
    return new


def _next_name(old) -> str:
    """The name step 1 proposes; empty when the old name says nothing (the deputy types)."""
    try:
        return year_transfer.next_year_name(old.name)
    except RuleError:
        return ""


class YearTransferView(SecureView):
    """Open to the deputy (every step) and the admin (creating and closing a year)."""

    def allow(self, user) -> bool:
        return access.may_open_or_close_year(user)

    def _years(self):
        try:
            return year_transfer.transfer_years(request.values.get("year") or None)
        except RuleError as exc:
            abort(404, exc.message)

    def _page(self, typed: dict | None = None, missing: list[str] | None = None,
              status: int = 200):
        old, new = self._years()
        user = staff()
        school_class = _class_of(old, row_id(request.values.get("class_id")))
        classes = list(SchoolClass.select().where(SchoolClass.year == old.id)
                       .order_by(SchoolClass.grade, SchoolClass.letter))
        progress = {}
        if new is not None:
            for c in classes:
                reviews = year_transfer.class_review(c, new)
                progress[c.id] = (sum(r.moved is not None for r in reviews), len(reviews))
        return self.render(
            "admin/year_transfer.html", old=old, new=new, classes=classes, progress=progress,
            next_name=_next_name(old) if new is None else "",
            top=year_transfer.last_grade(old), school_class=school_class,
            review=(year_transfer.class_review(school_class, new)
                    if school_class is not None and new is not None else []),
            new_classes=(list(SchoolClass.select().where(SchoolClass.year == new.id)
                              .order_by(SchoolClass.grade, SchoolClass.letter))
                         if new is not None else []),
            debts=year_transfer.debtors(new) if new is not None else [],
            left=year_transfer.not_moved(old, new) if new is not None else [],
            kinds=MOVEMENT_KINDS, typed=typed or {}, missing=missing or [],
            may_transfer=access.may_transfer_year(user)), status

    @expose("/")
    def index(self):
        return self._page()

    def _back(self, old, **args):
        return redirect(url_for(".index", year=old.name, **args))

    def _step(self, old, work):
        """A step that answers with a summary: flashed (or its Russian refusal), back to
        the page."""
        try:
            flash(work(), "success")
        except RuleError as exc:
            flash(exc.message, "error")
        return self._back(old)

    @expose("/next", methods=("POST",))
    def next_year(self):
        old, _ = self._years()

        def work() -> str:
            new = year_transfer.create_next_year(old, request.form.get("name") or None)
            return (f"Создан учебный год {new.name} ({new.start:%d.%m.%Y}–"
                    f"{new.end:%d.%m.%Y}) с периодами, каникулами и переносами дней прошлого "
                    "года, сдвинутыми на год. Проверьте даты.")
        return self._step(old, work)

    def _deputys(self, refusal: str):
        """Steps 2–3 are the deputy's alone: the two years, or 403 with the reason."""
        if not access.may_transfer_year(staff()):
            abort(403, refusal)
        return self._years()

    @expose("/carry", methods=("POST",))
    def carry(self):
        old, new = self._deputys("Классы, нагрузку и расписание переносит заместитель "
                                 "директора.")
        top = row_id(request.form.get("last_grade"))

        def work() -> str:
            if top is not None and top > 11:
                raise RuleError("Последний класс школы — от 1 до 11.")
            carried = year_transfer.carry(old, _created(new), top)
            skipped = (f" Не перенесены: {'; '.join(carried.skipped)}."
                       if carried.skipped else "")
            return f"Перенесено в {new.name}: " + ", ".join(
                f"{what} {count}" for what, count in carried.counts.items()) + "." + skipped
        return self._step(old, work)

    @expose("/promote", methods=("POST",))
    def promote(self):
        """One class by one order; a refusal shows the page again with what was typed."""
        old, new = self._deputys("Книгу движения ведёт заместитель директора.")
        school_class = _class_of(old, row_id(request.form.get("class_id")))
        if school_class is None:
            abort(400, "Класс не выбран.")
        form = request.form
        keep = {sid for sid in map(row_id, form.getlist("keep")) if sid}
        debts = {int(name[5:]): value.split(",") for name, value in form.items()
                 if name.startswith("debt_") and row_id(name[5:]) and value.strip()}
        try:
            new = _created(new)
            try:
                order_date = read_date(form.get("order_date", "").strip())
            except ValueError:
                raise RuleError("Укажите дату приказа (ДД.ММ.ГГГГ).") from None
            order = year_transfer.Order(form.get("order_number", ""), order_date)
            counts = year_transfer.promote_class(school_class, new, order, keep, debts)
        except RuleError as exc:
            flash(exc.message, "error")
            return self._page(typed=form.to_dict(flat=False), status=422)
        done = ", ".join(f"{year_transfer.PROMOTING[k]}: {n}" for k, n in counts.items())
        flash(f"{school_class.name}: {done or 'все ученики уже переведены'}.", "success")
        return self._back(old, class_id=school_class.id)

    @expose("/close", methods=("POST",))
    def close(self):
        """Closing, confirmed; refused with every missing mark listed on the page."""
        old, _ = self._years()
        if request.form.get("confirm") != "1":
            flash("Отметьте «Подтверждаю закрытие учебного года».", "error")
            return self._back(old)
        try:
            year_transfer.close_year(old)
        except RuleError as exc:
            missing = missing_marks(old)
            flash(exc.message if not missing else f"Учебный год {old.name} не закрыт: не "
                  f"выставлены отметки за период и годовые ({len(missing)}, список ниже).",
                  "error")
            return self._page(missing=missing, status=422)
        flash(f"Учебный год {old.name} закрыт: его записи только для чтения.", "success")
        return self._back(old)


def register(panel) -> None:
    panel.add_view(YearTransferView(name="Переход на новый год", category="Учебный год",
                                    url="/year-transfer", endpoint="year_transfer"))
