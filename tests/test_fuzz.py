"""Generated chapters: the build either succeeds with a valid EPUB and a readable PDF, or fails in one clean line.

`make test` runs a few examples; `make fuzz` runs 500 (GUIDEBOOK_FUZZ_EXAMPLES).
"""
from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from book.cli import main
from conftest import epubcheck_jars

EXAMPLES = int(os.environ.get("GUIDEBOOK_FUZZ_EXAMPLES", "8"))
BOOK_YAML = "title: Fuzz\nlanguage: en\ndate: 2026-01-01\neditions:\n  print: {format: pdf}\n  ebook: {format: epub}\n"

scripts = st.sampled_from(["knee pain", "مرحبا بالعالم", "שלום עולם", "膝关节炎治疗", "ひざの痛み", "😀🦵✨", "naïve café",
                           "x" * 250, "word " * 60])
plain = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)
good = st.one_of(
    scripts, plain,
    st.builds(lambda t: f"*{t}*", scripts),
    st.builds(lambda t: f"<em>{t}</em>", scripts),
    st.builds(lambda t: f'<span class="x">{t}</span>', scripts),
    st.sampled_from(["[to two](02-two.md)", "[web](https://example.com)", "[^1]", "[^nope]", "&amp; &lt; &#x1F600;"]),
)
bad = st.sampled_from(["<script>alert(1)</script>", '<b onclick="x()">b</b>', "[js](javascript:alert(1))",
                       "<iframe></iframe>", "<style>p{}</style>", "[missing](09-nope.md)", "[bad anchor](#nowhere)",
                       "[to anchor](02-two.md#part)", "[](#tbl-x)", "{{ table('none') }}", "{% if %}"])
inline = st.one_of(good, good, good, good, good, good, good, good, good, bad)  # mostly valid, some mistakes
paragraph = st.lists(inline, min_size=1, max_size=6).map(" ".join)
heading = st.builds(lambda level, text: "#" * level + " " + text, st.integers(1, 6), scripts)
table = st.builds(
    lambda rows: "| a | b | c |\n|---|---|---|\n" + "\n".join("| " + " | ".join(r) + " |" for r in rows),
    st.lists(st.lists(scripts, min_size=1, max_size=5), min_size=1, max_size=4))
nested = st.builds(lambda a, b, c: f"- {a}\n    - {b}\n        1. {c}", scripts, scripts, scripts)
footnote = st.builds(lambda t: f"[^1]: {t}", scripts)
block = st.one_of(paragraph, heading, table, nested, footnote, st.just("```\ncode {{ x }}\n```"), st.just("## Part {#part}"))
text_chapter = st.lists(block, min_size=1, max_size=8).map("\n\n".join).filter(lambda text: text.strip())
# now and then an empty file (a dice roll, since Hypothesis favours the simplest branch of one_of)
chapter = st.tuples(st.integers(0, 15), text_chapter).map(lambda r: {0: "", 1: "   \n"}.get(r[0], r[1]))


def build(chapters: list[str]) -> tuple[int, str, Path]:
    folder = Path(tempfile.mkdtemp(prefix="fuzz-"))
    (folder / "chapters").mkdir()
    (folder / "book.yaml").write_text(BOOK_YAML)
    for index, text in enumerate(chapters, start=1):
        name = "02-two.md" if index == 2 else f"0{index}-c{index}.md"
        # blank files stay blank (an error to report); the rest get a title, or two thirds of them do
        titled = f"# Chapter {index}\n\n{text}\n" if text.strip() and (index == 2 or len(text) % 7) else text
        (folder / "chapters" / name).write_text(titled, encoding="utf-8")
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        code = main(["build", "-q", "--project", str(folder)])
    return code, stderr.getvalue(), folder


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(chapter, min_size=1, max_size=3))
def test_generated_chapters_build_or_fail_cleanly(chapters):
    code, err, folder = build(chapters)
    try:
        assert code in (0, 1), f"exit {code}: {err}"
        assert "Traceback" not in err
        event("failed cleanly" if code == 1 else "built and validated")
        if code == 1:
            lines = err.strip().splitlines()
            assert lines, "failed without saying why"
            assert all(": " in line for line in lines), err
            return
        pdf = folder / "dist" / "fuzz-print.pdf"
        assert len(PdfReader(str(pdf)).pages) >= 1
        result = subprocess.run([*epubcheck_jars()[0], str(folder / "dist" / "fuzz-ebook.epub")],
                                capture_output=True, text=True)
        report = result.stdout + result.stderr
        assert result.returncode == 0 and "ERROR" not in report and "WARNING" not in report, report
    finally:
        shutil.rmtree(folder, ignore_errors=True)
