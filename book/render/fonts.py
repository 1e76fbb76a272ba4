"""Only the book's own fonts: fontconfig is pointed at styles/fonts before WeasyPrint loads."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

CONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>{fonts}</dir>
  <cachedir>{cache}</cachedir>
</fontconfig>
"""


def isolate_fonts(fonts_dir: Path) -> None:
    """Make fontconfig see `fonts_dir` and nothing else, so no machine's fonts slip into a PDF.

    Fontconfig reads this once per process, so it must run before the first WeasyPrint import;
    a glyph the book's fonts lack then shows as a missing-glyph box instead of a system font.
    """
    if os.environ.get("GUIDEBOOK_SYSTEM_FONTS") or "FONTCONFIG_FILE" in os.environ:
        return
    folder = Path(tempfile.mkdtemp(prefix="guidebook-fonts-"))
    config = folder / "fonts.conf"
    config.write_text(CONFIG.format(fonts=escape(str(fonts_dir.resolve())), cache=escape(str(folder / "cache"))))
    os.environ["FONTCONFIG_FILE"] = str(config)
