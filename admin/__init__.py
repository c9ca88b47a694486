"""The staff panel: the app factory, and the wiring of login, CSRF, Babel and Flask-Admin."""
from __future__ import annotations

import datetime as dt
import re

from flask import Flask, abort, g, jsonify, render_template, request
from flask_admin import AdminIndexView, expose
from flask_admin.theme import Bootstrap4Theme
from flask_babel import Babel
from flask_login import current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from peewee import OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

import models.database
from models import RuleError, SchoolSettings, acting_as, disk
from models.texts import check_text
from models.today import day_lessons

from . import config, headers
from .auth import LoginView, SessionInterface, end_expired_session, login_manager
from .base import MAX_ID, GuardedView, Panel, request_texts, staff, wants_json
from .journal import day_label

csrf = CSRFProtect()


def create_app(test_config: dict | None = None) -> Flask:
    """The panel: configuration from defaults, the environment, then `test_config`."""
    app = Flask(__name__, instance_path=str(models.database.instance_path().resolve()))
    app.config.from_mapping(config.defaults())
    if test_config:
        app.config.from_mapping(test_config)
    if app.config["PROXIES"]:
        n = app.config["PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    app.session_interface = SessionInterface()
    models.database.init_app(app)
    init_app(app)
    return app


ONE_DAY = dt.timedelta(days=1)


class HomeView(GuardedView, AdminIndexView):
    """The start page after login: what this person can do here."""

    def allow(self, user) -> bool:
        return True

    @expose("/")
    def index(self):
        """«Сегодня» first: the day's lessons by the timetable (another day: ?day=ГГГГ-ММ-ДД),
        then what this person can open."""
        user = staff()
        today = SchoolSettings.current().today()
        try:
            day = dt.date.fromisoformat(request.args.get("day", ""))
            previous, following = day - ONE_DAY, day + ONE_DAY
        except (ValueError, OverflowError):  # not a date, or 01.01.0001 / 31.12.9999
            day, previous, following = today, today - ONE_DAY, today + ONE_DAY
        return self.render("admin/home.html", user=user, day=day, today=today,
                           lines=day_lessons(user, day), day_label=day_label,
                           previous=previous, following=following)


ERRORS = {
    400: "Запрос не понят. Обновите страницу и повторите.",
    403: "Недостаточно прав для этой страницы.",
    404: "Такой страницы или записи нет.",
    405: "Так к этой странице обращаться нельзя.",
    413: "Слишком большой запрос.",
    500: "Внутренняя ошибка журнала: запрос не выполнен. Повторите его; если ошибка "
         "повторится, сообщите администратору журнала (подробности записаны в журнал "
         "сервера).",
}
CYRILLIC = re.compile("[А-Яа-яЁё]")
BUSY = "Журнал занят другими сохранениями, повторите через несколько секунд."
BUSY_RETRY_SECONDS = 5


def russian_description(exc: HTTPException, default: str) -> str:
    """What abort(status, "…") said, when it said it in Russian; else the status's own
    message (werkzeug's and the libraries' descriptions are English)."""
    own = getattr(exc, "description", None)
    return own if isinstance(own, str) and CYRILLIC.search(own) else default


class RowIdConverter(IntegerConverter):
    """`<int:…>` in a path: a number no row can have matches no page (a 404), instead of
    reaching SQLite beyond its 64 bits."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def register_errors(app: Flask) -> None:
    """Errors in Russian: JSON for the grid's calls, a short page otherwise."""

    def answer(status: int, message: str):
        if wants_json():
            return jsonify(error=message), status
        return render_template("admin/error.html", status=status, message=message), status

    for status, message in ERRORS.items():
        app.register_error_handler(
            status, lambda exc, s=status, m=message: answer(s, russian_description(exc, m)))
    app.register_error_handler(
        CSRFError, lambda exc: answer(400, "Форма устарела или отправлена не со страницы "
                                           "журнала. Обновите страницу (F5) и повторите."))

    @app.errorhandler(OperationalError)
    def busy(exc):
        # SQLite's write lock held past the busy timeout (a long save by someone else): the
        # request wrote nothing, so it is safe to repeat; anything else stays a 500.
        if disk.is_full(exc):
            return disk_full(exc)
        if "database is locked" not in str(exc):
            raise exc
        response = app.make_response(answer(503, BUSY))
        response.headers["Retry-After"] = str(BUSY_RETRY_SECONDS)
        return response

    @app.errorhandler(OSError)
    def disk_full(exc):
        # The transaction was rolled back, so nothing was saved. 507 (Insufficient Storage),
        # not 503: a full disk does not clear by itself in a few seconds. The log names the
        # full disk once, not the failed ROLLBACK that follows SQLite's own.
        if not disk.is_full(exc):
            raise exc
        app.logger.error("Disk full, nothing saved: %s %s: %s", request.method, request.path,
                         disk.cause(exc))
        return answer(507, disk.MESSAGE)


def init_app(app: Flask) -> None:
    """Wire login, CSRF, Russian UI and the panel's views into one app."""
    app.url_map.converters["int"] = RowIdConverter  # before any view adds its rules
    login_manager.init_app(app)
    csrf.init_app(app)
    Babel(app, locale_selector=lambda: "ru",
          timezone_selector=lambda: app.config["BABEL_DEFAULT_TIMEZONE"])
    theme = Bootstrap4Theme(base_template="admin/journal_base.html", fluid=True)
    panel = Panel(app, name="Школьный журнал", url="/", theme=theme,
                  index_view=HomeView(name="Главная", url="/"),
                  csp_nonce_generator=headers.csp_nonce)
    panel.add_view(LoginView(name="Вход", url="/login", endpoint="login"))
    from . import views
    views.register(panel)

    app.before_request(end_expired_session)  # before anything acts for the user

    @app.before_request
    def refuse_control_characters():
        # One check of every field, search and filter before any view reads it: text with
        # a NUL or another control character is refused, never stored or searched for.
        try:
            check_text(*request_texts())
        except RuleError as exc:
            abort(400, exc.message)

    @app.before_request
    def attribute_changes():
        # Every journal change in this request is logged as this person's, from this address.
        if current_user.is_authenticated:
            g.actor = acting_as(current_user.id, request.remote_addr or "")
            g.actor.__enter__()

    @app.teardown_request
    def end_attribution(exc):
        actor = g.pop("actor", None)
        if actor is not None:
            actor.__exit__(None, None, None)

    register_errors(app)

    headers.init_app(app)
