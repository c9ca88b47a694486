"""`journal serve`: the panel on waitress, a production WSGI server."""
from __future__ import annotations

import click

HOST, PORT = "127.0.0.1", 5000


def serve(host: str = HOST, port: int = PORT, threads: int = 4) -> None:
    """Run the panel until interrupted, telling where to log in."""
    from waitress import serve as waitress_serve

    from models import db

    from . import create_app

    # A pooled PostgreSQL connection per waitress thread: each thread serves one request at
    # a time, and keeps its connection between them (models.database.postgres_pool).
    app = create_app({"DATABASE_CONNECTIONS": threads})
    # Building the views read the database (the audit filter's staff list) in this thread,
    # which serves no request: returned to the pool, its connection is one a thread can use.
    if not db.is_closed():
        db.close()
    click.echo(f"Панель журнала: http://{host}:{port}/ — войдите своим логином. "
               "Остановить: Ctrl+C.")
    # waitress 3 drops X-Forwarded-* headers by default: behind JOURNAL_PROXIES proxies
    # they must reach ProxyFix (see create_app), or every client has the proxy's address.
    waitress_serve(app, host=host, port=port, threads=threads, ident="journal",
                   clear_untrusted_proxy_headers=not app.config["PROXIES"])


@click.command("serve")
@click.option("--host", default=HOST, show_default=True,
              help="Адрес, на котором слушать (0.0.0.0 — для всей школьной сети).")
@click.option("--port", default=PORT, show_default=True, type=click.IntRange(1, 65535),
              help="Порт.")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Сколько запросов обслуживать одновременно.")
def serve_command(host: str, port: int, threads: int) -> None:
    """Запустить панель журнала для сотрудников."""
    from models import database
    from models.panel_lock import panel_lock

    bound = database.bind()
    # Held until the panel exits (or dies): `journal restore` refuses while it is held.
    with panel_lock(bound):
        database.require_current_schema()
        serve(host, port, threads)


def register(group: click.Group) -> None:
    group.add_command(serve_command)
