"""The pure stages with tiny inputs: money, config validation, ids, links, page numbering."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from book.assemble import ParsedChapter
from book.assemble.ids import resolve_links, unique_ids
from book.commands.build import page_breaks
from book.load.config import load_config
from book.load.content import Chapter
from book.infra.errors import BookErrors
from book.convert.markdown import convert, markdown_to_tree
from book.render.pdf import page_labels, roman
from book.load.tables import money, money_range


def test_money_is_formatted_one_way():
    assert money(5000) == "$5,000" and money(10922.5) == "$10,922.50"
    assert money_range(5000, 15000) == "$5,000–$15,000"
    assert money_range(10922, None) == "~$10,922" == money_range(10922, 10922)


def write_config(tmp_path: Path, text: str) -> Path:
    (tmp_path / "chapters").mkdir(exist_ok=True)
    (tmp_path / "chapters" / "01-a.md").write_text("# A\n\nText.\n")
    (tmp_path / "book.yaml").write_text(text)
    return tmp_path


def test_config_reports_every_problem_with_its_line(tmp_path):
    root = write_config(tmp_path, "title: T\ncolour: red\ntoc_depth: deep\neditions:\n  e: {format: pdff}\n")
    with pytest.raises(BookErrors) as caught:
        load_config(root)
    messages = [str(e) for e in caught.value.errors]
    assert len(messages) == 3, messages
    assert messages[0].startswith("book.yaml:2: unknown key 'colour' (expected one of: ")
    assert messages[1] == "book.yaml:3: 'toc_depth' must be a whole number, not str 'deep'"
    assert messages[2] == "book.yaml:5: unknown format 'pdff' (expected one of: pdf, epub, booklet, press)"


def test_config_defaults(tmp_path):
    config = load_config(write_config(tmp_path, "title: A Book\n"))
    assert [e.name for e in config.editions] == ["print", "ebook"]
    assert config.slug == "a-book" and config.language == "en" and config.toc_depth == 2
    assert config.identifier.startswith("urn:uuid:") and config.identifier == load_config(tmp_path).identifier


def parsed(tmp_path: Path, name: str, text: str) -> ParsedChapter:
    source = tmp_path / f"{name}.md"
    source.write_text(text)
    chapter = Chapter(source, source.name, name, name.title(), True, "chapter", "", text)
    return ParsedChapter.of(chapter, text, convert(text))


def test_ids_unique_across_chapters_and_links_follow(tmp_path):
    one = parsed(tmp_path, "one", "## Overview\n\nSee [two](two.md#overview) and [here](#overview).\n")
    two = parsed(tmp_path, "two", "## Overview\n\nBack to [one](one.md#overview).\n")
    renames = unique_ids([one, two])
    assert renames.links == {"one": {"overview": "overview"}, "two": {"overview": "two-overview"}}
    (one, two), errors = resolve_links([one, two], renames)
    assert errors == []
    hrefs = [(a.get("href"), a.get("data-chapter")) for a in one.body().iter("a")]
    assert hrefs == [("#two-overview", "two"), ("#overview", "one")]
    assert [h.get("id") for h in two.body().iter("h2")] == ["two-overview"]


def test_load_steps_return_new_values_and_change_nothing_they_are_given(tmp_path):
    """#15: load hands on plain values. Each step takes values and returns new ones; what it was given compares
    == to a copy taken before, and a loaded chapter cannot be changed at all."""
    import copy
    import dataclasses

    from book.assemble import assemble
    from book.assemble.essential import edition_errors
    from book.assemble.ids import duplicate_ids
    from book.convert.sanitize import sanitize
    from book.load.project import load_project
    from conftest import copy_fixture

    text = "## Overview\n\nSee [two](two.md#overview), [here](#overview) and [gone](#gone).\n\n<center>x</center>\n"
    one = parsed(tmp_path, "one", text)
    converted = convert(text)
    kept, found = sanitize(one.chapter, text, converted, tmp_path, "escape", strict=False)
    assert converted == convert(text) and kept != converted.html and [e.line for e in found] == [5]
    chapters = [dataclasses.replace(one, html=kept), parsed(tmp_path, "two", "## Overview {#overview}\n\nText.\n")]
    given = copy.deepcopy(chapters)
    assert duplicate_ids(chapters) == (chapters, []) and chapters == given
    renames = unique_ids(chapters)
    assert renames["one"] == {"overview": "one-overview"} and chapters == given
    resolved, errors = resolve_links(chapters, renames, strict=False)
    assert chapters == given and [str(e) for e in errors] == [
        "one.md:3: warning: no anchor '#gone' in this chapter or the book (check the file name and the #anchor)"]
    assert [a.get("href") for a in resolved[0].body().iter("a")] == ["#overview", "#one-overview"]
    assert [a.get("href") for a in chapters[0].body().iter("a")] == ["two.md#overview", "#overview", "#gone"]

    root = copy_fixture("editions", tmp_path)
    project = load_project(root)
    assert isinstance(project.chapters, tuple) and project.chapters == load_project(root).chapters
    before = copy.deepcopy(project.chapters)
    for edition in project.config.editions:
        if not edition.source:
            edition_errors(project.chapters, assemble(project.chapters, project.config, edition))
    assert project.chapters == before
    chapter = project.chapters[0]
    assert hash(chapter) == hash(before[0])  # a value: frozen, hashable, equal to its copy
    with pytest.raises(dataclasses.FrozenInstanceError):
        chapter.html = ""


def test_a_body_kept_as_text_reads_back_as_it_was(tmp_path):
    """Between the load steps a chapter body is HTML text. libxml2's HTML writer percent-encodes spaces and
    non-ASCII in href and src and drops their leading blanks (`my photo.png` would become `my%20photo.png`, a
    missing image), and lxml drops leading white space: body_html and parse_body keep every attribute and text."""
    from lxml import etree
    from lxml import html as lxml_html

    from book.convert.body import body_html, parse_body
    from book.convert.sanitize import sanitize

    tree = lxml_html.fragment_fromstring('<p><a href=" two.md#café" name="a b">x</a> <img src="my photo.png" alt="1">'
                                         '</p><a href="%41 b">&amp; y</a>', create_parent="div")
    tree.text = "\n\n"
    written = etree.tostring(tree)
    again = parse_body(body_html(tree))
    assert etree.tostring(again) == written == etree.tostring(tree)  # the tree written out is unchanged too

    from PIL import Image
    Image.new("RGB", (2, 2)).save(tmp_path / "my photo.png")
    one = parsed(tmp_path, "one", "![A dot](<my photo.png>) and [the café](two.md#café).\n")
    kept, errors = sanitize(one.chapter, one.text, convert(one.text), tmp_path)
    assert errors == [] and [i.get("src") for i in parse_body(kept).iter("img")] == ["my photo.png"]
    chapters = [ParsedChapter(one.chapter, one.text, kept), parsed(tmp_path, "two", "## Café\n")]
    (one, _), errors = resolve_links(chapters, unique_ids(chapters))
    assert errors == [] and [a.get("href") for a in one.body().iter("a")] == ["#café"]


def test_broken_link_is_traced_to_its_line(tmp_path):
    one = parsed(tmp_path, "one", "Text.\n\nMore [gone](two.md#nowhere).\n")
    two = parsed(tmp_path, "two", "## Here\n")
    _, errors = resolve_links([one, two], unique_ids([one, two]))
    assert [str(e) for e in errors] == ["one.md:3: no anchor '#nowhere' in two.md (check the file name and the #anchor)"]


def test_page_labels_and_breaks():
    starts = ["", "", "", "", "a-0", "a-2", "", "b-0", "b-1", "back-cover"]
    labels = page_labels(starts, "a")
    assert labels == ("i", "ii", "iii", "iv", "1", "2", "3", "4", "5", "6")
    breaks = page_breaks(labels, starts)
    assert [(p.label, p.block) for p in breaks["b"]] == [("3", "b-0"), ("4", "b-0"), ("5", "b-1"), ("6", "")]
    assert [p.label for p in breaks[""]] == ["i", "ii", "iii", "iv"]
    assert roman(1994) == "mcmxciv"


def test_sandboxed_chapter_templates_cannot_reach_python(tmp_path, capsys):
    from conftest import copy_fixture, run
    project = copy_fixture("small", tmp_path)
    chapter = project / "chapters" / "01-intro.md"
    chapter.write_text(chapter.read_text() + "\n{{ book.__class__.__mro__ }}\n")
    code, _, err = run(["build", "--project", str(project)], capsys)
    assert code == 1 and "chapters/01-intro.md:20: template error" in err and "Traceback" not in err


def test_omit_marked_drops_blocks_and_whole_sections():
    from book.assemble import omit_marked
    body = markdown_to_tree("Intro.\n\n## Keep\n\nA.\n\n## Detail {.detail}\n\nB.\n\n### Sub\n\nC.\n\n## Next\n\nD.\n\n"
                            "Only here.\n{: .detail}\n\nE.\n")
    omit_marked(body, ("detail",))
    text = " ".join(body.text_content().split())
    assert text == "Intro. Keep A. Next D. E."


def test_long_books_convert_markdown_on_every_core_with_the_same_result(monkeypatch):
    import book.convert.markdown as md
    from lxml import html as lxml_html

    texts = [f"# C{n}\n\nText with a note.[^a]\n\n[^a]: The note {n}.\n\n1. one\n2. two\n" for n in range(12)]
    one_by_one = [lxml_html.tostring(md.markdown_to_tree(t)) for t in texts]
    monkeypatch.setattr(md, "PARALLEL_CHARACTERS", 0)  # as if the book were long: forked workers, a reused converter
    monkeypatch.setattr(md, "worker_count", lambda jobs: 2)
    together = [lxml_html.tostring(tree) for tree in md.markdown_to_trees(texts)]
    assert together == one_by_one
    assert b"The note 11." in together[-1] and b"The note 0." not in together[-1]  # no state left from earlier chapters


@pytest.mark.parametrize("margins, expected", [
    ("12mm", ("12mm", "12mm", "12mm", "12mm")),
    ("10mm 20mm", ("10mm", "20mm", "10mm", "20mm")),
    ("10mm 20mm 30mm", ("10mm", "20mm", "30mm", "20mm")),
    ("1mm 2mm 3mm 4mm", ("1mm", "2mm", "3mm", "4mm")),
])
def test_margins_shorthand_of_any_length(margins, expected):
    """One or two values used to crash the build (IndexError): found by the real-world corpus."""
    from types import SimpleNamespace
    from book.render.pdf import _margins
    found = _margins(SimpleNamespace(margins=margins))
    assert (found["top"], found["outer"], found["bottom"], found["inner"]) == expected


def tiny_project(root: Path) -> Path:
    """Two chapters, a data table, a plain Markdown table, a link across chapters and a cross-reference."""
    (root / "chapters").mkdir()
    (root / "data").mkdir()
    (root / "book.yaml").write_text("title: Tiny\nlanguage: en\ndate: 2026-01-15\n"
                                    "editions:\n  print: {format: pdf}\n  short: {format: pdf, omit: [detail]}\n")
    (root / "data" / "fees.yaml").write_text("caption: Fees\ncolumns:\n  - {key: item, label: Item}\n"
                                             "rows:\n  - {item: Visit}\n")
    (root / "chapters" / "01-start.md").write_text("# Start\n\n## Why\n\nSee [costs](02-costs.md#fees).\n\n"
                                                   "## Detail {.detail}\n\nMore.\n")
    (root / "chapters" / "02-costs.md").write_text("# Costs\n\n| a |\n| - |\n| 1 |\n\n## Fees {#fees}\n\n"
                                                   "{{ table(\"fees\") }}\n\nAs [](#tbl-fees) shows.\n")
    return root


def test_converted_markdown_is_reused_and_checked_again(tmp_path, monkeypatch):
    """A chapter's conversion is kept in .cache/markdown/: an edit converts that chapter alone, the book loads the
    same as without the cache, and an entry written by someone else still goes through the HTML allow-list."""
    import book.load.project as project_module
    from book.infra.errors import BookErrors
    from book.load.project import load_project

    root = tiny_project(tmp_path)
    first = load_project(root)
    converted = []
    real = project_module.convert_chapters
    monkeypatch.setattr(project_module, "convert_chapters",
                        lambda texts, reserved: converted.extend(texts) or real(texts, reserved))
    assert load_project(root).chapters == first.chapters and converted == []
    chapter = root / "chapters" / "01-start.md"
    chapter.write_text(chapter.read_text().replace("More.", "Much more."))
    edited = load_project(root)
    assert len(converted) == 1 and "Much more." in converted[0] and "Much more." in edited.chapters[0].html
    assert edited.chapters[1] == first.chapters[1]
    for entry in (root / ".cache" / "markdown").glob("*.json"):
        entry.write_text(entry.read_text().replace("Much more.", '<img src=x onerror=alert(1)>'))
    with pytest.raises(BookErrors, match="onerror"):
        load_project(root)
    assert len(converted) == 1  # the tampered entry was used, and refused


def test_assembled_book_is_a_plain_value(tmp_path):
    """assemble hands on text and frozen values only: the whole edition compares with ==, as mdBook's tests do."""
    from book.assemble import Block, TableEntry, TocEntry, assemble
    from book.load.project import load_project

    project = load_project(tiny_project(tmp_path))
    book = assemble(project.chapters, project.config, project.config.edition("print"))
    assert [(c.id, c.number, c.anchor) for c in book.chapters] == [("start", "1", "ch-start"), ("costs", "2", "ch-costs")]
    assert book.toc == (
        TocEntry(1, "Start", "1", "start", "ch-start", (TocEntry(2, "Why", "", "start", "why"),
                                                        TocEntry(2, "Detail", "", "start", "detail"))),
        TocEntry(1, "Costs", "2", "costs", "ch-costs", (TocEntry(2, "Fees", "", "costs", "fees"),)))
    # the plain Markdown table before it takes no number: the data table is the chapter's first
    assert book.tables == (TableEntry("tbl-fees", "Table 2.1", "Fees", "costs"),)
    start = book.chapters[0]
    # the `# Start` title is the chapter's; each block keeps its source line; the link is only "#fees"
    assert start.blocks == (Block("start-1", 3), Block("start-2", 5), Block("start-3", 7), Block("start-4", 9))
    assert start.html == ('<h2 id="why">Why</h2>\n<p>See <a href="#fees" class="xref">costs</a>.</p>\n'
                          '<h2 class="detail" id="detail">Detail</h2>\n<p>More.</p>')
    assert [b.line for b in book.chapters[1].blocks] == [3, 7, 9, 11]
    assert book.targets == (("ch-start", "start"), ("why", "start"), ("detail", "start"), ("ch-costs", "costs"),
                            ("fees", "costs"), ("tbl-fees", "costs"))
    assert "As <a href=\"#tbl-fees\" class=\"xref\">Table 2.1</a> shows." in book.chapters[1].html

    # an edition that leaves the detail section out: its own blocks and contents; the first edition is unchanged
    short = assemble(project.chapters, project.config, project.config.edition("short"))
    assert [b.id for b in short.chapters[0].blocks] == ["start-1", "start-2"]
    assert "detail" not in dict(short.targets)
    assert [e.anchor for e in short.toc[0].children] == ["why"]
    assert book == assemble(project.chapters, project.config, project.config.edition("print"))
    # the checks that run on an assembled edition report and change nothing
    from book.assemble.essential import edition_errors
    again = assemble(project.chapters, project.config, project.config.edition("short"))
    assert edition_errors(project.chapters, short) == [] and short == again


def test_admonitions_are_titled_in_the_books_language(tmp_path):
    """GitHub's alerts, `!!!` admonitions and Quarto's callouts read "참고", not "Note", in a Korean book; a
    title the author wrote stays; an English edition of the same chapters keeps the English words."""
    from lxml import html as lxml_html

    from book.assemble import assemble
    from book.load.project import load_project

    root = tiny_project(tmp_path)
    (root / "chapters" / "01-start.md").write_text(
        "# Start\n\n> [!NOTE]\n> A.\n\n!!! warning\n    B.\n\n!!! tip \"Ask first\"\n    C.\n\n"
        "::: {.callout-caution}\nD.\n:::\n\n!!! danger\n    E.\n")

    def titles(language: str) -> list[str]:
        yaml = root / "book.yaml"
        yaml.write_text(re.sub(r"language: \S+", f"language: {language}", yaml.read_text()))
        project = load_project(root)
        book = assemble(project.chapters, project.config, project.config.edition("print"))
        body = lxml_html.fragment_fromstring(book.chapters[0].html, create_parent="div")
        return [p.text for p in body.iter("p") if p.get("class") == "admonition-title"]

    assert titles("ko") == ["참고", "경고", "Ask first", "주의", "Danger"]
    assert titles("ar") == ["ملاحظة", "تحذير", "Ask first", "تنبيه", "Danger"]
    assert titles("en") == ["Note", "Warning", "Ask first", "Caution", "Danger"]


def test_renderers_take_everything_from_the_context(tmp_path):
    """The context is the renderers' only source: the build reads the theme, layout overrides and images into it,
    and the EPUB carries exactly the bytes the context holds, whatever is on disk by then."""
    import dataclasses
    import io
    import zipfile

    from PIL import Image

    from book.assemble import assemble
    from book.commands.assets import render_context
    from book.load.project import load_project
    from book.render.epub import render_epub

    root = tiny_project(tmp_path)
    (root / "book.yaml").write_text((root / "book.yaml").read_text() + "  ebook: {format: epub}\n")
    (root / "images").mkdir()
    Image.new("RGB", (4, 4), "red").save(root / "images" / "dot.png")
    (root / "chapters" / "01-start.md").write_text("# Start\n\n![A red dot](../images/dot.png)\n")
    (root / "layouts").mkdir()
    (root / "layouts" / "parts.css").write_text("/* the project's parts.css */\n")
    project = load_project(root)

    print_context = render_context(project, assemble(project.chapters, project.config, project.config.edition("print")))
    assert print_context.parts_css == ("/* the project's parts.css */\n", (root / "layouts" / "parts.css").resolve().as_uri())
    assert "/* the project's parts.css */" not in print_context.chrome_css[0] and print_context.chrome_css[0]
    assert [base.rsplit("/", 1)[-1] for _, base in print_context.print_css] == ["highlight.css", "print.css"]

    book = assemble(project.chapters, project.config, project.config.edition("ebook"))
    context = render_context(project, book)
    assert [src for src, _ in context.images] == ["images/dot.png"]
    (root / "images" / "dot.png").unlink()  # what the renderer needs was read when the context was made
    context = dataclasses.replace(context, ebook_css=b"/* from the context */", images=(("images/dot.png", b"dot"),))
    with zipfile.ZipFile(io.BytesIO(render_epub(book, context))) as epub:
        assert epub.read("EPUB/style/ebook.css") == b"/* from the context */"
        assert epub.read("EPUB/images/dot.png") == b"dot"


def test_an_incremental_update_holds_what_changed_and_nothing_left_behind():
    import io
    import pikepdf
    from book.render.pdf_update import UpdatablePdf

    original = pikepdf.new()
    original.add_blank_page()
    original.Root.Note = original.make_indirect(pikepdf.Dictionary(Text=pikepdf.String("shared")))
    saved = io.BytesIO()
    original.save(saved, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    base = saved.getvalue()
    updatable = UpdatablePdf(base)
    pdf = updatable.pdf
    files = []
    for name in ("first clinic", "second clinic"):  # one open file, changed once per clinic
        pdf.Root.Note.Extra = pdf.make_indirect(pikepdf.Dictionary(Text=pikepdf.String(name)))
        files.append(updatable.updated([pdf.Root.Note]))
    for name, data in zip(("first clinic", "second clinic"), files):
        assert data.startswith(base) and data.count(b"%%EOF") == 2
        other = ({"first clinic", "second clinic"} - {name}).pop()
        assert name.encode() in data[len(base):] and other.encode() not in data
        with pikepdf.open(io.BytesIO(data)) as reread:
            assert not reread.check_pdf_syntax()
            assert str(reread.Root.Note.Text) == "shared" and str(reread.Root.Note.Extra.Text) == name
            assert bytes(reread.trailer.ID[0]) == bytes(pdf.trailer.ID[0])  # the same document, changed
    assert files[0] != files[1] and updatable.updated([pdf.Root.Note]) == files[1]  # reproducible


def test_image_check_does_not_depend_on_what_the_process_imported():
    """WeasyPrint's import lets Pillow load truncated images for the whole process: a truncated JPEG passed the
    image check in `watch` (or any build after the first) and failed it in a fresh process."""
    import json
    import subprocess
    import sys

    script = ("import io, json; from PIL import Image; from book.load.images import _raster_problem\n"
              "out = io.BytesIO(); Image.new('RGB', (300, 300), 'red').save(out, 'JPEG'); data = out.getvalue()\n"
              "cases = [(data[:len(data) // 2], 'JPEG'), (b'\\x89PNG\\r\\n\\x1a\\nbroken', 'PNG')]\n"
              "before = [_raster_problem(*case) for case in cases]\n"
              "import weasyprint\n"
              "print(json.dumps([before, [_raster_problem(*case) for case in cases]]))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parent.parent)
    before, after = json.loads(result.stdout)
    assert before == after
    assert before[0].startswith("is corrupt (image file is truncated") and before[1].startswith("is not an image")


def test_parsed_stylesheets_are_reused_until_a_file_they_read_changes(tmp_path):
    """`watch` builds many times in one process: a changed font or imported sheet must not be served stale."""
    from book.render.fetcher import parsed_styles

    (tmp_path / "imported.css").write_text("p { color: red; }")
    css = [("@import url(imported.css); h1 { color: blue; }", (tmp_path / "main.css").as_uri())]
    first = parsed_styles(css, [tmp_path])
    assert str(tmp_path / "imported.css") in first[3]
    assert parsed_styles(css, [tmp_path])[2] is first[2]
    (tmp_path / "imported.css").write_text("p { color: green; }")
    assert parsed_styles(css, [tmp_path])[2] is not first[2]


def test_the_quick_library_lookup_finds_what_ctypes_finds():
    """WeasyPrint's library names (text/ffi.py): every name, Linux's and the others, is found as ctypes finds it."""
    import book.render  # noqa: F401 (installs the lookup)
    import ctypes.util

    from book.infra.libraries import CTYPES_FIND_LIBRARY, find_library

    assert ctypes.util.find_library is find_library
    names = ["libgobject-2.0-0", "gobject-2.0-0", "gobject-2.0", "libpango-1.0-0", "pango-1.0", "harfbuzz",
             "harfbuzz-subset", "harfbuzz-vector", "fontconfig-1", "fontconfig", "pangoft2-1.0", "c", "m", "nothing-here"]
    assert [find_library(n) for n in names] == [CTYPES_FIND_LIBRARY(n) for n in names]
    assert find_library("pango-1.0") == "libpango-1.0.so.0"


def test_the_cache_key_sees_the_versions_importlib_metadata_sees():
    """The code digest reads dependency versions from dist-info folder names: the same as importlib.metadata's,
    for every installed distribution, and for every dependency that shapes an output."""
    from importlib import metadata

    from book.infra.cache import DEPENDENCIES, installed_versions

    versions = installed_versions()
    assert all(versions[name] == metadata.version(name) for name in DEPENDENCIES)
    names = {d.metadata["Name"] for d in metadata.distributions()}
    assert len(names) > 20
    assert {name: versions.get(re.sub(r"[-_.]+", "-", name).lower()) for name in names} == {
        name: metadata.version(name) for name in names}


def test_layouts_compiled_once_per_process_follow_their_files(tmp_path):
    """The layout environment outlives a build (`watch`): a project layout added in front of a built-in one, or
    edited, is what the next build renders; a removed one gives the built-in back."""
    import os

    from book.infra.templating import LAYOUTS, layout_env

    assert layout_env(tmp_path) is layout_env(tmp_path)
    builtin = str(LAYOUTS.resolve() / "table.html.j2")
    assert layout_env(tmp_path).get_template("table.html.j2").filename == builtin
    (tmp_path / "layouts").mkdir()
    own = tmp_path / "layouts" / "table.html.j2"
    own.write_text("mine {{ first }}")
    assert layout_env(tmp_path).get_template("table.html.j2").render(first=1) == "mine 1"
    own.write_text("edited {{ first }}")
    os.utime(own, ns=(1, 1))  # even with a time stamp from the past: the size changed
    assert layout_env(tmp_path).get_template("table.html.j2").render(first=2) == "edited 2"
    own.unlink()
    assert layout_env(tmp_path).get_template("table.html.j2").filename == builtin


def _kept_square(value: int, keep: bool) -> tuple[int, list | None]:
    """A KeepingPool call: its result, and what the worker keeps (its process id, to see who kept it)."""
    import os
    if value < 0:
        raise ValueError(f"negative: {value}")
    if value == 13:
        os._exit(3)  # a worker that dies (out of memory, a crash in a library)
    return value * value, ([os.getpid(), value] if keep else None)


def _kept_by(kept: list, add: int) -> tuple[int, int, int]:
    """A KeepingPool finish: the process it runs in, what its worker kept plus `add`, and how many objects that
    worker's garbage collector leaves alone (frozen)."""
    import gc
    import os
    return os.getpid(), kept[1] + add, gc.get_freeze_count()


def _frozen(keep: bool) -> tuple[int, None]:
    """A KeepingPool call never kept: how many objects its worker's garbage collector leaves alone."""
    import gc
    return gc.get_freeze_count(), None


def _where(keep: bool) -> tuple[int, None]:
    """A KeepingPool call never kept: the process it ran in."""
    import os
    return os.getpid(), None


def test_a_keeping_pool_finishes_each_call_where_it_was_kept_within_its_budget():
    from book.infra.parallel import KeepingPool

    with KeepingPool(2, budget=10) as pool:
        results = pool.run([(value, _kept_square, (value,), 4) for value in range(6)] + [(9, _kept_square, (9,), 0)])
        assert results == {value: value * value for value in (*range(6), 9)}
        kept = pool.kept()
        assert 9 not in kept and 2 <= len(kept) <= 4  # cost 4 each, 10 a worker: two each at most
        # kept calls run where they were kept, the others (free) on a worker with nothing kept left
        free = [("where", _where, ()), ("a", _frozen, ()), ("b", _kept_square, (7,))]
        finished = pool.finish({key: (_kept_by, (100,)) for key in kept}, free=free, spare=1)
        assert {key: finished[key][1] for key in kept} == {key: key + 100 for key in kept}
        keepers = {finished[key][0] for key in kept}
        assert len(keepers) == 2  # both workers kept some
        assert finished["where"] not in keepers  # the first free call began at once, in a spare worker
        # kept layouts are left out of the garbage collector's walks while kept, and given back to it after
        assert all(finished[key][2] > 0 for key in kept) and finished["a"] == 0 and finished["b"] == 49
        assert pool.kept() == set()
    with pytest.raises(ValueError, match="negative: -2"), KeepingPool(2, budget=10) as pool:
        pool.run([(1, _kept_square, (1,), 0), (2, _kept_square, (-2,), 0)])
    with pytest.raises(RuntimeError, match="layout worker stopped"), KeepingPool(2, budget=10) as pool:
        pool.run([(1, _kept_square, (13,), 0)])


# Pages that differ in side, blank, first, name and :nth(), and margin boxes with counters and running strings
PAGE_RULES_HTML = """<style>
@page { size: 100mm 80mm; margin: 12mm 10mm; font: 8pt sans-serif;
        @bottom-center { content: counter(page) " / " counter(pages) } }
@page :first { @top-center { content: "first" } }
@page :left { margin-left: 14mm; @top-left { content: "left " counter(page) } }
@page :right { @top-right { content: string(title) } }
@page :blank { @bottom-center { content: none } }
@page chapter { @top-center { content: "chapter" } }
@page chapter:nth(2 of chapter) { counter-reset: page 40; margin-top: 6vh }
@page :nth(5) { background: #eee }
body { font: 9pt/1.3 sans-serif; }
h1 { string-set: title content(); break-before: right; }
section.named { page: chapter; }
</style>"""
# WeasyPrint resolves viewport units in @page rules with the first page's size, known only once that page is made
# (so its own bottom margin comes out other than the next pages'; with nothing to lay it out again, it stays so)
VIEWPORT_HTML = "<style>@page { size: 100mm 80mm; margin: 10mm 10mm 8vh; @bottom-center { content: counter(page) } }</style>"


def _pdf_and_styles(html: str) -> tuple[bytes, int, int]:
    """The PDF of `html` followed by paragraphs in five sections, its page count, and how many computed styles
    its pages have."""
    from weasyprint import HTML
    words = " ".join(f"word{n}" for n in range(260))
    sections = "".join(f'<section class="{"named" if n % 2 else ""}"><h1>Part {n}</h1><p>{words}</p></section>'
                       for n in range(5))
    document = HTML(string=html + sections).render()
    return document.write_pdf(), len(document.pages), len({id(page._page_box.style) for page in document.pages})


def test_pages_matched_by_the_same_page_rules_share_their_styles_and_are_drawn_the_same(monkeypatch):
    import weasyprint.layout.page

    from book.render import page_styles
    page_styles.share_page_styles()
    shared = [_pdf_and_styles(html) for html in (PAGE_RULES_HTML, VIEWPORT_HTML)]
    monkeypatch.setattr(weasyprint.layout.page, "set_page_type_computed_styles", page_styles._computed_anew)
    anew = [_pdf_and_styles(html) for html in (PAGE_RULES_HTML, VIEWPORT_HTML)]
    for (pdf, pages, styles), (pdf_anew, pages_anew, styles_anew) in zip(shared, anew):
        assert pages >= 12 and styles < pages / 2  # shared: far fewer styles than pages
        assert (pages_anew, styles_anew) == (pages, pages)  # WeasyPrint alone: one for each page
        assert pdf == pdf_anew


def test_a_cross_reference_target_is_guessed_from_its_own_chapter_opening():
    from book.render.xref_numbers import expected_by_chapter, expected_numbers
    # three chapters with 2.7, 1.2 and 3 pages of text (100 characters a page), each opening on a right-hand page:
    # pages 1-3, a blank 4, page 5, a blank 6, pages 7-9
    starts = [0, 270, 390, 690]
    positions = {"a": 0, "b": 120, "c": 270, "d": 330, "e": 400, "f": 680}
    on_the_right = lambda index, count: count + count % 2  # noqa: E731
    numbers = expected_by_chapter(starts, positions, set(positions), 100, on_the_right)
    assert numbers == {"a": "1", "b": "2", "c": "5", "d": "5", "e": "7", "f": "9"}
    assert expected_by_chapter(starts, positions, {"f"}, 100, lambda index, count: count) == {"f": "7"}
    assert expected_numbers(positions, {"f"}, 100) == {"f": "7"}  # one run of text: the openings not counted


@pytest.mark.parametrize("source, marked", [
    # a block of left-to-right text only: laid out left to right; code always
    ("<p>Some <em>fine</em> tools.</p><pre>x</pre>", '<p dir="ltr">Some <em>fine</em> tools.</p><pre dir="ltr">x</pre>'),
    # a left-to-right run across inline boxes in right-to-left text: isolated; one inside a single box: left alone
    ("<p>عربي <b>Python</b> tools for <i>Arabic</i> text عربي.</p>",
     '<p>عربي <span dir="ltr"><b>Python</b> tools for <i>Arabic</i> text</span> عربي.</p>'),
    ("<p>نص Python tools <b>عربي</b> and <a href='x'>link</a> end</p>",
     '<p>نص <span dir="ltr">Python tools</span> <b>عربي</b> <span dir="ltr">and <a href="x">link</a> end</span></p>'),
    ("<p>نص <em>emph <b>bold</b> more</em> نص <code>x = 1</code> نص</p>",
     '<p>نص <span dir="ltr"><em>emph <b>bold</b> more</em></span> نص <span dir="ltr"><code>x = 1</code></span> نص</p>'),
    # several words, digits or brackets in one box (a visual review of the Arabic brochure: "2019 ACR/Arthritis
    # Foundation" printed as "ACR 2019/…", "(Dr. Chris / Gunwoo Kim)" split with its brackets turned); one word,
    # a number alone, a bracketed word stay as they are
    ("<p>إرشادات 2019 ACR/Arthritis Foundation للعلاج، الدكتور كيم (Dr. Chris Gunwoo Kim) هنا</p>",
     '<p>إرشادات <span dir="ltr">2019 ACR/Arthritis Foundation</span> للعلاج، الدكتور كيم '
     '<span dir="ltr">(Dr. Chris Gunwoo Kim)</span> هنا</p>'),
    ("<p>اسمه NovaStem (بحسب) و(PRP) و 5,000 دولار</p>", "<p>اسمه NovaStem (بحسب) و(PRP) و 5,000 دولار</p>"),
    # a run stops at a block, a line break or an element that says its direction; a said direction stays
    ("<ul><li>عربي <b>A</b> B<br/>C <i>D</i><p>عربي</p></li></ul><p dir='rtl'>Only <b>Latin</b></p>",
     '<ul><li>عربي <span dir="ltr"><b>A</b> B</span><br/><span dir="ltr">C <i>D</i></span><p>عربي</p></li></ul>'
     '<p dir="rtl">Only <b>Latin</b></p>'),
    ("<p>عربي 2024 <b>عربي</b> عربي</p>", "<p>عربي 2024 <b>عربي</b> عربي</p>"),
])
def test_left_to_right_text_in_a_right_to_left_book_is_isolated(source, marked):
    from lxml import etree
    from lxml import html as lxml_html

    from book.assemble.direction import mark_left_to_right
    body = lxml_html.fragment_fromstring(source, create_parent="div")
    text = body.xpath("string()")
    mark_left_to_right(body)
    assert etree.tostring(body, encoding="unicode") == f"<div>{marked}</div>"
    assert body.xpath("string()") == text


def test_authors_are_translated_per_language():
    # (a visual review: the Arabic, Russian and Chinese title pages named "The Guidebook editorial team")
    from pathlib import Path
    config = load_config(Path(__file__).resolve().parent.parent)
    assert config.authors == ("The Guidebook editorial team",)
    assert config.for_language("ar").authors == ("فريق تحرير Guidebook",)
    assert config.for_language("ru").identifier == config.identifier  # (one book: one identifier)
