"""What the back cover's contact block shows: links, the logo, the QR code (book/render/qr.py)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..load.branding import Branding
from .qr import qr_svg

# The logo's printed box on the back cover; styles/print.css (.contact-logo) uses the same numbers.
LOGO_HEIGHT_MM = 18
LOGO_MAX_WIDTH_MM = 60
PRINT_DPI = 300  # what print shops ask for; below it a raster logo prints blurred


@dataclass(frozen=True)
class BackCover:
    """The contact block's values, ready for the layout."""

    branding: Branding
    logo: str  # path relative to the project, '' for none
    tel: str  # tel: link
    mailto: str
    website: str
    qr_url: str
    qr_svg: str  # an inline <svg>, vector


def back_cover(branding: Branding | None, root: Path, book_url: str) -> BackCover | None:
    """The back cover's contents for one contact block (None when the edition has none)."""
    if branding is None:
        return None
    qr_url = branding.qr or book_url
    return BackCover(
        branding=branding,
        logo=branding.logo.relative_to(root).as_posix() if branding.logo else "",
        tel="tel:" + re.sub(r"[^0-9+]", "", branding.phone) if branding.phone else "",
        mailto="mailto:" + branding.email if branding.email else "",
        website=branding.website,
        qr_url=qr_url,
        qr_svg=qr_svg(qr_url, f"QR code: {qr_url}") if qr_url else "")


def logo_dpi(path: Path) -> float | None:
    """The resolution a raster logo prints at in its box on the back cover (None for a vector logo)."""
    if path.suffix.lower() == ".svg":
        return None
    from PIL import Image  # Pillow comes with WeasyPrint

    with Image.open(path) as image:
        width, height = image.size
    # the logo is scaled to LOGO_HEIGHT_MM tall unless that makes it wider than LOGO_MAX_WIDTH_MM
    printed_height_mm = min(LOGO_HEIGHT_MM, LOGO_MAX_WIDTH_MM * height / width)
    return height / (printed_height_mm / 25.4)


def logo_warnings(config) -> list[str]:
    """'path: warning' for each raster logo that prints below PRINT_DPI."""
    warnings, seen = [], set()
    for edition in config.editions:
        for branding in edition.clinics or ([edition.branding] if edition.branding else []):
            if not branding.logo or branding.logo in seen:
                continue
            seen.add(branding.logo)
            dpi = logo_dpi(branding.logo)
            if dpi is not None and dpi < PRINT_DPI:
                name = branding.logo.relative_to(config.root).as_posix()
                warnings.append(f"{name}: warning: the logo prints at {dpi:.0f} dpi on the back cover "
                                f"({LOGO_HEIGHT_MM} mm tall; print shops want {PRINT_DPI} dpi: use an SVG or a PNG "
                                f"at least {round(LOGO_HEIGHT_MM / 25.4 * PRINT_DPI)} pixels tall)")
    return warnings
