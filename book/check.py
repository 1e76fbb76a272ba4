"""`check`: every problem in the sources, listed at once, with nothing written."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Callable

from .assemble import assemble
from .build import output_path
from .errors import BookError, BookErrors
from .essential import dangling_link_errors, omission_errors
from .project import load_project


def _epubcheck(path: Path) -> list[str]:
    """EPUBCheck's errors and warnings for a built EPUB (nothing when Java or EPUBCheck is missing)."""
    jar = Path("/usr/bin/epubcheck")
    if not shutil.which("java") or not jar.exists() or not path.exists():
        return []
    result = subprocess.run(["java", "-jar", str(jar), "-q", str(path)], capture_output=True, text=True)
    return [f"{path.name}: {line}" for line in (result.stdout + result.stderr).splitlines()
            if line.startswith(("ERROR", "WARNING", "FATAL"))]


def check(root: Path, say: Callable[[str], None]) -> list[str]:
    """Problems as `path:line: message` lines; empty when the project is ready to build."""
    try:
        project = load_project(root)
    except BookErrors as group:
        return [str(e) for e in group.errors]
    except BookError as error:
        return [str(error)]
    from .render.branding import logo_warnings
    for warning in logo_warnings(project.config):  # a blurry logo still prints: a warning, not a problem
        say(warning)
    problems = []
    for edition in project.config.editions:
        if edition.source:  # a booklet or press edition: its source edition is checked
            continue
        try:
            book = assemble(project.chapters, project.config, edition)
        except BookError as error:
            problems.append(str(error))
            continue
        problems += [str(e) for e in omission_errors(project.chapters, book)]
        dangling = [str(e) for e in dangling_link_errors(project.chapters, book)]
        problems += dangling if project.config.strict else []
        for warning in [] if project.config.strict else dangling:
            say(f"warning: {warning}")
    for edition in project.config.editions:
        if edition.format == "epub":
            problems += _epubcheck(output_path(root / "dist", project.config, edition))
    if not problems:
        say(f"ok: {len(project.chapters)} chapters, {len(project.config.editions)} editions, no problems")
    return problems
