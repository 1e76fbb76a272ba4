"""The generated EPUB cover's title lines: wrapped by measured width, in any script."""
from __future__ import annotations

import re
from pathlib import Path

from .fonts import text_width

# A Han or kana character, or a full-width sign: lines may break on either side of it (there are no spaces).
CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
TOKEN = re.compile(f"[{CJK}]|[^\\s{CJK}]+|\\s+")
# Closing punctuation and small kana never start a line (kinsoku), so they stay with the character before.
NO_LINE_START = set("、。，．・：；？！）」』】〕〉》ー〜ぁぃぅぇぉっゃゅょァィゥェォッャュョ,.:;?!)]}%")
NO_LINE_END = set("（「『【〔〈《([{")  # opening brackets go down with what they open


def wrap_title(text: str, size: float, width: float, fonts_dir: Path, language: str) -> list[str]:
    """`text` in lines no wider than `width` at font `size`: breaks at spaces, or between CJK characters."""
    lines: list[str] = []
    line = ""
    for token in TOKEN.findall(text):
        if token.isspace():
            line += " " if line else ""
            continue
        candidate = line + token
        if line and token[0] not in NO_LINE_START and text_width(candidate.rstrip(), size, fonts_dir, language) > width:
            carried = ""
            while line and line[-1] in NO_LINE_END:
                line, carried = line[:-1], line[-1] + carried
            lines.append(line.rstrip())
            line = carried + token
        else:
            line = candidate
    if line.strip():
        lines.append(line.rstrip())
    return lines
