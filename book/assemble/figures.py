"""Figures numbered and captioned like tables ("Figure 2.1"), for the list of figures and cross-references.

Two ways to write one. Pandoc's implicit figure, except that the caption is the image's *title*, so the long
alt text a screen reader needs stays alt text and the caption stays short:

    ![A drawing of a knee: ...](../images/knee.svg "A healthy knee and a worn one"){#fig-knee}

or raw HTML with `markdown="1"` (a caption longer than a title, with markup). Either becomes
`<figure id><img alt><figcaption><span class="figure-number">Figure 2.1 </span>…</figcaption></figure>`.
A figure without a caption takes no number: it is a picture, not something the text points at.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from ..infra.i18n import Messages
from ..convert.markdown import heading_text

# where the first sentence of a caption ends: the list of figures shows only that much
SENTENCE_END = re.compile(r"(?<=[.!?])\s|(?<=[。！？])")


@dataclass(frozen=True)
class FigureEntry:
    id: str
    label: str  # "Figure 2.1"
    caption: str  # the caption's first sentence, for the list of figures
    chapter_id: str


def _implicit_figure(block) -> bool:
    """A paragraph holding one image with a title and nothing else."""
    if block.tag != "p" or len(block) != 1 or (block.text or "").strip():
        return False
    image = block[0]
    return image.tag == "img" and bool(image.get("title", "").strip()) and not (image.tail or "").strip()


def _as_figure(block) -> None:
    """`<p><img title></p>` → `<figure><img><figcaption>title</figcaption></figure>`, in place (the block keeps its
    attributes, so its source line and page-list marker stay)."""
    image = block[0]
    block.tag = "figure"
    if image.get("id"):  # `{#fig-knee}` after the image names the figure
        block.set("id", image.attrib.pop("id"))
    caption = etree.SubElement(block, "figcaption")
    caption.text = image.attrib.pop("title").strip()
    image.tail = None


def _caption_parts(caption) -> None:
    """The caption's content wrapped as `<span class="caption-text">`, after an empty number span."""
    text = etree.Element("span", {"class": "caption-text"})
    text.text, caption.text = caption.text, None
    for child in list(caption):
        text.append(child)
    number = etree.Element("span", {"class": "figure-number"})
    caption.append(number)
    caption.append(text)


def first_sentence(text: str) -> str:
    parts = SENTENCE_END.split(" ".join(text.split()), maxsplit=1)
    return parts[0].rstrip(".")


def number_figures(body, chapter_id: str, chapter_number: str, t: Messages, unnumbered_before: int
                   ) -> list[FigureEntry]:
    """Number the chapter's captioned figures ("Figure 2.1"; in an unnumbered chapter the count runs on from
    `unnumbered_before`), giving each an id (`fig-<chapter>-<n>` unless the author gave one)."""
    for block in list(body.iter("p")):
        if _implicit_figure(block):
            _as_figure(block)
    entries = []
    for index, figure in enumerate(body.xpath(".//figure[figcaption]"), start=1):
        caption = figure.find("figcaption")
        if caption.find("span[@class='figure-number']") is None:
            _caption_parts(caption)
        number = f"{chapter_number}.{index}" if chapter_number else str(unnumbered_before + index)
        label = t("figure", number=number)
        caption.find("span[@class='figure-number']").text = label + " "
        if not figure.get("id"):
            figure.set("id", f"fig-{chapter_id}-{index}")
        text = first_sentence(heading_text(caption.find("span[@class='caption-text']")))
        entries.append(FigureEntry(figure.get("id"), label, text, chapter_id))
    return entries
