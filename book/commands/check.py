"""`check`: every problem in the sources, listed at once, with nothing written."""
from __future__ import annotations

import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

from ..assemble import assemble
from .outputs import output_path
from ..infra.errors import BookError, BookErrors
from ..assemble.essential import dangling_link_errors, omission_errors
from ..load.project import load_project
from ..load.translations import translation_languages, translation_problems, untranslated_strings


# EPUBCheck runs are short: the quick JIT tier and the serial collector halve their CPU time (15 -> 7 s for the
# guide's ebook; 8 -> 5 s wall), with the same report.
QUICK_JVM = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]


# EPUBCheck's own line: "ERROR(RSC-005): /…/book.epub/EPUB/intro.xhtml(114,26): Error while parsing file: …"
EPUBCHECK_LINE = re.compile(r"^(ERROR|WARNING|FATAL)\(([\w-]+)\): (?:.*?\.epub/([^()]+?)(?:\((\d+),\d+\))?: )?(.*)$")


def _epubcheck(path: Path, chapters: dict[str, str]) -> list[str]:
    """EPUBCheck's errors and warnings for a built EPUB (nothing when Java or EPUBCheck is missing), one line each:
    the chapter a file of the EPUB comes from (`chapters`: the EPUB's file name → the chapter's path) or the EPUB,
    what EPUBCheck says (its list of the attributes it would have taken left out) and where in the EPUB."""
    jar = Path("/usr/bin/epubcheck")
    if not shutil.which("java") or not jar.exists() or not path.exists():
        return []
    result = subprocess.run(["java", *QUICK_JVM, "-jar", str(jar), "-q", str(path)], capture_output=True, text=True)
    lines = []
    for line in (result.stdout + result.stderr).splitlines():
        found = EPUBCHECK_LINE.match(line)
        if not found:
            continue
        level, code, inner, row, message = found.groups()
        message = message.removeprefix("Error while parsing file: ").split("; expected ")[0]
        message = message if len(message) <= 200 else message[:199] + "…"
        where = f" ({path.name}: {inner}{f' line {row}' if row else ''})" if inner else ""
        epub = str(Path("dist") / path.name)
        source = chapters.get(Path(inner).name, epub) if inner else epub
        lines.append(f"{source}: EPUBCheck {level.lower()} {code}{where}: {message} (rebuild with the chapter's raw"
                     " HTML or markup changed; if the chapter is plain Markdown, it is a guidebook bug: please"
                     " report it)")
    return lines


def _glyph_problems(project, book, say: Callable[[str], None]) -> list[str]:
    """The characters no font of a PDF edition has, as its build finds them (it stops rather than print tofu)."""
    from ..render.pdf import prepare_print
    from .assets import render_context
    try:
        prepared = prepare_print(book, render_context(project, book))
    except BookErrors as group:
        return [str(e) for e in group.errors]
    for warning in prepared.warnings:
        say(str(warning))
    return []


def check(root: Path, say: Callable[[str], None], strict: bool | None = None) -> list[str]:
    """Problems as `path:line: message` lines; empty when the project is ready to build (warnings are logged)."""
    try:
        project = load_project(root, strict=strict)
    except BookErrors as group:
        return [str(e) for e in group.errors]
    except BookError as error:
        return [str(error)]
    from ..render.branding import logo_warnings
    for warning in logo_warnings(project.config):  # a blurry logo still prints: a warning, not a problem
        say(warning)
    original_ids = {p.chapter.source.name: set(p.ids) for p in project.chapters}
    problems = translation_problems(project.config, original_ids)
    projects = {project.config.language: project}
    for language in translation_languages(project.config):
        if any(p.startswith(f"chapters/{language}/") and ": missing:" in p for p in problems):
            continue  # a translation still being written: its missing chapters are listed above
        try:
            projects[language] = load_project(root, language, strict)
        except BookErrors as group:
            problems += [str(e) for e in group.errors]
        except BookError as error:
            problems.append(str(error))
    lenient = not project.config.strict if strict is None else not strict
    for edition in project.config.editions:
        if edition.source or edition.language not in projects:  # a booklet or press edition: its source is checked
            continue
        chapters, config = projects[edition.language].chapters, projects[edition.language].config
        try:
            book = assemble(chapters, config, edition)
        except BookError as error:
            problems.append(str(error))
            continue
        problems += [str(e) for e in omission_errors(chapters, book)]
        if edition.format == "pdf":
            problems += _glyph_problems(projects[edition.language], book, say)
        dangling = [str(e) for e in dangling_link_errors(chapters, book)]
        problems += [] if lenient else dangling
        for warning in dangling if lenient else []:
            say(f"warning: {warning}")
    problems = list(dict.fromkeys(problems))  # (each PDF edition in a language finds the same missing glyphs)
    for note in untranslated_strings(project.config):
        say(note)
    ebooks = [output_path(root / "dist", project.config, e) for e in project.config.editions if e.format == "epub"]
    files = {f"{p.chapter.id}.xhtml": p.chapter.display for built in projects.values() for p in built.chapters}
    with ThreadPoolExecutor(max_workers=2) as pool:  # one JVM per ebook, two at a time
        for found in pool.map(lambda path: _epubcheck(path, files), ebooks):
            problems += found
    if not problems:
        said = f"{len(project.warnings)} warnings" if project.warnings else "no problems"
        say(f"ok: {len(project.chapters)} chapters, {len(project.config.editions)} editions, {said}")
    return problems
