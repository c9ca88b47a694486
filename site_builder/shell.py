"""The HTML file of one diary page: the encrypted payload inside a shell that holds no
personal data, with the unlock script and CSS inlined and pinned by hash in its CSP.

Inline because a Content-Security-Policy of ``'self'`` does not match anything on
``file://`` pages, and a saved diary must open from a USB stick as well as from the site.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

THEME = Path(__file__).parent / "theme"
TEMPLATE = "diary_shell.html"
SCRIPT = THEME / "static" / "unlock.js"
STYLE = THEME / "static" / "diary.css"
DEFAULT_TITLE = "Электронный дневник"
# Written into d/ by the build: the service worker that keeps an unlocked diary's pages
# (still encrypted) for use with no signal, and the web app manifest with its icon.
OFFLINE = THEME / "offline"
OFFLINE_FILES = ("sw.js", "manifest.webmanifest", "icon.svg")

_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,}")
# Outside JSON strings these never occur, inside them \u escapes mean the same text.
_JSON_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


def csp_hash(text: str) -> str:
    """The CSP source expression that allows exactly this inline script or style."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_security_policy(script: str, style: str) -> str:
    """A policy that allows the one inline script and style and nothing else to load, but
    the site's own service worker and web app manifest (d/sw.js, d/manifest.webmanifest:
    see OFFLINE), which 'self' matches over http(s) only."""
    return (f"default-src 'none'; script-src {csp_hash(script)}; style-src {csp_hash(style)}; "
            "img-src data:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; "
            "form-action 'none'; base-uri 'none'")


def _compact_script(script: str) -> str:
    # Only what is safe without a parser: the header comment, whole-line // comments and
    # indentation (the script has no template literals or multi-line strings).
    script = re.sub(r"\A\s*/\*.*?\*/\s*", "", script, flags=re.DOTALL)
    lines = (line.strip() for line in script.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//"))


def _compact_style(style: str) -> str:
    style = re.sub(r"/\*.*?\*/", "", style, flags=re.DOTALL)
    style = re.sub(r"\s+", " ", style)
    return re.sub(r"\s*([{};,])\s*", r"\1", style).replace(": ", ":").strip()


@functools.cache
def _assets() -> tuple[str, str]:
    """The unlock script and the CSS as inlined: compacted, as they repeat in every page."""
    script = _compact_script(SCRIPT.read_text("utf-8"))
    style = _compact_style(STYLE.read_text("utf-8"))
    # Each of these would end the element early, or confuse the parser, once inlined.
    if any(bad in script.lower() for bad in ("</script", "<script", "<!--")):
        raise RuntimeError(f"{SCRIPT} cannot be inlined")
    if "</style" in style.lower():
        raise RuntimeError(f"{STYLE} cannot be inlined")
    return script, style


@functools.cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(THEME / "templates"), autoescape=True,
                       auto_reload=False)


def embed_json(payload_json: str) -> Markup:
    """JSON text safe inside a ``<script>`` element: no ``<``, ``>`` or ``&`` left in it."""
    json.loads(payload_json)  # refuse anything that is not JSON before it is published
    return Markup(payload_json.translate(_JSON_ESCAPES))


def _days(count: int) -> str:
    if count % 10 == 1 and count % 100 != 11:
        return "день"
    if 2 <= count % 10 <= 4 and not 12 <= count % 100 <= 14:
        return "дня"
    return "дней"


_SLOT = "\x00diary-payload\x00"
_TOKEN_SLOT = "\x00diary-token\x00"


@functools.lru_cache(maxsize=8)
def fixed_shell(title: str = DEFAULT_TITLE, remember_days: int = 30) -> tuple[str, str]:
    """The text of every diary page before and after its payload, with a slot for the token.

    Rendered once, without any pupil: so no pupil's data can be in it, whatever the
    template says, and the build need not look for names in it.
    """
    script, style = _assets()
    note = f"на {remember_days} {_days(remember_days)}; не отмечайте на чужом устройстве"
    html = _environment().get_template(TEMPLATE).render(
        csp=Markup(content_security_policy(script, style)),
        css=Markup(style), script=Markup(script), payload=Markup(_SLOT),
        token=Markup(_TOKEN_SLOT), title=title, remember_days=int(remember_days),
        remember_note=note)
    before, slot, after = html.partition(_SLOT)
    assert slot and _SLOT not in after, "the shell template must hold the payload once"
    return before, after


@functools.lru_cache(maxsize=1024)
def shell_parts(token: str, title: str = DEFAULT_TITLE,
                remember_days: int = 30) -> tuple[str, str]:
    """A pupil's page file before and after its payload: the fixed shell with their token."""
    if not _TOKEN.fullmatch(token):
        raise ValueError(f"Недопустимый адрес дневника: {token!r}")
    before, after = fixed_shell(title, int(remember_days))
    return before.replace(_TOKEN_SLOT, token), after.replace(_TOKEN_SLOT, token)


def assets_version() -> str:
    """Changes when the shell, the unlock script or its CSS change: every page must be
    rewritten then, not only the pages of pupils whose data changed."""
    digest = hashlib.sha256()
    for path in (THEME / "templates" / TEMPLATE, SCRIPT, STYLE):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def render_shell(payload_json: str, token: str, *, title: str = DEFAULT_TITLE,
                 remember_days: int = 30) -> str:
    """The whole HTML file of a diary page around its payload (see site_builder.crypto)."""
    before, after = shell_parts(token, title, int(remember_days))
    return before + str(embed_json(payload_json)) + after  # str: Markup would escape
