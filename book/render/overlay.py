"""Drawing over a PDF page: another page as a Form XObject (its content is copied, not re-parsed), or plain
operators such as crop marks."""
from __future__ import annotations

import pikepdf


def draw_page(target: pikepdf.Page, source: pikepdf.Page, name: str, rect: pikepdf.Rectangle | None = None, *,
              artifact: bool = False) -> None:
    """Draw `source` (a page of any PDF) over `target`, filling `rect` (default: the target's trim box).

    This is pikepdf's add_overlay(), except that the caller names the XObject (add_overlay picks a random
    name, and builds must be byte-identical) and the target's content streams are not merged into one. Pages
    may share one resource dictionary (WeasyPrint's do): give each drawing a name no other page uses.
    `artifact` marks the drawing as a pagination artifact (running heads, folios), outside a tagged PDF's tree.
    """
    form = source.as_form_xobject()
    placed = target.add_resource(form, pikepdf.Name.XObject, pikepdf.Name("/" + name))
    drawing = bytes(target.calc_form_xobject_placement(form, placed, rect or pikepdf.Rectangle(target.trimbox)))
    if artifact:
        drawing = b"/Artifact <</Type /Pagination>> BDC\n" + drawing + b"\nEMC\n"
    draw_over(target, drawing)


def draw_over(target: pikepdf.Page, drawing: bytes) -> None:
    """Append PDF operators to a page, in its default coordinates."""
    # the page's own content may leave its coordinate system changed: keep it between q and Q
    target.contents_add(b"q\n", prepend=True)
    target.contents_add(b"Q\n" + drawing)
