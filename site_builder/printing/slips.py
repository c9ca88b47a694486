"""The diary's credential slips as a printout: six to an A4 sheet, each with the diary's
address, its QR code and the pupil's password (credentials.py decides who gets one)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from .engine import qr_svg, render_pdf

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
SLIPS_PER_ROW, ROWS_PER_PAGE = 2, 3


@dataclass(frozen=True)
class Slip:
    """What one pupil's slip shows."""

    class_name: str
    pupil: str
    address: str
    password: str

    @property
    def qr_svg(self) -> Markup:
        """The address as a QR code, an inline SVG sized by the stylesheet."""
        return qr_svg(self.address)


def slips_html(slips: Sequence[Slip], school: str) -> str:
    """The slips page: six slips on each A4 sheet, two across and three down."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)
    padded = list(slips) + [None] * (-len(slips) % SLIPS_PER_ROW)
    rows = [padded[i:i + SLIPS_PER_ROW] for i in range(0, len(padded), SLIPS_PER_ROW)]
    pages = [rows[i:i + ROWS_PER_PAGE] for i in range(0, len(rows), ROWS_PER_PAGE)]
    return env.get_template("slips.html").render(pages=pages, school=school)


def pdf_bytes(slips: Sequence[Slip], school: str) -> bytes:
    """The slips as a PDF by the printouts' engine; the page carries its own stylesheet."""
    return render_pdf([slips_html(slips, school)], with_print_css=False)[0]
