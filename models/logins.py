"""Login attempts counted per login and client address, in the database so that every
server process sees one count."""
from __future__ import annotations

import datetime as dt

from peewee import Case, CharField, DateTimeField, IntegerField

from .base import BaseModel, write_transaction

# Five guesses at one login from one address, then that address is refused for that login
# until it has been quiet for 15 minutes; the owner elsewhere still logs in.
ADDRESS_LIMIT = 5
QUIET = dt.timedelta(minutes=15)
# Column sizes: a login or a forwarded address longer than these is cut, never refused
# by the database (PostgreSQL's varchar would raise).
LOGIN_CHARS, ADDRESS_CHARS = 150, 64


class LoginThrottle(BaseModel):
    """Attempts at one login from one address since the last 15 quiet minutes."""

    login = CharField(max_length=LOGIN_CHARS)
    address = CharField(max_length=ADDRESS_CHARS)
    attempts = IntegerField(default=0)
    until = DateTimeField(index=True)  # the count is forgotten from this moment

    class Meta:
        table_name = "login_throttle"
        indexes = ((("login", "address"), True),)


def _key(login: str, address: str):
    return ((LoginThrottle.login == login[:LOGIN_CHARS])
            & (LoginThrottle.address == address[:ADDRESS_CHARS]))


def count_attempt(login: str, address: str, now: dt.datetime) -> int:
    """Count one attempt before its password is checked; the count so far, this one included.

    One insert-or-increment under the write lock (SQLite) or the row's lock (PostgreSQL),
    so concurrent attempts in any number of processes each get their own number; a count
    left from before 15 quiet minutes starts again at one.
    """
    with write_transaction():
        LoginThrottle.insert(
            login=login[:LOGIN_CHARS], address=address[:ADDRESS_CHARS], attempts=1,
            until=now + QUIET,
        ).on_conflict(
            conflict_target=[LoginThrottle.login, LoginThrottle.address],
            update={LoginThrottle.attempts: Case(None, [(LoginThrottle.until <= now, 1)],
                                                 LoginThrottle.attempts + 1),
                    LoginThrottle.until: now + QUIET},
        ).execute()
        return LoginThrottle.select(LoginThrottle.attempts).where(_key(login, address)).scalar()


def refund_attempt(login: str, address: str, now: dt.datetime) -> None:
    """Uncount an attempt that gave the right password: only wrong guesses use the five.

    Also drops every count already forgotten, so sprayed logins do not pile up; here, not
    on every attempt, because a many-row delete racing others could deadlock (PostgreSQL).
    """
    LoginThrottle.update(attempts=LoginThrottle.attempts - 1).where(
        _key(login, address) & (LoginThrottle.attempts > 0)).execute()
    LoginThrottle.delete().where(LoginThrottle.until <= now).execute()


def forget_attempts(login: str) -> None:
    """Lift every address's block on a login (its password was just set by an administrator)."""
    LoginThrottle.delete().where(LoginThrottle.login == login[:LOGIN_CHARS]).execute()
