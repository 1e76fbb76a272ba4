"""The command line as authors use it: entry points, new, check, watch, no-op builds."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import REPO, assert_epubcheck_clean, copy_fixture, run

ENV = dict(os.environ, PYTHONPATH=str(REPO))


@pytest.mark.parametrize("command", [[sys.executable, "build.py"], [sys.executable, "-m", "book"],
                                     [str(Path(sys.executable).parent / "guidebook")]])
def test_every_entry_point_has_help(command):
    result = subprocess.run([*command, "build", "--help"], cwd=REPO, capture_output=True, text=True, env=ENV)
    assert result.returncode == 0 and "--project" in result.stdout and "EDITION" in result.stdout


def test_usage_error_exits_2():
    result = subprocess.run([sys.executable, "build.py", "frobnicate"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_new_scaffolds_a_guide_that_builds_at_once(tmp_path, capsys):
    code, out, err = run(["new", str(tmp_path / "guide")], capsys)
    assert code == 0, err
    dist = tmp_path / "guide" / "dist"
    assert sorted(p.name for p in dist.iterdir()) == ["index.html", "my-new-guide-ebook.epub", "my-new-guide-print.pdf"]
    assert_epubcheck_clean(dist / "my-new-guide-ebook.epub")
    assert run(["new", str(tmp_path / "guide")], capsys)[0] == 1  # not over an existing project


def test_second_build_skips_and_says_so(tmp_path, capsys):
    project = copy_fixture("small", tmp_path)
    assert run(["build", "--project", str(project)], capsys)[0] == 0
    code, out, _ = run(["build", "--project", str(project)], capsys)
    assert code == 0 and out.count("up to date") == 2
    (project / "chapters" / "01-intro.md").write_text((project / "chapters" / "01-intro.md").read_text() + "\nMore.\n")
    code, out, _ = run(["build", "--project", str(project)], capsys)
    assert "up to date" not in out and "pdf      print" in out and "total" in out


def test_a_build_with_nothing_to_do_never_imports_the_pipeline(tmp_path, capsys):
    # The up-to-date check is what `make` runs on every call: importing the pipeline (Jinja, lxml, ebooklib,
    # Pygments) to find nothing to do made it 0.77 s instead of 0.2 s
    project = copy_fixture("small", tmp_path)
    assert run(["build", "--project", str(project)], capsys)[0] == 0
    probe = ("import sys; from book.cli import main; code = main(['build', '--project', sys.argv[1]]); "
             "print(code, sorted(m for m in sys.modules if m in {'book.commands.build', 'book.assemble', 'lxml', "
             "'jinja2', 'ebooklib', 'weasyprint', 'pygments'}))")
    result = subprocess.run([sys.executable, "-c", probe, str(project)], cwd=REPO, capture_output=True, text=True, env=ENV)
    assert result.stdout.count("up to date") == 2 and result.stdout.splitlines()[-1] == "0 []", result.stdout + result.stderr


def test_a_long_layout_says_it_is_still_under_way(tmp_path, capsys, monkeypatch):
    """No layout may keep the build silent for minutes (20,000 headings took six): a line names what is still
    being laid out, from the first (here shortened) interval on, and the timer ends with the layouts."""
    import signal

    import book.infra.still_working as still_working
    monkeypatch.setattr(still_working, "FIRST_SECONDS", 0.2)
    monkeypatch.setattr(still_working, "EVERY_SECONDS", 0.2)
    project = copy_fixture("small", tmp_path)
    code, out, err = run(["build", "--project", str(project)], capsys)
    assert code == 0, err
    said = [line for line in out.splitlines() if "still laying out" in line]
    assert said and re.match(r"^layout   still laying out print after \d+ s \(a very long chapter", said[0]), out
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, None)


def test_check_passes_on_the_guide(capsys, tmp_path):
    # the guide's sources without dist/: `check` also runs EPUBCheck on the EPUBs a build left there (tested below),
    # and this test must not depend on whether `make` ran in the work tree
    for name in ("book.yaml", "chapters", "data", "styles", "images"):
        (shutil.copytree if (REPO / name).is_dir() else shutil.copyfile)(REPO / name, tmp_path / name)
    code, out, err = run(["check", "--project", str(tmp_path)], capsys)
    assert code == 0, err
    assert re.fullmatch(r"ok: \d+ chapters, \d+ editions, no problems", out.strip()), out  # no warnings either


@pytest.mark.slow
def test_check_runs_epubcheck_on_the_ebooks_in_dist(small_build, tmp_path, capsys):
    project = tmp_path / "small"
    shutil.copytree(small_build, project)
    epub = next((project / "dist").glob("*.epub"))
    with zipfile.ZipFile(epub, "a") as archive:  # a file the package does not list
        archive.writestr("EPUB/stray.xhtml", "<html/>")
    code, _, err = run(["check", "--project", str(project)], capsys)
    assert code == 1 and f"{epub.name}: " in err and "stray.xhtml" in err, err
    # EPUBCheck's own lines (liquidjs's README: 99 of them, up to 2,557 characters, naming no chapter) come out as
    # one line each: the chapter (or the EPUB), what EPUBCheck says, where in the EPUB, what to do
    with zipfile.ZipFile(epub) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    files["EPUB/intro.xhtml"] = files["EPUB/intro.xhtml"].replace(b"<p>", b'<p width="3">', 1)
    with zipfile.ZipFile(epub, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), files.pop("mimetype"))
        for name, data in files.items():
            archive.writestr(name, data, zipfile.ZIP_DEFLATED)
    code, _, err = run(["check", "--project", str(project)], capsys)
    line = next(line for line in err.splitlines() if "RSC-005" in line)
    assert line.startswith("chapters/01-intro.md: EPUBCheck error RSC-005 (") and 'attribute "width" not allowed here (' in line
    assert all(len(line) < 400 for line in err.splitlines()), err


def test_clean_removes_outputs_and_cache(tmp_path, capsys):
    project = copy_fixture("small", tmp_path)
    assert run(["build", "-q", "--project", str(project)], capsys)[0] == 0
    assert run(["clean", "-q", "--project", str(project)], capsys)[0] == 0
    assert not (project / "dist").exists() and not (project / ".cache").exists()


@pytest.mark.slow
def test_watch_rebuilds_survives_a_mistake_and_recovers(tmp_path):
    project = copy_fixture("small", tmp_path)
    chapter = project / "chapters" / "01-intro.md"
    log = tmp_path / "watch.log"
    dated = dict(ENV, SOURCE_DATE_EPOCH="1767225600")
    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, str(REPO / "build.py"), "watch", "print", "--project", str(project)],
                                   stdout=out, stderr=subprocess.STDOUT, env=dated)
    try:
        def wait_for(text: str, count: int = 1) -> None:
            deadline = time.time() + 60
            while time.time() < deadline:
                if log.read_text().count(text) >= count:
                    return
                time.sleep(0.2)
            raise AssertionError(f"no {text!r} in:\n{log.read_text()}")

        wait_for("watching")
        chapter.write_text(chapter.read_text() + "\n<script>x</script>\n")
        wait_for("raw HTML <script> is not allowed")
        assert process.poll() is None, "watch stopped after a failed build"
        chapter.write_text(chapter.read_text().replace("<script>x</script>", "Fixed."))
        wait_for("pdf      print", count=2)
        assert "changed: chapters/01-intro.md" in log.read_text()
        # the rebuild reused the stylesheets (and their fonts) parsed in the watch's first build: the same file as
        # a build from nothing
        fresh = tmp_path / "fresh"
        shutil.copytree(project, fresh, ignore=shutil.ignore_patterns(".cache", "dist"))
        subprocess.run([sys.executable, str(REPO / "build.py"), "build", "-q", "print", "--project", str(fresh)],
                       env=dated, check=True)
        name = next((fresh / "dist").glob("*.pdf")).name
        assert (project / "dist" / name).read_bytes() == (fresh / "dist" / name).read_bytes()
        process.terminate()  # as Ctrl-C: the folder of the kept stylesheets' fonts goes with it
        process.wait(timeout=30)
        assert not list((project / ".cache" / "tmp").glob("guidebook-*"))
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_ebook_alone_reuses_the_print_page_map(tmp_path, capsys):
    project = copy_fixture("small", tmp_path)
    assert run(["build", "-q", "--project", str(project)], capsys)[0] == 0
    first = (project / "dist" / "a-small-test-book-ebook.epub").read_bytes()
    code, out, _ = run(["build", "--force", "--project", str(project), "ebook"], capsys)
    assert code == 0 and "pdf " not in out  # no layout of the print edition this time
    assert (project / "dist" / "a-small-test-book-ebook.epub").read_bytes() == first
    # nor the second of importing WeasyPrint for nothing (a new process: this one has imported it)
    script = ("import sys; from book.cli import main\n"
              f"code = main(['build', '-q', '--force', '--project', {str(project)!r}, 'ebook'])\n"
              "print(code, 'weasyprint' in sys.modules)\n")
    alone = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO)
    assert alone.stdout == "0 False\n", alone.stderr
    (project / "chapters" / "02-details.md").write_text((project / "chapters" / "02-details.md").read_text() + "\nMore.\n")
    code, out, _ = run(["build", "--project", str(project), "ebook"], capsys)
    assert "pdf      print" in out  # the print layout changed, so its page numbers are taken afresh
