"""The staff panel: the app factory, and the wiring of login, CSRF, Babel and Flask-Admin."""
from __future__ import annotations

from flask import Flask, g, request
from flask_admin import Admin, AdminIndexView, expose
from flask_admin.theme import Bootstrap4Theme
from flask_babel import Babel
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

import models.database
from models import acting_as

from . import config
from .auth import LoginView, SessionInterface, login_manager
from .base import GuardedView, staff

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


class HomeView(GuardedView, AdminIndexView):
    """The start page after login: what this person can do here."""

    def allow(self, user) -> bool:
        return True

    @expose("/")
    def index(self):
        return self.render("admin/home.html", user=staff())


def init_app(app: Flask) -> None:
    """Wire login, CSRF, Russian UI and the panel's views into one app."""
    login_manager.init_app(app)
    csrf.init_app(app)
    Babel(app, locale_selector=lambda: "ru",
          timezone_selector=lambda: app.config["BABEL_DEFAULT_TIMEZONE"])
    panel = Admin(app, name="Школьный журнал", url="/", theme=Bootstrap4Theme(base_template="admin/journal_base.html", fluid=True),
                  index_view=HomeView(name="Главная", url="/"))
    panel.add_view(LoginView(name="Вход", url="/login", endpoint="login"))
    from . import views
    views.register(panel)

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

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if current_user.is_authenticated:
            response.headers.setdefault("Cache-Control", "no-store")
        return response
