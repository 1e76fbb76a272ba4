"""Language editions: the generated strings in the edition's language, CLDR dates and money, text direction.

Catalogues are YAML files, book/locales/<tag>.yaml, one `key: text` per string the builder writes (a project may
add or override one in its own locales/ folder). A key a catalogue lacks falls back to English; `check` lists them.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
# BCP 47 (RFC 5646) language tags without the grandfathered forms: language, script, region, variants, extensions.
BCP47 = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z]{3}){0,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|\d{3}))?"
                   r"(-([A-Za-z\d]{5,8}|\d[A-Za-z\d]{3}))*(-[0-9A-WY-Za-wy-z](-[A-Za-z\d]{2,8})+)*(-x(-[A-Za-z\d]{1,8})+)?$")
RTL_LANGUAGES = {"ar", "he", "fa", "ur", "ps", "sd", "ug", "yi", "dv", "ckb"}
HANGUL_PAIR = re.compile("(?<=[\uac00-\ud7a3])(?=[\uac00-\ud7a3])")
WORD_JOINER = "\u2060"
LRI, PDI = "\u2066", "\u2069"
NATIVE_DIGITS = {"arab": "٠١٢٣٤٥٦٧٨٩", "arabext": "۰۱۲۳۴۵۶۷۸۹", "beng": "০১২৩৪৫৬৭৮৯", "deva": "०१२३४५६७८९",
                 "mymr": "၀၁၂၃၄၅၆၇၈၉", "thai": "๐๑๒๓๔๕๖๗๘๙"}


def language_problem(tag: str) -> str | None:
    """Why `tag` is not a usable BCP 47 language tag, or None when it is."""
    from babel import Locale, UnknownLocaleError

    if not BCP47.match(tag):
        return f"'{tag}' is not a BCP 47 language tag"
    try:
        Locale.parse(tag, sep="-")
    except (UnknownLocaleError, ValueError):
        return f"unknown language '{tag}'"
    return None


def is_rtl(language: str) -> bool:
    """Whether text in `language` runs right to left (ar, he, fa, …)."""
    return language.split("-")[0].lower() in RTL_LANGUAGES


def direction(language: str) -> str:
    return "rtl" if is_rtl(language) else "ltr"


def _candidates(language: str) -> list[str]:
    """Catalogue names to try for a tag, most specific first: zh-TW → zh-Hant-TW, zh-Hant, zh."""
    from babel import Locale

    locale = Locale.parse(language, sep="-")
    script = locale.script
    if locale.language == "zh" and not script:
        script = "Hant" if locale.territory in ("TW", "HK", "MO") else "Hans"
    names = [language, "-".join(filter(None, [locale.language, script, locale.territory])),
             "-".join(filter(None, [locale.language, script])), locale.language]
    return list(dict.fromkeys(names))


@lru_cache(maxsize=None)
def _read(path: Path) -> dict[str, str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in data.items()}


@dataclass(frozen=True)
class Messages:
    """The generated strings of one edition's language, English where its catalogue has none."""

    language: str
    strings: dict = field(hash=False, compare=True)
    missing: tuple[str, ...] = ()  # keys that fell back to English

    def __call__(self, key: str, **values) -> str:
        return self.strings[key].format(**values)

    def edition(self, name: str) -> str:
        """'Print edition', '印刷版': the label of edition `name` (a language suffix such as -zh-hans dropped)."""
        suffix = "-" + self.language.lower()
        base = name[:-len(suffix)] if name.endswith(suffix) else name
        key = f"edition_{base}"
        return self.strings[key] if key in self.strings else self("edition_other", name=base.capitalize())

    @property
    def direction(self) -> str:
        return direction(self.language)

    def date(self, iso: str) -> str:
        """'24 November 2026', '2026년 11월 24일': a YYYY-MM-DD date in the language's long form."""
        from babel.dates import format_date

        return self.digits(format_date(dt.date.fromisoformat(iso[:10]), "long", locale=_locale(self.language)))

    def money(self, value: float, currency: str = "USD") -> str:
        """'$5,000', '₩6,500,000', '١٥٬٠٠٠ US$': cents only when there are any."""
        from babel.numbers import format_currency

        locale = _locale(self.language)
        pattern = locale.currency_formats["standard"].pattern
        if float(value).is_integer():
            pattern = re.sub(r"\.[0#]+", "", pattern)
        text = format_currency(value, currency, locale=locale, format=pattern, currency_digits=False,
                               numbering_system="default")
        return self.digits(text)

    def digits(self, text: str) -> str:
        """`text` with its digits in the locale's own (CLDR's default numbering system: ar-EG ١٥, fa ۱۵).

        Babel picks the separators of that numbering system but always writes Western digits."""
        digits = NATIVE_DIGITS.get(_locale(self.language).default_numbering_system)
        return text.translate(str.maketrans("0123456789", digits)) if digits else text

    def money_range(self, low: float, high: float | None, currency: str = "USD") -> str:
        """'$5,000–$15,000', or '~$10,922' for one approximate figure; isolated left to right in RTL text, so
        the low figure stays first (WeasyPrint does not isolate numbers itself)."""
        text = f"~{self.money(low, currency)}" if high is None or high == low else \
            f"{self.money(low, currency)}–{self.money(high, currency)}"
        return self.isolate(text)

    def isolate(self, text: str) -> str:
        """`text` between LRI and PDI in right-to-left editions (a price, a range, a Latin identifier)."""
        return f"{LRI}{text}{PDI}" if is_rtl(self.language) else text


@lru_cache(maxsize=None)
def _locale(language: str):
    from babel import Locale

    return Locale.parse(language, sep="-")


def catalogue_path(language: str, root: Path | None = None) -> Path | None:
    """The catalogue file for `language`: the project's locales/ first, then guidebook's."""
    for name in _candidates(language):
        for folder in ([root / "locales"] if root else []) + [LOCALES_DIR]:
            if (folder / f"{name}.yaml").is_file():
                return folder / f"{name}.yaml"
    return None


@lru_cache(maxsize=None)
def messages(language: str, root: Path | None = None) -> Messages:
    """The strings for editions in `language`, English filling the gaps."""
    english = _read(LOCALES_DIR / "en.yaml")
    strings = dict(english)
    found: dict[str, str] = {}
    for name in reversed(_candidates(language)):  # general first, so zh-Hant-TW overrides zh-Hant
        for folder in [LOCALES_DIR] + ([root / "locales"] if root else []):
            if (folder / f"{name}.yaml").is_file():
                found.update(_read(folder / f"{name}.yaml"))
    strings.update({k: v for k, v in found.items() if k in english})
    missing = () if language.split("-")[0] == "en" else tuple(k for k in english if k not in found)
    return Messages(language, strings, missing)


def join_hangul(text: str) -> str:
    """`text` with WORD JOINERs between Hangul syllables, so lines break between Korean words, never inside.

    WeasyPrint ignores `word-break: keep-all`; a joiner is invisible, and pdftotext drops it.
    """
    return HANGUL_PAIR.sub(WORD_JOINER, text)


def join_hangul_html(html: str) -> str:
    """The HTML document with Hangul joined in its text nodes (never in attributes: ids and links stay)."""
    if not re.search("[\uac00-\ud7a3]{2}", html):
        return html
    from lxml import html as lxml_html

    root = lxml_html.document_fromstring(html)
    for element in root.iter():
        if element.tag in ("style", "script") or not isinstance(element.tag, str):
            continue
        if element.text:
            element.text = join_hangul(element.text)
        if element.tail:
            element.tail = join_hangul(element.tail)
    return "<!DOCTYPE html>\n" + lxml_html.tostring(root, encoding="unicode")
