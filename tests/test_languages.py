"""Language editions built for real: script fonts embedded, strings translated, direction, no tofu, several
languages in one project (tests/fixtures/lang-*)."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pikepdf
import pytest
from lxml import etree

from book.infra.i18n import join_hangul, language_problem, messages
from book.render.cover import wrap_title
from conftest import assert_epubcheck_clean, copy_fixture, epub_files, pdf_pages_text, run
from pdf_checks import pdffonts

XHTML = "{http://www.w3.org/1999/xhtml}"
INVISIBLE = re.compile("[\u2060\u2066-\u2069\u200e\u200f]")


def build(project: Path, capsys, *editions: str) -> Path:
    code, out, err = run(["build", *editions, "--project", str(project), "-q"], capsys)
    assert code == 0, out + err
    return project / "dist"


def fonts(path: Path) -> set[str]:
    """Embedded font names without their subset prefix ("Noto-Serif-CJK-SC")."""
    rows = pdffonts(path)
    assert all(row["embedded"] for row in rows)
    return {row["name"].split("+")[-1] for row in rows}


def text(path: Path) -> str:
    return INVISIBLE.sub("", "\n".join(pdf_pages_text(path)))


# ---- pure functions ------------------------------------------------------------------------------------

def test_language_must_be_a_bcp47_tag_babel_knows():
    assert language_problem("zh-Hans") is None and language_problem("ko-KR") is None
    assert "not a BCP 47" in language_problem("Korean language")
    assert "unknown language" in language_problem("xx")


def test_dates_and_money_follow_the_locale():
    ko = messages("ko")
    assert ko.date("2026-11-24") == "2026년 11월 24일"
    assert ko.money(6500000, "KRW") == "₩6,500,000"
    assert messages("en").money_range(5000, 15000) == "$5,000–$15,000"
    assert messages("en").money(10922.5) == "$10,922.50"
    assert messages("fa").money(15000, "IRR").count("۱۵") == 1  # Persian digits where CLDR uses them
    rtl = messages("ar").money_range(15000, 50000)
    assert rtl.startswith("\u2066") and rtl.endswith("\u2069")  # isolated: the low figure stays first


def test_catalogue_falls_back_to_english_and_says_which():
    assert messages("zh-TW")("contents") == "目錄" and messages("zh-CN")("contents") == "目录"
    hebrew = messages("he")
    assert hebrew("contents") == "Contents" and "contents" in hebrew.missing
    assert messages("ko").missing == ()


def test_hangul_gets_word_joiners_only_inside_words():
    assert join_hangul("무릎 관절, ok") == "무\u2060릎 관\u2060절, ok"


def test_cover_titles_wrap_by_measured_width():
    fonts = Path(__file__).resolve().parent.parent / "styles" / "fonts"
    chinese = wrap_title("膝骨关节炎与韩国干细胞治疗：患者指南", 92, 920, fonts, "zh-Hans")
    assert len(chinese) == 2 and "".join(chinese) == "膝骨关节炎与韩国干细胞治疗：患者指南"
    assert not chinese[1].startswith("：")  # closing punctuation never starts a line
    english = wrap_title("Knee osteoarthritis and stem-cell treatment in South Korea", 92, 920, fonts, "en")
    assert english[0] == "Knee osteoarthritis" and all(len(line) < 24 for line in english)


def test_right_to_left_booklet_mirrors_every_side():
    from book.render.impose import booklet_order

    assert booklet_order(8)[:2] == [(7, 0), (1, 6)]
    assert booklet_order(8, right_to_left=True) == [(right, left) for left, right in booklet_order(8)]


# ---- whole books -----------------------------------------------------------------------------------------

LANGUAGES = {  # fixture: (a font it must embed, translated strings, a formatted amount)
    "lang-ko": ("Noto-Serif-CJK-KR", ["차례", "제1장", "2026년 11월 24일", "표 1.1"], "₩6,500,000–₩20,000,000"),
    "lang-zh-hans": ("Noto-Serif-CJK-SC", ["目录", "第1章", "2026年11月24日", "表1.1"], "¥35,000–¥100,000"),
    "lang-zh-hant": ("Noto-Serif-CJK-TC", ["目錄", "第1章", "2026年11月24日"], "$35,000–$100,000"),
    "lang-ja": ("Noto-Serif-CJK-JP", ["目次", "第1章", "2026年11月24日"], "￥35,000–￥100,000"),
    "lang-ar": ("Noto-Naskh-Arabic", ["المحتويات", "الفصل", "نوفمبر"], "5,000"),
    "lang-ru": ("Guide-Serif", ["Содержание", "Глава 1", "24 ноября 2026"], "35 000 ₽–100 000 ₽"),
    "lang-mn": ("Guide-Serif", ["Гарчиг", "1-р бүлэг"], "₮ 35,000–₮ 100,000"),
    "lang-vi": ("Guide-Serif", ["Mục lục", "Chương 1", "24 tháng 11, 2026"], "35.000 ₫–100.000 ₫"),
}


@pytest.mark.parametrize("fixture", sorted(LANGUAGES))
def test_language_edition_pdf(fixture, tmp_path, capsys):
    font, strings, amount = LANGUAGES[fixture]
    dist = build(copy_fixture(fixture, tmp_path), capsys, "print")
    pdf = next(dist.glob("*.pdf"))
    assert font in fonts(pdf)
    content = text(pdf).casefold()  # chapter labels are set in capitals
    for string in strings:
        assert string.casefold() in content, string
    assert amount in content.replace("\u00a0", " ").replace("\u202f", " ")
    for english in ("Contents", "Chapter 1", "Last reviewed", "Table 1.1"):
        assert english.casefold() not in content
    # subset fonts, not the 20 MB collections (a subset CJK face costs about 130 kB: WeasyPrint keeps glyph ids)
    assert pdf.stat().st_size < 800_000


def test_a_book_in_parts_embeds_one_subset_of_each_cjk_face(tmp_path, capsys, monkeypatch):
    # (a visual review): laid out in parts, each part embedded its own subsets of the CJK faces, each about 150 kB
    # however few glyphs it drew (WeasyPrint keeps glyph ids): the guide's Chinese brochure came to 4.7 MB
    import subprocess

    from book.render import parts_merge
    project = copy_fixture("lang-zh-hans", tmp_path)
    config = project / "book.yaml"
    config.write_text(config.read_text().replace("pdf_engine: single", "pdf_engine: parts"))
    shared = next(build(project, capsys, "print").glob("*.pdf"))
    with pikepdf.open(shared) as pdf:
        files = {}
        for page in pdf.pages:
            for font in page.obj.Resources.Font.values():
                descriptor = font.DescendantFonts[0].FontDescriptor if font.Subtype == "/Type0" else None
                if descriptor is not None and "CJK" in str(descriptor.FontName):
                    files.setdefault(str(descriptor.FontName), set()).add(descriptor.FontFile3.objgen)
        assert files and all(len(objects) == 1 for objects in files.values()), files
    monkeypatch.setattr(parts_merge, "share_script_subsets", lambda pdf: None)
    assert run(["build", "print", "--force", "-q", "--project", str(project), "--out", str(tmp_path / "apart")], capsys)[0] == 0
    apart = next((tmp_path / "apart").glob("*.pdf"))
    assert shared.stat().st_size < 0.7 * apart.stat().st_size, (shared.stat().st_size, apart.stat().st_size)
    assert text(shared) == text(apart)
    pixels = [subprocess.run(["pdftoppm", "-r", "60", "-gray", str(path)], capture_output=True, check=True).stdout
              for path in (shared, apart)]
    assert pixels[0] == pixels[1]  # the same glyphs drawn, every page


def test_chinese_gets_chinese_faces_not_japanese(tmp_path, capsys):
    simplified = fonts(next(build(copy_fixture("lang-zh-hans", tmp_path), capsys, "print").glob("*.pdf")))
    assert {"Noto-Serif-CJK-SC", "Noto-Sans-CJK-SC-Bold"} <= simplified
    assert not any(name.endswith(("-JP", "-JP-Bold", "-KR", "-KR-Bold")) for name in simplified)


def test_korean_breaks_between_words_only(tmp_path, capsys):
    project = copy_fixture("lang-ko", tmp_path)
    pdf = build(project, capsys, "print") / "book-print.pdf"
    words = set((project / "chapters" / "01-welcome.md").read_text().split())
    page = next(p for p in pdf_pages_text(pdf) if "환영합니다" in p and "질환" in p)
    paragraph = [line.split() for line in page.splitlines() if "골관절염은" in line or "질환" in line or "계단" in line]
    assert len(paragraph) >= 2  # the paragraph wraps at least once on A5
    for tokens in paragraph:
        for token in tokens:
            assert token in words, f"'{token}' is part of a word broken across lines"


def test_arabic_runs_right_to_left(tmp_path, capsys):
    project = copy_fixture("lang-ar", tmp_path)
    dist = build(project, capsys)
    with pikepdf.open(next(dist.glob("*.pdf"))) as pdf:
        assert pdf.Root.ViewerPreferences.Direction == "/R2L"
    files = epub_files(next(dist.glob("*.epub")))
    opf = etree.fromstring(files["EPUB/content.opf"])
    assert opf.find("{http://www.idpf.org/2007/opf}spine").get("page-progression-direction") == "rtl"
    for name in ("EPUB/nav.xhtml", "EPUB/front.xhtml", "EPUB/welcome.xhtml"):
        root = etree.fromstring(files[name])
        assert (root.get("dir"), root.get("lang")) == ("rtl", "ar"), name
    assert "المحتويات" in files["EPUB/nav.xhtml"].decode()
    assert_epubcheck_clean(next(dist.glob("*.epub")))


def test_left_to_right_text_in_an_arabic_book_keeps_its_order(tmp_path, capsys):
    # PyArabic's README (PyPI): an English sentence with *emphasis* in an Arabic book printed its pieces from right to
    # left ("Python library for Arabic language A specific"); WeasyPrint does not reorder inline boxes by bidi level
    from pdf_audit import words_by_page
    project = copy_fixture("lang-ar", tmp_path)
    with open(project / "chapters" / "02-costs.md", "a", encoding="utf-8") as chapter:
        chapter.write("\nSome *fine* tools for **Python** users.\n\n"
                      "تستخدم المكتبة **Ruby** gem for *Arabic* text في النص.\n\n```\nx = 1  # code\n```\n")
    dist = build(project, capsys)
    words = [w for page in words_by_page(next(dist.glob("*.pdf"))) for w in page]

    def lefts(*names):
        return [next(x0 for x0, _, _, _, word in words if word.strip(".,") == name) for name in names]
    english = lefts("Some", "fine", "tools", "for", "Python", "users")
    assert english == sorted(english), english
    mixed = lefts("Ruby", "gem", "Arabic", "text")
    assert mixed == sorted(mixed), mixed
    assert lefts("x", "code") == sorted(lefts("x", "code"))
    costs = etree.fromstring(epub_files(next(dist.glob("*.epub")))["EPUB/costs.xhtml"])
    assert [e.get("dir") for e in costs.iter(f"{XHTML}p", f"{XHTML}pre", f"{XHTML}span") if e.get("dir")] == ["ltr"] * 3


def test_korean_ebook_is_translated_and_valid(tmp_path, capsys):
    dist = build(copy_fixture("lang-ko", tmp_path), capsys, "ebook")
    files = epub_files(dist / "book-ebook.epub")
    nav = files["EPUB/nav.xhtml"].decode()
    assert "차례" in nav and "표 차례" in nav and 'aria-label="주요 위치"' in nav and "Contents" not in nav
    chapter = files["EPUB/welcome.xhtml"].decode()
    assert "제1장" in chapter and 'aria-label="본문으로 돌아가기"' in chapter
    assert 'lang="ko"' in chapter and 'dir="ltr"' in chapter
    assert "2026년 11월 24일" in files["EPUB/front.xhtml"].decode()
    assert_epubcheck_clean(dist / "book-ebook.epub")


@pytest.mark.parametrize("char", ["\U00020000", "\ue000"])
def test_a_character_no_font_has_stops_the_build(char, tmp_path, capsys):
    project = copy_fixture("lang-ko", tmp_path)
    chapter = project / "chapters" / "02-costs.md"
    chapter.write_text(chapter.read_text() + f"\n드문 글자 {char} 하나\n")
    code, out, err = run(["build", "print", "--project", str(project)], capsys)
    assert code == 1
    assert f"chapters/02-costs.md:5: no font of this edition has '{char}' (U+{ord(char):04X}) (add a font that covers" in err
    assert not (project / "dist").exists()


def test_check_finds_the_characters_the_build_would_stop_at_one_line_a_script(tmp_path, capsys):
    # @biomejs/biome's README.hi.md and pythainlp's README: `check` said "ok", then `build` stopped with one line
    # for each character, and named Devanagari "U+0900–U+09FF" (half of it Bengali)
    project = copy_fixture("small", tmp_path)
    chapter = project / "chapters" / "01-intro.md"
    chapter.write_text(chapter.read_text() + "\nPyThaiNLP: ไลบรารีประมวลภาษาไทย\n\nहिन्दी में पढ़ें.\n")
    lines = len(chapter.read_text().splitlines())
    expected = [f"chapters/01-intro.md:{lines}: no font of this edition has 'ं' (U+0902) or 11 more Devanagari characters"
                " (add a font that covers Devanagari)",
                f"chapters/01-intro.md:{lines - 2}: no font of this edition has 'ท' (U+0E17) or 13 more Thai characters"
                " (add a font that covers Thai)"]
    code, out, err = run(["check", "--project", str(project)], capsys)
    assert code == 1 and sorted(err.splitlines()) == sorted(expected), err
    code, out, err = run(["build", "print", "--project", str(project)], capsys)
    assert code == 1 and sorted(line for line in err.splitlines() if "no font" in line) == sorted(expected), err


def test_hangul_in_an_english_book_is_drawn(tmp_path, capsys):
    project = copy_fixture("small", tmp_path)
    chapter = project / "chapters" / "01-intro.md"
    chapter.write_text(chapter.read_text() + "\n서울특별시 강남구 테헤란로 1\n")
    pdf = build(project, capsys, "print") / "a-small-test-book-print.pdf"
    assert "Noto-Serif-CJK-KR" in fonts(pdf) and "서울특별시" in text(pdf)


def test_invalid_language_is_a_config_error(tmp_path, capsys):
    project = copy_fixture("lang-ko", tmp_path)
    config = project / "book.yaml"
    config.write_text(config.read_text().replace("language: ko", "language: Korean language"))
    code, out, err = run(["check", "--project", str(project)], capsys)
    assert code == 1 and "book.yaml:4: 'Korean language' is not a BCP 47 language tag" in err + out


# ---- several languages in one project ---------------------------------------------------------------------

def test_one_project_builds_each_language_from_its_own_chapters(tmp_path, capsys):
    project = copy_fixture("lang-multi", tmp_path)
    dist = build(project, capsys)
    chinese = text(dist / "knee-guide-brochure-zh-hans.pdf")
    assert "膝关节指南" in chinese and "欢迎" in chinese and "各国治疗费用" in chinese and "定金" in chinese
    assert "Welcome" not in chinese and "Knee guide" not in chinese
    english = text(dist / "knee-guide-print.pdf")
    assert "Welcome" in english and "欢迎" not in english
    files = epub_files(dist / "knee-guide-ebook-zh-hans.epub")
    assert b'lang="zh-Hans"' in files["EPUB/welcome.xhtml"] and "膝关节指南".encode() in files["EPUB/content.opf"]
    assert "EPUB/images/dot.svg" in files and 'alt="圆点"'.encode() in files["EPUB/welcome.xhtml"]  # ../images from chapters/
    assert_epubcheck_clean(dist / "knee-guide-ebook-zh-hans.epub")

    # an edit to one language's chapters rebuilds that language's editions only
    rebuilt = {"en": {"print", "ebook"}, "zh-Hans": {"brochure-zh-hans", "ebook-zh-hans"}}
    for language, chapter in (("zh-Hans", "chapters/zh-Hans/01-welcome.md"), ("en", "chapters/01-welcome.md")):
        (project / chapter).write_text((project / chapter).read_text() + "\nOne more line.\n")
        code, out, err = run(["build", "--project", str(project)], capsys)
        skipped = set(re.findall(r"^skip +(\S+) +up to date", out, re.M))
        assert code == 0 and skipped == set().union(*rebuilt.values()) - rebuilt[language], out + err
        made = dist / ("knee-guide-print.pdf" if language == "en" else "knee-guide-brochure-zh-hans.pdf")
        assert "One more line." in text(made)


def test_check_lists_what_a_translation_misses(tmp_path, capsys):
    project = copy_fixture("lang-multi", tmp_path)
    (project / "chapters/zh-Hans/01-welcome.md").unlink()
    costs = project / "chapters/zh-Hans/02-costs.md"
    costs.write_text(costs.read_text().replace("{#deposit}", "{#dingjin}"))
    code, out, err = run(["check", "--project", str(project)], capsys)
    assert code == 1
    assert "chapters/zh-Hans/01-welcome.md: missing: no zh-Hans translation of chapters/01-welcome.md" in err
    assert "chapters/zh-Hans/02-costs.md: missing anchor '#deposit'" in err
    assert "chapters/zh-Hans/02-costs.md:5: anchor '#dingjin' is not in chapters/02-costs.md" in err


def test_check_names_strings_without_a_translation(tmp_path, capsys):
    project = copy_fixture("lang-ko", tmp_path)
    config = project / "book.yaml"
    config.write_text(config.read_text().replace("language: ko", "language: he"))
    code, out, err = run(["check", "--project", str(project)], capsys)
    note = next(line for line in (out + err).splitlines() if line.startswith("note: no he catalogue entry for "))
    assert code == 0 and re.match(r"note: no he catalogue entry for \d+ strings \(contents, list_of_tables, chapter,", note)
    assert len(note) < 200  # (every key named took 900 characters)


def test_language_builds_are_byte_identical(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764000000")
    digests = []
    for run_name in ("a", "b"):
        project = copy_fixture("lang-ar", tmp_path / run_name)
        dist = build(project, capsys)
        digests.append({p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in dist.iterdir()})
    assert digests[0] == digests[1]
