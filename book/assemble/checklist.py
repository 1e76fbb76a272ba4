"""A section marked `{.answer-lines}` (the checklist's questions): its lists printed with room to answer."""
from __future__ import annotations

ANSWER_LINES = "answer-lines"
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def mark_answer_lists(body) -> None:
    """The class of a heading marked `answer-lines` given to every list of its section, subsections included:
    CSS cannot select "the lists after this heading, up to the next one of its level"."""
    level = None  # the level of the marked heading whose section is being read
    for block in body:
        if not isinstance(block.tag, str):
            continue
        if block.tag in HEADINGS:
            if level is not None and int(block.tag[1]) <= level:
                level = None
            if ANSWER_LINES in block.get("class", "").split():
                level = int(block.tag[1])
        elif level is not None and block.tag in ("ol", "ul"):
            block.set("class", " ".join([*block.get("class", "").split(), ANSWER_LINES]))
