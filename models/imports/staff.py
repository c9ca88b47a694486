"""«Сотрудники»: staff accounts with their roles, loaded by the administrator (rule 5).

A row is matched by its login, else (no login typed) by the full name (case and «ё»
ignored): found, the name, roles and contacts are updated; not found, an account is made
with a login made from the name when none is typed (ivanova.mp, then ivanova.mp2…) and a
generated password, shown once in the import's result (as `journal user add` shows one)
and never logged.
"""
from __future__ import annotations

from .. import access
from ..base import RuleError
from ..people import ROLES, Staff
from ..texts import quoted
from . import CREATE, SKIP, UPDATE, Batch, Field, Kind, Row, fold
from .contacts import EMAIL_EXPECTED, PHONE_EXPECTED, email_problem, name_key, phone_problem

ROLE_NAMES = {fold(name): key for key, name in ROLES.items()} | {key: key for key in ROLES}
ROLES_EXPECTED = "роли через запятую: " + ", ".join(f"«{n}»" for n in ROLES.values())
TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "i", "k", "l", "m",
                     "n", "o", "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch",
                     "", "y", "", "e", "iu", "ia"], strict=True))

FIELDS = (
    Field("last_name", "Фамилия", True, "Иванова", "фамилия сотрудника"),
    Field("first_name", "Имя", True, "Мария", "имя сотрудника"),
    Field("middle_name", "Отчество", False, "Петровна", "отчество (если есть)"),
    Field("login", "Логин", False, "", "латинские буквы, цифры, точка и подчёркивание; "
          "пусто — логин составляется из ФИО"),
    Field("roles", "Роли", True, "учитель", ROLES_EXPECTED, aliases=("Роль",)),
    Field("phone", "Телефон", False, "", PHONE_EXPECTED),
    Field("email", "E-mail", False, "", EMAIL_EXPECTED, aliases=("Эл. почта", "Email")),
)


def translit(text: str) -> str:
    """Latin letters for a Russian name, for a login."""
    return "".join(TRANSLIT.get(ch, ch) for ch in text.casefold() if ch.isalnum()
                   and ch.isascii() or ch in TRANSLIT)


def _roles(batch: Batch, row: Row) -> str:
    value = batch.text(row, "roles")
    if not value:
        return ""
    parts = [fold(p) for p in value.replace(";", ",").split(",") if p.strip()]
    unknown = [p for p in parts if p not in ROLE_NAMES]
    if unknown or not parts:
        batch.bad(row, "roles", f"{quoted(value)} — нет такой роли"
                  + (f": {quoted(unknown[0])}" if unknown and len(parts) > 1 else ""))
        return ""
    keys = {ROLE_NAMES[p] for p in parts}
    return ",".join(k for k in ROLES if k in keys)


class Accounts:
    """The staff read once per batch: by login and by folded full name."""

    def __init__(self):
        self.by_login = {s.login.casefold(): s for s in Staff.select()}
        self.by_name: dict[str, list[Staff]] = {}
        for s in self.by_login.values():
            self.by_name.setdefault(s.search_name, []).append(s)
        self.seen: dict[str, int] = {}

    def free_login(self, last: str, first: str, middle: str) -> str:
        """ivanova.mp from «Иванова Мария Петровна»; a number added while it is taken."""
        base = translit(last) + "." + translit(first)[:1] + translit(middle)[:1]
        login, n = base.strip("."), 1
        while login.casefold() in self.by_login:
            n += 1
            login = f"{base}{n}"
        return login


def _match(batch: Batch, row: Row, accounts: Accounts, login: str, key: str):
    """The account a row names (None: a new one), or False when the row is ambiguous."""
    if login:
        found = accounts.by_login.get(login.casefold())
        namesakes = [s for s in accounts.by_name.get(key, []) if s is not found]
        if found is None and namesakes:
            batch.bad(row, "login", f"логина {quoted(login)} нет, но сотрудник с таким ФИО "
                      f"уже есть под логином «{namesakes[0].login}»",
                      "его логин, чтобы обновить запись, или пустая ячейка")
            return False
        return found
    namesakes = accounts.by_name.get(key, [])
    if len(namesakes) > 1:
        batch.bad(row, "login", "сотрудников с таким ФИО несколько: "
                  + ", ".join(s.login for s in namesakes), "логин нужного сотрудника")
        return False
    return namesakes[0] if namesakes else None


def _staff_row(batch: Batch, accounts: Accounts, row: Row) -> None:
    before = len(batch.problems)
    last, first = batch.text(row, "last_name"), batch.text(row, "first_name")
    middle, login = row["middle_name"], row["login"]
    roles = _roles(batch, row)
    phone, email = row["phone"], row["email"]
    for key, value, problem in (("phone", phone, phone_problem),
                                ("email", email, email_problem)):
        if value and problem(value):
            batch.bad(row, key, problem(value))
    if len(batch.problems) > before:
        return
    key = name_key(last, first, middle)
    seen_as = login.casefold() or key
    if seen_as in accounts.seen:
        batch.bad(row, "login" if login else "", f"этот сотрудник уже есть в строке "
                  f"{accounts.seen[seen_as]} этого файла", "одна строка на сотрудника")
        return
    accounts.seen[seen_as] = row.number
    account = _match(batch, row, accounts, login, key)
    if account is False:
        return
    values = {"last_name": last, "first_name": first, "middle_name": middle, "roles": roles,
              "phone": phone, "email": email}
    if account is None:
        _create(batch, accounts, row, values, login)
    else:
        _update(batch, row, account, values)


def _create(batch: Batch, accounts: Accounts, row: Row, values: dict, login: str) -> None:
    account = Staff(login=login or accounts.free_login(
        values["last_name"], values["first_name"], values["middle_name"]), **values)
    account.validate()  # the login's letters and the roles, before a password is made
    password = account.issue_password()
    account.save()
    accounts.by_login[account.login.casefold()] = account
    batch.issued.append((account.login, account.full_name, password))
    batch.done(row, CREATE, f"{account.full_name}: логин {account.login}, "
               + ", ".join(ROLES[r] for r in sorted(account.role_set)))


def _update(batch: Batch, row: Row, account: Staff, values: dict) -> None:
    changed = [k for k, v in values.items()
               if v and getattr(account, k) != v and not (k == "roles" and set(
                   v.split(",")) == account.role_set)]
    if account.id == getattr(batch.user, "id", None) and "roles" in changed and (
            not set(values["roles"].split(",")) & set(access.ACCOUNTS)):
        raise RuleError("Нельзя снять с себя роль администратора: это может сделать другой "
                        "администратор.")
    for k in changed:
        setattr(account, k, values[k])
    if changed:
        account.save()
    labels = {"last_name": "фамилия", "first_name": "имя", "middle_name": "отчество",
              "roles": "роли", "phone": "телефон", "email": "e-mail"}
    batch.done(row, UPDATE if changed else SKIP, f"{account.full_name} ({account.login})"
               + (": " + ", ".join(labels[k] for k in changed) if changed else ""))


def apply(batch: Batch) -> None:
    accounts = Accounts()
    for row in batch.rows:
        with batch.row(row):
            _staff_row(batch, accounts, row)


def may_import(staff) -> bool:
    return access.may_import(staff, KEY)


KEY = "staff"
KIND = Kind(KEY, "Сотрудники", FIELDS, apply, may_import, note=(
    "Одна строка — одна учётная запись. Сотрудник находится по логину, а если логин не "
    "указан — по ФИО: найденный обновляется. Новому сотруднику логин составляется из ФИО "
    "(если не указан) и создаётся пароль: он показывается один раз в отчёте о загрузке — "
    "передайте его сотруднику лично. Роли: " + ", ".join(ROLES.values()) + "."))
