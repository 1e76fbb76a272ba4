"""QR codes made at build time (segno: pure Python) as vector SVG for the page."""
from __future__ import annotations

import functools
from html import escape


@functools.lru_cache(maxsize=1024)
def qr_svg(url: str, label: str) -> str:
    """An inline `<svg>` QR code for `url` in pure black (one plate in print), sized by CSS."""
    import segno

    # error correction M: survives a crease or a smudge on a handed-out brochure, still small for a URL
    code = segno.make(url, error="m", micro=False)
    svg = code.svg_inline(scale=1, border=4, omitsize=True, dark="#000", svgclass="qr-code", lineclass=None)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
