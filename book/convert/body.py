"""A chapter body as HTML text and back: how chapters travel between the load steps and into assemble, as
values (a step that edits reads the text into a tree of its own and writes a new text)."""
from __future__ import annotations

import re
from urllib.parse import unquote

from lxml import html as lxml_html


# libxml2's HTML writer percent-encodes spaces and non-ASCII characters in these attributes and drops leading
# blanks, so `images/my photo.png` would come back as `images/my%20photo.png`: body_html encodes them (and every
# '%') itself, in a way that libxml2 leaves alone and parse_body undoes exactly.
URI_ATTRIBUTES = ".//@href | .//@src | .//@action | .//a/@name"
ESCAPED_IN_URIS = re.compile(r"[^\x21-\x7e]|%")


def parse_body(html: str) -> lxml_html.HtmlElement:
    """A new `<div>` holding the blocks of a chapter body written by `body_html`: the caller's own tree, to read or
    to change and write back with `body_html`."""
    tree = lxml_html.fragment_fromstring(html, create_parent="div")
    if tree.text is None and html[:1].isspace():  # lxml leaves out leading text that is only white space
        tree.text = html[:len(html) - len(html.lstrip())]
    for attribute in tree.xpath(URI_ATTRIBUTES):
        attribute.getparent().set(attribute.attrname, unquote(attribute))
    return tree


def body_html(tree) -> str:
    """The children of `tree` (a `<div>`) as HTML text, which `parse_body` reads back into the same tree."""
    protected = [(attribute.getparent(), attribute.attrname, str(attribute))
                 for attribute in tree.xpath(URI_ATTRIBUTES)]
    for element, name, value in protected:
        element.set(name, ESCAPED_IN_URIS.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), value))
    html = lxml_html.tostring(tree, encoding="unicode")
    assert html.startswith("<div>") and html.endswith("</div>"), "a chapter body is a <div> without attributes"
    html = html[len("<div>"):-len("</div>")]  # one call for the whole body: much faster than one per block
    for element, name, value in protected:  # the caller's tree stays as it was
        element.set(name, value)
    return html
