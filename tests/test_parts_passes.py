"""How often the parts engine lays a part out, and that laying out fewer times gives the same PDF: page numbers
written into a chapter's first layout, sides known from the chapters before, kept layouts within a memory
budget; and a build interrupted while its workers lay parts out."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from book.cli import main
from conftest import FIXTURES, pdf_pages_text


# --- Cross-references' page numbers written into a chapter's first layout (book/render/xref_numbers.py) ---

def _xref_project(root, name: str):
    """The editions fixture with long chapters that point at each other, and a one-sided tagged parts edition."""
    project = root / name
    shutil.copytree(FIXTURES / "editions", project)
    for n in range(3, 8):
        text = "\n\n".join(f"Paragraph {i} of chapter {n}, " + "words that fill the page " * 12 for i in range(2 * n))
        (project / "chapters" / f"0{n}-more{n}.md").write_text(
            f"# More {n}\n\n## Part A {{#part-{n}}}\n\n{text}\n\n## Part B\n\nSee [the prices](02-details.md#prices), "
            f"[](0{3 + (n - 2) % 5}-more{3 + (n - 2) % 5}.md#part-{3 + (n - 2) % 5}) and [](01-intro.md).\n")
    with (project / "book.yaml").open("a") as config:
        config.write("  xrefs: {format: pdf, page_size: A5, two_sided: false, pdf_engine: parts}\n")
    return project


def _logged_layouts(tmp_path, monkeypatch, line):
    """A file to which every part's layout, in forked workers too, appends `line(html)`."""
    import book.render.pdf_parts as pdf_parts

    log = tmp_path / "layouts.txt"
    real = pdf_parts._laid_out

    def logged(html, *rest):
        with log.open("a") as out:
            out.write(f"{line(html)}\n")
        return real(html, *rest)

    monkeypatch.setattr(pdf_parts, "_laid_out", logged)
    return log


def _xrefs_in(html: str) -> int:
    """How many cross-references with a page number a part's HTML has."""
    return html.count('class="xref-page')


def test_a_cold_build_writes_the_page_numbers_into_the_first_layout(tmp_path, monkeypatch):
    """A chapter that prints its cross-references' pages is laid out once on a cold build: the numbers found are
    written into the layout, and the PDF is byte for byte the one the old way (a second layout with the numbers)
    makes."""
    import book.render.pdf_parts as pdf_parts
    from book.infra.parallel import worker_count

    log = _logged_layouts(tmp_path, monkeypatch, _xrefs_in)
    project = _xref_project(tmp_path, "book")
    assert main(["build", "-q", "--project", str(project), "xrefs"]) == 0
    once = log.read_text().split()
    pdf = project / "dist" / "editions-test-book-xrefs.pdf"
    written = pdf.read_bytes()
    # the same folder (a PDF names its images after their paths), from nothing again, the numbers never written in
    log.unlink()
    shutil.rmtree(project / ".cache")
    monkeypatch.setattr(pdf_parts, "write_in_numbers", lambda *args: False)
    looked_up, render_all = [], pdf_parts._render_all
    monkeypatch.setattr(pdf_parts, "_render_all", lambda jobs, *rest: looked_up.extend(jobs) or render_all(jobs, *rest))
    assert main(["build", "-q", "--force", "--project", str(project), "xrefs"]) == 0
    twice = log.read_text().split()
    if worker_count(2) > 1:  # laid out again at once with the numbers found, moving no page: no more passes
        assert [job for job in looked_up if "part-chrome" not in job[0] and 'id="contents"' not in job[0]] == []
    with_xrefs = 7  # every chapter: the intro, the details (back to the intro), the five long ones
    assert len([n for n in once if n != "0"]) == with_xrefs, once
    assert len([n for n in twice if n != "0"]) == 2 * with_xrefs, twice
    assert written == pdf.read_bytes()
    pages = pdf_pages_text(pdf)
    text = " ".join(" ".join(pages).split())
    part_4 = PdfReader(pdf).page_labels[next(i for i, p in enumerate(pages) if "Paragraph 0 of chapter 4" in p)]
    assert int(part_4) > 3 and re.search(rf"See the prices, page \d, Part A, page {part_4} and Chapter 1, page 1\.", text)


def test_a_cold_build_on_all_cores_lays_out_the_front_matter_and_running_heads_once(tmp_path, monkeypatch):
    """The front matter and the running heads are laid out while the workers draw the chapters they kept (the page
    numbers then known), and the last pass finds them laid out: on a cold build each is laid out once, and no
    part is laid out twice the same (two-sided, the running heads' sides are known before the front matter is)."""
    import hashlib

    from book.render.pdf_parts import CHROME_CHUNKS

    def kind(html: str) -> str:
        named = "front" if 'id="contents"' in html else "chrome" if "part-chrome" in html[:5000] else "chapter"
        return f"{named}:{hashlib.sha256(html.encode()).hexdigest()}"

    log = _logged_layouts(tmp_path, monkeypatch, kind)
    project = _xref_project(tmp_path, "book")
    with (project / "book.yaml").open("a") as config:
        config.write("  spread: {format: pdf, page_size: A5, pdf_engine: parts}\n")
    assert main(["build", "-q", "--project", str(project), "spread"]) == 0
    laid = log.read_text().split()
    kinds = [line.partition(":")[0] for line in laid]
    assert kinds.count("front") == 1 and 1 <= kinds.count("chrome") <= CHROME_CHUNKS, kinds
    assert kinds.count("chapter") >= 7 and len(laid) == len(set(laid)), kinds


@pytest.mark.parametrize("editions", [("xrefs",), ("xrefs", "other")], ids=["on all cores", "side by side"])
def test_an_edit_that_moves_pages_renumbers_the_cross_references_of_chapters_it_did_not_touch(tmp_path, editions):
    """Chapter 3 grows by pages: chapter 4, unchanged and reused from the cache, must print the page Part A of
    chapter 5 moved to. The build after the edit is byte for byte a cold build of the edited text. (It printed the
    old page: the numbers found were taken as settled once the edited chapter had them written in.) Alone, the
    edition's chapters are laid out on all cores; beside another edition, one after the other."""
    project = _xref_project(tmp_path, "book")
    with (project / "book.yaml").open("a") as config:
        config.write("  other: {format: pdf, page_size: A4, two_sided: false, pdf_engine: parts}\n")
    assert main(["build", "-q", "--project", str(project), *editions]) == 0
    grown = project / "chapters" / "03-more3.md"
    added = "\n\n".join(f"Added paragraph {i}, " + "words that fill the page " * 12 for i in range(10))
    grown.write_text(grown.read_text().replace("## Part B", f"{added}\n\n## Part B"))
    assert main(["build", "-q", "--project", str(project), *editions]) == 0
    pdf = project / "dist" / "editions-test-book-xrefs.pdf"
    pages = pdf_pages_text(pdf)
    labels = PdfReader(pdf).page_labels
    part_5 = labels[next(i for i, p in enumerate(pages) if "Paragraph 0 of chapter 5" in p)]
    chapter_4 = " ".join(" ".join(p for p in pages if "of chapter 4" in p).split())
    assert f"Part A, page {part_5} and" in chapter_4
    after_edit = pdf.read_bytes()
    shutil.rmtree(project / ".cache")
    assert main(["build", "-q", "--force", "--project", str(project), *editions]) == 0
    assert after_edit == pdf.read_bytes()


def test_editions_side_by_side_lay_each_chapter_out_once_on_its_own_side(tmp_path, monkeypatch):
    """Editions built together each lay out their chapters one after the other on a core of their own, so each
    chapter's side of the spread is known before it is laid out: where chapters open on either side, none is laid
    out twice. On all cores the sides are guessed and some chapters are laid out again; the PDF is the same."""
    import hashlib

    log = _logged_layouts(tmp_path, monkeypatch, lambda html: hashlib.sha256(html.encode()).hexdigest())
    project = tmp_path / "editions"
    shutil.copytree(FIXTURES / "editions", project)
    for n in range(3, 7):  # chapters of odd and even page counts: some open on a left-hand page
        text = "\n\n".join(f"Paragraph {i} of chapter {n}, " + "words that fill the page " * 40 for i in range(5 + 3 * n))
        (project / "chapters" / f"0{n}-more{n}.md").write_text(f"# More {n}\n\n{text}\n")
    free = "{format: pdf, page_size: A5, pdf_variant: none, recto_chapters: false, margins: 15mm 9mm 17mm 25mm, pdf_engine: parts}"
    with open(project / "book.yaml", "a", encoding="utf-8") as config:
        config.write(f"  free: {free}\n  other: {{format: pdf, page_size: A5, pdf_engine: parts}}\n")
    pdf = project / "dist" / "editions-test-book-free.pdf"

    def layouts(*editions: str) -> tuple[list[str], bytes]:
        shutil.rmtree(project / ".cache", ignore_errors=True)
        log.write_text("")
        assert main(["build", "-q", "--force", "--project", str(project), *editions]) == 0
        return log.read_text().split(), pdf.read_bytes()

    together, in_order = layouts("free", "other")
    alone, guessed = layouts("free")
    assert len(together) == len(set(together)), "a chapter laid out twice"
    assert len(alone) > len(set(alone))  # the fixture has chapters whose side a guess gets wrong
    assert in_order == guessed
    openings = [i for i, page in enumerate(pdf_pages_text(pdf)) if "Paragraph 0 of chapter" in page]
    assert {i % 2 for i in openings} == {0, 1}, openings


def test_chinese_cross_references_get_their_page_numbers_on_the_first_layout(tmp_path, monkeypatch):
    """A Chinese page holds about half the characters of a Latin one. The guess at a cross-reference's page,
    whose digit count the first layout must get right for the numbers to be written in, counts a Han character
    as two: each chapter is laid out once. (Counted as one, pages were guessed at about half their number, and
    chapters were laid out again, here and in the guide's Chinese brochure: 4 of 6.)"""
    log = _logged_layouts(tmp_path, monkeypatch, _xrefs_in)
    project = tmp_path / "zh"
    shutil.copytree(FIXTURES / "lang-zh-hans", project)
    for n in range(3, 8):
        text = "\n\n".join(f"第{i}段：膝骨关节炎是一种常见的关节疾病，患者应当在治疗前咨询医生并了解风险。" * 6 for i in range(3 * n))
        later = 3 + (n - 2) % 5
        (project / "chapters" / f"0{n}-more{n}.md").write_text(
            f"# 第{n}章\n\n见[](0{later}-more{later}.md#part-{later})。\n\n{text}\n\n## 部分 {{#part-{n}}}\n\n结束。\n",
            encoding="utf-8")
    with (project / "book.yaml").open("a", encoding="utf-8") as config:
        config.write("  xrefs: {format: pdf, page_size: A5, pdf_variant: none, two_sided: false, pdf_engine: parts}\n")
    assert main(["build", "-q", "--project", str(project), "xrefs"]) == 0
    laid_out = [n for n in log.read_text().split() if n != "0"]
    assert len(laid_out) == 6, laid_out  # the five, and the first chapter (it points at the second and a table)
    pages = pdf_pages_text(project / "dist" / next(p.name for p in (project / "dist").glob("*xrefs.pdf")))
    assert len(pages) > 20 and any(re.search(r"第1\d页|1\d", page) for page in pages)


def test_chapters_past_the_memory_budget_are_laid_out_again_and_give_the_same_pdf(tmp_path, monkeypatch):
    """A chapter with cross-references is kept laid out (in a worker, or in the edition's process when editions
    go side by side) only within a memory budget; past it, it is laid out again with the numbers found. Both ways
    give the same PDF, on all cores and one after the other."""
    import book.render.pdf_parts as pdf_parts

    project = _xref_project(tmp_path, "book")
    with (project / "book.yaml").open("a") as config:
        config.write("  other: {format: pdf, page_size: A4, two_sided: false, pdf_engine: parts}\n")
    pdf = project / "dist" / "editions-test-book-xrefs.pdf"

    def built(*editions: str) -> bytes:
        shutil.rmtree(project / ".cache", ignore_errors=True)
        assert main(["build", "-q", "--force", "--project", str(project), *editions]) == 0
        return pdf.read_bytes()

    kept, kept_in_order = built("xrefs"), built("xrefs", "other")
    monkeypatch.setattr(pdf_parts, "KEPT_CHARACTERS", 2000)  # about one chapter a worker
    monkeypatch.setattr(pdf_parts, "HELD_CHARACTERS", 0)
    assert built("xrefs") == kept == kept_in_order == built("xrefs", "other")


def _build_under_way(tmp_path):
    """A long parts build of a book built once before, started as a process group of its own and now laying out:
    (the process, its PDF's path, the PDF the build before made)."""
    import signal
    import sys
    import time

    project = _xref_project(tmp_path, "book")
    for n in range(8, 20):  # long enough to be interrupted while the workers lay it out
        text = "\n\n".join(f"Paragraph {i} of chapter {n}, " + "words that fill the page " * 40 for i in range(40))
        (project / "chapters" / f"{n}-long{n}.md").write_text(f"# Long {n}\n\n{text}\n\nSee [](03-more3.md).\n")
    assert main(["build", "-q", "--project", str(project), "xrefs"]) == 0
    pdf = project / "dist" / "editions-test-book-xrefs.pdf"
    before = pdf.read_bytes()
    shutil.rmtree(project / ".cache")  # (else the parts come from it)
    build = subprocess.Popen([sys.executable, "-c", "import sys; from book.cli import main; sys.exit(main(sys.argv[1:]))",
                              "build", "--force", "--project", str(project), "xrefs"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert build.stdout.readline().startswith(b"load")
    assert build.stdout.readline().startswith(b"layout")
    time.sleep(1.0)
    assert build.poll() is None, "the build ended before it could be interrupted"
    return build, pdf, before


def _group_gone(group: int, seconds: float) -> bool:
    """Whether no process of `group` is left within `seconds`."""
    import os
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


def test_ctrl_c_during_the_layout_stops_every_process_quietly_and_keeps_the_last_outputs(tmp_path):
    """Ctrl-C reaches the whole process group: the build exits with 130, no worker prints a traceback of its
    own, no process is left, and the outputs of the last build stay as they were."""
    import os
    import signal

    build, pdf, before = _build_under_way(tmp_path)
    os.killpg(build.pid, signal.SIGINT)
    output = build.communicate(timeout=60)[0].decode()
    assert build.returncode == 130, output
    assert "Traceback" not in output and "rror" not in output, output
    assert _group_gone(build.pid, 2)
    assert pdf.read_bytes() == before


def test_workers_of_a_killed_build_stop(tmp_path):
    """The build's own process killed (SIGKILL: it can do nothing): its layout workers see their pipes close and
    stop, instead of waiting for calls forever with their layouts in memory; the last outputs stay."""
    import os
    import signal

    build, pdf, before = _build_under_way(tmp_path)
    os.kill(build.pid, signal.SIGKILL)
    build.wait(timeout=10)
    assert _group_gone(build.pid, 20), "layout workers left running"
    assert pdf.read_bytes() == before
