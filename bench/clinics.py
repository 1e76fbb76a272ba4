#!/usr/bin/env python3
"""Brochures for N clinics from a clinic list against N one-clinic builds (issue 12's batch branding).

The guide is copied to a temporary folder, its brochure edition given a generated clinic list of N rows
(`python bench/clinics.py 50 200 1000`; default 50), and built with `build.py build brochure booklet --force`
(one PDF and one booklet per clinic). The reference is the same brochure and booklet with one clinic's
mapping, built once: N of those is what a clinic-by-clinic workflow costs. Prints one line per count.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ROW = ("clinic-{n},Clinic number {n},\"{n} Teheran-ro | Gangnam-gu, Seoul\",+82 2 555 {n:04d},"
       "desk{n}@clinic.example.org,https://clinic{n}.example.org/,,https://clinic{n}.example.org/guide,\n")


def project_with(folder: Path, branding: str) -> Path:
    """A copy of the guide whose brochure's branding is `branding` (YAML text after `branding:`)."""
    project = folder / "guide"
    shutil.copytree(REPO, project, ignore=shutil.ignore_patterns(".venv", ".cache", "dist", ".git", "bench"))
    config = project / "book.yaml"
    text = config.read_text()
    start = text.index("    branding:")
    end = text.index("  booklet:")
    config.write_text(text[:start] + f"    branding: {branding}\n" + text[end:])
    return project


def build_seconds(project: Path) -> float:
    started = time.perf_counter()
    subprocess.run(BUILD + ["--project", str(project)], check=True, env={**os.environ, "SOURCE_DATE_EPOCH": "1764000000"})
    return time.perf_counter() - started


BUILD = [sys.executable, str(REPO / "build.py"), "build", "brochure", "booklet", "--force", "-q"]


def clinic_list_project(folder: Path, count: int) -> Path:
    """A copy of the guide whose brochure has a clinic list of `count` generated rows."""
    project = project_with(folder, "data/clinics-list.csv")
    rows = "".join(ROW.format(n=n) for n in range(1, count + 1))
    (project / "data" / "clinics-list.csv").write_text(
        "id,name,lines,phone,email,website,logo,qr,note\n" + rows, encoding="utf-8")
    return project


def main() -> None:
    counts = [int(a) for a in sys.argv[1:]] or [50]
    with tempfile.TemporaryDirectory() as scratch:
        single = project_with(Path(scratch) / "one", "{name: Clinic number 1, lines: [1 Teheran-ro, Seoul]}")
        one = build_seconds(single)
        print(f"one clinic (brochure + booklet): {one:.1f} s")
        for count in counts:
            project = clinic_list_project(Path(scratch) / f"n{count}", count)
            seconds = build_seconds(project)
            print(f"{count:>5} clinics: {seconds:.1f} s, {seconds / count:.3f} s per clinic, "
                  f"{seconds / (count * one):.3f}x {count} one-clinic builds")


if __name__ == "__main__":
    main()
