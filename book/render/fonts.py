"""Only the book's own fonts: fontconfig sees styles/fonts and named Debian font files, nothing else.

The Latin, Cyrillic and Vietnamese faces ship in styles/fonts. Hangul, Chinese, Japanese, Arabic and Hebrew
come from Debian's fonts-noto-cjk and fonts-noto-core (installed by `make`'s setup and .ci/run): their files are
far too big to ship, and WeasyPrint always takes face 0 of a .ttc named in @font-face. So fontconfig is given
those exact files, and rules in its configuration append the right face after the stylesheet's family, by the
language Pango passes for the text (`lang`): Chinese text gets Chinese glyph shapes, not Japanese.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

SYSTEM_FONTS = Path("/usr/share/fonts")


@dataclass(frozen=True)
class Face:
    """A font file outside the project that editions may fall back to for a script the shipped fonts lack."""

    family: str  # as fontconfig names it
    file: str  # under /usr/share/fonts
    index: int  # the face in a .ttc
    package: str  # the Debian package that installs it


def _cjk(style: str, region: str, index: int) -> list[Face]:
    return [Face(f"Noto {style} CJK {region}", f"opentype/noto/Noto{style}CJK-{weight}.ttc", index, "fonts-noto-cjk")
            for weight in ("Regular", "Bold")]


def _core(family: str, stem: str) -> list[Face]:
    return [Face(family, f"truetype/noto/{stem}-{weight}.ttf", 0, "fonts-noto-core") for weight in ("Regular", "Bold")]


REGIONS = {"JP": 0, "KR": 1, "SC": 2, "TC": 3}
FACES = (*(f for style in ("Serif", "Sans") for region, i in REGIONS.items() for f in _cjk(style, region, i)),
         *_core("Noto Naskh Arabic", "NotoNaskhArabic"), *_core("Noto Sans Arabic", "NotoSansArabic"),
         *_core("Noto Serif Hebrew", "NotoSerifHebrew"), *_core("Noto Sans Hebrew", "NotoSansHebrew"))
# The stylesheets' families and the style of script face that fits each.
STYLE_OF = {"Guide Serif": "Serif", "Guide Sans": "Sans", "Guide Mono": "Sans"}
# Pango's language (from `lang`, or -weasy-lang in styles/languages.css) → the CJK face it prefers. Text in
# other languages (an English brochure with a Hangul clinic address) takes Korean first: the guide is set in Korea.
CJK_REGION = {"zh-hans": "SC", "zh-hant": "TC", "zh-cn": "SC", "zh-sg": "SC", "zh-tw": "TC", "zh-hk": "TC", "zh-mo": "TC", "ja": "JP", "ko": "KR"}
DEFAULT_REGION = "KR"
SCRIPTS = {"Hangul": "ko", "Han": "zh", "Hiragana": "ja", "Katakana": "ja", "Arabic": "ar", "Hebrew": "he"}


def fallback_families(css_family: str, region: str) -> list[str]:
    """The families fontconfig tries after `css_family` when a character is missing, in order."""
    style = STYLE_OF[css_family]
    regions = [region] + [r for r in ("KR", "SC", "TC", "JP") if r != region]
    arabic = "Noto Naskh Arabic" if style == "Serif" else "Noto Sans Arabic"
    return [f"Noto {style} CJK {r}" for r in regions] + [arabic, f"Noto {style} Hebrew"]


def region_for(language: str) -> str:
    """The CJK face (SC, TC, JP, KR) for a BCP 47 tag such as zh-Hans, zh-TW, ja."""
    tag = language.lower()
    if tag.startswith("zh"):
        return "TC" if any(part in tag.split("-") for part in ("hant", "tw", "hk", "mo")) else "SC"
    return CJK_REGION.get(tag.split("-")[0], DEFAULT_REGION)


def _rules() -> str:
    """Fontconfig <match> rules: each Guide family is followed by the script faces, the text's CJK region first."""
    rules = []
    for css_family in STYLE_OF:
        rules.append(_append(css_family, fallback_families(css_family, DEFAULT_REGION), None))
        for lang, region in CJK_REGION.items():
            if region != DEFAULT_REGION:
                rules.append(_append(css_family, fallback_families(css_family, region)[:1], lang))
    return "\n".join(rules)


def _append(css_family: str, families: list[str], lang: str | None) -> str:
    # Later rules append right after the Guide family, so a language's own face goes in front of the default chain.
    test = f'<test name="lang" compare="contains"><string>{lang}</string></test>' if lang else ""
    values = "".join(f"<string>{escape(f)}</string>" for f in families)
    return (f'  <match target="pattern"><test name="family"><string>{escape(css_family)}</string></test>{test}'
            f'<edit name="family" mode="append" binding="strong">{values}</edit></match>')


CONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>{fonts}</dir>
  <dir>{system}</dir>
  <cachedir>{cache}</cachedir>
{rules}
</fontconfig>
"""


def available_faces() -> list[Face]:
    """The script faces whose files this machine has (Debian's fonts-noto-cjk and fonts-noto-core), the smallest
    files first: a search for a face that has some characters reads a face's character map (font_cmap), 50 ms for
    each of the CJK collection's faces and 1 ms for Arabic's, and Arabic text found eight CJK faces first."""
    present = [face for face in FACES if (SYSTEM_FONTS / face.file).is_file()]
    return sorted(present, key=lambda face: (SYSTEM_FONTS / face.file).stat().st_size)


def isolate_fonts(fonts_dir: Path, cache_dir: Path | None = None) -> None:
    """Make fontconfig see `fonts_dir` and the script faces' files and nothing else, so no machine's other fonts slip
    into a PDF.

    The configuration is written to `cache_dir` (the project's .cache/fontconfig). Fontconfig reads it once
    per process, so this must run before the first WeasyPrint import.
    """
    if os.environ.get("GUIDEBOOK_SYSTEM_FONTS") or "FONTCONFIG_FILE" in os.environ:
        return
    folder = cache_dir or Path(tempfile.gettempdir()) / "guidebook-fonts"
    system = folder / "script-fonts"
    system.mkdir(parents=True, exist_ok=True)
    for path in sorted({SYSTEM_FONTS / face.file for face in available_faces()}):
        link = system / path.name
        if not link.is_symlink():  # a link, not a copy: the CJK collections are 20-40 MB each
            partial = system / f".{path.name}.{os.getpid()}"
            partial.symlink_to(path)
            os.replace(partial, link)
    config = folder / "fonts.conf"
    text = CONFIG.format(fonts=escape(str(fonts_dir.resolve())), system=escape(str(system.resolve())),
                         cache=escape(str(folder / "cache")), rules=_rules())
    if not config.is_file() or config.read_text() != text:
        partial = folder / f".fonts.conf.{os.getpid()}"  # parallel builds must never read half a file
        partial.write_text(text)
        os.replace(partial, config)
    os.environ["FONTCONFIG_FILE"] = str(config)


@lru_cache(maxsize=None)
def font_cmap(path: Path, index: int) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(str(path), fontNumber=index, lazy=True).getBestCmap())


SCRIPT_OF = [(0x0590, 0x05FF, "Hebrew"), (0x0600, 0x06FF, "Arabic"), (0x0750, 0x077F, "Arabic"),
             (0x1100, 0x11FF, "Hangul"), (0x3040, 0x309F, "Hiragana"), (0x30A0, 0x30FF, "Katakana"),
             (0x3400, 0x4DBF, "Han"), (0x4E00, 0x9FFF, "Han"), (0xAC00, 0xD7A3, "Hangul"), (0xE000, 0xF8FF, "private use"),
             (0x20000, 0x3FFFF, "Han (supplementary ideographs)")]


def script_name(char: str) -> str:
    """A reader's name for the script of `char` ("Han", "Arabic", "Devanagari"), or its code point."""
    import unicodedata

    point = ord(char)
    for low, high, name in SCRIPT_OF:
        if low <= point <= high:
            return name
    if unicodedata.category(char).startswith("S"):  # ✅, ☕, ♂: no script of their own
        return "emoji and symbols"
    # a character's name begins with its script's ("DEVANAGARI LETTER DA", "THAI CHARACTER KO KAI")
    name = unicodedata.name(char, "").split(" ")[0]
    return name.title() if name.isalpha() else f"U+{point:04X}"


def _drawn(char: str) -> bool:
    # Controls, format characters (the Korean word joiner, bidi isolates) and spaces need no glyph of their own.
    import unicodedata

    return unicodedata.category(char) not in ("Cc", "Cf", "Zs", "Zl", "Zp")


def missing_characters(text: str, fonts_dir: Path, language: str) -> list[str]:
    """The characters of `text` that no font of an edition in `language` has a glyph for (fontTools cmaps)."""
    needed = {c for c in set(text) if _drawn(c)}
    for path in sorted(fonts_dir.glob("*.[ot]t[fc]")):
        needed = {c for c in needed if ord(c) not in font_cmap(path, 0)}
    if not needed:  # the usual case for Latin text: the big script faces are never opened
        return []
    region = region_for(language)
    wanted = {f for css_family in STYLE_OF for f in fallback_families(css_family, region)}
    for face in available_faces():
        if not needed:
            break
        if face.family in wanted and "-Regular." in face.file:  # bold faces cover the same characters
            needed = {c for c in needed if ord(c) not in font_cmap(SYSTEM_FONTS / face.file, face.index)}
    return sorted(needed)




@lru_cache(maxsize=None)
def _advances(path: Path, index: int) -> tuple[dict[int, int], int]:
    """(code point → advance width, units per em) of one face."""
    import logging

    from fontTools.ttLib import TTFont

    logging.getLogger("fontTools.ttLib.tables._h_e_a_d").setLevel(logging.ERROR)  # Lato's odd 'created' date
    font = TTFont(str(path), fontNumber=index, lazy=True)
    metrics = font["hmtx"].metrics
    return {point: metrics[name][0] for point, name in font.getBestCmap().items()}, font["head"].unitsPerEm


def text_width(text: str, size: float, fonts_dir: Path, language: str) -> float:
    """How wide `text` is at `size` in the bold sans faces (the first that has each character); an estimate,
    since a reading system draws the cover with its own sans-serif and Arabic joins change widths a little."""
    region = region_for(language)
    faces = [(fonts_dir / "Lato-Bold.ttf", 0)] if (fonts_dir / "Lato-Bold.ttf").is_file() else []
    for family in (f"Noto Sans CJK {region}", "Noto Sans Arabic", "Noto Sans Hebrew"):
        faces += [(SYSTEM_FONTS / f.file, f.index) for f in available_faces() if f.family == family and "-Bold." in f.file]
    width = 0.0
    for char in text:
        for path, index in faces:  # a face is read the first time a character needs it: Latin text never opens CJK
            advances, units = _advances(path, index)
            if ord(char) in advances:
                width += advances[ord(char)] * size / units
                break
        else:
            width += size  # a character none of them has: count a full em
    return width
