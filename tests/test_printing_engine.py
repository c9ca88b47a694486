"""The printouts' one reach into WeasyPrint's private side (engine.lean_document_class):
these tests fail loudly when a WeasyPrint upgrade changes what the override relies on."""
from __future__ import annotations

import inspect
import io
from importlib.resources import files

import weasyprint
from pypdf import PdfReader
from weasyprint import HTML

from site_builder.printing import engine

UPGRADE = (f"WeasyPrint {weasyprint.__version__}: site_builder/printing/engine.py "
           "lean_document_class overrides the private HTML._ua_stylesheets(self, forms=False)")

# A list item that is not an <li>, and one that is, in upper case: WeasyPrint's own
# stylesheet keeps every marker's case (`::marker { text-transform: none }`); the lean one
# keeps it for <li> only, so the first marker is upper-cased where the override is used.
MARKERS = ("<div style=\"display: list-item; list-style: inside 'абв '; "
           "text-transform: uppercase\">текст</div>"
           "<ul style='text-transform: uppercase'><li style=\"list-style: inside 'где '\">"
           "пункт</li></ul>")


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_weasyprint_still_has_the_method_the_engine_overrides():
    original = getattr(HTML, "_ua_stylesheets", None)
    assert callable(original), (
        f"{UPGRADE}, and HTML has no such method any more: the override is ignored and "
        "every printout is styled with the full user-agent stylesheet. Find WeasyPrint's "
        "new way to the user-agent stylesheet (or a public setting) and move the override.")
    params = list(inspect.signature(original).parameters)
    assert params == ["self", "forms"], (
        f"{UPGRADE}, and its parameters are now {params}: make the override take the same.")
    lean = engine.lean_document_class()
    assert lean is not HTML and "_ua_stylesheets" in vars(lean), (
        f"{UPGRADE}, but lean_document_class fell back to WeasyPrint's own HTML class: "
        "is html5_ua.css still in the weasyprint.css package?")
    assert list(inspect.signature(lean._ua_stylesheets).parameters) == params, (
        f"{UPGRADE}: the override's parameters differ from WeasyPrint's.")


def test_the_user_agent_stylesheet_still_has_the_rules_the_lean_one_drops():
    ua = (files("weasyprint.css") / "html5_ua.css").read_text("utf-8")
    lean = engine.lean_user_agent_css(ua)
    for rule in ("::footnote-call", "::footnote-marker", "::note-call", "::marker"):
        assert rule in ua, f"WeasyPrint {weasyprint.__version__}'s html5_ua.css has no " \
            f"{rule} rule: check what lean_user_agent_css still removes."
        assert f"\n{rule}" not in lean, f"lean_user_agent_css kept the {rule} rule"
    assert "li::marker" in lean


def test_a_printout_is_rendered_with_the_lean_stylesheet():
    own = text_of(HTML(string=MARKERS).write_pdf())
    assert "абв ТЕКСТ" in own and "где ПУНКТ" in own, (
        f"WeasyPrint {weasyprint.__version__} renders list markers differently: "
        f"update MARKERS in this test ({own!r})")
    for with_print_css in (True, False):
        lean = text_of(engine.render_pdf([MARKERS], with_print_css=with_print_css)[0])
        assert "АБВ ТЕКСТ" in lean and "где ПУНКТ" in lean, (
            f"{UPGRADE}, and the engine's documents are no longer styled with the lean "
            f"stylesheet: WeasyPrint no longer calls the method, or calls it differently "
            f"({lean!r})")


def test_pdf_forms_keep_weasyprint_own_stylesheets():
    document = engine.lean_document_class()(string="<p>x</p>")
    assert document._ua_stylesheets(forms=True) == HTML(string="<p>x</p>")._ua_stylesheets(
        forms=True)
