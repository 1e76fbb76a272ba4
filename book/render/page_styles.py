"""Pages matched by the same @page rules share their computed styles, instead of WeasyPrint computing them anew
for every page.

WeasyPrint 70 gives each page a page type of its own (its index is part of it, for :nth()), and for each it
gathers the matching @page declarations and makes new computed styles for the page and its 16 margin boxes,
whose values are then computed again, one property at a time, as the page is laid out. Pages that the same
@page selectors match get the same declarations, from the same root element: the same values. So the first
page with a set of matching selectors computes them, and the later ones reuse its styles. The running heads
of 288 pages took 0.93 s to lay out, 0.53 s with this; the PDFs are byte for byte the same
(tests/test_units.py compares them on pages matched by :first, :left, :right, :blank, :nth() and named
pages).

Not before the first page is made: WeasyPrint resolves viewport units in @page rules with the first page's
size, known only once it is made, so the first page's styles are never reused.
"""
from __future__ import annotations

_PATCHED = False
_computed_anew = None  # WeasyPrint's own set_page_type_computed_styles (tests compare with it)


def share_page_styles() -> None:
    """Install the sharing in weasyprint.layout.page (idempotent; call before laying out)."""
    global _PATCHED, _computed_anew
    if _PATCHED:
        return
    import weasyprint.layout.page as page_module

    computed_anew = _computed_anew = page_module.set_page_type_computed_styles

    def set_page_type_computed_styles(page_type, html, style_for):
        if style_for.initial_page_sizes["box"] is None:  # (the first page: see the module docstring)
            computed_anew(page_type, html, style_for)
            return
        matched = [(selector, pseudo_type)
                   for sheet, _, _ in style_for._sheets for _, selectors, _ in sheet.page_rules
                   for selector in selectors
                   for _, pseudo_type, page_selector_type in [selector]
                   if style_for._page_type_match(page_selector_type, page_type)]
        # (the selectors live as long as the stylesheets, and so as long as style_for: their ids are a key)
        key = tuple(id(selector) for selector, _ in matched)
        earlier_types = style_for.__dict__.setdefault("_guidebook_page_types", {})
        earlier = earlier_types.get(key)
        if earlier is None:
            computed_anew(page_type, html, style_for)
            earlier_types[key] = page_type
            return
        computed = style_for.get_computed_styles()
        for pseudo_type in {None} | {pseudo_type for _, pseudo_type in matched}:
            if (earlier, pseudo_type) in computed:
                computed[page_type, pseudo_type] = computed[earlier, pseudo_type]

    page_module.set_page_type_computed_styles = set_page_type_computed_styles
    _PATCHED = True
