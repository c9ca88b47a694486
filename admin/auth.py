"""Logging in and out: personal accounts, attempts counted in the database, session tokens,
a session that ends 12 hours after login whatever the activity."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_admin import BaseView, expose
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired

from models import Staff
from models.activity import record_login
from models.base import utcnow
from models.people import LoginRefused

login_manager = LoginManager()
login_manager.login_view = "login.index"
login_manager.login_message = "Войдите, чтобы открыть эту страницу."
login_manager.login_message_category = "info"
# Flask-Login's own "session protection" is not needed: the session id is a token
# rotated on logout, password change, lock and breach, checked on every request.
login_manager.session_protection = None


@login_manager.user_loader
def load_user(token: str) -> Staff | None:
    """The account whose current session token this is; None ends a stale session."""
    return Staff.get_or_none((Staff.session_token == token) & (Staff.is_active == True))  # noqa: E712


def session_expired() -> bool:
    """Whether this session was opened longer ago than PERMANENT_SESSION_LIFETIME.

    Flask's permanent cookie slides with every request; the login time kept in the signed
    session does not, so a stolen or forgotten session ends 12 hours after login.
    """
    try:
        opened = dt.datetime.fromisoformat(session["login_at"])
    except (KeyError, TypeError, ValueError):
        return True  # a session from before this rule, or not ours: log in again
    return utcnow() - opened >= current_app.permanent_session_lifetime


def end_expired_session():
    """Before every request: a logged-in session past its 12 hours is logged out."""
    if current_user.is_authenticated and session_expired():
        logout_user()
        session.clear()
        flash("Сеанс завершён: с момента входа прошло 12 часов. Войдите снова.", "info")


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure whenever the request came over https."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


class LoginForm(FlaskForm):
    login = StringField("Логин", validators=[InputRequired("Введите логин.")])
    password = PasswordField("Пароль", validators=[InputRequired("Введите пароль.")])


def safe_next(target: str | None) -> str:
    """Only a path on this site: an absolute URL in ?next= would be an open redirect."""
    parts = urlsplit(target or "")
    if target and not parts.scheme and not parts.netloc and target.startswith("/"):
        return target
    return url_for("admin.index")


class LoginView(BaseView):
    """The only page open to everybody: the login form (and the logout action)."""

    def is_visible(self) -> bool:
        return False

    @expose("/", methods=("GET", "POST"))
    def index(self):
        if current_user.is_authenticated:
            return redirect(url_for("admin.index"))
        form = LoginForm()
        if form.validate_on_submit():
            try:
                user = Staff.authenticate(form.login.data, form.password.data,
                                          request.remote_addr or "")
            except LoginRefused as exc:
                # For the administrator (and fail2ban): why, from where, which attempt.
                current_app.logger.warning(
                    "Login refused: login=%r address=%s attempt=%d reason=%s",
                    form.login.data[:150], request.remote_addr, exc.attempt, exc.reason)
                flash(exc.message, "error")
            else:
                session.clear()  # no session fixation: a fresh session for the new login
                login_user(user)
                session.permanent = True
                session["login_at"] = utcnow().isoformat()
                record_login(user.id, request.remote_addr or "", utcnow())
                return redirect(safe_next(request.args.get("next")))
        return self.render("admin/login.html", form=form), 200

    @expose("/logout", methods=("POST",))
    def logout(self):
        if current_user.is_authenticated:
            user = current_user._get_current_object()
            user.end_sessions()  # a copy of the cookie taken before logout stops working
            user.save(only=[Staff.session_token, Staff.updated_at])
            logout_user()
        session.clear()
        flash("Вы вышли из журнала.", "info")
        return redirect(url_for("login.index"))
