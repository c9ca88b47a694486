"""Reading a Flask-Admin form the way a browser submits it, to post it back changed."""
from __future__ import annotations

from html.parser import HTMLParser


class AdminForm(HTMLParser):
    """The fields of a Flask-Admin edit form as a browser would submit them."""

    def __init__(self, html: str):
        super().__init__()
        self.fields: dict[str, str] = {}
        self.kinds: dict[str, str] = {}
        self._inside = self._select = self._textarea = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and "admin-form" in (a.get("class") or ""):
            self._inside = True
        if not self._inside:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "hidden"):
            if a.get("type") != "checkbox" or "checked" in a:
                self.fields[name] = a.get("value") or ("y" if a.get("type") == "checkbox"
                                                       else "")
                self.kinds[name] = ("date" if a.get("data-role") == "datepicker"
                                    else a.get("type", "text"))
        elif tag == "select" and name:
            self._select = name
            self.kinds[name] = "select"
        elif tag == "option" and self._select:
            if "selected" in a or self._select not in self.fields:
                self.fields[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea, self.fields[name], self.kinds[name] = name, "", "text"

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def changed(self) -> dict[str, str]:
        """Every field a person can type in, changed: text marked, numbers moved on."""
        out = dict(self.fields)
        for name, kind in self.kinds.items():
            if kind == "text" and out.get(name):
                out[name] += " (взлом)"
            elif kind == "number" and out.get(name):
                out[name] = str(int(out[name]) + 50)
        return out

    def one_change_each(self, day: str):
        """The form with one field changed at a time, each as a person might change it:
        a character added to a text, a number moved on by one, an empty date filled in."""
        for name, kind in self.kinds.items():
            value = self.fields.get(name, "")
            if kind == "text":
                yield {**self.fields, name: value + "1"}
            elif kind == "number" and value:
                number = float(value) if "." in value else int(value)
                yield {**self.fields, name: str(number + 1)}
            elif kind == "date" and not value:
                yield {**self.fields, name: day}
