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


def isolate_fonts(fonts_dir: Path, cache_dir: Path | None = None) -> None:
    """Make fontconfig see `fonts_dir` and nothing else, so no machine's fonts slip into a PDF.

    The configuration is written to `cache_dir` (the project's .cache/fontconfig). Fontconfig reads it once
    per process, so this must run before the first WeasyPrint import;
    a glyph the book's fonts lack then shows as a missing-glyph box instead of a system font.
    """
    if os.environ.get("GUIDEBOOK_SYSTEM_FONTS") or "FONTCONFIG_FILE" in os.environ:
        return
    folder = cache_dir or Path(tempfile.gettempdir()) / "guidebook-fonts"
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "fonts.conf"
    text = CONFIG.format(fonts=escape(str(fonts_dir.resolve())), cache=escape(str(folder / "cache")))
    if not config.is_file() or config.read_text() != text:
        partial = folder / f".fonts.conf.{os.getpid()}"  # parallel builds must never read half a file
        partial.write_text(text)
        os.replace(partial, config)
    os.environ["FONTCONFIG_FILE"] = str(config)
