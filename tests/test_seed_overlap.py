"""The guide is written in our own words: no run of 12 words from the source article appears in it."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEED = REPO.parent / "shared" / "seed"
RUN = 12


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("’", "").replace("'", ""))


def shared_runs(source: list[str], text: list[str], length: int = RUN) -> list[str]:
    """Every run of `length` consecutive words of `text` that also stands in `source`."""
    seen = {tuple(source[i:i + length]) for i in range(len(source) - length + 1)}
    return [" ".join(text[i:i + length]) for i in range(len(text) - length + 1) if tuple(text[i:i + length]) in seen]


def test_the_checker_finds_a_copied_sentence():
    source = words("Knee osteoarthritis is a common long term joint condition where the cartilage breaks down slowly")
    assert shared_runs(source, words("Intro. " + " ".join(source[:13]) + " and more."))
    assert not shared_runs(source, words("A long-lasting knee condition in which cartilage thins and breaks down."))


@pytest.mark.skipif(not SEED.is_dir(), reason="the source article lives in ../shared/seed, beside the repository")
def test_no_long_run_of_the_seed_in_chapters_or_data():
    source = [w for path in sorted(SEED.glob("*.txt")) for w in words(path.read_text(encoding="utf-8"))]
    assert len(source) > 1000
    for path in sorted([*(REPO / "chapters").glob("*.md"), *(REPO / "data").glob("*.yaml")]):
        runs = shared_runs(source, words(path.read_text(encoding="utf-8")))
        assert not runs, f"{path.name} repeats the source word for word: {runs[0]!r}"
