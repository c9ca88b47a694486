"""The one place that owns access checks: every panel view inherits from these classes.

`GuardedView` decides who may open a view at all (Flask-Admin runs `is_accessible` before
every exposed endpoint). `SecureModelView` adds the row level: the list query, the
single-row fetch behind edit/details/delete, bulk actions, form choices and export all go
through `scope()`, because Flask-Admin's peewee backend reads rows directly in `get_one`
and in its bulk delete (PITFALLS, flask-admin #1739). Reading a row is not writing it:
every write (edit, inline edit, delete, bulk delete) also checks that the row *as stored*
is the user's own, so a director who also teaches reads every КТП but changes only theirs.
"""
from __future__ import annotations

import re
from pathlib import Path

from flask import abort, current_app, flash, jsonify, redirect, request, url_for
from flask_admin import Admin, BaseView, expose
from flask_admin.actions import action
from flask_admin.contrib.peewee import ModelView
from flask_admin.contrib.peewee.form import CustomModelConverter
from flask_admin.form import Select2Widget
from flask_admin.model import typefmt
from flask_login import current_user
from flask_wtf import FlaskForm
from peewee import ForeignKeyField, IntegerField, IntegrityError
from wtforms.validators import ValidationError
from wtfpeewee.fields import ModelSelectField, wtf_choice

from models import RuleError, SchoolSettings, Student, disk
from models.access import READ_ALL, SETUP
from models.base import write_transaction
from models.names import pupil_names

from . import dates

# A cell starting with one of these is a formula to a spreadsheet program.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value):
    """A value as a spreadsheet file may hold it: text that would be a formula gets a
    leading apostrophe (CSV and XLSX exports alike); anything else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def staff():
    """The logged-in staff member (a models.Staff row)."""
    return current_user._get_current_object()


def wants_json() -> bool:
    """The grid's and «Мой класс»'s calls (under /api/) get errors as JSON, pages as HTML."""
    return request.is_json or "/api/" in request.path or (
        request.accept_mimetypes.best == "application/json")


def refuse(authenticated: bool):
    """Anonymous users go to the login page (or get 401 as JSON); others get 403."""
    if wants_json():
        message = "Недостаточно прав." if authenticated else "Войдите в систему."
        return jsonify(error=message), 403 if authenticated else 401
    if authenticated:
        abort(403)
    return redirect(url_for("login.index", next=request.full_path))


# The largest id a row can have: PostgreSQL's integer. A larger number (SQLite refuses any
# beyond 64 bits with an OverflowError) names no row: the request gets a 4xx, not a 500.
MAX_ID = 2**31 - 1
# The last list page a request may ask for: an OFFSET beyond 64 bits is a 500 in SQLite.
MAX_PAGE = 100_000


# Digits as typed in a query string or form: not int()'s wider "١٢", "1_000" or " 12 ".
WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")


def int_arg(value) -> int | None:
    """A whole number from a request (query string, form or JSON), or None when it is not one.

    Nothing is rounded: 1358.9 names no row (int() would read it as 1358), nor do JSON's
    Infinity and NaN, 1e300, true, a list or an object.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None  # False for inf and nan
    if isinstance(value, str) and WHOLE_NUMBER.fullmatch(value):
        try:
            return int(value)
        except ValueError:  # beyond Python's 4,300 digits
            return None
    return None


def row_id(value) -> int | None:
    """An id from a request, or None when it cannot name a row."""
    number = int_arg(value)
    return number if number is not None and 0 < number <= MAX_ID else None


def whole_numbers_in_range(value: str) -> bool:
    """Whether a filter's value ("5", or "3,5,7" for a list) holds only ids and numbers an
    integer column can; SQLite cannot even compare one beyond 64 bits (OverflowError)."""
    numbers = [int_arg(part.strip()) for part in value.split(",") if part.strip()]
    return all(n is not None and abs(n) <= MAX_ID for n in numbers)


# Digits compare as numbers in a picker's labels: 5А, 9Б, 10А, 11А.
DIGITS = re.compile(r"(\d+)")


def natural_order(label: str) -> list:
    return [int(part) if part.isdigit() else part.casefold() for part in DIGITS.split(label)]


class RowSelectField(ModelSelectField):
    """A form's row picker (a pupil's class, a movement's pupil), searchable (select2) and in
    the order people look for a row: by its label, numbers as numbers. It reads the posted id
    like every other id: one that cannot name a row names none, instead of reaching the
    database."""

    widget = Select2Widget()

    def get_model(self, pk):
        wanted = row_id(pk)
        return super().get_model(wanted) if wanted is not None else None

    def pre_validate(self, form):
        # A nullable picker's filter puts the posted text back as its data, unchecked.
        if isinstance(self.data, (str, int)) and row_id(self.data) is None:
            raise ValidationError(self.gettext("Not a valid choice."))
        super().pre_validate(form)

    def labelled_rows(self) -> list[tuple[object, str]]:
        rows = [(row, self.get_label(row)) for row in self.query.clone()]
        return sorted(rows, key=lambda pair: natural_order(pair[1]))

    def iter_choices(self):
        if self.allow_blank:
            yield wtf_choice("__None", self.blank_text, self.data is None)
        for row, label in self.labelled_rows():
            yield wtf_choice(row._pk, label, row == self.data)


class PupilSelectField(RowSelectField):
    """A pupil picker: «Фамилия Имя Отчество (5А)», by class, then surname."""

    def labelled_rows(self) -> list[tuple[object, str]]:
        pupils = {pupil.id: pupil for pupil in self.query.clone()}
        today = SchoolSettings.current().today()
        return [(pupils[pid], name) for pid, name in pupil_names(pupils.values(),
                                                                  today).items()]


class FormConverter(CustomModelConverter):
    """Flask-Admin's form scaffolding, with a searchable, sorted RowSelectField for every
    foreign key (PupilSelectField for pupils) and dates as ДД.ММ.ГГГГ."""

    def handle_foreign_key(self, model, field, **kwargs):
        info = super().handle_foreign_key(model, field, **kwargs)
        unbound = info[1]  # (name, field): the field is not yet bound to a form
        if getattr(unbound, "field_class", None) is ModelSelectField:
            unbound.field_class = (PupilSelectField if field.rel_model is Student
                                   else RowSelectField)
            unbound.kwargs.setdefault("blank_text", "— не выбрано —")
        return info

    def handle_date(self, model, field, **kwargs):
        kwargs.pop("widget", None)
        return field.name, dates.SchoolDateField(**kwargs)


# The Flask-Admin views that name rows by id: ?id= (edit, details), id= (delete), rowid= (bulk).
ROW_VIEWS = {"edit_view", "details_view", "delete_view", "action_view"}


def names_no_row(values: list[str]) -> bool:
    """Whether a request's ids include one that no row can have (2**63, 1e300, 1.9)."""
    return any(value and row_id(value) is None for value in values)


def request_texts() -> list[str]:
    """Every string a request carries: query and form names and values, and the JSON body's."""
    texts = [text for data in (request.args, request.form)
             for key, values in data.lists() for text in (key, *values)]
    pending = [request.get_json(silent=True)] if request.is_json else []
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return texts


class GuardedView:
    """Mixin: only logged-in staff holding one of `roles` (or passing `allow`) get in."""

    roles: tuple[str, ...] = ()

    def allow(self, user) -> bool:
        return user.has_role(*self.roles)

    def is_accessible(self) -> bool:
        return bool(current_user.is_authenticated) and self.allow(staff())

    def inaccessible_callback(self, name, **kwargs):
        return refuse(bool(current_user.is_authenticated))


class SecureView(GuardedView, BaseView):
    """A panel page that is a process, not a table (the journal grid, the breach page)."""


# Russian for the messages Flask-Admin 2.2.1's own ru catalogue misses («Failed to create
# record.»); Flask-Admin's catalogue is read after it, for everything else.
TRANSLATIONS = Path(__file__).with_name("translations")


class Panel(Admin):
    """Flask-Admin's Admin, keeping the views added to it by endpoint in `views` (Admin's own
    list is private), for a page that asks another view's access and tests that try them all.
    """

    EXTENSION = "journal_panel"

    def __init__(self, app, **kwargs):
        self.views: dict[str, BaseView] = {}  # before Admin adds its index view
        kwargs.setdefault("translations_path", str(TRANSLATIONS))
        super().__init__(app, **kwargs)
        app.extensions[self.EXTENSION] = self

    def add_view(self, view: BaseView) -> None:
        super().add_view(view)
        self.views[view.endpoint] = view


def panel_views(app=None) -> dict[str, BaseView]:
    """The views of the app's panel (the current app's by default), by endpoint."""
    return (app or current_app).extensions[Panel.EXTENSION].views


class SecureModelView(GuardedView, ModelView):
    """A table in the panel, with rows filtered per user.

    `read_roles` read every row, `write_roles` also create, edit and delete. Anyone else
    reaches only the rows `scope()` returns (None: no rows, no view) and may do there
    only the `owner_actions`; `owns()` checks a row they save.
    """

    read_roles: tuple[str, ...] = READ_ALL
    write_roles: tuple[str, ...] = SETUP
    owner_actions: frozenset[str] = frozenset()
    # Foreign-key form fields whose choices must be limited to the user's own rows:
    # field name -> method name returning the query of allowed choices.
    scoped_choices: dict[str, str] = {}

    form_base_class = FlaskForm  # carries the CSRF token CSRFProtect checks
    model_form_converter = FormConverter
    filter_converter = dates.FilterConverter()
    column_type_formatters = dates.cell_formatters(typefmt.BASE_FORMATTERS)
    column_type_formatters_detail = dates.cell_formatters(typefmt.DETAIL_FORMATTERS)
    can_view_details = True
    can_set_page_size = True
    page_size = 50
    export_max_rows = 5000
    export_types = ["csv"]

    # --- who may do what ---------------------------------------------------------

    def scope(self, query, user):
        """The rows of `query` a user without read or write roles may reach, or None."""
        return None

    def owns(self, row, user) -> bool:
        """Whether a row a user outside write_roles creates or saves is within their reach."""
        return False

    def reads_everything(self, user) -> bool:
        return user.has_role(*self.read_roles, *self.write_roles)

    def allow(self, user) -> bool:
        return self.reads_everything(user) or self.scope(self.model.select(), user) is not None

    def _may(self, what: str) -> bool:
        if not current_user.is_authenticated:
            return False
        user = staff()
        return user.has_role(*self.write_roles) or (
            what in self.owner_actions and self.scope(self.model.select(), user) is not None)

    can_create = property(lambda self: self._may("create"))
    can_edit = property(lambda self: self._may("edit"))
    can_delete = property(lambda self: self._may("delete"))
    can_export = property(lambda self: current_user.is_authenticated
                          and self.reads_everything(staff()))

    # --- rows ---------------------------------------------------------------------

    def scoped(self, query):
        user = staff()
        if self.reads_everything(user):
            return query
        limited = self.scope(query, user)
        return limited if limited is not None else query.where(False)

    def writable(self, query, user):
        """The rows of `query` a user may change: all for write roles, else only their own.

        Read roles are left out on purpose: reading every row gives no right to change one.
        """
        if user.has_role(*self.write_roles):
            return query
        limited = self.scope(query, user)
        return limited if limited is not None else query.where(False)

    def may_write(self, row) -> bool:
        """Whether the row, as the database holds it (not as a form just changed it), is
        the user's to change."""
        pk = self.model._meta.primary_key
        return self.writable(self.model.select().where(pk == row.id), staff()).exists()

    def get_query(self):
        return self.scoped(super().get_query())

    def get_details_columns(self):
        # Never the scaffolded list of every field: it would show hashes, tokens, timestamps.
        return self.get_column_names(only_columns=self.column_details_list or self.column_list,
                                     excluded_columns=self.column_details_exclude_list)

    def get_one(self, id):
        wanted = row_id(id)
        if wanted is None:
            return None
        pk = self.model._meta.primary_key
        return self.scoped(self.model.select()).where(pk == wanted).first()

    def _handle_view(self, name, **kwargs):
        # Flask-Admin's hook before every endpoint. An id no row can have is no page: a 404,
        # not Flask-Admin's redirect saying the row is missing (nor SQLite's OverflowError).
        refused = super()._handle_view(name, **kwargs)
        if refused is None and name in ROW_VIEWS and names_no_row(
                request.args.getlist("id") + request.form.getlist("id")
                + request.form.getlist("rowid")):
            abort(404)
        return refused

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True,
                 page_size=None):
        # Flask-Admin passes ?page= on unchecked; past the last page there is nothing to show.
        if page is not None and not 0 <= page <= MAX_PAGE:
            abort(404)
        # Nor does it check that a filter on a whole-number column holds one that fits.
        if filters:
            columns = [getattr(f, "column", None) for f in self.get_filters()]
            if any(isinstance(columns[index], (IntegerField, ForeignKeyField))
                   and not whole_numbers_in_range(value) for index, _, value in filters):
                abort(400)
        return super().get_list(page, sort_column, sort_desc, search, filters, execute,
                                page_size)

    def search_placeholder(self) -> str:
        # Flask-Admin's peewee views have none: the search box said «None».
        searched = self.column_searchable_list or ()
        shown = [self.column_label(getattr(column, "name", column)) for column in searched]
        return "Поиск: " + ", ".join(shown) if shown and all(shown) else "Поиск"

    def column_label(self, name: str) -> str | None:
        """A column's Russian label, if the view has one."""
        return (self.column_labels or {}).get(name)

    def get_invalid_value_msg(self, value, filter):
        # Flask-Admin's message quotes the value whatever its size, and in English.
        return f"Фильтр «{filter.name}» не применён: значение не подходит."

    def on_model_change(self, form, model, is_created):
        # The row before the form (is it theirs?) and after it (is it still theirs?): a
        # topic must not move out of another teacher's assignment into one's own.
        user = staff()
        if user.has_role(*self.write_roles):
            return
        if not (self._may("create" if is_created else "edit") and self.owns(model, user)
                and (is_created or self.may_write(model))):
            raise RuleError("Недостаточно прав: запись вне вашего класса или предмета.")

    def handle_view_exception(self, exc):
        if isinstance(exc, RuleError):
            flash(exc.message, "error")
            return True
        if isinstance(exc, IntegrityError):
            flash("Запись не сохранена: такая уже есть или на неё ссылаются другие данные.",
                  "error")
            return True
        if disk.is_full(exc):  # the form stays filled in; the log names the disk, once
            current_app.logger.error("Disk full, nothing saved: %s", disk.cause(exc))
            flash(disk.MESSAGE, "error")
            return True
        if super().handle_view_exception(exc):
            return True
        # Flask-Admin would flash its English "Failed to ..." (missing from its ru catalogue).
        current_app.logger.exception("Panel save failed")
        flash("Запись не сохранена: данные не удалось записать. Проверьте поля и повторите; "
              "если ошибка повторится, сообщите администратору журнала.", "error")
        return True

    def _scope_form(self, form):
        for field_name, method in self.scoped_choices.items():
            if field_name in form and not staff().has_role(*self.write_roles):
                getattr(form, field_name).query = getattr(self, method)(staff())
        return form

    def create_form(self, obj=None):
        return self._scope_form(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._scope_form(super().edit_form(obj))

    # --- deleting: never cascade into journal data ----------------------------------

    def delete_model(self, model) -> bool:
        if not self.can_delete or not self.may_write(model):
            flash("Недостаточно прав для удаления.", "error")
            return False
        try:
            with write_transaction():
                self.on_model_delete(model)
                model.delete_instance()
        except IntegrityError:
            flash("Нельзя удалить: с этой записью связаны другие данные журнала "
                  "(уроки, отметки, ученики). Сначала удалите или перенесите их.", "error")
            return False
        except RuleError as exc:  # a closed year's row (rule 15)
            flash(exc.message, "error")
            return False
        self.after_model_delete(model)
        return True

    @action("delete", "Удалить", "Удалить выбранные записи?")
    def action_delete(self, ids):
        wanted = {i for i in map(row_id, ids) if i is not None}
        rows = list(self.writable(self.model.select(), staff())
                    .where(self.model._meta.primary_key.in_(list(wanted))))
        deleted = sum(1 for row in rows if self.delete_model(row))
        if deleted:
            flash(f"Удалено записей: {deleted}.", "success")
        if len(rows) < len(wanted):
            flash(f"Не удалено записей: {len(wanted) - len(rows)} — они не ваши "
                  "или их уже нет.", "error")

    # --- export: values, not formulas ------------------------------------------------

    def get_export_value(self, model, name):
        return spreadsheet_text(super().get_export_value(model, name))


__all__ = ["SecureView", "SecureModelView", "GuardedView", "Panel", "expose", "panel_views",
           "refuse", "staff"]
