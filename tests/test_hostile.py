"""Hostile and broken projects (issue 18): each case is a project a stranger could hand us.

Every case copies one built fixture (tests/hostile/base, built once), breaks it in one way, and runs the real
command line in a process of its own (forked from one that has only imported guidebook and WeasyPrint,
tests/tools/fork_server.py) under a 2 GB address-space limit and a time limit. Each asserts the exit code,
the one-line `path:line: message` it must print, that no traceback appears, that nothing outside the project
was opened (an audit hook in the case's process reports any open() that lands outside), that nothing outside
the project was written, that no scratch folder is left in the temporary folder, and that the outputs of
the previous build in dist/ are byte-for-byte intact.
"""
from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

REPO = Path(__file__).resolve().parent.parent
BASE = Path(__file__).resolve().parent / "hostile" / "base"
PNG = REPO / "tests" / "fixtures" / "editions" / "images" / "diagram.png"
MEMORY_LIMIT = 2 * 1024**3
TIME_LIMIT = 60
SECRET = "SECRET-7f3a-outside-the-project"
EPOCH = "1767225600"

# Runs the CLI with the limits applied and an audit hook reporting any file opened outside the project.
RUNNER = r"""
import os, resource, signal, sys
resource.setrlimit(resource.RLIMIT_AS, (int(os.environ["HOSTILE_MEMORY"]),) * 2)
if os.environ.get("HOSTILE_FSIZE"):
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(os.environ["HOSTILE_FSIZE"]),) * 2)
outside = os.path.realpath(os.environ["HOSTILE_OUTSIDE"]) + os.sep

def hook(event, args):
    if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.path.realpath(os.fsdecode(args[0]))
        if path.startswith(outside):
            os.write(2, f"OUTSIDE-READ {path}\n".encode())

sys.addaudithook(hook)
if os.environ.get("HOSTILE_TEMPLATE_SECONDS"):  # the template time limit, lowered for one case (it burns the limit)
    import book.infra.templating
    book.infra.templating.MAX_TEMPLATE_SECONDS = float(os.environ["HOSTILE_TEMPLATE_SECONDS"])
from book.cli import main
sys.exit(main(sys.argv[1:]))
"""


class ForkServer:
    """tests/tools/fork_server.py, started once per test process: each case runs in a child forked from a process
    that has imported WeasyPrint and guidebook and done nothing else (a fresh interpreter would spend a second
    of CPU on those imports); limits, audit hook, environment and folder are each case's own."""

    def __init__(self, environment: dict):
        self.environment = environment
        self.process: subprocess.Popen | None = None
        self.output = Path(tempfile.mkdtemp(prefix="hostile-output-"))
        atexit.register(shutil.rmtree, self.output, True)

    def run(self, args: list[str], env: dict, cwd: Path) -> subprocess.CompletedProcess:
        if self.process is None:
            self.process = subprocess.Popen([sys.executable, str(REPO / "tests" / "tools" / "fork_server.py")],
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=self.environment)
            atexit.register(self.process.kill)
        out, err = self.output / "stdout", self.output / "stderr"
        request = {"argv": args, "env": env, "cwd": str(cwd), "stdout": str(out), "stderr": str(err),
                   "timeout": TIME_LIMIT, "code": RUNNER}
        self.process.stdin.write((json.dumps(request) + "\n").encode())
        self.process.stdin.flush()
        answer = json.loads(self.process.stdout.readline())
        if answer["timed_out"]:
            raise subprocess.TimeoutExpired(args, TIME_LIMIT)
        return subprocess.CompletedProcess(args, answer["returncode"], out.read_text(errors="replace"),
                                           err.read_text(errors="replace"))


SERVERS: list[ForkServer] = []  # one per test process, started by the first case


def run_cli(project: Path, outside: Path, scratch: Path, args: list[str], env: dict | None = None,
            fsize: int | None = None) -> subprocess.CompletedProcess:
    # what every case shares (the fork server imports guidebook in it: GUIDEBOOK_WORKERS is read at import)
    shared = {**os.environ, "GUIDEBOOK_WORKERS": "1", "SOURCE_DATE_EPOCH": EPOCH, "PYTHONPATH": str(REPO),
              "HOSTILE_MEMORY": str(MEMORY_LIMIT)}
    environment = {**shared, "TMPDIR": str(scratch), "HOSTILE_OUTSIDE": str(outside), **(env or {})}
    if fsize:
        environment["HOSTILE_FSIZE"] = str(fsize)
    if not SERVERS:
        SERVERS.append(ForkServer(shared))
    return SERVERS[0].run([*args, "--project", str(project)], environment, project)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below `folder` (links as their targets' names) by relative path."""
    files = {}
    for path in sorted(folder.rglob("*")):
        key = path.relative_to(folder).as_posix()
        if path.is_symlink():
            files[key] = os.readlink(path).encode()
        elif path.is_file():
            files[key] = path.read_bytes()
    return files


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """The base project, built once: dist/ holds the outputs every case must leave intact."""
    folder = tmp_path_factory.mktemp("hostile-base")
    project, outside, scratch = folder / "book", folder / "outside", folder / "tmp"
    shutil.copytree(BASE, project)
    outside.mkdir()
    scratch.mkdir()
    result = run_cli(project, outside, scratch, ["build", "-q"])
    assert result.returncode == 0, result.stderr
    return project


# ---------------------------------------------------------------------------------------------------- helpers
def write(project: Path, relative: str, text: str | bytes) -> Path:
    path = project / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)
    return path


def link(project: Path, relative: str, target: Path) -> None:
    path = project / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)


def config_add(project: Path, text: str) -> None:
    """Append lines to book.yaml (its 7 lines stay where they are: the new ones start at line 8)."""
    path = project / "book.yaml"
    path.write_text(path.read_text() + text)


def config_replace(project: Path, old: str, new: str) -> None:
    path = project / "book.yaml"
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new))


def chapter(project: Path, body: str, name: str = "03-extra.md") -> None:
    """A third chapter: line 1 is its title, `body` starts on line 3."""
    write(project, f"chapters/{name}", "# Extra\n\n" + body)


def png(width: int, height: int) -> bytes:
    """A PNG header claiming width × height pixels (Pillow reads the size without decoding)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def alias_bomb(levels: int = 7) -> str:
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def image_chapter(project: Path, name: str, data: bytes) -> None:
    write(project, f"images/{name}", data)
    chapter(project, f"![A picture](../images/{name})\n")


SVG_SCRIPT = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'
SVG_ONLOAD = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="alert(1)"><rect width="5" height="5"/></svg>'


@dataclass
class Case:
    name: str
    setup: Callable[[Path, Path], None]  # (project, outside folder)
    expect: list[str] = field(default_factory=list)  # regexes, each must match a whole stderr line
    code: int = 1
    args: list[str] = field(default_factory=lambda: ["build"])
    env: dict = field(default_factory=dict)
    fsize: int | None = None
    out: Callable[[Path], Path] | None = None  # --out, from the project folder

    def __str__(self) -> str:
        return self.name


CASES = [
    # --- escapes: every file the build reads is a regular file inside the project
    Case("chapter-symlink-out", lambda p, o: link(p, "chapters/03-leak.md", o / "secret.md"),
         [r"chapters/03-leak\.md: is a link to somewhere outside the project folder \(.*\)"]),
    Case("stylesheet-symlink-out", lambda p, o: (write(p, "styles/print.css", "p {}"), link(p, "styles/ebook.css", o / "secret.css")),
         [r"styles/ebook\.css: is a link to somewhere outside the project folder \(.*\)"]),
    Case("data-symlink-out", lambda p, o: link(p, "data/leak.yaml", o / "secret.yaml"),
         [r"data/leak\.yaml: is a link to somewhere outside the project folder \(.*\)"]),
    Case("images-folder-symlink-out", lambda p, o: link(p, "images", o),
         [r"images: is a link to somewhere outside the project folder \(.*\)"]),
    Case("dangling-symlink-chapter", lambda p, o: link(p, "chapters/03-gone.md", o / "missing.md"),
         [r"chapters/03-gone\.md: is a link to somewhere outside the project folder \(.*\)"]),
    Case("symlink-loop-chapter", lambda p, o: link(p, "chapters/03-loop.md", p / "chapters" / "03-loop.md"),
         [r"chapters/03-loop\.md: cannot be read \(.*\)"]),
    Case("layout-include-symlink-out", lambda p, o: (link(p, "layouts/secret.txt", o / "secret.txt"),
                                                      write(p, "layouts/table.html.j2", '{% include "secret.txt" %}')),
         [r"layouts/secret\.txt: is a link to somewhere outside the project folder \(.*\)"]),
    Case("layout-sandbox-escape", lambda p, o: write(p, "layouts/table.html.j2", "{{ cycler.__init__.__globals__.os.getcwd() }}"),
         [r"layouts/table\.html\.j2:1: layout error: access to attribute '__init__' of 'type' object is unsafe\. \(.*\)"]),
    Case("listed-chapter-outside (already held)", lambda p, o: config_add(p, "chapters: [../outside/secret.md]\n"),
         [r"book\.yaml:8: '\.\./outside/secret\.md' is outside the project folder \(.*\)"]),
    Case("absolute-cover (already held)", lambda p, o: config_add(p, f"cover: {o / 'secret.png'}\n"),
         [r"book\.yaml:8: '/.*/secret\.png' is outside the project folder \(.*\)"]),
    Case("raw-script (already held)", lambda p, o: chapter(p, "Text <script>alert(1)</script>\n"),
         [r"chapters/03-extra\.md:3: raw HTML <script> is not allowed \(.*\)"]),
    Case("remote-image (already held)", lambda p, o: chapter(p, "![x](https://example.com/a.png)\n"),
         [r"chapters/03-extra\.md:3: 'https://example\.com/a\.png' is a remote or file:// resource.*"]),
    Case("svg-script", lambda p, o: image_chapter(p, "evil.svg", SVG_SCRIPT),
         [r"chapters/03-extra\.md:3: image 'evil\.svg' contains <script>, which an image may not carry .*"]),
    Case("svg-event-attribute", lambda p, o: image_chapter(p, "evil.svg", SVG_ONLOAD),
         [r"chapters/03-extra\.md:3: image 'evil\.svg' has an event attribute 'onload' on <svg> .*"]),
    # --- hangs and memory: bounded work, the limit named
    Case("fifo-chapter", lambda p, o: os.mkfifo(p / "chapters" / "03-pipe.md"),
         [r"chapters/03-pipe\.md: is not a regular file \(a FIFO, device or socket\) \(.*\)"]),
    Case("fifo-data-table", lambda p, o: os.mkfifo(p / "data" / "pipe.yaml"),
         [r"data/pipe\.yaml: is not a regular file \(a FIFO, device or socket\) \(.*\)"]),
    Case("alias-bomb-book-yaml", lambda p, o: config_add(p, alias_bomb()),
         [r"book\.yaml:1[0-9]: YAML aliases expand to more than 100,000 values \(.*\)"]),
    Case("alias-bomb-data-table", lambda p, o: write(p, "data/bomb.yaml", alias_bomb(9)),
         [r"data/bomb\.yaml:[0-9]: YAML aliases expand to more than 100,000 values \(.*\)"]),
    Case("self-referencing-alias", lambda p, o: config_add(p, "keywords: &k [a, *k]\n"),
         [r"book\.yaml:8: a YAML alias refers to the value that contains it \(.*\)"]),
    Case("template-huge-string", lambda p, o: chapter(p, "{{ 'a' * 10**9 }}\n"),
         [r"chapters/03-extra\.md:3: template stopped: '\*' would make something longer than the limit of 1,000,000 \(.*\)"]),
    Case("template-lipsum", lambda p, o: chapter(p, "text\n\n{{ lipsum(n=10**7) }}\n"),
         [r"chapters/03-extra\.md:5: template stopped: lipsum\(\) makes at most 100 paragraphs \(.*\)"]),
    Case("template-nested-loops", lambda p, o: chapter(
        p, "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}\n"),
         [r"chapters/03-extra\.md:3: template stopped: took longer than the limit of 2 s \(.*\)"],
         env={"HOSTILE_TEMPLATE_SECONDS": "2"}),  # the real limit is 10 s: the mechanism, without 10 s of CPU
    Case("template-loop-output", lambda p, o: chapter(p, "{% for i in range(100000) %}{{ 'x' * 999 }}{% endfor %}\n"),
         [r"chapters/03-extra\.md:3: template stopped: its output is longer than the limit of 5,000,000 characters \(.*\)"]),
    Case("template-filter-memory", lambda p, o: chapter(p, "{{ 'a' | center(1500000000) }}\n"),
         [r"chapters/03-extra\.md:3: template stopped: needed more than the limit of 500 MB of memory \(.*\)"]),
    Case("template-recursive-macro", lambda p, o: chapter(p, "{% macro f(n) %}{{ f(n) }}{% endmacro %}\n{{ f(1) }}\n"),
         [r"chapters/03-extra\.md:[34]: template error: macros call each other too deeply \(.*\)"]),
    Case("template-division-by-zero", lambda p, o: chapter(p, "Text.\n\n{{ 1/0 }}\n"),
         [r"chapters/03-extra\.md:5: template error: ZeroDivisionError: division by zero \(.*\)"]),
    Case("template-huge-power", lambda p, o: chapter(p, "{{ 10**5000 }}\n"),
         [r"chapters/03-extra\.md:3: template stopped: '\*\*' would make a number larger than the limit of 10,000 bits \(.*\)"]),
    Case("template-undefined (already held)", lambda p, o: chapter(p, "{{ nothing }}\n"),
         [r"chapters/03-extra\.md:3: template error: 'nothing' is undefined \(.*\)"]),
    Case("table-42", lambda p, o: chapter(p, "{{ table(42) }}\n"),
         [r"chapters/03-extra\.md:3: template error: TypeError: table\(\) takes a data table's name in quotes, not 42 \(.*\)"]),
    Case("list-3000-levels", lambda p, o: chapter(p, "".join("\t" * i + "- item\n" for i in range(1000))),
         [r"chapters/03-extra\.md:44: Markdown indented 164 columns, deeper than the limit of 160 \(nested lists\) \(.*\)"]),
    Case("list-markers-3000", lambda p, o: chapter(p, "- " * 3000 + "x\n"),
         [r"chapters/03-extra\.md:3: Markdown nested 3000 levels deep, deeper than the limit of 30 \(.*\)"]),
    Case("blockquote-200-levels", lambda p, o: chapter(p, ">" * 200 + " deep\n"),
         [r"chapters/03-extra\.md:3: Markdown nested 200 levels deep, deeper than the limit of 30 \(.*\)"]),
    Case("blockquote-200-levels-check", lambda p, o: chapter(p, ">" * 200 + " deep\n"),
         [r"chapters/03-extra\.md:3: Markdown nested 200 levels deep, deeper than the limit of 30 \(.*\)"], args=["check"]),
    # Markdown inside HTML containers (book/convert/gfm.py): Python-Markdown recursed through 3,000 of them until
    # the stack ran out, and finding 20,000 closing tags one by one took 90 s
    Case("html-containers-3000-nested", lambda p, o: chapter(p, "<div>\n\n" * 3000 + "x\n\n" + "</div>\n\n" * 3000),
         [r"chapters/03-extra\.md:3: HTML nested more than 100 elements deep \(.*\)"]),
    # (each unclosed <div> now ends at its blank line, as its HTML block does on GitHub: 20,000 flat blocks)
    Case("html-containers-20000-unclosed", lambda p, o: chapter(p, "<div>\n\ntext\n\n" * 20000), [], code=0,
         args=["check"]),
    # 50,000 items whose bullet changes each time (a new list each, as on GitHub): splitting the list one item at a
    # time, and finding each marked line among the source lines from the start, took minutes
    Case("list-50000-changing-bullets", lambda p, o: chapter(p, "- a\n* b\n" * 25000), [], code=0, args=["check"]),
    # Pandoc's fenced divs: 3,000 nested exhausted Python-Markdown's stack; past 16 levels they stay text
    Case("fenced-divs-3000-nested", lambda p, o: chapter(p, "::: a\n" * 3000 + "x\n" + ":::\n" * 3000),
         [], code=0, args=["build", "ebook", "--force"]),
    Case("chapter-too-big", lambda p, o: chapter(p, ("Words and more words. " * 40 + "\n\n") * 2500),
         [r"chapters/03-extra\.md: file is larger than the limit of 2,000,000 bytes \(.*\)"]),
    Case("data-table-too-many-rows", lambda p, o: write(p, "data/many.yaml", "caption: Many\ncolumns:\n  - {key: a}\nrows:\n"
                                                        + "  - {a: 1}\n" * 6000),
         [r"data/many\.yaml:4: 6,000 rows: a data table may have at most 5,000 \(.*\)"]),
    Case("data-table-too-big", lambda p, o: write(p, "data/huge.yaml", "caption: Huge\ncolumns:\n  - {key: a}\nrows:\n"
                                                  + ("  - {a: " + "x" * 200 + "}\n") * 6000),
         [r"data/huge\.yaml: YAML file is larger than the limit of 1,000,000 bytes \(.*\)"]),
    # --- internal errors that are the author's: path:line, exit 1
    Case("chapter-is-a-folder", lambda p, o: (p / "chapters" / "03-folder.md").mkdir(),
         [r"chapters/03-folder\.md: is a folder, not a file \(.*\)"]),
    Case("impossible-date", lambda p, o: config_replace(p, "date: 2026-01-15", "date: 2026-02-30"),
         [r"book\.yaml:4: invalid date '2026-02-30': day is out of range for month \(.*\)"]),
    Case("source-date-epoch-abc", lambda p, o: None, [r"SOURCE_DATE_EPOCH: 'abc' is not a timestamp \(.*\)"],
         env={"SOURCE_DATE_EPOCH": "abc"}),
    Case("source-date-epoch-out-of-range", lambda p, o: None,
         [r"SOURCE_DATE_EPOCH: '99999999999999' is not a timestamp \(.*\)"], env={"SOURCE_DATE_EPOCH": "99999999999999"}),
    Case("margins-larger-than-page", lambda p, o: config_replace(p, "page_size: A5,", "page_size: A5, margins: 80mm,"),
         [r"book\.yaml:6: margins '80mm' leave 0 mm of the page's 148 mm width for text .*"]),
    Case("broken-layout-template", lambda p, o: write(p, "layouts/print.html.j2", "<html>\n{% if %}\n"),
         [r"layouts/print\.html\.j2:2: layout error: .* \(fix the Jinja syntax of this layout\)"]),
    Case("undefined-name-in-table-layout", lambda p, o: write(p, "layouts/table.html.j2", "<table>\n{{ nosuch }}</table>\n"),
         [r"layouts/table\.html\.j2:2: layout error: 'nosuch' is undefined \(.*\)"]),
    Case("undefined-name-in-epub-layout", lambda p, o: write(p, "layouts/cover.svg.j2", "<svg>\n\n{{ nosuch }}</svg>\n"),
         [r"layouts/cover\.svg\.j2:3: layout error: 'nosuch' is undefined \(.*\)"], args=["build", "ebook"]),
    Case("nul-byte-in-yaml", lambda p, o: config_add(p, 'subtitle: "a\0b"\n'),
         [r"book\.yaml:8: invalid YAML: character U\+0000 is not allowed \(.*\)"]),
    Case("control-character-in-cell", lambda p, o: config_replace(p, "title:", "title:") or write(
        p, "data/prices.yaml", (BASE / "data" / "prices.yaml").read_text().replace("{item: Pears,", '{item: "Pe\\aars",')),
         [r"data/prices\.yaml:7: row 2: character U\+0007 is not allowed in a cell \(.*\)"]),
    Case("editions-empty", lambda p, o: config_replace(p, "editions:\n  print: {format: pdf, page_size: A5, pdf_variant: none}\n"
                                                       "  ebook: {format: epub}\n", "editions: {}\n"),
         [r"book\.yaml:5: 'editions' is empty: the book would build nothing \(.*\)"]),
    Case("one-pass-config-errors", lambda p, o: (config_add(p, "colour: red\n"),
                                                 config_replace(p, "format: epub", "format: epub, page_size: Z9")),
         [r"book\.yaml:8: unknown key 'colour' \(.*\)", r"book\.yaml:7: invalid page_size 'Z9' \(.*\)"]),
    Case("corrupt-png", lambda p, o: image_chapter(p, "broken.png", PNG.read_bytes()[: len(PNG.read_bytes()) // 2]),
         [r"chapters/03-extra\.md:3: image 'broken\.png' is corrupt \(.*\) \(.*\)"]),
    Case("not-an-image", lambda p, o: image_chapter(p, "text.png", b"just some text\n"),
         [r"chapters/03-extra\.md:3: image 'text\.png' is not an image .*"]),
    Case("image-above-pixel-limit", lambda p, o: image_chapter(p, "huge.png", png(20000, 20000)),
         [r"chapters/03-extra\.md:3: image 'huge\.png' is (20000×20000 pixels, )?above the limit of 40,000,000 pixels .*"]),
    Case("corrupt-cover", lambda p, o: (write(p, "images/cover.png", b"\x89PNG\r\n\x1a\nbroken"), config_add(p, "cover: images/cover.png\n")),
         [r"book\.yaml:8: cover 'images/cover\.png' is not an image .*"]),
    # --- writing: all or nothing
    Case("out-is-a-file", lambda p, o: None, [r"/.*/book/dist/a-hostile-test-book-print\.pdf: the output folder is a file \(.*\)"],
         args=["build", "ebook", "--force"], out=lambda p: p / "dist" / "a-hostile-test-book-print.pdf"),
    Case("out-read-only", lambda p, o: None, [r"/proc/guidebook-out: cannot create the output folder \(.*\) \(.*\)"],
         args=["build", "ebook", "--force"], out=lambda p: Path("/proc/guidebook-out")),
    Case("disk-full-while-laying-out", lambda p, o: None, [r"/.*/book/dist: cannot finish the build \(File too large\) \(.*\)"],
         args=["build", "--force"], fsize=20_000),
    # --- cases that must build
    Case("bom-before-front-matter", lambda p, o: write(p, "chapters/01-intro.md", "\ufeff" + (BASE / "chapters" / "01-intro.md").read_text()),
         [], code=0, args=["build", "ebook", "--force"]),
    Case("html-comment", lambda p, o: chapter(p, "<!-- a note to the editor -->\n\nText.\n"),
         [], code=0, args=["build", "ebook", "--force"]),
    Case("stale-scratch-of-a-killed-build", lambda p, o: (p / ".cache" / "tmp" / "guidebook-999999-dead").mkdir(parents=True),
         [], code=0, args=["build", "ebook", "--force"]),
    Case("corrupt-cache-entries", lambda p, o: [f.write_bytes(b"\x80\x04cos\nsystem\n") for f in (p / ".cache").rglob("*.json")],
         [], code=0, args=["build", "ebook", "--force"]),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_hostile_project(case: Case, built: Path, tmp_path: Path):
    project, outside, scratch = tmp_path / "book", tmp_path / "outside", tmp_path / "tmp"
    shutil.copytree(built, project, symlinks=True)
    shutil.rmtree(project / ".cache" / "tmp", ignore_errors=True)
    outside.mkdir()
    scratch.mkdir()
    for name in ("secret.md", "secret.css", "secret.txt", "secret.png"):
        (outside / name).write_text(f"# {SECRET}\n\n{SECRET}\n")
    (outside / "secret.yaml").write_text(f"caption: {SECRET}\ncolumns: [{{key: a}}]\nrows: [{{a: {SECRET}}}]\n")
    before_outputs = snapshot(project / "dist")
    before_outside = snapshot(outside)
    case.setup(project, outside)

    args = [*case.args, "-q"] + (["--out", str(case.out(project))] if case.out else [])
    result = run_cli(project, outside, scratch, args, case.env, case.fsize)

    # Fontconfig (C) prints "write cache: ..." itself when the file-size limit stops it writing its font cache,
    # which it does on a first build in a fresh process (a known limit, in the README); guidebook's lines are the rest.
    lines = [line for line in result.stderr.splitlines() if not (case.fsize and line.startswith("write cache: "))]
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    assert not [line for line in lines if line.startswith("OUTSIDE-READ")], result.stderr
    assert result.returncode == case.code, result.stderr
    for pattern in case.expect:
        assert any(re.fullmatch(pattern, line) for line in lines), f"{pattern!r} not in:\n{result.stderr}"
    if case.code:
        assert len(lines) == len(case.expect), result.stderr
        assert snapshot(project / "dist") == before_outputs  # the previous outputs are intact
    else:
        assert {"a-hostile-test-book-ebook.epub"} <= set(snapshot(project / "dist"))
        assert not list((project / ".cache" / "tmp").glob("guidebook-*"))  # the killed build's folder is gone
    assert SECRET not in result.stdout + result.stderr
    assert snapshot(outside) == before_outside  # nothing outside the project was written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book", "outside", "tmp"]
    assert list(scratch.iterdir()) == []  # no scratch folder left in the temporary folder


# ------------------------------------------------------------------------------------------- unit-level cases
def test_no_pickle_in_guidebook():
    """The caches hold data only: nothing in book/ can unpickle what a project folder ships."""
    for path in (REPO / "book").rglob("*.py"):
        assert not re.search(r"^\s*(import|from) (pickle|marshal|shelve|dill)\b|\bpickle\.loads?\(", path.read_text(), re.M), path


def test_cache_ignores_corrupt_foreign_and_linked_entries(tmp_path):
    from book.infra.cache import Cache

    root = tmp_path / "book"
    root.mkdir()
    cache = Cache(root, "parts")
    key = cache.key("html", "css")
    cache.put(key, {"pages": 3}, b"%PDF-1.7 bytes")
    assert cache.get(key) == ({"pages": 3}, b"%PDF-1.7 bytes")
    assert cache.get(cache.key("other html", "css")) is None
    (cache.folder / f"{key}.bin").write_bytes(b"%PDF-1.7 bytEs")  # corrupt: the digest no longer matches
    assert cache.get(key) is None
    cache.put(key, {"pages": 3}, b"%PDF-1.7 bytes")
    other = cache.key("another")
    shutil.copy(cache.folder / f"{key}.json", cache.folder / f"{other}.json")  # foreign: made for another key
    assert cache.get(other) is None
    (cache.folder / f"{key}.json").write_bytes(b"\x80\x04\x95cos\nsystem\n")  # a pickle is just garbage here
    assert cache.get(key) is None
    outside = tmp_path / "elsewhere.json"
    outside.write_text('{"key": "%s", "sha256": "", "meta": {}}' % key)
    (cache.folder / f"{key}.json").unlink()
    (cache.folder / f"{key}.json").symlink_to(outside)
    assert cache.get(key) is None


def test_cache_keeps_to_its_size_least_recently_used_first(tmp_path):
    """Each edit adds entries: past the cap the least recently used go (a read counts as a use), what the last
    build used stays even above the cap, and a .cache/ folder linked outside the project is left alone."""
    import os

    from book.infra.cache import Cache, prune

    root = tmp_path / "book"
    root.mkdir()
    parts, markdown = Cache(root, "parts"), Cache(root, "markdown")
    keys = [parts.key(str(i)) for i in range(4)]
    for age, key in enumerate(keys):
        parts.put(key, {"n": age}, b"x" * 1000)
        os.utime(parts.folder / f"{key}.json", (1000 + age, 1000 + age))  # keys[0] the oldest
    markdown.put(markdown.key("m"), {"html": "<p>m</p>"})
    os.utime(markdown.folder / f"{markdown.key('m')}.json", (999, 999))
    assert parts.get(keys[0]) is not None  # read now: the most recently used
    size = {k: sum(f.stat().st_size for f in parts.folder.glob(f"{k}.*")) for k in keys}
    prune(root, used_since=2000, max_bytes=size[keys[0]] + size[keys[2]] + size[keys[3]])
    assert [parts.get(k) is not None for k in keys] == [True, False, True, True]
    assert markdown.get(markdown.key("m")) is None and not list(parts.folder.glob(f"{keys[1]}.*"))
    prune(root, used_since=0, max_bytes=0)  # all of them used by the build that just ended: nothing goes
    assert len(list(parts.folder.glob("*.bin"))) == 3
    elsewhere = tmp_path / "elsewhere"
    (parts.folder).rename(elsewhere)
    parts.folder.symlink_to(elsewhere)
    prune(root, used_since=2e9, max_bytes=0)
    assert len(list(elsewhere.glob("*.bin"))) == 3
    prune(root, used_since=2e9, max_bytes=0)
    parts.folder.unlink()
    elsewhere.rename(parts.folder)
    prune(root, used_since=2e9, max_bytes=0)
    assert list(parts.folder.iterdir()) == []


def test_cache_key_follows_guidebook_code():
    """Every file of book/ feeds the key: editing guidebook invalidates the cache."""
    from book.infra import cache

    before = cache.code_digest()
    cache.code_digest.cache_clear()
    original = cache.TOOL
    try:
        cache.TOOL = REPO / "tests" / "hostile"
        assert cache.code_digest() != before
    finally:
        cache.TOOL = original
        cache.code_digest.cache_clear()
    assert cache.code_digest() == before


def test_a_write_that_fails_replaces_no_output(tmp_path):
    """Disk full while the second of two outputs is written: both previous outputs stay, no temporary file is left."""
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "a.pdf").write_bytes(b"old a")
    (dist / "b.epub").write_bytes(b"old b")
    script = (
        "import resource, signal, sys; from pathlib import Path\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN); resource.setrlimit(resource.RLIMIT_FSIZE, (10000, 10000))\n"
        "from book.infra.errors import BookError; from book.infra.output import write_outputs\n"
        f"dist = Path({str(dist)!r})\n"
        "try:\n    write_outputs({dist / 'a.pdf': b'new a', dist / 'b.epub': b'x' * 20000})\n"
        "except BookError as error:\n    print(error)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=TIME_LIMIT,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.stdout == f"{dist / 'b.epub'}: cannot write (File too large) (nothing in the output folder was replaced)\n", result.stderr
    assert snapshot(dist) == {"a.pdf": b"old a", "b.epub": b"old b"}
