"""Admonitions (`!!! note`, GitHub's alerts, Quarto's callouts) titled in the book's language."""
from __future__ import annotations

from ..infra.i18n import Messages

# The kinds GitHub's alerts and Quarto's callouts have, whose titles every catalogue translates (admonition_note, ...)
KINDS = ("note", "tip", "important", "warning", "caution")


def localize_admonition_titles(body, t: Messages) -> None:
    """An admonition's default title, the English word Python-Markdown writes for its kind ("Note"), in the
    book's language ("참고"), as Quarto does. A title the author wrote stays as written. Changes `body` in place
    (assemble's own copy)."""
    for title in body.iter("p"):
        box = title.getparent()
        if title.get("class") != "admonition-title" or box is None or len(title):
            continue
        classes = box.get("class", "").split()
        kind = next((k for k in KINDS if k in classes), None)
        if "admonition" in classes and kind and (title.text or "").strip() == kind.capitalize():
            title.text = t(f"admonition_{kind}")
