"""Security headers of every panel response, the Content-Security-Policy's nonce among them."""
from __future__ import annotations

import base64
import hashlib
import secrets

from flask import Flask, g
from flask_login import current_user

# The inline handlers Flask-Admin 2.2's list pages write (the filter menu, a row's delete
# confirmation, the bulk «Удалить»); the policy allows these exact texts by hash
# ('unsafe-hashes', CSP 3) and no other handler. A test checks every page against it.
FLASK_ADMIN_HANDLERS = (
    "return false;",
    "return faHelpers.safeConfirm('Вы уверены что хотите удалить эту запись?');",
    "return modelActions.execute('delete');",
)
HANDLER_HASHES = " ".join(
    f"'sha256-{base64.b64encode(hashlib.sha256(h.encode()).digest()).decode()}'"
    for h in FLASK_ADMIN_HANDLERS)
# Scripts only from the panel's own origin or carrying this response's nonce: no other
# inline code, handler or javascript: link runs (an injected one neither). Styles
# likewise: every style of the panel and of Flask-Admin's theme is a file.
POLICY = ("default-src 'self'; script-src 'self' 'nonce-{nonce}' 'unsafe-hashes' "
          + HANDLER_HASHES + "; style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; "
          "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
          "form-action 'self'; frame-ancestors 'none'")


def csp_nonce() -> str:
    """This response's nonce, made on first use: templates write it on inline scripts."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def security_headers(response):
    """After every request: the policy, and no sniffing, framing or caching of pages."""
    response.headers.setdefault("Content-Security-Policy", POLICY.format(nonce=csp_nonce()))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if current_user.is_authenticated:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(security_headers)
