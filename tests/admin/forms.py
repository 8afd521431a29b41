"""What a browser would submit for an admin page's form, as it stands (values and selections
the page rendered), so a test changes only the fields it names."""

from __future__ import annotations

from html.parser import HTMLParser

SKIPPED_INPUTS = {"submit", "button", "image", "reset", "file"}


class _FormReader(HTMLParser):
    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.values: dict[str, list[str]] = {}
        self._select: tuple[str, bool] | None = None  # name, multiple
        self._first_option: str | None = None
        self._selected = False
        self._textarea: str | None = None

    def _add(self, name: str, value: str) -> None:
        self.values.setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value if value is not None else "" for key, value in attrs}
        if tag == "form" and a.get("id") == self.form_id:
            self.inside = True
        if not self.inside or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type", "text") not in SKIPPED_INPUTS:
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(name, a.get("value", "on"))
            else:
                self._add(name, a.get("value", ""))
        elif tag == "select" and name:
            self._select, self._first_option, self._selected = (name, "multiple" in a), None, False
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self._selected = True
                self._add(self._select[0], value)
        elif tag == "textarea" and name:
            self._textarea = name
            self._add(name, "")

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea][-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea:
            value = self.values[self._textarea][-1]
            self.values[self._textarea][-1] = value.removeprefix("\n")
            self._textarea = None
        elif tag == "select" and self._select:
            name, multiple = self._select
            if not self._selected and not multiple and self._first_option is not None:
                self._add(name, self._first_option)
            self._select = None


def form_values(html: str, form_id: str) -> dict[str, list[str]]:
    reader = _FormReader(form_id)
    reader.feed(html)
    assert reader.values, f"no form {form_id!r} on the page"
    return reader.values
