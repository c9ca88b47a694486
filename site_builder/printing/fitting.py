"""Weekly sheets in the largest type that keeps each on one page (issue 15.1).

A sheet laid out on one page shows by its end's place how much room is left; from that
follows about the largest size it would fill the page at, and it is tried in that size; a
sheet that runs onto a second page is tried a step smaller, down to 9 pt (the floor: a
sheet too long for one page there flows onto a second rather than shrinking further). The
first sheet of a part starts at the floor (and a step above the size its room gives is
tried too), the others (mostly alike: one class's week) at the size the first took, so
most sheets cost one layout; sheets tried at one size are laid out together.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .engine import _collector_paused, _document, render_pooled

# Type sizes of a sheet's body in points, largest first; the last is the floor.
SIZES = (11.0, 10.5, 10.0, 9.5, 9.0)
# In the HTML of a part to fit: the marker before each sheet, the one after the last, and
# the size in each sheet's own style attribute (its first attribute, before any text).
SHEET, END, SIZE = "<!--sheet-->", "<!--/sheets-->", "@SIZE@"
# The page's bottom margin (print.css, @page) in CSS pixels: where a sheet's room ends.
BOTTOM_MARGIN = 10 / 25.4 * 96
# A sheet's height grows about as the type size to this power: the columns keep their
# widths in millimetres, so larger type wraps onto more lines (measured on the demo's
# weeks: 2.3 to 2.7 from 9 to 10 pt). A little less, so that a try errs on the large side.
GROWTH = 2.2


@dataclass
class FitPart:
    """A document of sheets cut at the markers: what comes before them, each sheet with
    its size left open, and what comes after."""

    head: str
    sheets: list[str]
    tail: str

    @classmethod
    def cut(cls, html: str) -> FitPart:
        head, _, rest = html.partition(SHEET)
        body, _, tail = rest.partition(END)
        return cls(head, body.split(SHEET), tail)

    def document(self, indexes: list[int], size: float) -> str:
        """The sheets named by index, set in `size` points."""
        return self.head + "".join(self.sheets[i].replace(SIZE, f"{size:g}pt", 1)
                                   for i in indexes) + self.tail


def sheet_pages(pages: list) -> list[list]:
    """A document's pages by sheet: each sheet starts a page with its bookmark."""
    sheets: list[list] = []
    for page in pages:
        if page.bookmarks or not sheets:
            sheets.append([])
        sheets[-1].append(page)
    return sheets


def room_for(i: int, page, size: float) -> float:
    """The size to try sheet i (one page at `size`) in first: the largest its height, grown
    by GROWTH, would still fit the page at (a try that does not fit goes a step smaller).
    The anchors are boxes (x, y, x2, y2): the sheet's top and the place of its end."""
    top, end = page.anchors.get(f"sheet-{i}"), page.anchors.get(f"sheet-end-{i}")
    if top is None or end is None or end[1] <= top[1]:
        return size
    room = (page.height - BOTTOM_MARGIN - top[1]) / (end[1] - top[1])
    return next((s for s in SIZES if s <= size * room ** (1 / GROWTH)), size)


class Fitting:
    """The sizes tried for each sheet of a part: the largest that fitted with its pages,
    the smallest that did not."""

    def __init__(self, part: FitPart):
        self.part, self.first = part, None
        self.probing = True  # the first sheet: a step above its room's size is tried too
        self.best: dict[int, tuple[float, list]] = {}
        self.over: dict[int, float] = {}

    def settle(self, wanted: dict[int, float]) -> None:
        """Lay out the sheets at their sizes to try, those of one size together, until
        each has its size."""
        while wanted:
            size = max(wanted.values())
            indexes = [i for i, s in wanted.items() if s == size]
            document = _document(self.part.document(indexes, size))
            self.first = self.first or document
            for i, pages in zip(indexes, sheet_pages(document.pages), strict=True):
                del wanted[i]
                following = self.laid(i, size, pages)
                if following is not None:
                    wanted[i] = following

    def laid(self, i: int, size: float, pages: list) -> float | None:
        """Note sheet i laid out at `size`; the size to try next, or None when settled."""
        if len(pages) == 1 or size == SIZES[-1]:
            self.best[i] = (size, pages)
        if len(pages) == 1:  # larger, if its room says it would fit
            larger = room_for(i, pages[0], size)
            if self.probing and larger <= size < SIZES[0]:
                larger = SIZES[SIZES.index(size) - 1]
            return larger if size < larger < self.over.get(i, SIZES[0] + 1) else None
        self.over[i] = size
        if size == SIZES[-1]:  # the floor: it flows onto a second page
            return None
        smaller = SIZES[SIZES.index(size) + 1]
        return None if i in self.best and self.best[i][0] >= smaller else smaller


def fitted(part: FitPart) -> tuple[object, list]:
    """The part laid out sheet by sheet in the largest size that keeps it on one page (the
    floor otherwise): (a document to write them with, the pages in the sheets' order). The
    first sheet's size is found from the floor up, a step above it tried; the others, mostly
    alike (one class's week), start at that size and go by their room."""
    fitting = Fitting(part)
    fitting.settle({0: SIZES[-1]})
    fitting.probing = False
    fitting.settle({i: fitting.best[0][0] for i in range(1, len(part.sheets))})
    return fitting.first, [page for i in range(len(part.sheets))
                           for page in fitting.best[i][1]]


def fit_part(part: FitPart) -> tuple[bytes, int]:
    """One part as PDF bytes and its page count: the work of a worker process."""
    with _collector_paused():
        document, pages = fitted(part)
        return document.copy(pages).write_pdf(), len(pages)


def render_fitted(parts: Iterable[FitPart], count: int, workers: int,
                  done: Callable[[int], None] | None = None) -> tuple[bytes, int]:
    """`count` parts as one PDF and its page count, in worker processes when more than
    one; `done(i)` after part i (engine.render_parts with fitting)."""
    workers = min(workers, count)
    if workers <= 1:
        with _collector_paused():
            document, pages = None, []
            for i, part in enumerate(parts):
                first, laid = fitted(part)
                document = document or first
                pages += laid
                if done:
                    done(i)
            return document.copy(pages).write_pdf(), len(pages)
    return render_pooled(fit_part, parts, workers, done)
