"""Reading a built PDF the way a reader does: contents entries, where headings really are, outline, links."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

from pypdf import PdfReader

# A contents line as `pdftotext -layout` reads it: the title, then the leader (drawn dots are not text: a run of
# spaces), then the page number
ENTRY = re.compile(r"^\s*(?:\d+\s+)?(?P<title>\S.*?)\s{2,}(?P<page>[0-9]+|[ivxlc]+)\s*$")


def roman_value(text: str) -> int:
    values = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
    total = 0
    for a, b in zip(text, text[1:] + " "):
        total += -values[a] if values.get(b, 0) > values[a] else values[a]
    return total


def contents_entries(pages: list[str], heading: str = "Contents") -> list[tuple[str, str]]:
    """(title, printed page) for each contents line on the pages that follow `heading`."""
    entries, inside = [], False
    for text in pages:
        lines = [line for line in text.splitlines() if line.strip()]
        if lines and lines[0].strip() == heading:
            inside = True
        elif inside and not (lines and ENTRY.match(lines[0])):  # a continuation page starts with an entry
            break
        if inside:
            pending = ""  # an entry too long for one line ends on the line with its leader
            for line in lines[1:] if lines[0].strip() == heading else lines:
                if m := ENTRY.match(line):
                    entries.append(((pending + " " + m["title"]).strip(), m["page"]))
                    pending = ""
                elif not line.strip().isdigit() and not re.fullmatch(r"\s*[ivxlc]+\s*", line):
                    pending = (pending + " " + line.strip()).strip()
    return entries


def first_body_index(pages: list[str], first_chapter_title: str) -> int:
    """Index of the page where the first chapter opens (printed page 1)."""
    for index, text in enumerate(pages):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if first_chapter_title in lines[:3] and not any(ENTRY.match(line) for line in text.splitlines()):
            return index
    raise AssertionError(f"first chapter '{first_chapter_title}' not found")


def physical_index(label: str, body_start: int) -> int:
    """0-based page index for a printed page number (roman = front matter from the first page)."""
    return int(label) - 1 + body_start if label.isdigit() else roman_value(label) - 1


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00ad", "")).strip()


def text_on_page(pages: list[str], index: int, needle: str) -> bool:
    # pdftotext may hyphenate or wrap a heading: compare with whitespace folded and hyphen breaks joined
    page = normalise(re.sub(r"-\n\s*", "", pages[index]))
    return normalise(needle) in page


def outline_titles(path: Path) -> list[tuple[int, str, int]]:
    """(depth, title, 0-based page) for every outline entry."""
    reader = PdfReader(str(path))
    found = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 1)
    return found


def link_targets(path: Path, page_index: int) -> list[int]:
    """The page each internal link on a page jumps to, one per text line, top to bottom."""
    reader = PdfReader(str(path))
    boxes = []
    named = reader.named_destinations
    for annotation in reader.pages[page_index].get("/Annots", []) or []:
        annotation = annotation.get_object()
        if annotation.get("/Subtype") != "/Link":
            continue
        dest = annotation.get("/Dest")
        if dest is None and "/A" in annotation:
            dest = annotation["/A"].get("/D")
        if dest is None:
            continue
        if isinstance(dest, str) or hasattr(dest, "encode"):
            target = reader.get_destination_page_number(named[str(dest)])
        else:
            target = reader.get_page_number(dest[0].get_object())
        # one link may be drawn as several boxes on its line (text, leader, number): keep one per line
        rect = [float(v) for v in annotation["/Rect"]]
        boxes.append(((rect[1] + rect[3]) / 2, target))
    lines: list[tuple[float, int]] = []
    for middle, target in sorted(boxes, key=lambda box: -box[0]):
        if not lines or abs(lines[-1][0] - middle) > 3:  # text, leader and number of one entry share a line
            lines.append((middle, target))
    return [target for _, target in lines]


def pdffonts(path: Path) -> list[dict]:
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout.splitlines()
    rows = []
    for line in out[2:]:
        parts = line.split()
        # name type... encoding emb sub uni object ID: emb/sub/uni are the three yes/no columns before "object"
        flags = [p for p in parts if p in ("yes", "no")]
        rows.append({"name": parts[0], "embedded": flags[0] == "yes" if flags else False})
    return rows
