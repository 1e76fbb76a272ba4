"""The guide is written in its own words: no run of 12 consecutive words of the source article (the
"seed") appears in a chapter or a data file.

The seed is not part of the repository: it sits in a `shared/seed` folder beside the checkout
(X/main is the repository, X/shared/seed the article). Without that folder the test is skipped.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEED = Path(__file__).resolve().parents[2] / "shared" / "seed"
RUN = 12  # this many consecutive words in common counts as copying

WORD = re.compile(r"[a-z0-9]+")
APOSTROPHES = re.compile(r"['\u2019\u2018`]")


def words(text: str) -> list[str]:
    """Lowercase words of letters and digits; apostrophes are dropped ("doesn't" → "doesnt"),
    everything else (punctuation, Markdown, YAML syntax) separates words."""
    return WORD.findall(APOSTROPHES.sub("", text.lower()))


def shared_runs(source: list[str], text: list[str], length: int = RUN) -> list[str]:
    """Every run of `length` consecutive words of `text` that also occurs consecutively in `source`."""
    seen = {tuple(source[i:i + length]) for i in range(len(source) - length + 1)}
    return [" ".join(text[i:i + length]) for i in range(len(text) - length + 1)
            if tuple(text[i:i + length]) in seen]


def guide_files() -> list[Path]:
    return sorted([*(REPO / "chapters").glob("*.md"), *(REPO / "data").glob("*.yaml")])


def test_the_checker_catches_a_copied_sentence_and_passes_a_rewritten_one():
    source = words("Knee Osteoarthritis (KOA) is a common, long-term joint condition where the cartilage "
                   "in your knee gradually breaks down.")
    copied = words("Intro. knee osteoarthritis koa is a COMMON long term joint condition, where the "
                   "cartilage in your knee... and more.")
    assert shared_runs(source, copied)
    rewritten = words("KOA is a long-lasting condition of the knee in which cartilage slowly thins and breaks down.")
    assert not shared_runs(source, rewritten)
    assert words("Baker’s cyst, don't") == ["bakers", "cyst", "dont"]


@pytest.mark.skipif(not SEED.is_dir(), reason=f"no seed folder at {SEED} (the source article lives in "
                                               "shared/seed beside the repository checkout)")
def test_no_run_of_12_seed_words_in_chapters_or_data():
    seed_files = sorted(p for p in SEED.iterdir() if p.is_file())
    source = [w for path in seed_files for w in words(path.read_text(encoding="utf-8", errors="replace"))]
    assert len(source) > 1000, f"the seed in {SEED} looks empty or truncated ({len(source)} words)"
    files = guide_files()
    assert any(p.suffix == ".md" for p in files), "no chapters found"
    problems = []
    for path in files:
        runs = shared_runs(source, words(path.read_text(encoding="utf-8")))
        problems += [f"{path.relative_to(REPO)}: {run!r}" for run in dict.fromkeys(runs)]
    assert not problems, (f"{len(problems)} run(s) of {RUN} words copied from the seed; rewrite them:\n"
                          + "\n".join(problems))
