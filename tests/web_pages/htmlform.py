"""Read an HTML form the way a browser submits it (successful controls only), so tests post
exactly what a person who changed nothing would send."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, form_action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_action = form_action
        self.inside = False
        self.pairs: list[tuple[str, str]] = []
        self._select: str | None = None
        self._select_value: str | None = None
        self._select_first: str | None = None
        self._option_value: str | None = None
        self._option_text = ""
        self._option_selected = False
        self._textarea: str | None = None
        self._textarea_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.inside = a.get("action") == self.form_action and not self.pairs
            return
        if not self.inside:
            return
        if tag == "input":
            kind = a.get("type", "text")
            name = a.get("name")
            if not name or kind in ("submit", "button", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.pairs.append((name, a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select":
            self._select = a.get("name")
            self._select_value = None
            self._select_first = None
        elif tag == "option" and self._select is not None:
            self._option_value = a.get("value")
            self._option_text = ""
            self._option_selected = "selected" in a
        elif tag == "textarea":
            self._textarea = a.get("name")
            self._textarea_text = ""

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea_text += data
        elif self._option_value is not None or self._select is not None:
            self._option_text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        if not self.inside and tag != "form":
            return
        if tag == "option" and self._select is not None:
            value = self._option_value if self._option_value is not None else self._option_text
            if self._select_first is None:
                self._select_first = value
            if self._option_selected:
                self._select_value = value
            self._option_value = None
        elif tag == "select" and self._select is not None:
            chosen = self._select_value if self._select_value is not None else self._select_first
            if chosen is not None:
                self.pairs.append((self._select, chosen))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = self._textarea_text
            if text.startswith("\n"):
                text = text[1:]
            self.pairs.append((self._textarea, text))
            self._textarea = None


def form_fields(html: str, action: str) -> list[tuple[str, str]]:
    """The (name, value) pairs the first form posting to ``action`` submits as rendered."""
    reader = _FormReader(action)
    reader.feed(html)
    reader.close()
    return reader.pairs
