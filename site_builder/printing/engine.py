"""The one WeasyPrint engine of every printout: print templates to HTML, HTML to PDF.

The system's DejaVu fonts and nothing fetched; the print stylesheet parsed once per process;
big batches rendered in worker processes and joined with pypdf.
"""
from __future__ import annotations

import gc
import io
import multiprocessing
import os
import re
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import segno
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "print"
# Parallel rendering uses at most this many processes.
MAX_WORKERS = 4
# Smaller batches are rendered in this process: starting workers would cost more than it saves.
PARALLEL_FROM = 12

# Indentation after a line break: the same white space to HTML, but less to parse.
_INDENT = re.compile(r"\n[ \t]+")
# White space before a table part or a section's tag shows nothing: not given to WeasyPrint.
_BEFORE_BLOCK = re.compile(r">\s+(?=</?(?:table|thead|tbody|tr|th|td|colgroup|col|section|"
                           r"header)[\s>])")


def qr_svg(address: str) -> Markup:
    """An address as a QR code, an inline SVG sized by the stylesheet."""
    return Markup(segno.make(address, error="m").svg_inline(scale=1, border=2, omitsize=True))


@lru_cache(maxsize=1)
def print_css() -> str:
    """The print stylesheet (templates/print/print.css)."""
    return (TEMPLATES / "print.css").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The print templates; HTML for a browser gets the stylesheet inlined (nothing fetched).
    What a single printout's template needs besides comes with its context."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals.update(css=Markup(print_css()))
    return env


def render_html(template: str, for_pdf: bool = False, **context) -> str:
    """A print template as HTML. For WeasyPrint (`for_pdf`) without the inlined stylesheet:
    render_pdf gives it the same stylesheet, parsed once per process."""
    if for_pdf:
        context["css"] = ""
    html = _INDENT.sub("\n", environment().get_template(template).render(**context))
    return _BEFORE_BLOCK.sub(">", html) if for_pdf else html


def notice_html(title: str, text: str, for_pdf: bool = False) -> str:
    """A one-page document that says why there is nothing to print."""
    return render_html("notice.html", for_pdf, title=title, text=text)


def lean_user_agent_css(css: str) -> str:
    """WeasyPrint's HTML user-agent stylesheet without the rules that give every element
    footnote and note pseudo-elements, and with list markers only for <li>. Printouts use
    neither, and WeasyPrint works out a style for each such pseudo-element of each element:
    six extra styles per element, a good part of the styling time of a long batch. (An
    element with `float: footnote` fails to lay out without them: the print templates have
    none, and teachers' Markdown reaches them without styles.)"""
    css = re.sub(r"^::(?:footnote|note)-[\w-]+\s*\{[^}]*\}[ \t]*$", "", css, flags=re.M)
    return re.sub(r"^::marker\b", "li::marker", css, flags=re.M)


def lean_document_class() -> type:
    """WeasyPrint's HTML class with the lean user-agent stylesheet (lean_user_agent_css), or
    WeasyPrint's own HTML class where the lean one cannot be put in.

    The one place the printouts reach into WeasyPrint's private side. WeasyPrint has no
    public setting for its user-agent stylesheet (HTML.render's `stylesheets` are added to
    it, not put in its place), so the class overrides `HTML._ua_stylesheets(self,
    forms=False)`, which weasyprint.css calls for every document (WeasyPrint 68 to 70). It
    saves WeasyPrint working out footnote, note and marker styles for every element of
    every sheet: a good part of the styling time of a long batch. If WeasyPrint renames
    the method, this override would silently be ignored (slower, never wrong), so
    tests/test_printing_engine.py fails loudly when the method goes, its parameters change
    or a rendered document stops showing the override's effect."""
    from importlib.resources import files

    from weasyprint import CSS, HTML
    from weasyprint.css.counters import CounterStyle

    if not callable(getattr(HTML, "_ua_stylesheets", None)):
        return HTML
    try:
        ua = (files("weasyprint.css") / "html5_ua.css").read_text("utf-8")
    except OSError:  # another WeasyPrint layout: its own stylesheet, a little slower
        return HTML
    lean = CSS(string=lean_user_agent_css(ua), counter_style=CounterStyle())

    class LeanHTML(HTML):
        """HTML with the lean user-agent stylesheet; PDF forms (no printout asks for them)
        keep WeasyPrint's own stylesheets."""

        def _ua_stylesheets(self, forms=False):
            return super()._ua_stylesheets(forms) if forms else [lean]

    return LeanHTML


@lru_cache(maxsize=1)
def _weasyprint():
    """The HTML class (lean_document_class) and the print stylesheet, made once per process
    (forked workers inherit them): (HTML class, stylesheet)."""
    from weasyprint import CSS

    return lean_document_class(), CSS(string=print_css())


# Fonts of this process: WeasyPrint's font configuration holds fontconfig and Pango state,
# so a forked worker makes its own rather than use its parent's.
_FONTS: dict[int, object] = {}


def _fonts():
    """This process's WeasyPrint font configuration, made once (system fonts only)."""
    from weasyprint.text.fonts import FontConfiguration

    pid = os.getpid()
    if pid not in _FONTS:
        _FONTS.clear()
        _FONTS[pid] = FontConfiguration()
    return _FONTS[pid]


def _document(html: str, with_print_css: bool = True):
    """WeasyPrint's layout of HTML made `for_pdf`, with the print stylesheet (unless the
    document brings its own) and the system's fonts; nothing is fetched."""
    from weasyprint.urls import URLFetcher

    document_class, stylesheet = _weasyprint()
    return document_class(string=html, url_fetcher=URLFetcher(allowed_protocols=())).render(
        font_config=_fonts(), stylesheets=[stylesheet] if with_print_css else [])


@contextmanager
def _collector_paused():
    """Python's cycle collector paused while WeasyPrint works: layout makes objects by the
    hundred thousand, and a collection every 700 of them cost a tenth of the time. Few are
    in cycles (a 60-sheet part grows by a few megabytes); they go at a later collection."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def render_pdf(documents: Iterable[str], done: Callable[[int], None] | None = None,
               with_print_css: bool = True) -> tuple[bytes, int]:
    """HTML documents made `for_pdf` as one PDF (each from a new page) and its page count,
    in this process; documents with a stylesheet of their own go `with_print_css=False`."""
    with _collector_paused():
        rendered = []
        for i, html in enumerate(documents):
            rendered.append(_document(html, with_print_css))
            if done:
                done(i)
        if not rendered:
            return b"", 0
        pages = [page for document in rendered for page in document.pages]
        return rendered[0].copy(pages).write_pdf(), len(pages)


def render_part(html: str) -> tuple[bytes, int]:
    """One HTML document as PDF bytes and its page count: the work of a worker process."""
    with _collector_paused():
        document = _document(html)
        return document.write_pdf(), len(document.pages)


def merge_pdfs(parts: list[bytes]) -> bytes:
    """PDFs joined into one, in order (pypdf)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for data in parts:
        writer.append(PdfReader(io.BytesIO(data)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def worker_count(sheets: int) -> int:
    """Processes to render in: one per CPU (up to MAX_WORKERS) for a batch big enough to pay
    for starting them, and one without pypdf to join their files."""
    try:
        import pypdf  # noqa: F401
    except ImportError:
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(MAX_WORKERS, cpus or 1)) if sheets >= PARALLEL_FROM else 1


def _pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes: forked at once from a single-threaded process such as the CLI, after
    WeasyPrint is imported and the stylesheets parsed here, for them to inherit; else (the
    threaded panel) from a clean fork server, as forking threads may copy held locks."""
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        _weasyprint()
        context = multiprocessing.get_context("fork")
    else:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["weasyprint", __name__])
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


def render_parts(parts: Iterable[str], count: int, workers: int,
                 done: Callable[[int], None] | None = None) -> tuple[bytes, int]:
    """`count` HTML documents made `for_pdf` as one PDF and its page count, in worker
    processes; `done(i)` after part i. The parts may be a generator: the workers start on
    the first while the next are made."""
    workers = min(workers, count)
    if workers <= 1:
        return render_pdf(parts, done)
    return render_pooled(render_part, parts, workers, done)


def render_pooled(work: Callable[[object], tuple[bytes, int]], parts: Iterable, workers: int,
                  done: Callable[[int], None] | None = None) -> tuple[bytes, int]:
    """`work` (a module-level function: part → PDF bytes and page count) on each part in
    `workers` processes, the PDFs joined in order; `done(i)` after part i."""
    pdfs, pages = [], 0
    with _pool(workers) as pool:
        for i, (data, n) in enumerate(pool.map(work, parts)):
            pdfs.append(data)
            pages += n
            if done:
                done(i)
    return merge_pdfs(pdfs), pages
