"""`new DIR`: a starter guide (book.yaml, two chapters, a data table, the default styles) that builds at once."""
from __future__ import annotations

import shutil
from pathlib import Path

from ..infra.errors import BookError
from ..infra.theme import DEFAULT_STYLES

STARTER = Path(__file__).resolve().parent.parent / "starter"


def new_project(target: Path) -> None:
    """Create the starter project in `target`, which must not exist or be empty."""
    if target.exists() and any(target.iterdir()):
        raise BookError(target, None, "folder is not empty", "choose a new folder name")
    shutil.copytree(STARTER, target, dirs_exist_ok=True)
    shutil.copytree(DEFAULT_STYLES, target / "styles", ignore=shutil.ignore_patterns("brochure.css"))
    (target / ".gitignore").write_text("dist/\n.cache/\n")
