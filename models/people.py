"""People: staff with roles, pupils and their guardians."""
from __future__ import annotations

import datetime as dt
import functools
import random
import secrets

from peewee import BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField
from werkzeug.security import check_password_hash, generate_password_hash

from .auditing import AuditedModel
from .base import RuleError, utcnow, write_transaction
from .logins import ADDRESS_LIMIT, count_attempt, forget_attempts, refund_attempt
from .school import SchoolSettings
from .texts import check_name

ROLES = {
    "admin": "администратор",
    "director": "директор",
    "deputy": "заместитель директора",
    "teacher": "учитель",
}
# scrypt with N=2^15, r=8, p=3: one of OWASP's equivalent scrypt settings (32 MiB),
# werkzeug's default N with the parallelism raised to reach OWASP's bar.
PASSWORD_METHOD = "scrypt:32768:8:3"
MIN_PASSWORD_LENGTH = 8
# Long enough for any passphrase; a longer one is a pasted text, not a password.
MAX_PASSWORD_LENGTH = 128
# Besides the per-address limit (models.logins), an account takes at most 20 guesses from
# all addresses together, then is locked for 15 minutes: a looser cap, so that one address
# cannot lock the owner out, while many addresses still cannot guess on and on.
ACCOUNT_LIMIT = 20
LOCKOUT = dt.timedelta(minutes=15)
# The one answer to every failed login (issue 10.7): which logins exist, are disabled or
# are locked is nobody's business before logging in.
LOGIN_REFUSED = ("Неверный логин или пароль, либо вход временно заблокирован после "
                 "нескольких неудачных попыток. Проверьте раскладку клавиатуры и повторите "
                 "через 15 минут или обратитесь к администратору журнала.")


# The earliest birth date a pupil's card takes; an earlier one is a typing slip.
EARLIEST_BIRTH_DATE = dt.date(1990, 1, 1)
NAME_FIELDS = {"last_name": "Фамилия", "first_name": "Имя", "middle_name": "Отчество"}


def check_birth_date(day: dt.date | None, today: dt.date) -> None:
    """A pupil's birth date, when known, lies between 1990 and the school's today."""
    if day is not None and not EARLIEST_BIRTH_DATE <= day <= today:
        raise RuleError(f"Дата рождения {day:%d.%m.%Y} невозможна: укажите дату "
                        f"с {EARLIEST_BIRTH_DATE:%d.%m.%Y} по {today:%d.%m.%Y}.")


@functools.cache
def _dummy_hash() -> str:
    """A hash checked when the login is unknown, so both failures take the same time
    (made on first use: scrypt at import would slow every command)."""
    return generate_password_hash("unknown-login", method=PASSWORD_METHOD)


# Crockford's base32: no O, I, L or U, so no character is mistaken for another.
READABLE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def readable_password(rng: random.Random | None = None) -> str:
    """A password easy to read aloud, like K7QM-2XDP-9FHT: 12 characters of 5 bits, 60 bits."""
    rng = rng or secrets.SystemRandom()
    return "-".join("".join(rng.choice(READABLE_ALPHABET) for _ in range(4)) for _ in range(3))


def fold_name(*parts: str) -> str:
    """A name folded for search: lower case with ё as е, the same in SQLite and PostgreSQL."""
    return " ".join(p for p in parts if p).casefold().replace("ё", "е")


def short_name(last: str, first: str, middle: str) -> str:
    """«Иванова А.П.»: a surname with initials, as journals and sheets sign a teacher."""
    initials = "".join(f"{p[0]}." for p in (first, middle) if p)
    return f"{last} {initials}".strip()


# A wrong current password on «Сменить пароль»: it is counted as a failed login.
OLD_PASSWORD_REFUSED = ("Текущий пароль введён неверно. Каждая неверная попытка считается "
                        "неудачным входом: после пяти таких попыток проверка пароля и вход с этого "
                        "компьютера блокируются на 15 минут.")


class LoginRefused(RuleError):
    """A failed login: the one message for the person, the reason and count for the log."""

    def __init__(self, reason: str, attempt: int, message: str = LOGIN_REFUSED):
        super().__init__(message)
        self.reason, self.attempt = reason, attempt


class Person(AuditedModel):
    """Full-name fields shared by staff, pupils and guardians."""

    last_name = CharField()
    first_name = CharField()
    middle_name = CharField(default="")
    # Filled on save: SQLite's LOWER()/LIKE fold only ASCII, so search this column.
    search_name = CharField(default="", index=True)

    def save(self, *args, **kwargs):
        self.search_name = fold_name(self.last_name, self.first_name, self.middle_name)
        return super().save(*args, **kwargs)

    def validate(self) -> None:
        for name, label in NAME_FIELDS.items():
            check_name(getattr(self, name) or "", label)

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def short_name(self) -> str:
        return short_name(self.last_name, self.first_name, self.middle_name)

    def __str__(self) -> str:
        return self.full_name


def check_password_strength(password: str, login: str = "") -> None:
    """The minimum for a staff password, or RuleError: 8 to 128 characters, neither the
    login nor (a login of three characters or more) containing it."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RuleError(f"Пароль должен быть не короче {MIN_PASSWORD_LENGTH} символов.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise RuleError(f"Пароль должен быть не длиннее {MAX_PASSWORD_LENGTH} символов.")
    login, folded = login.strip().casefold(), password.casefold()
    if login and (folded == login or len(login) >= 3 and login in folded):
        raise RuleError("Пароль не должен совпадать с логином или содержать его.")


def hash_password(password: str) -> str:
    """The stored hash of a staff password."""
    check_password_strength(password)
    return generate_password_hash(password, method=PASSWORD_METHOD)


class Staff(Person):
    """A personal staff account; roles are a comma-separated subset of ROLES."""

    login = CharField(unique=True)
    roles = CharField(default="teacher")
    password_hash = CharField(default="")
    is_active = BooleanField(default=True)
    failed_logins = IntegerField(default=0)
    locked_until = DateTimeField(null=True)
    session_token = CharField(default=lambda: secrets.token_urlsafe(24))
    compromised_at = DateTimeField(null=True)
    email = CharField(default="")
    phone = CharField(default="")
    # The audit log notes a new password without its hash; logins and sessions are no
    # staff change (models.auditing).
    audit_secret = ("password_hash",)
    audit_ignored = ("session_token", "failed_logins", "locked_until")

    @property
    def role_set(self) -> set[str]:
        return {r.strip() for r in self.roles.split(",") if r.strip()}

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_set & set(roles))

    def set_password(self, password: str) -> None:
        """Hash and keep a new password; other sessions end and every lockout is lifted."""
        check_password_strength(password, self.login or "")
        self.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
        self.failed_logins, self.locked_until = 0, None
        forget_attempts(self.login)
        self.end_sessions()

    def issue_password(self) -> str:
        """Set a new generated password and return it, to be shown once and handed over.

        readable_password's 60 bits are enough for staff: online, the login limits allow
        at most 80 guesses an hour; offline, a stolen hash costs an attacker 32 MiB of
        scrypt per guess, and 2^59 guesses on average is out of anyone's reach.
        """
        while True:  # a short login may, rarely, turn up inside a generated password
            password = readable_password()
            try:
                check_password_strength(password, self.login or "")
            except RuleError:
                continue
            self.set_password(password)
            return password

    def change_password(self, old: str, new: str, address: str) -> None:
        """The person's own change: the current password, checked as a login attempt from
        `address` (LoginRefused when wrong: the login limits hold here too), then the new one.

        Saved at once; every session ends, the caller's too: log it in again with the new
        token (get_id()).
        """
        check_password_strength(new, self.login)
        if new == old:
            raise RuleError("Новый пароль совпадает с текущим: придумайте другой.")
        try:
            type(self).authenticate(self.login, old, address)
        except LoginRefused as exc:
            raise LoginRefused(exc.reason, exc.attempt, OLD_PASSWORD_REFUSED) from None
        self.set_password(new)
        self.save(only=[Staff.password_hash, Staff.session_token, Staff.failed_logins,
                        Staff.locked_until, Staff.updated_at])

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    # Flask-Login's user protocol, by duck typing (models import no Flask). The id it keeps
    # in the session is the session token, so rotating the token ends every session.
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return self.session_token

    def end_sessions(self) -> None:
        """Invalidate every signed session cookie issued for this account."""
        self.session_token = secrets.token_urlsafe(24)

    @classmethod
    def authenticate(cls, login: str, password: str, address: str = "") -> Staff:
        """The account for a login and password tried from a client address, or LoginRefused."""
        # Counted before the check, so however many attempts arrive at once, at most
        # ADDRESS_LIMIT per address and ACCOUNT_LIMIT per account reach the password. Every
        # failure does one hash check and says the same: neither the answer nor its time
        # tells an unknown, disabled or locked login from a wrong password.
        now, login = utcnow(), login.strip()
        attempt = count_attempt(login, address, now)
        user = cls.get_or_none((cls.login == login) & (cls.is_active == True))  # noqa: E712
        if attempt > ADDRESS_LIMIT:
            refusal = "too many attempts from this address"
        elif user is None or not user.password_hash:
            refusal = "no such active account"
        elif not user._count_attempt(now):
            refusal = "account locked"
        else:
            refusal = None
        if refusal:
            check_password_hash(_dummy_hash(), password)
            raise LoginRefused(refusal, attempt)
        if not user.check_password(password):
            raise LoginRefused("wrong password", attempt)
        refund_attempt(login, address, now)
        cls.update(failed_logins=0, locked_until=None).where(cls.id == user.id).execute()
        return user

    def _count_attempt(self, now: dt.datetime) -> bool:
        """Count an attempt on this account before its check; False while it is locked."""
        cls = type(self)
        with write_transaction():
            counted = cls.update(failed_logins=cls.failed_logins + 1).where(
                (cls.id == self.id) & (cls.locked_until.is_null() | (cls.locked_until <= now))
            ).execute()
            if not counted:
                return False
            if cls.select(cls.failed_logins).where(cls.id == self.id).scalar() >= ACCOUNT_LIMIT:
                # This attempt is still checked; the ones after it wait out the lock.
                cls.update(failed_logins=0, locked_until=now + LOCKOUT).where(
                    cls.id == self.id).execute()
        return True

    def validate(self) -> None:
        super().validate()
        unknown = self.role_set - set(ROLES)
        if unknown or not self.role_set:
            raise RuleError("Роль должна быть одной из: " + ", ".join(ROLES) + ".")
        if not self.login or not self.login.replace(".", "").replace("_", "").isalnum():
            raise RuleError("Логин может содержать только буквы, цифры, точку и подчёркивание.")


class Student(Person):
    """A pupil; the class and dates of study come from the movement book."""

    birth_date = DateField(null=True)
    gender = CharField(max_length=1, default="")
    # A comment for the class teacher's card (health group, notes).
    notes = CharField(default="")

    def validate(self) -> None:
        super().validate()
        if self.birth_date is not None:
            check_birth_date(self.birth_date, SchoolSettings.current().today())


class Guardian(Person):
    """A parent or legal guardian of one or more pupils."""

    phone = CharField(default="")
    email = CharField(default="")
    wants_paper_sheet = BooleanField(default=False)


class StudentGuardian(AuditedModel):
    """Links a guardian to a pupil, with the relation (мать, отец, опекун)."""

    student = ForeignKeyField(Student, backref="guardian_links", on_delete="CASCADE")
    guardian = ForeignKeyField(Guardian, backref="student_links", on_delete="CASCADE")
    relation = CharField(default="")

    class Meta:
        indexes = ((("student", "guardian"), True),)
