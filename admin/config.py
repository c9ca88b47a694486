"""The panel's configuration: defaults, then the environment, then the caller's mapping."""
from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

from models.database import database_url, instance_path

# The panel's environment variables: name, default, meaning (all in README).
ENVIRONMENT = [
    ("JOURNAL_SECRET_KEY", "generated into $JOURNAL_INSTANCE/secret_key",
     "the key that signs session cookies; keep it secret, same on every panel process"),
    ("JOURNAL_PROXIES", "0",
     "how many reverse proxies stand in front of the panel (their X-Forwarded-* are trusted)"),
]


def secret_key(folder: Path) -> str:
    """JOURNAL_SECRET_KEY, or a random key generated once into the instance folder."""
    if os.environ.get("JOURNAL_SECRET_KEY"):
        return os.environ["JOURNAL_SECRET_KEY"]
    path = folder / "secret_key"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".secret_key.{os.getpid()}")
        tmp.write_text(secrets.token_hex(32))
        tmp.chmod(0o600)
        # link() fails if another process won the race: then its key is the key.
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


def defaults() -> dict:
    """The configuration before the caller's overrides."""
    folder = instance_path().resolve()
    return {
        "DATABASE_URL": database_url(),
        "SECRET_KEY": secret_key(folder),
        "PROXIES": int(os.environ.get("JOURNAL_PROXIES", "0")),
        # Session cookie: HttpOnly, SameSite=Lax, Secure whenever the request is https
        # (see admin.auth.SessionInterface); a working day long, not Flask's 31 days.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "journal_session",
        "PERMANENT_SESSION_LIFETIME": dt.timedelta(hours=12),
        # No remember-me cookie is ever set; these only harden it should one appear.
        "REMEMBER_COOKIE_DURATION": dt.timedelta(hours=12),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": 12 * 3600,
        "BABEL_DEFAULT_LOCALE": "ru",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Moscow",
        "FLASK_ADMIN_SWATCH": "default",
        # The largest request: a lesson with its 2,000-character homework is a few KiB; a
        # larger body gets the Russian 413 before any handler reads it (issue 10.4).
        "MAX_CONTENT_LENGTH": 64 * 1024,
    }
