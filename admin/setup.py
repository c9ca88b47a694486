"""The setup tables: the year, classes and pupils, the curriculum, news, settings, accounts.

Deputies set all of it up; the director and deputies read it; the admin manages staff
accounts and the school's settings (DESIGN rule 5). Teachers reach rows here in two
places only: a subject teacher plans their own assignments (КТП), and a class teacher
edits the cards of the pupils of their classes and of those pupils' guardians (rule 4).
"""
from __future__ import annotations

from flask import g, request
from flask_admin import Admin, expose
from flask_admin.contrib.peewee.filters import FilterEqual
from flask_admin.form import recreate_field
from wtforms import BooleanField, PasswordField, SelectMultipleField
from wtforms.fields import SelectChoice
from wtforms.fields.core import UnboundField
from wtforms.validators import InputRequired, Length, Optional

from models import (
    AcademicYear,
    Bell,
    DayTransfer,
    Guardian,
    Holiday,
    Movement,
    News,
    Period,
    PlanTopic,
    RuleError,
    SchoolClass,
    SchoolSettings,
    Staff,
    Student,
    StudentGuardian,
    Subgroup,
    SubgroupMember,
    Subject,
    TeachingAssignment,
    TimetableSlot,
    WorkType,
    access,
)
from models.access import ACCOUNTS
from models.classes import MOVEMENT_KINDS
from models.curriculum import GRADING_SCALES
from models.people import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, ROLES, fold_name
from models.school import PERIOD_SCHEMES
from models.timetable import WEEKDAYS

from .account import CheckboxList, issued_page, keep_session
from .base import SecureModelView, staff

# Russian column and form labels; each view picks the names it shows (see `labels`).
LABELS = {
    "name": "Название", "short_name": "Краткое название", "sort_order": "Порядок",
    "year": "Учебный год", "start": "Начало", "end": "Конец", "closed": "Закрыт",
    "scheme": "Вид периода", "number": "Номер", "starts": "Начало", "ends": "Конец",
    "valid_from": "Действует с", "valid_to": "Действует по",
    "grade": "Параллель", "letter": "Литера", "period_scheme": "Учебные периоды",
    "class_teacher": "Классный руководитель", "room": "Кабинет", "school_class": "Класс",
    "subject": "Предмет", "subgroup": "Подгруппа", "student": "Ученик",
    "last_name": "Фамилия", "first_name": "Имя", "middle_name": "Отчество",
    "search_name": "ФИО", "birth_date": "Дата рождения", "gender": "Пол",
    "notes": "Заметки", "phone": "Телефон", "email": "Эл. почта",
    "wants_paper_sheet": "Нужна бумажная выписка",
    "guardian": "Родитель (законный представитель)", "relation": "Кем приходится",
    "kind": "Вид движения", "date": "Дата", "reason": "Основание",
    "order_number": "Номер приказа", "weight": "Вес", "teacher": "Учитель",
    "hours_per_week": "Часов в неделю", "grading_scale": "Шкала оценивания",
    "has_exam": "Экзамен",
    "assignment": "Класс и предмет", "title": "Тема", "hours": "Часов",
    "planned_date": "Плановая дата", "weekday": "День недели",
    "body": "Текст", "published_at": "Дата публикации", "author": "Автор",
    "is_published": "Опубликована", "login": "Логин", "roles": "Роли",
    "is_active": "Учётная запись действует", "locked_until": "Вход заблокирован до",
    "timezone": "Часовой пояс", "diary_base_url": "Адрес сайта дневников",
    "threshold_3": "Порог «3»", "threshold_4": "Порог «4»", "threshold_5": "Порог «5»",
    "uses_mark_one": "Ставится отметка «1»", "sheet_qr": "QR-код дневника на выписках",
    "working": "Рабочий день",
    "six_day_grades": "Классы с шестидневной неделей",
    "lock_after_days": "Журнал периода закрывается через, рабочих дней",
    "topic_deadline": "Тема и домашнее задание — до (время дня урока)",
    "written_marks_days": "Отметки за письменные работы — в течение, рабочих дней",
    "absence_reason_days": "Причины пропусков — в течение, рабочих дней",
    "paper_reentry_days": "Перенос из временного журнала — в течение, рабочих дней",
    "min_marks": "Наименьшее число отметок за период",
    "is_written": "Письменная работа",
}
GENDERS = [("", "не указан"), ("М", "мужской"), ("Ж", "женский")]
SCHEMES = [(key, label) for key, (label, _) in PERIOD_SCHEMES.items()]
WEEKDAY_CHOICES = list(enumerate(WEEKDAYS, start=1))


def labels(*names: str, **overrides: str) -> dict[str, str]:
    """The Russian labels of these columns, with per-view wording where it differs."""
    return {name: LABELS[name] for name in names} | overrides


def asked() -> dict:
    """The request's memo for models.access: every permission check of a page asks again."""
    return g.setdefault("access_answers", {})


def class_options() -> list[tuple[str, str]]:
    """Every class for a list's «Класс» filter, this year's first: «5А», or «5А (2025/2026)»
    for another year's."""
    today = SchoolSettings.current().today()
    classes = (SchoolClass.select(SchoolClass, AcademicYear).join(AcademicYear)
               .order_by(AcademicYear.start.desc(), SchoolClass.grade, SchoolClass.letter))
    return [(str(c.id), c.name if c.year.start <= today <= c.year.end
             else f"{c.name} ({c.year.name})") for c in classes]


class PupilClassFilter(FilterEqual):
    """The rows of the pupils in a class: today, or on the nearest day of that class's
    year (a past year's class: its last day)."""

    def __init__(self, column, name: str = "Класс"):
        super().__init__(column, name, options=class_options)

    def apply(self, query, value):
        school_class = (SchoolClass.select(SchoolClass, AcademicYear).join(AcademicYear)
                        .where(SchoolClass.id == value).first())
        if school_class is None:
            return query.where(False)
        year = school_class.year
        day = min(max(SchoolSettings.current().today(), year.start), year.end)
        return query.where(self.column.in_(school_class.student_ids_on(day)))


class SetupView(SecureModelView):
    """A setup table: Russian form labels, fields in `form_columns` order, no hidden columns."""

    # The search columns hold names folded by models.people.fold_name: fold the input too.
    folded_search = False

    def scaffold_form(self):
        # wtf-peewee labels fields with the models' English names, in the models' order.
        # A form lists its fields in the order they were made (WTForms): made again one by
        # one in `form_columns` order, as Flask-Admin's recreate_field does for its extra
        # fields, they follow it.
        form_class = super().scaffold_form()
        for name in self.form_columns or ():
            field = getattr(form_class, name, None)
            if isinstance(field, UnboundField):
                if name in self.column_labels and "label" in field.kwargs:
                    field.kwargs["label"] = self.column_labels[name]
                setattr(form_class, name, recreate_field(field))
        return form_class

    def column_label(self, name: str) -> str | None:
        # A searched column of another table (a pupil's name in the movement book).
        return super().column_label(name) or LABELS.get(name)

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True,
                 page_size=None):
        if search and self.folded_search:
            search = fold_name(search)
        return super().get_list(page, sort_column, sort_desc, search, filters, execute,
                                page_size)

    def in_scope(self, row, user) -> bool:
        """Whether an existing row is among those `scope()` gives the user."""
        query = self.scope(self.model.select().where(self.model.id == row.id), user)
        return row.id is not None and query is not None and query.exists()


# --- the academic year ----------------------------------------------------------------

class YearView(SetupView):
    column_list = ["name", "start", "end", "closed"]
    column_labels = labels(*column_list)
    column_searchable_list = ["name"]
    column_default_sort = ("start", True)
    form_columns = column_list
    form_args = {"closed": {"description": (
        "Закрытый год только для чтения. Закрыть можно, когда выставлены все отметки за "
        "периоды; открыть снова — администратор: journal year reopen.")}}


class PeriodView(SetupView):
    column_list = ["year", "scheme", "number", "start", "end"]
    column_labels = labels(*column_list)
    column_choices = {"scheme": SCHEMES}
    column_filters = [FilterEqual(Period.scheme, "Вид периода", options=SCHEMES), "start"]
    column_default_sort = [("start", False), ("scheme", False)]
    form_columns = column_list


class HolidayView(SetupView):
    column_list = ["year", "name", "start", "end"]
    column_labels = labels(*column_list)
    column_searchable_list = ["name"]
    column_filters = ["start"]
    column_default_sort = ("start", False)
    form_columns = column_list


class TransferView(SetupView):
    """Working-day transfers by order (rule 14): the deputy enters them, like holidays."""

    column_list = ["year", "date", "working", "reason"]
    column_labels = labels(*column_list, reason="Основание (приказ)")
    column_filters = ["date"]
    column_default_sort = ("date", False)
    form_columns = column_list
    form_args = {"working": {"description": (
        "Отмечено — суббота или воскресенье становится учебным днём; не отмечено — "
        "будний день становится выходным.")}}


class BellView(SetupView):
    column_list = ["number", "starts", "ends", "valid_from", "valid_to"]
    column_labels = labels(*column_list, number="Урок")
    column_default_sort = [("valid_from", True), ("number", False)]
    form_columns = column_list


# --- classes and pupils ---------------------------------------------------------------

class ClassView(SetupView):
    column_list = ["year", "grade", "letter", "period_scheme", "class_teacher", "room"]
    column_labels = labels(*column_list)
    column_choices = {"period_scheme": SCHEMES}
    column_filters = ["grade"]
    column_default_sort = [("grade", False), ("letter", False)]
    form_columns = column_list
    form_args = {"period_scheme": {"choices": SCHEMES}}


class SubgroupView(SetupView):
    column_list = ["school_class", "subject", "name"]
    column_labels = labels(*column_list)
    column_searchable_list = ["name"]
    column_default_sort = [("school_class", False), ("subject", False), ("name", False)]
    form_columns = column_list


class SubgroupMemberView(SetupView):
    column_list = ["subgroup", "student", "start", "end"]
    column_labels = labels(*column_list, start="В группе с", end="В группе по")
    column_searchable_list = [Student.search_name]
    folded_search = True
    column_filters = [PupilClassFilter(SubgroupMember.student)]
    column_default_sort = ("subgroup", False)
    form_columns = column_list


class PersonView(SetupView):
    """Pupils and guardians: searched by the folded full name (Cyrillic in any case)."""

    column_searchable_list = ["search_name"]
    folded_search = True
    column_default_sort = [("last_name", False), ("first_name", False)]


class StudentView(PersonView):
    """Class teachers edit the cards of the pupils now in their classes (rule 4)."""

    column_list = ["last_name", "first_name", "middle_name", "birth_date", "gender", "notes"]
    column_labels = labels(*column_list, "search_name")
    column_choices = {"gender": GENDERS}
    column_filters = [PupilClassFilter(Student.id), "birth_date"]
    form_columns = column_list
    form_args = {"gender": {"choices": GENDERS}}
    owner_actions = frozenset({"edit"})

    def scope(self, query, user):
        return access.pupil_scope(user, query, asked())

    def owns(self, row, user) -> bool:
        return self.in_scope(row, user)


class GuardianView(PersonView):
    """Class teachers edit the guardians of the pupils now in their classes."""

    column_list = ["last_name", "first_name", "middle_name", "phone", "email",
                   "wants_paper_sheet"]
    column_labels = labels(*column_list, "search_name")
    column_filters = ["wants_paper_sheet"]
    form_columns = column_list
    owner_actions = frozenset({"edit"})

    def scope(self, query, user):
        return access.guardian_scope(user, query, asked())

    def owns(self, row, user) -> bool:
        return self.in_scope(row, user)


class StudentGuardianView(SetupView):
    column_list = ["student", "guardian", "relation"]
    column_labels = labels(*column_list)
    column_searchable_list = [Student.search_name]
    folded_search = True
    column_filters = [PupilClassFilter(StudentGuardian.student)]
    column_default_sort = ("student", False)
    form_columns = column_list


class MovementView(SetupView):
    """The movement book: after each line the pupil is in that class (or left school)."""

    column_list = ["date", "student", "kind", "school_class", "order_number", "reason"]
    column_labels = labels(*column_list)
    column_choices = {"kind": list(MOVEMENT_KINDS.items())}
    column_searchable_list = [Student.search_name]
    folded_search = True
    column_filters = [FilterEqual(Movement.school_class, "Класс", options=class_options),
                      FilterEqual(Movement.kind, "Вид движения",
                                  options=list(MOVEMENT_KINDS.items())), "date"]
    column_default_sort = ("date", True)
    form_columns = ["student", "kind", "date", "school_class", "order_number", "reason"]


# --- the curriculum -------------------------------------------------------------------

class SubjectView(SetupView):
    column_list = ["name", "short_name", "sort_order"]
    column_labels = labels(*column_list)
    column_searchable_list = ["name", "short_name"]
    column_default_sort = [("sort_order", False), ("name", False)]
    form_columns = column_list


class WorkTypeView(SetupView):
    column_list = ["name", "short_name", "weight", "is_written"]
    column_labels = labels(*column_list)
    column_searchable_list = ["name"]
    column_default_sort = ("name", False)
    form_columns = column_list


class AssignmentView(SetupView):
    column_list = ["school_class", "subject", "subgroup", "teacher", "hours_per_week",
                   "grading_scale", "has_exam"]
    column_labels = labels(*column_list)
    column_choices = {"grading_scale": list(GRADING_SCALES.items())}
    column_filters = ["hours_per_week"]
    column_default_sort = [("school_class", False), ("subject", False)]
    column_descriptions = {"has_exam": "Учебный план предусматривает экзамен: в журнале "
                                       "появляется столбец экзаменационной отметки."}
    form_columns = column_list
    form_args = {"grading_scale": {"choices": list(GRADING_SCALES.items())}}


class PlanView(SetupView):
    """КТП: a subject teacher plans the topics of their own assignments only (rule 3)."""

    column_list = ["assignment", "number", "title", "hours", "planned_date"]
    column_labels = labels(*column_list)
    column_searchable_list = ["title"]
    column_filters = ["planned_date"]
    column_default_sort = [("assignment", False), ("number", False)]
    form_columns = column_list
    owner_actions = frozenset({"create", "edit", "delete"})
    scoped_choices = {"assignment": "own_assignments"}

    def own_assignments(self, user):
        return access.plannable_assignments(user)

    def scope(self, query, user):
        return access.plan_scope(user, query)

    def owns(self, row, user) -> bool:
        return access.owns_plan_topic(user, row)


class TimetableView(SetupView):
    """The timetable's slots as a table, where the deputy creates and edits them (a clash is
    refused by TimetableSlot.validate); the menu's «Расписание» is the week grid
    (admin/timetable.py), which links each lesson here and is linked back to after saving."""

    column_list = ["school_class", "weekday", "number", "subject", "subgroup", "teacher",
                   "room", "valid_from", "valid_to"]
    column_labels = labels(*column_list, number="Урок")
    column_choices = {"weekday": WEEKDAY_CHOICES}
    column_filters = [FilterEqual(TimetableSlot.weekday, "День недели",
                                  options=WEEKDAY_CHOICES)]
    column_default_sort = [("school_class", False), ("weekday", False), ("number", False)]
    form_columns = column_list
    form_args = {"weekday": {"choices": WEEKDAY_CHOICES}}

    def is_visible(self) -> bool:
        return False  # reached from the week grid, which has its place in the menu

    def create_form(self, obj=None):
        # From an empty cell of the week grid: its class or teacher, day, lesson and date.
        from .timetable import prefilled_slot
        if obj is None and request.method == "GET":
            obj = prefilled_slot(request.args)
        return super().create_form(obj)


# --- the school: news, settings, accounts ---------------------------------------------

class NewsView(SetupView):
    """News for the diary site; the director writes them too, signed by whoever creates."""

    write_roles = ("deputy", "director")
    column_list = ["published_at", "title", "school_class", "author", "is_published"]
    column_labels = labels(*column_list, "body", title="Заголовок",
                           school_class="Класс (пусто — для всей школы)")
    column_searchable_list = ["title"]
    column_filters = ["is_published", "published_at"]
    column_default_sort = ("published_at", True)
    column_formatters = {"published_at": lambda v, c, m, n: SchoolSettings.current().local_time(
        m.published_at).strftime("%d.%m.%Y %H:%M")}  # stored in UTC
    # Not published_at: Flask-Admin's datetime field is deprecated in WTForms 3.3 (a
    # warning, an error in the tests); the date of creation is the date of publication.
    form_columns = ["title", "body", "school_class", "is_published"]

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        if is_created:
            model.author = staff()


class SettingsView(SetupView):
    """The one settings row: the admin edits it, nobody creates or deletes it."""

    write_roles = ACCOUNTS
    can_create = False
    can_delete = False
    column_list = ["name", "timezone", "diary_base_url", "threshold_3", "threshold_4",
                   "threshold_5", "uses_mark_one", "sheet_qr", "six_day_grades",
                   "lock_after_days"]
    column_labels = labels(*column_list, name="Название школы")
    # Rule 13's deadlines (reported by the control report, never enforced) in the form only.
    form_columns = column_list + ["topic_deadline", "written_marks_days",
                                  "absence_reason_days", "paper_reentry_days", "min_marks"]
    form_args = {"six_day_grades": {"description": (
        "например 2-11; остальные классы учатся пять дней")},
        "topic_deadline": {"description": "ЧЧ:ММ; позже — в отчёте о заполнении журнала"},
        "min_marks": {"description": "у кого меньше за две недели до конца периода — "
                                     "в отчёте о накопляемости отметок"}}

    def get_query(self):
        SchoolSettings.current()  # the row exists before anyone opens the list
        return super().get_query()


# The roles as the staff form offers them: what each lets a person do (DESIGN rule 5).
ROLE_CHOICES = {
    "teacher": "Учитель — свои журналы, КТП; классный руководитель — свой класс",
    "deputy": "Заместитель директора — учебный год, классы, нагрузка, расписание",
    "director": "Директор — просмотр всего журнала",
    "admin": "Администратор — учётные записи сотрудников и настройки",
}


class RolesField(SelectMultipleField):
    """The roles as checkboxes (no Ctrl-click), kept in the model as "teacher,deputy"."""

    widget = CheckboxList()

    def process_data(self, value):
        super().process_data(value.split(",") if isinstance(value, str) else value)

    def populate_obj(self, obj, name):
        setattr(obj, name, ",".join(self.data or ()))


class NewPasswordField(PasswordField):
    """Typed once, hashed by Staff.set_password in on_model_change, never set on the row."""

    def populate_obj(self, obj, name):
        pass


class GeneratePasswordField(BooleanField):
    """Ticked, a password is generated in on_model_change; never set on the row."""

    def populate_obj(self, obj, name):
        pass


class StaffView(SetupView):
    """Personal staff accounts: the admin creates, locks out and gives new passwords.

    No account is without a password: left empty on a new account (or on one that has
    none), one is generated, and it is shown once, on the page that answers the save.
    """

    write_roles = ACCOUNTS
    column_list = ["login", "last_name", "first_name", "middle_name", "roles", "is_active",
                   "locked_until", "email", "phone"]
    column_labels = labels(*column_list, "search_name")
    column_formatters = {"roles": lambda view, context, model, name: ", ".join(
        ROLES.get(role, role) for role in sorted(model.role_set))}
    column_searchable_list = ["search_name", "login"]
    folded_search = True
    column_filters = ["is_active"]
    column_default_sort = [("last_name", False), ("first_name", False)]
    form_columns = ["login", "last_name", "first_name", "middle_name", "roles", "is_active",
                    "email", "phone", "generate_password", "new_password"]
    form_overrides = {"roles": RolesField}
    form_args = {"roles": {"choices": [SelectChoice(*role) for role in ROLE_CHOICES.items()],
                           "validators": [InputRequired("Отметьте хотя бы одну роль.")]}}
    form_extra_fields = {
        "generate_password": GeneratePasswordField(
            "Выдать новый пароль", description=(
                "Пароль будет создан и показан один раз после сохранения; прежний "
                "перестанет действовать, сеансы сотрудника завершатся.")),
        "new_password": NewPasswordField(
            "Или задать пароль самому", description=(
                f"Не короче {MIN_PASSWORD_LENGTH} символов, без логина в нём. Оставьте "
                "пустым, чтобы не менять пароль."),
            validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH, message=(
                f"Пароль должен быть не короче {MIN_PASSWORD_LENGTH} символов.")),
                Length(max=MAX_PASSWORD_LENGTH, message=(
                    f"Пароль должен быть не длиннее {MAX_PASSWORD_LENGTH} символов."))]),
    }

    def create_form(self, obj=None):
        # A new account gets a generated password unless the admin types one.
        form = super().create_form(obj)
        form.generate_password.label.text = "Создать пароль"
        form.generate_password.description = ("Пароль будет создан и показан один раз после "
                                           "сохранения.")
        form.new_password.description = (f"Не короче {MIN_PASSWORD_LENGTH} символов, без "
                                          "логина в нём; заданный здесь — вместо созданного.")
        if not form.is_submitted():
            form.generate_password.data = True
        return form

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        if model.id == staff().id and not (model.is_active and model.has_role(*ACCOUNTS)):
            raise RuleError("Нельзя отключить свою учётную запись или снять с себя роль "
                            "администратора: это может сделать другой администратор.")
        if form.new_password.data:
            model.set_password(form.new_password.data)  # ends sessions, lifts the lockout
        elif form.generate_password.data or not model.password_hash and not is_created:
            model.issued_password = model.issue_password()
        elif is_created:
            raise RuleError("Учётной записи нужен пароль: отметьте «Создать пароль» или "
                            "задайте его сами.")
        if not model.is_active:
            model.end_sessions()  # a session cookie taken before must not come back

    def after_model_change(self, form, model, is_created):
        super().after_model_change(form, model, is_created)
        user = staff()
        if model.id == user.id and model.session_token != user.session_token:
            keep_session(model)  # the admin's own new password: this session goes on
        if getattr(model, "issued_password", None):
            g.issued_account = model

    def _issued(self, response):
        """The page showing the password this save generated, instead of the redirect."""
        account = g.pop("issued_account", None)
        return response if account is None else issued_page(self, account,
                                                            account.issued_password)

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        return self._issued(super().create_view())

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        return self._issued(super().edit_view())

MENU = {
    "Учебный год": [
        (YearView, AcademicYear, "Учебные годы", "years"),
        (PeriodView, Period, "Учебные периоды", "periods"),
        (HolidayView, Holiday, "Каникулы и праздники", "holidays"),
        (TransferView, DayTransfer, "Переносы дней", "transfers"),
        (BellView, Bell, "Звонки", "bells"),
    ],
    "Классы и ученики": [
        (ClassView, SchoolClass, "Классы", "classes"),
        (SubgroupView, Subgroup, "Подгруппы", "subgroups"),
        (SubgroupMemberView, SubgroupMember, "Состав подгрупп", "subgroup_members"),
        (StudentView, Student, "Ученики", "students"),
        (GuardianView, Guardian, "Родители", "guardians"),
        (StudentGuardianView, StudentGuardian, "Ученики и родители", "student_guardians"),
        (MovementView, Movement, "Книга движения", "movements"),
    ],
    "Учебный план": [
        (SubjectView, Subject, "Предметы", "subjects"),
        (WorkTypeView, WorkType, "Виды работ", "work_types"),
        (AssignmentView, TeachingAssignment, "Нагрузка", "assignments"),
        (PlanView, PlanTopic, "КТП", "plans"),
        (TimetableView, TimetableSlot, "Расписание", "timetable"),
    ],
    "Школа": [
        (NewsView, News, "Новости", "news"),
        (SettingsView, SchoolSettings, "Настройки", "settings"),
        (StaffView, Staff, "Сотрудники", "staff"),
    ],
}


def register(panel: Admin) -> None:
    """Add every setup table to the panel, under /setup/, grouped in the menu."""
    for category, views in MENU.items():
        for view, model, name, endpoint in views:
            panel.add_view(view(model, name=name, category=category, endpoint=endpoint,
                                url="/setup/" + endpoint.replace("_", "-")))
