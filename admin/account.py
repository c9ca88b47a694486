"""«Сменить пароль»: every staff member changes their own password; and the pieces of the
staff form that hand out a generated one (the page showing it once, the roles' checkboxes).
"""
from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_login import login_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import PasswordField
from wtforms.validators import EqualTo, InputRequired
from wtforms.widgets import html_params

from models import RuleError
from models.people import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, LoginRefused

from .base import SecureView, expose, staff

PASSWORD_RULE = (f"Не короче {MIN_PASSWORD_LENGTH} и не длиннее {MAX_PASSWORD_LENGTH} "
                 "символов, не совпадает с логином и не содержит его. Надёжнее всего — "
                 "несколько слов, которые знаете только вы.")


def keep_session(user) -> None:
    """Keep this browser logged in after the account's token was rotated (a new password):
    the person's other sessions end, the one that made the change goes on."""
    login_user(user)


class CheckboxList:
    """A multiple choice drawn as Bootstrap checkboxes, one per line, instead of a list
    that needs Ctrl-click; Flask-Admin's «form-control» class (sized for one line) is left
    off, its «is-invalid» kept so that the field's error shows."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        given = f'{kwargs.pop("class", "")} {kwargs.pop("class_", "")}'.split()
        classes = {"is-invalid"} & set(given)
        items = []
        for value, label, checked, _ in field.iter_choices():
            box_id = f"{field.id}-{value}"
            box = html_params(type="checkbox", name=field.name, value=value, id=box_id,
                              checked=checked, class_="form-check-input")
            items.append(Markup('<div class="form-check"><input {}><label class="form-check-'
                                'label" for="{}">{}</label></div>').format(
                                    Markup(box), box_id, label))
        return Markup("<div {}>{}</div>").format(
            Markup(html_params(class_=" ".join(["checkbox-list", *classes]), **kwargs)),
            Markup("").join(items))


class PasswordChangeForm(FlaskForm):
    old_password = PasswordField("Текущий пароль", validators=[
        InputRequired("Введите текущий пароль.")])
    new_password = PasswordField("Новый пароль", validators=[
        InputRequired("Введите новый пароль.")])
    repeat = PasswordField("Новый пароль ещё раз", validators=[
        InputRequired("Введите новый пароль ещё раз."),
        EqualTo("new_password", "Новый пароль и повтор не совпадают: введите его дважды "
                                "одинаково.")])


class AccountView(SecureView):
    """Everyone's own account: the password change, reached from the name in the top bar.

    The current password is checked as a login attempt (Staff.change_password): a wrong one
    uses up one of the five guesses from this address and the twenty of the account, so a
    forgotten or stolen open session cannot guess the password faster than the login form.
    """

    def allow(self, user) -> bool:
        return True  # every role; the page only ever changes the person's own account

    def is_visible(self) -> bool:
        return False  # linked from the user area of every page (journal_base.html)

    @expose("/", methods=("GET", "POST"))
    def index(self):
        form = PasswordChangeForm()
        if form.validate_on_submit():
            user = staff()
            try:
                user.change_password(form.old_password.data, form.new_password.data,
                                     request.remote_addr or "")
            except LoginRefused as exc:
                current_app.logger.warning(
                    "Login refused: login=%r address=%s attempt=%d reason=%s "
                    "(password change)", user.login, request.remote_addr, exc.attempt,
                    exc.reason)
                form.old_password.errors.append(exc.message)
            except RuleError as exc:
                form.new_password.errors.append(exc.message)
            else:
                keep_session(user)
                flash("Пароль изменён. Сеансы на других компьютерах и в других браузерах "
                      "завершены; здесь вы остаётесь в журнале.", "success")
                return redirect(url_for(".index"))
        return self.render("admin/account.html", form=form, user=staff(),
                           rule=PASSWORD_RULE, max_length=MAX_PASSWORD_LENGTH)


def issued_page(view, account, password: str):
    """The one page that shows a generated password: the answer to the form's POST itself,
    so the password is never stored, put in a cookie (a flash is) or in a URL."""
    return view.render("admin/account_issued.html", account=account, password=password,
                       list_url=view.get_url(".index_view"),
                       edit_url=view.get_url(".edit_view", id=account.id))


def register(panel) -> None:
    panel.add_view(AccountView(name="Сменить пароль", endpoint="account", url="/account"))
