"""Binding the database: SQLite by default, PostgreSQL by DATABASE_URL; its schema."""
from __future__ import annotations

import os
import stat
from pathlib import Path

from peewee import Database, PostgresqlDatabase, SqliteDatabase
from playhouse import db_url
from playhouse.migrations import Runner
from playhouse.pool import PooledDatabase, PooledPostgresqlDatabase

from . import ALL_MODELS
from .base import RuleError, db

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# The environment variables the journal reads: name, default, meaning (all in README).
ENVIRONMENT = [
    ("DATABASE_URL", "sqlite:///$JOURNAL_INSTANCE/journal.sqlite3",
     "the database: sqlite:///path/to/file.sqlite3 or postgresql://user:password@host/dbname"
     " (PostgreSQL through a pool; ?max_connections=N&stale_timeout=S&timeout=S override it)"),
    ("JOURNAL_INSTANCE", "instance",
     "the private folder for the SQLite database, secrets and printouts; never published"),
    ("JOURNAL_OUTPUT", "output",
     "the folder the site is built into: output/site points at the current build"),
    ("JOURNAL_TODAY", "the school's clock",
     "pin the school's date (YYYY-MM-DD) for tests and training; unset in production"),
    ("JOURNAL_BACKUP_PASSPHRASE", "unset",
     "the passphrase `journal backup` encrypts with and `journal restore` decrypts with when"
     " no --key-file or --passphrase-file is given (for cron; never on the command line)"),
]
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10_000,
    "synchronous": "normal",
    "cache_size": -32_000,
}
# A pooled PostgreSQL connection this old is closed when next taken or returned, so no
# server process lives (and grows its caches) for days; one that died meanwhile (a server
# restart, a firewall dropping idle connections) fails the pool's check when taken and is
# replaced, so no request gets it.
POOL_STALE_SECONDS = 600
# A request finding every connection in use waits this long for one rather than failing.
POOL_WAIT_SECONDS = 30


def instance_path() -> Path:
    """The private folder for the database, secrets and printouts (JOURNAL_INSTANCE)."""
    return Path(os.environ.get("JOURNAL_INSTANCE", "instance"))


def database_url() -> str:
    """DATABASE_URL, or the SQLite file in the instance folder."""
    default = f"sqlite:///{instance_path() / 'journal.sqlite3'}"
    return os.environ.get("DATABASE_URL") or default


def open_database(url: str, connections: int | None = None) -> Database:
    """A peewee database for the URL; SQLite gets WAL, foreign keys and a busy timeout,
    PostgreSQL a pool of at most `connections` connections (None: as many as asked for)."""
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        if path != ":memory:":
            keep_private(Path(path))
        return SqliteDatabase(path, pragmas=SQLITE_PRAGMAS)
    if url.split(":", 1)[0] not in ("postgres", "postgresql", "postgres+pool", "postgresql+pool"):
        raise RuleError(f"Неподдерживаемый адрес базы данных: {url.split(':', 1)[0]}. "
                        "Используйте sqlite:///файл или postgresql://…")
    return postgres_pool(url, connections)


def postgres_pool(url: str, connections: int | None) -> PooledPostgresqlDatabase:
    """PostgreSQL through peewee's pool; the URL's query options (the pool's or libpq's) win.

    Without it every request opened and closed its own connection (a new backend process
    each time). A connection goes back to the pool when closed, so the panel's connection
    per request (init_app) becomes a connection per server thread, kept between requests.
    """
    params = {"max_connections": connections, "stale_timeout": POOL_STALE_SECONDS,
              "timeout": POOL_WAIT_SECONDS, **db_url.parse(url)}
    if not params["database"]:
        raise RuleError("В адресе базы данных PostgreSQL нет имени базы: "
                        "postgresql://пользователь:пароль@сервер/база.")
    return PooledPostgresqlDatabase(**params)


def keep_private(path: Path) -> None:
    """Make the SQLite file readable by its owner only, before SQLite opens it.

    It holds every diary's key. SQLite would create it 0644 (under the usual umask) and
    gives its -wal and -shm files the database file's mode, so the file is created 0600
    here, and one left readable by an older version is closed.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        return  # an empty file is an empty database to SQLite
    except FileExistsError:
        pass
    except OSError:
        return  # a folder we cannot write: SQLite will say so when it opens the file
    for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
        try:
            mode = stat.S_IMODE(path.with_name(name).stat().st_mode)
            if mode & 0o077:
                os.chmod(path.with_name(name), mode & 0o700)
        except OSError:
            pass  # missing, or another account's file: not ours to change


def bind(url: str | None = None, connections: int | None = None) -> Database:
    """Bind the models' proxy to the database at the URL (default: database_url())."""
    database = open_database(url or database_url(), connections)
    previous = db.obj
    db.initialize(database)
    if isinstance(previous, PooledDatabase):
        # Nothing reaches the old binding any more: its pooled connections would stay open
        # (on the server too) for the life of the process.
        previous.close_all()
    return database


def init_app(app) -> None:
    """Bind for a Flask app: a connection per request, closed (returned to the pool) on
    teardown; DATABASE_CONNECTIONS bounds the pool, `journal serve` sets it to its threads."""
    bind(app.config.get("DATABASE_URL") or None, app.config.get("DATABASE_CONNECTIONS"))

    @app.before_request
    def connect() -> None:
        db.connect(reuse_if_open=True)

    @app.teardown_appcontext
    def close(exc) -> None:
        if not db.is_closed():
            db.close()


def reset_sequences() -> None:
    """After rows were inserted with explicit ids, move PostgreSQL's id sequences past them."""
    if isinstance(db.obj, PostgresqlDatabase):
        existing = set(db.get_tables())
        for model in ALL_MODELS:
            table = model._meta.table_name
            if table not in existing:
                continue  # a table a later migration adds
            db.execute_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)")


def _runner() -> Runner:
    return Runner(db.obj, directory=str(MIGRATIONS_DIR))


def schema_status() -> tuple[int, int]:
    """(applied, known) migrations; applied is 0 for an empty database."""
    status = _runner().status()
    return sum(1 for m in status if m.applied), len(status)


def require_current_schema() -> None:
    """Refuse to work on a database an older version made, saying what to run."""
    if is_empty():
        raise RuleError("База данных пуста: выполните journal init или journal demo.")
    applied, known = schema_status()
    if applied < known:
        raise RuleError(f"Схема базы данных устарела (версия {applied}, нужна {known}): "
                        "выполните journal migrate.")


def is_empty() -> bool:
    return not any(m._meta.table_name in db.get_tables() for m in ALL_MODELS)


def create_schema() -> None:
    """Create every table of an empty database and record all migrations as applied."""
    if not is_empty():
        raise RuleError("База данных уже создана. Для обновления схемы выполните journal migrate.")
    with db.atomic():
        db.create_tables(ALL_MODELS)
        _runner().fake()


def migrate() -> list[str]:
    """Apply pending migrations in order, each in a transaction; returns their names.

    The runner's migration context turns SQLite's foreign keys off while a migration runs,
    so a table rebuilt by a migration does not cascade-delete its children.
    """
    if is_empty():
        raise RuleError("База данных пуста. Сначала выполните journal init.")
    return _runner().up()

