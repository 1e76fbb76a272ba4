"""Where a project's styles come from: its own styles/ folder, else the guidebook's default theme."""
from __future__ import annotations

from pathlib import Path

DEFAULT_STYLES = Path(__file__).resolve().parents[2] / "styles"


def styles_dir(root: Path) -> Path:
    """The project's styles/ if it has the stylesheet files, else the default theme shipped with guidebook."""
    own = root / "styles"
    return own if (own / "print.css").is_file() and (own / "ebook.css").is_file() else DEFAULT_STYLES
